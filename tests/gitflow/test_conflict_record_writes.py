"""The merge driver's conflict record is written as every file is (``files.atomic``): synced before it takes its
name, under a temporary name of its own (a name another writer or a crash left behind blocks nothing), and the
mode the record had kept. It had its own write: a fixed ``.tmp`` name, no fsync, the mode of a new file."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from sealfile.gitflow.conflict_records import Record, read_records, record_file, write_record

RECORD = Record("config/secrets.yaml", "a" * 40, "b" * 40, "c" * 40, "d" * 40, (("db.password", "00", "e" * 64),))


def test_the_record_is_synced_before_it_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    write_record(tmp_path / "conflicts", RECORD)
    assert synced and read_records(tmp_path / "conflicts") == [RECORD]


def test_a_name_left_behind_blocks_no_record(tmp_path: Path) -> None:
    """A directory (or a file another user owns) at the old fixed temporary name made every record fail."""
    directory = tmp_path / "conflicts"
    directory.mkdir()
    squatter = record_file(directory, RECORD.path).with_suffix(".tmp")
    squatter.mkdir()
    (squatter / "x").write_text("")
    write_record(directory, RECORD)
    assert read_records(directory) == [RECORD] and squatter.is_dir()


def test_the_record_keeps_its_mode(tmp_path: Path) -> None:
    directory = tmp_path / "conflicts"
    write_record(directory, RECORD)
    written = record_file(directory, RECORD.path)
    written.chmod(0o600)  # a git directory kept private
    write_record(directory, Record(**{**RECORD.__dict__, "written": "f" * 40}))
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert json.loads(written.read_text())["written"] == "f" * 40
    assert sorted(p.name for p in directory.iterdir()) == [written.name]  # no temporary file left

