"""A writer killed while its new file had a name (``mkstemp``, as on macOS, or the instant before the rename)
leaves it beside the target; the next write of that file removes it, and never one still being written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sealfile.files.atomic import atomic_write

CANARY = "canary-pending-5e1d"


def _writer(target: Path, delay: str) -> subprocess.Popen[bytes]:
    """A real process writing ``target`` as on a platform without ``O_TMPFILE``, pausing ``delay`` s per step."""
    code = ("import os, sys\ndel os.O_TMPFILE\nfrom sealfile.files.atomic import atomic_write\n"
            f"atomic_write(sys.argv[1], {(CANARY + chr(10)) * 50!r}, private=True)\n")
    env = {**os.environ, "SEALFILE_TEST_WRITE_DELAY": delay}
    return subprocess.Popen([sys.executable, "-c", code, str(target)], env=env)


def _pending(target: Path, holding: bool = False, timeout: float = 20.0) -> Path:
    """The writer's pending file, once it exists (``holding``: once it holds plaintext)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [p for p in target.parent.iterdir() if p.name.startswith(f".{target.name}.")]
        if found and (not holding or CANARY in found[0].read_text()):
            return found[0]
        time.sleep(0.01)
    raise AssertionError("the writer made no pending file")


def test_a_killed_writers_pending_file_is_removed_by_the_next_write(tmp_path: Path) -> None:
    target = tmp_path / "out.yaml"
    writer = _writer(target, "2")
    left = _pending(target, holding=True)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert CANARY in left.read_text()  # a plaintext beside the target: kill -9 runs no cleanup
    atomic_write(target, "a: 1\n", private=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "out.yaml"]  # home: isolated_env
    assert target.read_text() == "a: 1\n"


def test_a_pending_file_still_being_written_is_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "out.yaml"
    writer = _writer(target, "0.3")
    pending = _pending(target)
    atomic_write(tmp_path / "out.yaml", "a: 1\n", private=True)
    assert writer.wait(timeout=30) == 0  # its file was not taken from under it
    assert not pending.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "out.yaml"]
    assert target.read_text() == (CANARY + "\n") * 50


def test_a_file_merely_named_like_a_pending_one_of_another_name_is_kept(tmp_path: Path) -> None:
    other = tmp_path / ".out.yaml.bak.abcdefgh.tmp"
    other.write_text("mine\n")
    link = tmp_path / ".out.yaml.abcdefgh.tmp"
    link.symlink_to(other.name)
    atomic_write(tmp_path / "out.yaml", "a: 1\n")
    assert other.read_text() == "mine\n"
    assert link.is_symlink()
