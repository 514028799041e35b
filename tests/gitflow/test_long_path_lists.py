"""Commands over more paths than one command line holds, with real git: none fails "Argument list too long".

``check`` (the pre-commit hook), ``review`` and ``diff --git`` gave git every file they asked about on one command
line; past what the OS allows ``exec`` fails with E2BIG and the whole command with it. Linux's bound (ARG_MAX:
2 MiB here) is shared by the command line and the environment, so each sealfile here runs in an environment that
leaves :data:`_ROOM` of it (as a large CI environment does), and is asked about twice that much of paths: a few
hundred files, not the tens of thousands it would take with an environment of a few KB. The files are made
cheaply: one text, staged at every path at once (``git update-index --index-info``).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from pathlib import Path

from sealfile.gitflow.conflict_records import read_records, write_record
from tests.support.git import Sandbox, seal_file

_ARG_MAX = os.sysconf("SC_ARG_MAX")
_ROOM = 384 * 1024
"""What the environment of each sealfile run here leaves of ARG_MAX: every git command sealfile runs fits in it,
no list of paths does."""
_DIRECTORY = "/".join(letter * 249 for letter in "abcdefghijklmno")  # 3,749 bytes: under PATH_MAX with the tmp dir
_DEEP = "/".join(["k" * 249] * 18)  # 4,499 bytes: git trees hold paths longer than a file system's


def _crowded(env: dict[str, str]) -> dict[str, str]:
    """``env`` and variables that fill ARG_MAX but :data:`_ROOM` (none where ARG_MAX is past 16 MiB: a stack
    without limit); each under the 128 KiB one string may take."""
    used = sum(len(name) + len(value) + 2 + 8 for name, value in env.items())  # each: NAME=VALUE, NUL, pointer
    filler = (_ARG_MAX - _ROOM - used) // 100_040 if _ARG_MAX <= 16 * 2**20 else 0
    return {**env, **{f"SEALFILE_TEST_FILLER_{at}": "x" * 100_000 for at in range(filler)}}


def _names(under: str = _DIRECTORY, suffix: str = ".enc.yaml") -> list[str]:
    """Paths under ``under`` that take twice :data:`_ROOM` on a command line."""
    count = 2 * _ROOM // (len(under) + 7 + len(suffix)) + 1
    return [f"{under}/{at:05}{suffix}" for at in range(count)]


def _stage(box: Sandbox, names: list[str], text: str, *, work_tree: str | None = None) -> None:
    """Stage ``text`` at each of ``names`` (one blob); the work tree gets ``work_tree`` there, if given."""
    def git(*args: str, given: bytes) -> str:
        return subprocess.run(["git", *args], cwd=box.repo, env=box.env, input=given, capture_output=True,
                              check=True).stdout.decode()

    blob = git("hash-object", "-w", "--stdin", given=text.encode()).strip()
    git("update-index", "--add", "-z", "--index-info", given="".join(f"100644 {blob}\t{n}\0" for n in names).encode())
    if work_tree is not None:
        (box.repo / names[0]).parent.mkdir(parents=True, exist_ok=True)
        for name in names:
            (box.repo / name).write_text(work_tree)


def _sealed(box: Sandbox, plaintext: str) -> str:
    """A sealed text of ``plaintext`` (for the sandbox's recipient), no file left behind."""
    made = seal_file(box, "made.enc.yaml", plaintext)
    text = made.read_text()
    made.unlink()
    return text


def test_check_of_hundreds_of_committed_sealed_files_at_long_paths(sandbox: Sandbox) -> None:
    """Its search for a ``mac`` line carried over from HEAD read every file's version there in one ``ls-tree``."""
    names, text = _names(), _sealed(sandbox, "password: committed-1\n")
    _stage(sandbox, names, text, work_tree=text)
    sandbox.git("commit", "-q", "-m", "many")

    done = sandbox.sealfile("check", check=False, env=_crowded(sandbox.env))

    assert done.returncode == 0, done.stderr[-400:]
    assert done.stderr.strip().endswith(f"check: {len(names)} files: {len(names)} ok"), done.stderr[-400:]


def test_check_of_hundreds_of_files_sealed_again_after_staging(sandbox: Sandbox) -> None:
    """Every file's working copy sealed afresh after it was staged: the staged versions are read (``diff-files``
    over all of them), and the one staged in plaintext is refused."""
    names = _names()
    _stage(sandbox, names[:-1], _sealed(sandbox, "password: staged-2\n"))
    _stage(sandbox, names[-1:], "password: staged-leak-3\n")
    again = _sealed(sandbox, "password: again-4\n")
    (sandbox.repo / names[0]).parent.mkdir(parents=True, exist_ok=True)
    for name in names:
        (sandbox.repo / name).write_text(again)

    done = sandbox.sealfile("check", check=False, env=_crowded(sandbox.env))

    assert done.returncode == 3, done.stderr[-400:]
    assert f"sealfile: error: {names[-1]} (staged version): NOT SEALED" in done.stderr
    assert done.stderr.count("(staged version)") == 1
    assert "staged-leak-3" not in done.stdout + done.stderr


def test_check_during_a_merge_of_hundreds_of_sealed_files_without_the_driver(installed: Sandbox) -> None:
    """A clone whose ``.gitattributes`` names the sealfile merge driver but has none configured: the files git
    merged are found among every sealed file (``ls-files`` and ``ls-tree`` of each merged commit)."""
    names, text = _names(), _sealed(installed, "password: merged-5\n")
    _stage(installed, names, text, work_tree=text)
    installed.git("commit", "-q", "-m", "many")
    installed.diverge(lambda: (installed.repo / "theirs.txt").write_text("t\n"),
                      lambda: (installed.repo / "ours.txt").write_text("o\n"))
    installed.git("config", "--unset", "merge.sealfile.driver")
    installed.git("merge", "--no-commit", "--no-ff", "feature")

    done = installed.sealfile("check", check=False, env=_crowded(installed.env))

    assert done.returncode == 0, done.stderr[-400:]
    assert f"{len(names)} ok" in done.stderr


def test_check_with_hundreds_of_conflict_records(installed: Sandbox) -> None:
    """The merge driver's records of open conflicts are each looked up in the index (``ls-files --stage`` and
    ``--resolve-undo``): hundreds of them, of files long gone, leave the one open conflict found."""
    file = "secrets.enc.yaml"
    seal_file(installed, file, "password: base-6\n")
    installed.commit("base")
    installed.diverge(lambda: installed.sealfile("set", file, "password", "theirs-7"),
                      lambda: installed.sealfile("set", file, "password", "ours-8"))
    assert installed.git("merge", "--no-edit", "feature", check=False).returncode != 0
    installed.git("add", file)  # staged blindly, as the conflict the driver left reads
    directory = Path(installed.git("rev-parse", "--path-format=absolute", "--git-path", "sealfile/conflicts")
                     .stdout.strip())
    [record] = read_records(directory)
    for name in _names():
        write_record(directory, replace(record, path=name))

    done = installed.sealfile("check", check=False, env=_crowded(installed.env))

    assert done.returncode == 3, done.stderr[-400:]
    assert f"{file}: unresolved merge conflict at password" in done.stderr
    assert done.stderr.count("unresolved merge conflict") == 1


def _review_of_deep_files(box: Sandbox, text: str, *, in_base: bool) -> subprocess.CompletedProcess[str]:
    """``review HEAD~1 HEAD`` of a change that adds (or, ``in_base``, leaves alone) files at 4.5 KB paths, fewer
    than the 500 git's searches were given at once."""
    names = _names(_DEEP, ".txt")
    assert len(names) < 500
    box.git("commit", "-q", "--allow-empty", "-m", "start")
    if in_base:
        _stage(box, names, text)
        box.git("commit", "-q", "-m", "base")
    (box.repo / "notes.txt").write_text("a change\n")
    box.git("add", "notes.txt")
    if not in_base:
        _stage(box, names, text)
    box.git("commit", "-q", "-m", "head")
    return box.sealfile("review", "HEAD~1", "HEAD", check=False, env=_crowded(box.keyless_env()))


def test_review_of_a_change_adding_hundreds_of_files_at_long_paths(sandbox: Sandbox) -> None:
    """The files a change touches are searched for a private key's marker (``git grep``)."""
    done = _review_of_deep_files(sandbox, "nothing secret\n", in_base=False)

    assert done.returncode == 0, done.stderr[-400:] + done.stdout[-400:]
    assert "Argument list" not in done.stderr


def test_review_beside_hundreds_of_files_holding_key_markers(sandbox: Sandbox) -> None:
    """The files that hold a key's marker at base or head: the commits of the range that changed them are
    listed (``git log -- FILES``), here none."""
    done = _review_of_deep_files(sandbox, "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n", in_base=True)

    assert done.returncode == 0, done.stderr[-400:] + done.stdout[-400:]
    assert "Argument list" not in done.stderr


def test_diff_reveal_of_a_sealed_file_600_directories_deep(sandbox: Sandbox) -> None:
    """``--reveal`` asks git which ``.sealfile.yaml`` above the file is tracked but missing: one a directory,
    600 of them (550 KB of names) for this file."""
    name = "ab/" * 600 + "s.enc.yaml"
    made = sandbox.repo
    for _ in range(600):
        made /= "ab"
        made.mkdir()
    seal_file(sandbox, name, "password: old-9\n")
    sandbox.commit("old")
    sandbox.sealfile("set", name, "password", "new-10")
    sandbox.commit("new")

    done = sandbox.sealfile("diff", "--git", "HEAD~1..HEAD", "--reveal", check=False, env=_crowded(sandbox.env))

    assert done.returncode == 0, done.stderr[-400:]
    assert "new-10" in done.stdout


def test_review_of_a_change_to_more_than_a_search_of_sealed_files_at_long_paths(sandbox: Sandbox) -> None:
    """Each changed sealed file's ``mac`` line is searched for in the range's earlier versions, 100 files a ``git
    log``: 100 paths of 4.5 KB are more than a command line holds here."""
    names = _names(_DEEP)
    assert len(names) > 100
    _stage(sandbox, names, _sealed(sandbox, "password: before-11\n"))
    sandbox.git("commit", "-q", "-m", "base")
    _stage(sandbox, names, _sealed(sandbox, "password: after-12\n"))
    sandbox.git("commit", "-q", "-m", "head")

    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=_crowded(sandbox.keyless_env()))

    assert done.returncode == 0, done.stderr[-400:] + done.stdout[-400:]
    assert f"0 policy violation(s), 0 recipient change(s), {len(names)} sealed file(s) changed." in done.stdout
