"""sealfile's own directories are absolute wherever the command runs: a relative one named a lock
directory per working directory, so two commands on one file, run from two directories, each took a lock
of its own (and a ``.cache`` appeared in the repository)."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest

from sealfile.errors import NoHomeDirectory
from sealfile.files import userdirs
from sealfile.files.locking import lock_path

pytestmark = pytest.mark.skipif(os.name == "nt", reason="HOME and XDG_CACHE_HOME: Unix")


def test_a_relative_xdg_cache_home_is_ignored_as_the_xdg_specification_says(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", "cache")
    monkeypatch.chdir(tmp_path)
    expected = tmp_path / "home" / ("Library/Caches" if os.uname().sysname == "Darwin" else ".cache") / "sealfile"
    assert userdirs.base_directory() == str(expected)
    assert Path(lock_path(tmp_path / "s.yaml")).parent == expected / "locks"
    assert not (tmp_path / "cache").exists()


def test_a_relative_home_takes_the_second_place_not_a_lock_directory_per_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "relative-home")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NoHomeDirectory, match="is relative: set HOME to an absolute path"):
        userdirs.private_directory("edit")  # plaintext workspaces have no second place
    second = tmp_path / "tmp" / f"sealfile-{os.geteuid()}"
    assert Path(lock_path(tmp_path / "s.yaml")).parent == second / "locks"
    assert stat.S_IMODE(second.stat().st_mode) == stat.S_IMODE((second / "locks").stat().st_mode) == 0o700
    assert not (tmp_path / "relative-home").exists()


def test_a_read_only_cache_takes_the_runtime_directory_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cache" / "sealfile" / "locks").mkdir(parents=True)
    (tmp_path / "run").mkdir(mode=0o700)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    monkeypatch.setattr(os, "access", lambda path, mode: not str(path).startswith(str(tmp_path / "cache")))
    assert Path(lock_path(tmp_path / "s.yaml")).parent == tmp_path / "run" / "sealfile" / "locks"


@pytest.mark.parametrize("squatted", ["another user's", "a symlink"])
def test_a_second_place_someone_else_made_is_never_used(squatted: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """In a shared temporary directory another user can make sealfile-<uid> first, or a symlink to a place of
    theirs: the locks would be theirs to take or to hold."""
    monkeypatch.setenv("HOME", "relative-home")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    second = tmp_path / f"sealfile-{os.geteuid()}"
    if squatted == "a symlink":
        (tmp_path / "theirs").mkdir()
        second.symlink_to(tmp_path / "theirs")
    else:
        if os.geteuid() != 0:
            pytest.skip("making a directory another user owns takes root")
        second.mkdir(mode=0o777)
        os.chown(second, 65534, 65534)
    with pytest.raises(NoHomeDirectory, match="is relative: set HOME to an absolute path"):
        lock_path(tmp_path / "s.yaml")
    assert not (tmp_path / "theirs" / "locks").exists() and not (second / "locks").exists()
