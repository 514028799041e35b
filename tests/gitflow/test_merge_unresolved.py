"""A conflict the merge driver leaves cannot be committed by accident, with real git and the check as a hook.

The driver leaves a sealed file that reads, holding our value at each conflicting key path: staged blindly
(``git add``, ``git commit -a``) it would drop theirs without a word, where git's own conflict markers
would have stopped the hook.
"""

from __future__ import annotations

import sys

import pytest

from sealfile.gitflow.guard_hooks import HOOKS
from tests.support.git import Sandbox, seal_file

FILE = "secrets.enc.yaml"
HOOK = f'#!/bin/sh\nexec "{sys.executable}" -m sealfile check\n'


@pytest.fixture
def hooked(installed: Sandbox) -> Sandbox:
    """The drivers installed and ``sealfile check`` as the pre-commit and pre-merge-commit hooks."""
    hooks = installed.repo / ".git" / "hooks"
    for name in ("pre-commit", "pre-merge-commit"):
        (hooks / name).write_text(HOOK)
        (hooks / name).chmod(0o755)
    return installed


def _conflict(box: Sandbox, *, other: str = "x") -> None:
    """``db.password`` (and ``other``, when given) changed differently on main and feature, ``db.user`` on
    feature alone; then ``git merge feature`` stops in conflict."""
    seal_file(box, FILE, "db:\n  password: base-pw\n  user: app\nx: base-x\ny: base-y\n")
    box.commit("base")
    box.diverge(lambda: [box.sealfile("set", FILE, k, v) for k, v in (("db.password", "theirs-pw"),
                                                                      ("db.user", "feature-user"), (other, "theirs"))],
                lambda: [box.sealfile("set", FILE, k, v) for k, v in (("db.password", "ours-pw"), (other, "ours"))])
    merge = box.git("merge", "--no-edit", "feature", check=False)
    assert merge.returncode != 0 and "CONFLICT at db.password" in merge.stderr, merge.stderr


def _commit(box: Sandbox, *args: str) -> tuple[int, str]:
    done = box.git("commit", "-m", "merged", *args, check=False)
    return done.returncode, done.stdout + done.stderr


def _value(box: Sandbox, keypath: str, rev: str = "HEAD") -> str:
    text = box.git("show", f"{rev}:{FILE}").stdout
    return box.sealfile("decrypt", "--input-type", "yaml", "-", "--extract", keypath, stdin=text).stdout


@pytest.mark.parametrize("how", ["add", "commit -a"])
def test_a_blind_commit_of_the_conflict_is_refused_naming_the_key_paths(hooked: Sandbox, how: str) -> None:
    _conflict(hooked)
    if how == "add":
        hooked.git("add", FILE)
    code, output = _commit(hooked, *(["-a"] if how == "commit -a" else []))
    assert code != 0
    assert f"{FILE}: unresolved merge conflict at db.password, x" in output
    assert "sealfile git resolve" in output
    assert not any(secret in output for secret in ("ours-pw", "theirs-pw"))
    assert hooked.git("rev-parse", "-q", "--verify", "MERGE_HEAD").returncode == 0  # still merging


def test_setting_every_conflicting_value_resolves_one_left_is_still_named(hooked: Sandbox) -> None:
    _conflict(hooked)
    hooked.sealfile("set", FILE, "db.password", "chosen-pw")
    hooked.git("add", FILE)
    code, output = _commit(hooked)
    assert code != 0 and "unresolved merge conflict at x (" in output  # db.password is no longer named
    hooked.sealfile("set", FILE, "x", "chosen-x")
    hooked.git("add", FILE)
    assert _commit(hooked)[0] == 0
    assert (_value(hooked, "db.password"), _value(hooked, "x"), _value(hooked, "db.user")) == (
        "chosen-pw", "chosen-x", "feature-user")


@pytest.mark.parametrize("side", ["--ours", "--theirs"])
def test_taking_one_side_whole_resolves(hooked: Sandbox, side: str) -> None:
    _conflict(hooked)
    hooked.git("checkout", side, "--", FILE)
    hooked.git("add", FILE)
    assert _commit(hooked)[0] == 0
    assert _value(hooked, "db.password") == ("ours-pw" if side == "--ours" else "theirs-pw")


def test_sealfile_git_resolve_keeps_the_value_the_merge_kept(hooked: Sandbox) -> None:
    _conflict(hooked)
    assert "unresolved merge conflict: db.password, x" in hooked.sealfile("status", FILE).stdout
    edited = hooked.sealfile("edit", FILE, env={**hooked.env, "VISUAL": "true", "EDITOR": "true"})
    assert edited.stderr.count("unresolved merge conflict: db.password, x") == 2  # before the editor, and after
    done = hooked.sealfile("git", "resolve", FILE)
    assert "keeping what it holds at db.password, x" in done.stdout
    assert "unresolved" not in hooked.sealfile("status", FILE).stdout
    hooked.git("add", FILE)
    assert _commit(hooked)[0] == 0
    assert (_value(hooked, "db.password"), _value(hooked, "db.user")) == ("ours-pw", "feature-user")
    again = hooked.sealfile("git", "resolve", FILE, check=False)
    assert again.returncode != 0 and "no merge conflict" in again.stderr


def test_git_resolve_of_several_files_tries_each_and_names_the_one_it_could_not(hooked: Sandbox) -> None:
    """A file with no conflict named first stopped the command: the conflicted one after it was neither
    resolved nor named."""
    _conflict(hooked)
    done = hooked.sealfile("git", "resolve", ".sealfile.yaml", FILE, check=False)
    lines = done.stderr.splitlines()
    assert done.returncode == 1 and f"{FILE}: resolved: keeping what it holds at db.password, x" in done.stdout
    assert lines[0].startswith("sealfile: error: .sealfile.yaml: no merge conflict"), done.stderr
    assert lines[-1] == "sealfile: git resolve: 2 files: 1 ok, 1 failed (.sealfile.yaml)", done.stderr
    assert "unresolved" not in hooked.sealfile("status", FILE).stdout


@pytest.mark.parametrize("undo", [("merge", "--abort"), ("reset", "-q", "--hard"), ("reset", "-q", "--merge")])
def test_an_aborted_merge_leaves_nothing_that_blocks_a_later_commit(hooked: Sandbox, undo: tuple[str, ...]) -> None:
    """The later merge leaves the file alone at every key the aborted one conflicted at, so the file holds what
    the aborted merge's record names there: the record must not count."""
    _conflict(hooked)
    hooked.git(*undo)
    hooked.git("checkout", "-q", "-b", "other", "main~1")
    hooked.sealfile("set", FILE, "y", "from-other")
    hooked.commit("other changes y")
    hooked.git("checkout", "-q", "main")
    assert hooked.git("merge", "--no-edit", "other").returncode == 0  # pre-merge-commit passed
    assert _value(hooked, "y") == "from-other"
    hooked.sealfile("set", FILE, "y", "later")
    hooked.git("add", FILE)
    assert _commit(hooked)[0] == 0
    assert hooked.sealfile("check").returncode == 0


def test_a_later_merge_that_conflicts_elsewhere_is_not_held_by_an_earlier_record(hooked: Sandbox) -> None:
    _conflict(hooked)
    hooked.git("merge", "--abort")
    hooked.git("checkout", "-q", "-b", "other", "main~1")
    (hooked.repo / "notes.txt").write_text("other\n")
    hooked.sealfile("set", FILE, "y", "from-other")
    hooked.commit("other")
    hooked.git("checkout", "-q", "main")
    (hooked.repo / "notes.txt").write_text("main\n")
    hooked.commit("main notes")
    assert hooked.git("merge", "--no-edit", "other", check=False).returncode != 0  # notes.txt, as text
    (hooked.repo / "notes.txt").write_text("both\n")
    hooked.git("add", "notes.txt")
    code, output = _commit(hooked)
    assert code == 0, output


def test_a_file_the_driver_could_not_merge_is_refused_until_resolved(hooked: Sandbox) -> None:
    seal_file(hooked, FILE, "a: 1\nb: 2\n")
    hooked.commit("base")
    hooked.diverge(lambda: hooked.sealfile("set", FILE, "a", "10"), lambda: hooked.sealfile("set", FILE, "b", "20"))
    merge = hooked.git("merge", "--no-edit", "feature", check=False, env=hooked.keyless_env())
    assert merge.returncode != 0
    hooked.git("add", FILE)
    code, output = _commit(hooked)
    assert code != 0 and "could not merge it and kept our version" in output
    hooked.git("checkout", "-m", "--", FILE)  # the key is back: merged again, cleanly
    hooked.git("add", FILE)
    assert _commit(hooked)[0] == 0
    assert (_value(hooked, "a"), _value(hooked, "b")) == ("10", "20")


@pytest.mark.parametrize("how", ["rebase --continue", "commit --no-verify"])
def test_a_conflict_committed_without_the_hook_is_refused_until_fixed(hooked: Sandbox, how: str) -> None:
    """'git rebase --continue' commits without running pre-commit; so does '--no-verify': the next check (CI,
    the next commit of the file, 'sealfile check') still names the conflict, until the file is fixed."""
    _conflict(hooked)
    if how == "rebase --continue":
        for hook in HOOKS:  # a clone set up before 'git install' wrote the replay hooks
            (hooked.repo / ".git" / "hooks" / hook).unlink()
        hooked.git("merge", "--abort")
        hooked.git("checkout", "-q", "feature")
        assert hooked.git("rebase", "main", check=False).returncode != 0
        hooked.git("add", FILE)
        hooked.git("-c", "core.editor=true", "rebase", "--continue")  # git runs no pre-commit hook here
    else:
        hooked.git("add", FILE)
        assert _commit(hooked, "--no-verify")[0] == 0
    found = hooked.sealfile("check", check=False)
    assert found.returncode == 3
    assert "unresolved merge conflict at db.password, x" in found.stderr and "committed so" in found.stderr
    assert "unresolved merge conflict: db.password, x" in hooked.sealfile("status", FILE).stdout
    hooked.sealfile("set", FILE, "db.password", "fixed-pw")
    hooked.sealfile("set", FILE, "x", "fixed-x")
    hooked.git("add", FILE)
    assert _commit(hooked)[0] == 0
    assert hooked.sealfile("check").returncode == 0


def test_a_cherry_pick_left_in_conflict_is_refused_then_resolved(hooked: Sandbox) -> None:
    """The same driver runs in a cherry-pick; its record is tied to that pick's conflict as to a merge's."""
    _conflict(hooked)
    hooked.git("merge", "--abort")
    assert hooked.git("cherry-pick", "feature", check=False).returncode != 0
    hooked.git("add", FILE)
    code, output = _commit(hooked)
    assert code != 0 and "unresolved merge conflict at db.password, x" in output
    hooked.sealfile("git", "resolve", FILE)
    assert _commit(hooked)[0] == 0
    assert (_value(hooked, "db.password"), _value(hooked, "db.user")) == ("ours-pw", "feature-user")


def test_a_linked_worktree_keeps_its_own_records(hooked: Sandbox) -> None:
    """Records live in the work tree's own git directory (a '.git' file names it in a linked worktree): a
    conflict there is named there, and not in the main work tree."""
    _conflict(hooked)
    hooked.git("merge", "--abort")
    hooked.git("worktree", "add", "-q", "--detach", str(hooked.root / "linked"), "main")
    linked = Sandbox(hooked.root, hooked.root / "linked", hooked.env, hooked.recipient)
    assert linked.git("merge", "--no-edit", "feature", check=False).returncode != 0
    assert "unresolved merge conflict: db.password, x" in linked.sealfile("status", FILE).stdout
    linked.git("add", FILE)
    assert linked.sealfile("check", check=False).returncode == 3
    assert "unresolved" not in hooked.sealfile("status", FILE).stdout
    assert hooked.sealfile("check").returncode == 0


@pytest.mark.parametrize("damage", ["{", '{"path": 1}', "MARKS"])
def test_a_damaged_record_is_ignored_not_a_crash(hooked: Sandbox, damage: str) -> None:
    _conflict(hooked)
    hooked.git("add", FILE)
    (record,) = (hooked.repo / ".git" / "sealfile" / "conflicts").glob("*.json")
    if damage == "MARKS":  # well-formed JSON of the wrong shape
        damage = record.read_text().replace('"marks": [[', '"marks": [["zz"], [')
    record.write_text(damage)
    for command in (("check",), ("status", FILE)):
        done = hooked.sealfile(*command, check=False)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr


def test_a_link_listed_first_to_a_sealed_file_of_another_repository_does_not_hide_the_conflict(
        hooked: Sandbox) -> None:
    """Whether any record exists is told from the work tree being committed, not from the first file's target:
    a link (sorted first) to a sibling clone's sealed file sent that look to the sibling's git directory, which
    holds no record, and the conflict here was committed unrefused."""
    _conflict(hooked)
    sibling = hooked.root / "sibling"
    sibling.mkdir()
    hooked.git("init", "-q", str(sibling))
    (sibling / FILE).write_text(hooked.git("show", f"main:{FILE}").stdout)
    (hooked.repo / f"a{FILE}").symlink_to(sibling / FILE)
    hooked.git("add", FILE, f"a{FILE}")
    code, output = _commit(hooked)
    assert code != 0 and f"{FILE}: unresolved merge conflict at db.password, x" in output, output


def test_a_file_the_driver_could_not_merge_stays_unresolved_when_git_add_normalizes_it(hooked: Sandbox) -> None:
    """The driver kept our version whole; an 'ident' attribute (written by whoever pushes) makes 'git add' store
    another blob than the one the driver left ('$Id: ... $' collapsed) with every value as the driver left it:
    that blob was taken as the conflict resolved, and theirs' change was dropped unrefused."""
    seal_file(hooked, FILE, "a: 1\nb: 2\n")
    with (hooked.repo / FILE).open("a") as out:
        out.write("# $Id: pinned $\n")
    hooked.commit("base")

    def theirs() -> None:  # the blobs keep '$Id: pinned $' until the merge brings the attribute
        hooked.sealfile("set", FILE, "a", "10")
        with (hooked.repo / ".gitattributes").open("a") as out:
            out.write(f"{FILE} ident\n")

    hooked.diverge(theirs, lambda: hooked.sealfile("set", FILE, "b", "20"))
    merge = hooked.git("merge", "--no-edit", "feature", check=False, env=hooked.keyless_env())
    assert merge.returncode != 0
    hooked.git("add", FILE)
    code, output = _commit(hooked)
    assert code != 0 and "could not merge it and kept our version" in output, output
    hooked.sealfile("set", FILE, "a", "10")  # theirs' change, combined by hand
    hooked.git("add", FILE)
    code, output = _commit(hooked)
    assert code == 0, output


@pytest.mark.parametrize("replay", ["cherry-pick", "rebase"])
def test_a_conflict_left_as_head_has_it_is_refused_when_only_other_files_are_named(hooked: Sandbox,
                                                                                    replay: str) -> None:
    """The pre-commit framework names only the files staged against HEAD (a merge's conflicts come from
    MERGE_MSG, a pick's do not): where the conflict was the pick's only change to the file, the driver left HEAD's
    version, ``git add`` stages nothing, and the hook is given the pick's other files alone."""
    seal_file(hooked, FILE, "db:\n  password: base-pw\n")
    hooked.commit("base")
    hooked.diverge(lambda: (hooked.sealfile("set", FILE, "db.password", "theirs-pw"),
                            (hooked.repo / "notes.txt").write_text("theirs\n")),
                   lambda: hooked.sealfile("set", FILE, "db.password", "ours-pw"))
    command = ["cherry-pick", "feature"] if replay == "cherry-pick" else ["rebase", "main", "feature"]
    assert hooked.git(*command, check=False).returncode != 0
    hooked.git("add", FILE)
    assert hooked.git("diff", "--cached", "--name-only").stdout.split() == ["notes.txt"]  # what the hook is given
    refused = hooked.sealfile("check", "notes.txt", check=False)
    assert refused.returncode == 3
    assert f"{FILE}: unresolved merge conflict at db.password" in refused.stderr
    hooked.sealfile("git", "resolve", FILE)
    assert hooked.sealfile("check", "notes.txt").returncode == 0


def test_a_merge_committed_blind_where_the_conflict_left_our_version_is_named(hooked: Sandbox) -> None:
    """Where the conflict was theirs' only change to the file, the driver left our version whole; committed with
    '--no-verify', the merge commit (its first parent the commit merged into, its second bringing theirs) is
    named, while a merge aborted and a plain commit after it, which leave the same version, are not."""
    seal_file(hooked, FILE, "db:\n  password: base-pw\n")
    hooked.commit("base")
    hooked.diverge(lambda: hooked.sealfile("set", FILE, "db.password", "theirs-pw"),
                   lambda: hooked.sealfile("set", FILE, "db.password", "ours-pw"))
    assert hooked.git("merge", "feature", check=False).returncode != 0
    hooked.git("merge", "--abort")
    (hooked.repo / "notes.txt").write_text("later\n")
    hooked.commit("later")
    assert hooked.sealfile("check").returncode == 0
    assert hooked.git("merge", "feature", check=False).returncode != 0
    hooked.git("add", FILE)
    assert _commit(hooked, "--no-verify")[0] == 0
    found = hooked.sealfile("check", check=False)
    assert found.returncode == 3 and "unresolved merge conflict at db.password" in found.stderr
    assert "committed so" in found.stderr
    hooked.sealfile("git", "resolve", FILE)
    assert hooked.sealfile("check").returncode == 0


def test_a_new_data_key_resolves_nothing_a_value_set_before_or_after_it_does(hooked: Sandbox) -> None:
    """'sealfile rotate' (or 'recipients remove --rotate') re-encrypts every value under a new data key: every
    token changes, so the conflict's fingerprints all differed and the file passed as resolved, holding only the
    value the merge kept; a value set before or after the rotation is still a resolution."""
    _conflict(hooked)
    hooked.sealfile("set", FILE, "db.password", "chosen-pw")
    hooked.sealfile("rotate", FILE)
    hooked.git("add", FILE)
    code, output = _commit(hooked)
    assert code != 0 and "unresolved merge conflict at x (" in output, output
    assert "unresolved merge conflict: x" in hooked.sealfile("status", FILE).stdout
    hooked.sealfile("set", FILE, "x", "chosen-x")
    hooked.sealfile("rotate", FILE)
    hooked.git("add", FILE)
    assert _commit(hooked)[0] == 0
    assert (_value(hooked, "db.password"), _value(hooked, "x")) == ("chosen-pw", "chosen-x")


def test_a_file_the_driver_could_not_merge_stays_unresolved_through_a_new_data_key(hooked: Sandbox) -> None:
    seal_file(hooked, FILE, "a: 1\nb: 2\n")
    hooked.commit("base")
    hooked.diverge(lambda: hooked.sealfile("set", FILE, "a", "10"), lambda: hooked.sealfile("set", FILE, "b", "20"))
    assert hooked.git("merge", "--no-edit", "feature", check=False, env=hooked.keyless_env()).returncode != 0
    hooked.sealfile("rotate", FILE)
    hooked.git("add", FILE)
    code, output = _commit(hooked)
    assert code != 0 and "could not merge it and kept our version" in output
