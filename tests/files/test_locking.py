"""One writer per sealed file, whichever command writes it: the lock every writer holds from read to write."""

from __future__ import annotations

from pathlib import Path

import pytest

from sealfile.errors import ConcurrentEditError
from sealfile.files.io import write_output
from sealfile.files.locking import locked
from sealfile.ops.seal import seal_text
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity
from tests.support.locking import lock_elsewhere

BUSY = "another sealfile process is changing this file"


@pytest.mark.parametrize("command", [["encrypt", "plain.yaml", "--previous", "s.enc.yaml", "-o", "s.enc.yaml"],
                                     ["encrypt", "--age", "{recipient}", "-i", "s.enc.yaml"]])
def test_a_command_writing_a_whole_sealed_file_waits_for_its_lock(
        tmp_path: Path, age_identity: AgeIdentity, run_cli: RunCli, command: list[str]) -> None:
    """``encrypt -o F`` took no lock: landing between a ``set F``'s last check and its rename, it was lost without
    a word (the ``set`` exited 0, and so did the ``encrypt`` whose file was gone)."""
    (tmp_path / "plain.yaml").write_text("a: 1\n")
    target = tmp_path / "s.enc.yaml"
    if "-i" in command:
        target.write_text("a: 1\n")
    else:
        target.write_text(seal_text("a: 0\n", [age_identity.key]))
    before = target.read_bytes()
    args = [part.format(recipient=age_identity.recipient) for part in command]
    with locked(target):  # as a ``set`` holds it while it works
        result = run_cli(*args, cwd=tmp_path, env={"SEALFILE_LOCK_WAIT": "0.3"})
        assert result.returncode == 1
        assert result.stderr.count("\n") == 1 and BUSY in result.stderr, result.stderr
        assert target.read_bytes() == before
    assert run_cli(*args, cwd=tmp_path).returncode == 0


def test_a_link_and_the_file_it_names_take_one_lock(tmp_path: Path) -> None:
    target = tmp_path / "s.enc.yaml"
    target.write_text("a: 1\n")
    (tmp_path / "link.enc.yaml").symlink_to(target.name)
    (tmp_path / "dir").symlink_to(tmp_path, target_is_directory=True)
    for other in (tmp_path / "link.enc.yaml", tmp_path / "dir" / "s.enc.yaml"):
        with locked(target):
            assert isinstance(lock_elsewhere(other), ConcurrentEditError)


def test_the_lock_is_taken_again_at_no_cost_by_its_thread_only(tmp_path: Path) -> None:
    """``set`` writes under the lock it read under; another thread of the process waits as a process does."""
    target = tmp_path / "s.enc.yaml"
    target.write_text("a: 1\n")
    with locked(target, wait=0):
        write_output(target, "a: 2\n", private=False, replacing="a: 1\n")
        with locked(target, wait=0):
            pass
        assert isinstance(lock_elsewhere(target), ConcurrentEditError)
    assert target.read_text() == "a: 2\n"
    assert lock_elsewhere(target) is None  # released by every block

