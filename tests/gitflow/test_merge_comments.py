"""The merge keeps ours' comments and layout (docs/git.md, Conflict-free merges); a comment theirs added or
removed is said to be left out, not lost without a word (real git: in a rebase the commit that made it would
be dropped as empty)."""

from __future__ import annotations

import stat

from tests.support.git import Sandbox, seal_file

FILE = "secrets.enc.yaml"
WARNING = ("theirs' comment changes are not merged (1 comment line): the merge keeps ours' comments and layout; "
           "make them again with 'sealfile edit'")


def _commenting(box: Sandbox) -> dict[str, str]:
    editor = box.root / "comment.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/^api:/# rotated monthly, by hand\\napi:/' \"$1\"\n")
    editor.chmod(editor.stat().st_mode | stat.S_IXUSR)
    return {**box.env, "EDITOR": str(editor)}


def test_a_comment_theirs_added_is_said_to_be_left_out(installed: Sandbox) -> None:
    seal_file(installed, FILE, "db:\n  password: pw-1\napi:\n  token: t-1\n")
    installed.commit("secrets")
    installed.diverge(lambda: installed.sealfile("edit", FILE, env=_commenting(installed)),
                      lambda: installed.sealfile("set", FILE, "db.password", "pw-2"))
    done = installed.git("merge", "--no-edit", "feature")
    assert WARNING in done.stderr + done.stdout
    assert "rotated monthly" not in done.stderr + done.stdout  # a comment is plaintext: never shown


def test_comments_ours_added_or_both_made_merge_without_a_word(installed: Sandbox) -> None:
    seal_file(installed, FILE, "db:\n  password: pw-1\napi:\n  token: t-1\n")
    installed.commit("secrets")
    installed.diverge(lambda: installed.sealfile("set", FILE, "db.password", "pw-2"),
                      lambda: installed.sealfile("edit", FILE, env=_commenting(installed)))
    done = installed.git("merge", "--no-edit", "feature")
    assert "comment" not in done.stderr + done.stdout
    assert "# rotated monthly, by hand" in installed.sealfile("decrypt", FILE).stdout


def test_a_comment_theirs_moved_into_another_document_beside_its_twin_is_said_to_be_left_out(
        installed: Sandbox) -> None:
    """Found exploring (seed 47119): theirs moved a key and its comment into another document that already held the
    same comment; the merge keeps ours' layout (the comment where it was) and said nothing, as a comment counted over
    the whole file was removed once and added once."""
    seal_file(installed, FILE, "---\ndb:\n  # rotated monthly\n  password: pw-1\n  user: u\n---\n"
                               "# rotated monthly\napi: t-1\n")
    installed.commit("secrets")
    theirs = installed.root / "theirs.yaml"
    theirs.write_text("---\ndb:\n  user: u\n---\n# rotated monthly\npassword: pw-1\n# rotated monthly\napi: t-1\n")
    editor = installed.root / "move.sh"
    editor.write_text(f"#!/bin/sh\ncp '{theirs}' \"$1\"\n")
    editor.chmod(editor.stat().st_mode | stat.S_IXUSR)
    installed.diverge(lambda: installed.sealfile("edit", FILE, env={**installed.env, "EDITOR": str(editor)}),
                      lambda: installed.sealfile("set", FILE, "[0].db.user", "u2"))
    done = installed.git("merge", "--no-edit", "feature")
    assert WARNING in done.stderr + done.stdout
    assert installed.sealfile("decrypt", FILE).stdout == ("---\ndb:\n  # rotated monthly\n  user: u2\n---\n"
                                                          "# rotated monthly\npassword: pw-1\napi: t-1\n")
