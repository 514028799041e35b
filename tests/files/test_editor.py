"""edit's workspace: private, wiped on every way out with whatever the editor left beside the plaintext,
and abandoned workspaces of killed edits wiped by the next one."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
import time
from pathlib import Path

import pytest
from filelock import FileLock

from sealfile.errors import FormatError, SealfileError
from sealfile.files import editor
from sealfile.files.editor import edit_plaintext
from sealfile.files.workspace import LOCK_NAME, PREFIX, private_workspace, wipe_abandoned

PLAINTEXT = "password: plaintext-canary-5521\n"

# An editor that, like vim and emacs, leaves backup, swap and autosave files (and a directory) beside
# the file, each holding the plaintext, then saves an edit.
MESSY_EDITOR = """
import os, sys
target = sys.argv[1]
text = open(target).read()
folder, name = os.path.split(target)
for leftover in (name + "~", "." + name + ".swp", "#" + name + "#", "4913"):
    open(os.path.join(folder, leftover), "w").write(text)
os.mkdir(os.path.join(folder, ".backups"))
open(os.path.join(folder, ".backups", name), "w").write(text)
os.symlink(target, os.path.join(folder, "link"))
open(target, "a").write("more: yes\\n")
"""


@pytest.fixture
def messy_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    script = tmp_path / "messy_editor.py"
    script.write_text(MESSY_EDITOR)
    monkeypatch.setenv("VISUAL", f"{sys.executable} {script}")
    return script


def test_every_way_out_wipes_the_whole_workspace(messy_editor: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "ram"
    base.mkdir()
    monkeypatch.setattr(editor, "workspace_base", lambda allow_disk: (base, None))
    assert edit_plaintext(PLAINTEXT, lambda text: text) == PLAINTEXT + "more: yes\n"
    assert list(base.iterdir()) == []

    def invalid(text: str) -> str:
        raise FormatError("invalid YAML at line 2")

    with pytest.raises(FormatError):
        edit_plaintext(PLAINTEXT, invalid)
    assert list(base.iterdir()) == []

    monkeypatch.setenv("VISUAL", f"{sys.executable} -c 'import sys; open(sys.argv[1] + \"~\", \"w\"); sys.exit(3)'")
    with pytest.raises(SealfileError, match="exited with status 3"):
        edit_plaintext(PLAINTEXT, lambda text: text)
    assert list(base.iterdir()) == []


def test_the_workspace_is_private(tmp_path: Path) -> None:
    with private_workspace(tmp_path) as workspace:
        assert stat.S_IMODE(workspace.stat().st_mode) == 0o700
        assert workspace.name.startswith(PREFIX)
    assert not workspace.exists()


def _abandoned_workspace(base: Path, *, with_lock: bool, age: float = 0) -> Path:
    workspace = base / f"{PREFIX}killed"
    workspace.mkdir(mode=0o700)
    (workspace / "s.enc.yaml").write_text(PLAINTEXT)
    (workspace / ".s.enc.yaml.swp").write_text(PLAINTEXT)
    if with_lock:
        (workspace / LOCK_NAME).write_text("")
    past = time.time() - age
    os.utime(workspace, (past, past))
    return workspace


def test_a_killed_edits_workspace_is_wiped_unless_its_lock_is_held(tmp_path: Path) -> None:
    held = _abandoned_workspace(tmp_path, with_lock=True)
    lock = FileLock(str(held / LOCK_NAME), timeout=0)
    lock.acquire()  # an edit still running in another process holds it
    try:
        wipe_abandoned(tmp_path)
        assert (held / "s.enc.yaml").exists()
    finally:
        lock.release()
    wipe_abandoned(tmp_path)
    assert not held.exists()


def test_a_workspace_without_its_lock_is_left_while_it_may_be_starting(tmp_path: Path) -> None:
    starting = _abandoned_workspace(tmp_path, with_lock=False)
    wipe_abandoned(tmp_path)
    assert starting.exists()
    old = starting.rename(tmp_path / f"{PREFIX}old")
    past = time.time() - 3600
    os.utime(old, (past, past))
    wipe_abandoned(tmp_path)
    assert not old.exists()


def test_other_directories_are_never_touched(tmp_path: Path) -> None:
    mine = tmp_path / "sealfile-something-else"
    mine.mkdir()
    (mine / "keep.txt").write_text("x")
    target = tmp_path / "outside"
    target.mkdir()
    (target / "keep.txt").write_text("x")
    (tmp_path / f"{PREFIX}link").symlink_to(target)
    wipe_abandoned(tmp_path)
    assert (mine / "keep.txt").exists() and (target / "keep.txt").exists()


@pytest.mark.parametrize(("visual", "error", "message"), [
    ("sh -c 'printf \"b: \\\\377\\\\n\" >> \"$0\"'", FormatError, "edited text: not UTF-8 text (line 2, byte 36;"),
    ("no-such-editor-9d2", SealfileError, "cannot run the editor no-such-editor-9d2 (No such file or directory)"),
    ("sh -c 'kill -9 $$'", SealfileError, "the editor was killed by signal 9; nothing was changed"),
    ("sh -c 'rm \"$0\"'", SealfileError, "the editor left no file to read back (No such file or directory)"),
    ("sh -c ': > \"$0\"'", SealfileError, "the editor left the file empty; nothing was changed"),
    ("sh -c 'printf \" \\\\n\\\\n\" > \"$0\"'", SealfileError, "the editor left the file empty; nothing was changed"),
    ("vim -c 'set nobackup", SealfileError, "cannot read the editor command in VISUAL (No closing quotation); "
                                            "nothing was changed"),
])
def test_an_editor_that_fails_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, visual: str,
                                                 error: type[SealfileError], message: str) -> None:
    """Not an internal error, nor an error naming the workspace's file; the workspace is wiped."""
    base = tmp_path / "ram"
    base.mkdir()
    monkeypatch.setattr(editor, "workspace_base", lambda allow_disk: (base, None))
    monkeypatch.setenv("VISUAL", visual)
    with pytest.raises(error) as info:
        edit_plaintext(PLAINTEXT, lambda text: text)
    assert type(info.value) is error and message in str(info.value)
    assert str(base) not in str(info.value) and "canary" not in str(info.value)
    assert list(base.iterdir()) == []


def test_a_workspace_that_cannot_be_written_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path / "ram"
    base.mkdir()
    monkeypatch.setattr(editor, "workspace_base", lambda allow_disk: (base, None))

    real_open = os.open

    def full(path: str, *args: int, **kwargs: int) -> int:
        if str(path).endswith("secrets.yaml"):
            raise OSError(28, os.strerror(28))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(editor.os, "open", full)
    with pytest.raises(SealfileError, match=r"cannot write the plaintext for the editor in .*ram "
                                            r"\(No space left on device\); nothing was changed"):
        edit_plaintext(PLAINTEXT, lambda text: text)


def test_a_blank_visual_counts_as_unset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Split, ' ' named no program: the plaintext file itself was run as the editor."""
    base = tmp_path / "ram"
    base.mkdir()
    monkeypatch.setattr(editor, "workspace_base", lambda allow_disk: (base, None))
    monkeypatch.setenv("VISUAL", " \t")
    monkeypatch.setenv("EDITOR", f"{sys.executable} -c 'import sys; open(sys.argv[1], \"a\").write(\"b: 2\\n\")'")
    assert edit_plaintext(PLAINTEXT, lambda text: text) == PLAINTEXT + "b: 2\n"


VIMRC = """\
set undofile undodir={home}/undo backup backupdir={home}/backup swapfile directory={home}/swap
set viminfo='20,<50,s10,n{home}/viminfo
"""


def test_vim_keeps_no_copy_of_the_text_outside_the_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A vimrc with persistent undo, backups, swap files and viminfo elsewhere (common settings) copied the
    plaintext, and a yanked line, into the user's directories, on disk."""
    home = tmp_path / "home"
    for name in ("undo", "backup", "swap"):
        (home / name).mkdir(parents=True)
    (home / ".vimrc").write_text(VIMRC.format(home=home))
    base = tmp_path / "ram"
    base.mkdir()
    monkeypatch.setattr(editor, "workspace_base", lambda allow_disk: (base, None))
    monkeypatch.setenv("HOME", str(home))
    vim = f"vim -u {home / '.vimrc'} -es -c 'normal ggyy' -c 'normal Gob: 2' -c wq"
    monkeypatch.setenv("VISUAL", vim)
    assert edit_plaintext(PLAINTEXT, lambda text: text) == PLAINTEXT + "b: 2\n"
    left = [path for path in home.rglob("*") if path.is_file() and b"canary" in path.read_bytes()]
    assert left == []
    assert editor.private_editor_command(["nano"]) == ["nano"]  # other editors keep their copies beside it


LOCKED_DOWN_EDITOR = """#!/bin/sh
printf 'more: yes\\n' >> "$1"
folder=$(dirname "$1")
mkdir "$folder/kept" && cp "$1" "$folder/kept/copy"
chmod 500 "$folder/kept"  # a directory that cannot be emptied as it is
chmod 400 "$1"  # as an editor keeping a read-only file's mode does
"""


AS_THE_USER = """
import sys
from pathlib import Path
from sealfile.files import editor
base = Path(sys.argv[1])
editor.workspace_base = lambda allow_disk: (base, None)
print(editor.edit_plaintext({plaintext!r}, lambda text: text), end="")
"""


def test_what_the_editor_left_read_only_is_wiped_too(tmp_path: Path) -> None:
    """An editor leaving the plaintext read-only (or a directory it cannot enter) stopped the wipe half-way:
    the edit failed on 'Permission denied' naming the workspace, and the plaintext stayed in it for good.
    Root overwrites any file: run as nobody there."""
    import subprocess

    from tests.cli.test_unreadable_files import _as_user
    from tests.support.cli import cli_env

    work = Path(tempfile.mkdtemp(prefix="sealfile-locked-down-"))  # pytest's own directory: root's alone
    try:
        (work / "ram").mkdir()
        (work / "editor").write_text(LOCKED_DOWN_EDITOR)
        (work / "editor").chmod(0o755)
        work.chmod(0o755)
        user = _as_user(work)
        done = subprocess.run([*user, sys.executable, "-c", AS_THE_USER.format(plaintext=PLAINTEXT), str(work / "ram")],
                              capture_output=True, text=True, timeout=60, cwd=work,
                              env=cli_env({"VISUAL": str(work / "editor"), "HOME": str(work)}))
        assert (done.returncode, done.stdout) == (0, PLAINTEXT + "more: yes\n"), done.stderr
        assert list((work / "ram").iterdir()) == []
    finally:
        shutil.rmtree(work)


def test_an_editor_that_leaves_a_pipe_is_an_error_not_a_wait_for_ever(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading a named pipe in the plaintext's place waited for a writer that never comes."""
    import threading

    base = tmp_path / "ram"
    base.mkdir()
    monkeypatch.setattr(editor, "workspace_base", lambda allow_disk: (base, None))
    monkeypatch.setenv("VISUAL", "sh -c 'rm \"$0\"; mkfifo \"$0\"'")

    def unblock_after_a_while() -> None:  # without the fix the read waits until then
        time.sleep(3)
        for pipe in base.glob("*/secrets.yaml"):
            with contextlib.suppress(OSError):
                os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))

    started = time.monotonic()
    threading.Thread(target=unblock_after_a_while, daemon=True).start()
    with pytest.raises(SealfileError, match="the editor left something other than a file to read back; nothing was "
                                            "changed"):
        edit_plaintext(PLAINTEXT, lambda text: text)
    assert time.monotonic() - started < 2.5
    assert list(base.iterdir()) == []
