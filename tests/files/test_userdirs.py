"""sealfile's own directories are absolute wherever the command runs: a relative one named a lock
directory per working directory, so two commands on one file, run from two directories, each took a lock
of its own (and a ``.cache`` appeared in the repository)."""

from __future__ import annotations

import os
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


def test_a_relative_home_is_refused_not_a_lock_directory_per_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "relative-home")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(NoHomeDirectory, match="is relative: set HOME to an absolute path"):
        lock_path(tmp_path / "s.yaml")
    assert not (tmp_path / "relative-home").exists()
