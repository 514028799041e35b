"""Atomic writes: whole file or nothing, the target's mode kept, symlinks written through."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from sealfile.errors import SealfileError
from sealfile.files.atomic import atomic_write


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_file_gets_the_requested_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.yaml"
    atomic_write(target, "a: 1\n", mode=0o600)
    assert target.read_text() == "a: 1\n"
    assert mode(target) == 0o600


def test_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.yaml"
    target.write_text("old")
    target.chmod(0o640)
    atomic_write(target, "new", mode=0o600)
    assert target.read_text() == "new"
    assert mode(target) == 0o640


def test_symlink_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("plain")
    real.chmod(0o640)
    link = tmp_path / "link.yaml"
    link.symlink_to(real.name)
    atomic_write(link, "sealed")
    assert link.is_symlink()
    assert real.read_text() == "sealed"
    assert mode(real) == 0o640


def test_failure_leaves_the_target_and_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.yaml"
    target.write_text("old")

    def boom(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("sealfile.files.atomic.os.replace", boom)
    with pytest.raises(SealfileError, match="cannot write"):
        atomic_write(target, "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "out.yaml"]  # home: isolated_env


@pytest.mark.parametrize("step", ["write", "fsync"])
def test_a_full_disk_is_one_error_naming_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 step: str) -> None:
    """ENOSPC (or EDQUOT, EIO) while writing is the command's one error line: it names the file
    the user gave (through a symlink too), never our temporary file, and leaves the target as it was."""
    (tmp_path / "real.yaml").write_text("old")
    link = tmp_path / "out.yaml"
    link.symlink_to("real.yaml")

    def full(*_: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(f"sealfile.files.atomic.os.{step}", full)
    with pytest.raises(SealfileError) as info:
        atomic_write(link, "new")
    assert str(info.value) == f"{link}: cannot write (No space left on device)"
    assert (tmp_path / "real.yaml").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "out.yaml", "real.yaml"]


def test_missing_directory_names_the_target(tmp_path: Path) -> None:
    target = tmp_path / "absent" / "out.yaml"
    with pytest.raises(SealfileError) as info:
        atomic_write(target, "x")
    assert str(info.value) == f"{target}: cannot write (No such file or directory)"


def test_a_hard_linked_target_is_refused_and_both_names_kept(tmp_path: Path) -> None:
    target, other = tmp_path / "out.yaml", tmp_path / "other.yaml"
    target.write_text("old")
    other.hardlink_to(target)
    with pytest.raises(SealfileError, match="has 2 hard links"):
        atomic_write(target, "new")
    assert target.read_text() == other.read_text() == "old"
    assert target.stat().st_ino == other.stat().st_ino


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root gives a file away")
def test_the_owner_and_group_are_kept_but_never_given_plaintext(tmp_path: Path) -> None:
    """``sudo sealfile set`` made an application's 0600 file root's: the application could no longer read it.
    Plaintext stays the writer's: root's ``decrypt -o /tmp/x`` must not hand the values to whoever made /tmp/x."""
    target = tmp_path / "out.yaml"
    target.write_text("old")
    target.chmod(0o600)
    os.chown(target, 65534, 65534)
    atomic_write(target, "new")
    info = target.stat()
    assert (info.st_uid, info.st_gid, mode(target), target.read_text()) == (65534, 65534, 0o600, "new")
    atomic_write(target, "plain", private=True)
    info = target.stat()
    assert (info.st_uid, info.st_gid, mode(target), target.read_text()) == (0, os.getegid(), 0o600, "plain")


@pytest.mark.parametrize("unnamed", [True, False], ids=["O_TMPFILE", "mkstemp"])
def test_a_new_file_never_replaces_one_made_after_the_last_look(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                unnamed: bool) -> None:
    """``replacing=None`` (there was no file: ``edit`` keeping an edit aside, ``keygen`` starting a key file): a file
    another program makes between the last look and the rename was replaced, its content lost."""
    from sealfile.errors import ChangedMeanwhile
    from sealfile.files import atomic

    if not unnamed:
        monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    target = tmp_path / "s.edited.yaml"
    looked = atomic._refuse_if_changed

    def another_program_wins_the_race(*args: object) -> None:
        looked(*args)  # type: ignore[arg-type]
        target.write_text("theirs\n")

    monkeypatch.setattr(atomic, "_refuse_if_changed", another_program_wins_the_race)
    with pytest.raises(ChangedMeanwhile, match="changed by another program"):
        atomic_write(target, "ours\n", replacing=None)
    assert target.read_text() == "theirs\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "s.edited.yaml"]
