"""macOS and Windows laptops, simulated on Linux CI: no fcntl, no /dev/shm, sys.platform patched, a fake
``icacls``. The real code paths run; only what the platform would provide is replaced."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from sealfile.errors import ConcurrentEditError, SealfileError
from sealfile.files import editor, userdirs, workspace
from sealfile.files.editor import edit_plaintext, workspace_base
from sealfile.files.locking import lock_path, locked
from sealfile.ops.seal import seal_text
from tests.support.cli import run_python
from tests.support.identities import AgeIdentity
from tests.support.locking import lock_elsewhere

NO_FCNTL = """
import sys
sys.modules["fcntl"] = None  # as on Windows: 'import fcntl' fails
import sealfile.cli
from sealfile.cli.app import _import_commands
_import_commands()  # every command module
from sealfile.errors import ConcurrentEditError
from sealfile.files.locking import locked
import threading
def second_writer():  # another thread: the lock is taken again at no cost by the thread holding it only
    try:
        with locked(sys.argv[1], wait=0.2):
            got.append("a second writer got the lock")
    except ConcurrentEditError:
        pass
got = []
with locked(sys.argv[1]):
    thread = threading.Thread(target=second_writer)
    thread.start()
    thread.join()
if got:
    raise SystemExit(got[0])
sys.argv = ["sealfile", "set", sys.argv[1], "b", "2"]
sealfile.cli.main()
"""


def test_the_cli_imports_and_locks_without_fcntl(tmp_path: Path, age_identity: AgeIdentity) -> None:
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text("a: 1\n", [age_identity.key]))
    done = run_python(NO_FCNTL, path)
    assert done.returncode == 0, done.stderr
    assert "b set" in done.stderr


@pytest.fixture
def no_ram_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    """No /dev/shm or tmpfs runtime directory, as on macOS and Windows (and some containers)."""
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr(editor, "_filesystem_type", lambda path: None)


def test_linux_without_a_ram_directory_refuses_unless_allowed(no_ram_directory: None, isolated_env: Path) -> None:
    with pytest.raises(SealfileError, match="pass --allow-disk"):
        workspace_base(allow_disk=False)
    base, note = workspace_base(allow_disk=True)
    assert base == isolated_env / ".cache" / "sealfile" / "edit"
    assert note and "on disk" in note


def test_macos_uses_a_private_directory_in_library_caches_with_a_note(
        no_ram_directory: None, isolated_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    notes: list[str] = []
    script = tmp_path / "editor.py"
    script.write_text("import sys\ntarget = sys.argv[1]\nopen(target + '~', 'w').write(open(target).read())\n"
                      "open(target, 'a').write('b: 2\\n')\n")
    monkeypatch.setenv("VISUAL", f"{sys.executable} {script}")
    assert edit_plaintext("a: 1\n", lambda text: text, note=notes.append) == "a: 1\nb: 2\n"
    base = isolated_env / "Library" / "Caches" / "sealfile" / "edit"
    assert notes == [f"no RAM-backed directory here: the plaintext is on disk in {base} (private to you) while "
                     "the editor runs, then overwritten and removed"]
    assert (base.stat().st_mode & 0o777) == 0o700
    assert list(base.iterdir()) == []


@pytest.fixture
def windows(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_ram_directory: None) -> Path:
    """sys.platform win32, no SIGHUP, no getuid, %LOCALAPPDATA%, and an ``icacls`` that records its arguments."""
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.delattr(signal, "SIGHUP")
    monkeypatch.delattr(os, "getuid")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "AppData" / "Local"))
    monkeypatch.setenv("USERNAME", "alice")
    monkeypatch.setenv("USERDOMAIN", "CORP")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "icacls.log"
    icacls = bin_dir / "icacls"
    icacls.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {record}\n')
    icacls.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return record


def test_windows_edits_in_localappdata_with_an_access_list_for_the_user_alone(windows: Path, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "editor.py"
    script.write_text("import sys\nopen(sys.argv[1], 'a').write('b: 2\\n')\n")
    monkeypatch.setenv("VISUAL", f"{sys.executable} {script}")
    notes: list[str] = []
    assert edit_plaintext("a: 1\n", lambda text: text, note=notes.append) == "a: 1\nb: 2\n"
    base = tmp_path / "AppData" / "Local" / "sealfile" / "edit"
    assert notes and str(base) in notes[0]
    calls = windows.read_text().splitlines()
    assert calls[0] == f"{base} /inheritance:r /grant:r CORP\\alice:(OI)(CI)F"
    assert len(calls) == 2 and calls[1].startswith(f"{base / workspace.PREFIX}")  # the workspace itself
    assert list(base.iterdir()) == []


def test_windows_locks_live_in_localappdata_and_exclude_a_second_writer(windows: Path, tmp_path: Path) -> None:
    sealed = tmp_path / "repo" / "s.enc.yaml"
    sealed.parent.mkdir()
    sealed.write_text("a: 1\n")
    assert Path(lock_path(sealed)).parent == tmp_path / "AppData" / "Local" / "sealfile" / "locks"
    with locked(sealed):
        assert isinstance(lock_elsewhere(sealed), ConcurrentEditError)
    assert sorted(p.name for p in sealed.parent.iterdir()) == ["s.enc.yaml"]  # nothing next to the file


def test_icacls_failing_is_an_error_not_a_silently_open_directory(windows: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    failing = tmp_path / "bin" / "icacls"
    failing.write_text("#!/bin/sh\nexit 5\n")
    with pytest.raises(SealfileError, match=r"cannot restrict access to CORP\\alice \(icacls exit 5\)"):
        userdirs.private_directory("edit")


def test_atomic_writes_without_fchmod_or_o_tmpfile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sealfile.files.atomic import atomic_write

    monkeypatch.delattr(os, "fchmod")  # Windows before Python 3.13
    monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    target = tmp_path / "repo" / "s.enc.yaml"
    target.parent.mkdir()
    target.write_text("old\n")
    atomic_write(target, "new\n")
    assert target.read_text() == "new\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["s.enc.yaml"]
