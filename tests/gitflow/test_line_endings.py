"""A clone with ``core.autocrlf=true`` (the Windows default): git checks sealed files out with CRLF
and stores them with LF. Changing and merging them there must leave the same files a LF clone would."""

from __future__ import annotations

import pytest

from tests.support.git import Sandbox, seal_file

FILES = {
    "secrets.enc.yaml": ("db:\n  password: base-pw\n  user: app\n", "db.user", "db.password",
                         "db:\n  password: main-pw\n  user: crlf-user\n"),
    "app.enc.json": ('{\n  "user": "app",\n  "password": "base-pw"\n}\n', "user", "password",
                     '{\n  "user": "crlf-user",\n  "password": "main-pw"\n}\n'),
    ".env.enc": ("USER=app\n# the database\nPASSWORD=base-pw\n", "USER", "PASSWORD",
                 "USER=crlf-user\n# the database\nPASSWORD=main-pw\n"),
}


@pytest.mark.parametrize("name", list(FILES))
def test_a_crlf_clone_changes_and_merges_sealed_files_as_a_lf_clone_does(installed: Sandbox, name: str) -> None:
    plaintext, crlf_key, main_key, merged = FILES[name]
    seal_file(installed, name, plaintext)
    installed.commit("secrets")
    target = installed.root / "crlf-clone"
    installed.git("clone", "-q", "-c", "core.autocrlf=true", str(installed.repo), str(target))
    clone = Sandbox(installed.root, target, installed.env, installed.recipient)
    clone.sealfile("git", "install")
    assert b"\r\n" in (target / name).read_bytes()  # checked out with CRLF

    clone.sealfile("set", name, crlf_key, "crlf-user")
    clone.git("commit", "-q", "-am", "from the CRLF clone")
    stored = clone.git("show", f"HEAD:{name}").stdout
    assert stored.count("sealfile metadata") <= 1 and "\r" not in stored
    installed.sealfile("set", name, main_key, "main-pw")
    installed.commit("from the LF clone")

    clone.git("pull", "-q", "--no-rebase", "--no-edit")
    assert clone.sealfile("decrypt", name).stdout.replace("\r\n", "\n") == merged
    stored = clone.git("show", f"HEAD:{name}").stdout
    assert stored.count("sealfile metadata") <= 1 and "\r" not in stored
    installed.git("pull", "-q", str(target), "main")
    assert installed.sealfile("decrypt", name).stdout == merged


ALIASED = {
    # (base, theirs, ours, merged): theirs' change holds aliases, so the driver grafts theirs' text into ours
    "a block value moved under a key written in a line": (
        "d: &d {x: 1}\nl: *d\nother: 1\n",
        "d: &d {x: 1}\nl:\n  - *d\n  - y: 2\n    z: 3\nother: 1\n",
        "d: &d {x: 1}\nl: *d\nother: 2\n",
        "d: &d {x: 1}\nl:\n  - *d\n  - y: 2\n    z: 3\nother: 2\n"),
    "an anchored block mapping as a list item, and a new alias of it": (
        "l:\n  - &m\n    x: 1\n    w: 5\n  - *m\nn: *m\nother: 1\n",
        "l:\n  - &m\n    x: 1\n    w: 5\n  - *m\nn: *m\nn2: *m\nother: 1\n",
        "l:\n  - &m\n    x: 2\n    w: 5\n  - *m\nn: *m\nother: 1\n",
        "l:\n  - &m\n    x: 2\n    w: 5\n  - *m\nn: *m\nn2: *m\nother: 1\n"),
    "a block list holding an alias, changed": (
        "a: &a 1\nl:\n  - *a\n  - 2\nother: 1\n",
        "a: &a 1\nl:\n  - *a\n  - 3\n  - *a\nother: 1\n",
        "a: &a 1\nl:\n  - *a\n  - 2\nother: 2\n",
        "a: &a 1\nl:\n  - *a\n  - 3\n  - *a\nother: 2\n"),
    "a block list moved to ours' indentation": (
        "a: &a 1\nm:\n    l:\n      - *a\n      - 2\nother: 1\n",
        "a: &a 1\nm:\n  l:\n    - *a\n    - 3\n    - *a\nother: 1\n",
        "a: &a 1\nm:\n    l:\n      - *a\n      - 2\nother: 2\n",
        "a: &a 1\nm:\n    l:\n      - *a\n      - 3\n      - *a\nother: 2\n"),
    "a null beside a comment becomes a block mapping holding an alias": (
        "a: &a 1\nr: null  # note\nother: 1\n",
        "a: &a 1\nr:  # note\n  q: *a\nother: 1\n",
        "a: &a 1\nr: null  # note\nother: 2\n",
        "a: &a 1\nr:  # note\n  q: *a\nother: 2\n"),
    "a block mapping under a key with a comment becomes an alias": (
        "a: &a 1\nr:  # note\n  q: 2\nother: 1\n",
        "a: &a 1\nr: *a  # note\nother: 1\n",
        "a: &a 1\nr:  # note\n  q: 2\nother: 2\n",
        "a: &a 1\nr: *a  # note\nother: 2\n"),
}


@pytest.mark.parametrize("break_", ["\r\n", "\r"], ids=["CRLF", "CR"])
@pytest.mark.parametrize("case", list(ALIASED))
def test_a_merge_grafting_theirs_text_writes_the_files_own_line_break(installed: Sandbox, case: str,
                                                                       break_: str) -> None:
    """A sealed file whose lines end in CRLF or a CR alone, committed so (no autocrlf): what the merge driver
    moves from theirs' text into ours ends its lines as the file does, and no LF comes in (real git merge)."""
    from sealfile.ops.seal import seal_text

    name = "secrets.enc.yaml"
    base, theirs, ours, merged = (text.replace("\n", break_) for text in ALIASED[case])
    path = installed.repo / name

    def reseal(plaintext: str) -> None:
        path.write_bytes(seal_text(plaintext, [], previous=path.read_bytes().decode()).encode())

    seal_file(installed, name, base)
    installed.commit("base")
    installed.diverge(lambda: reseal(theirs), lambda: reseal(ours))
    done = installed.git("merge", "--no-edit", "feature", check=False)
    assert done.returncode == 0, done.stderr
    written = path.read_bytes().decode()
    assert written.replace(break_, "").count("\n") == 0 and written.replace(break_, "").count("\r") == 0
    shown = installed.sealfile("decrypt", name).stdout
    assert shown.replace("\r\n", "\n").replace("\r", "\n") == merged.replace(break_, "\n")
