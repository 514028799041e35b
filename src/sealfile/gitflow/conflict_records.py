"""The merge driver's records of the conflicts it left (:mod:`.conflicts` says what they hold and when they
count): where they are kept (one JSON file per sealed file, in the git directory), written whole or not at all,
and read back skipping whatever is not one of them (another tool's file, a record cut short)."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path as FsPath

from sealfile.files.atomic import atomic_write
from sealfile.gitflow.conflicts_seen import RECORDS
from sealfile.gitflow.gitcli import git


@dataclass(frozen=True)
class Record:
    path: str  # the file, relative to the top of the work tree
    head: str
    ours: str
    theirs: str
    written: str
    """The blob ids of git's two sides and of what the driver left."""
    marks: tuple[tuple[str, str, str], ...]
    """Per conflict: the key path as shown, its encoding in hex ("" for the encryption rule), the fingerprint of
    what the driver wrote there. Empty: the driver kept our version whole."""
    whole: str = ""
    """Where the driver kept our version whole: the fingerprint of every value and the rule it wrote ('git add' may
    store another blob, normalized by an 'ident' or 'text' attribute: only a change to what it holds resolves)."""
    dated: tuple[str, ...] = ()
    """Per mark (or for :attr:`whole`), the same fingerprint with each token's time and length (what a new data
    key keeps, changing every token; blanked once a write changed a value there)."""
    stanzas: tuple[str, ...] = ()  # the fingerprints of the wrapped data keys written
    disputed: tuple[tuple[str, ...], ...] = ()  # per mark: the values in dispute (:mod:`.conflicts_leaves`)


def git_dir(top: str | os.PathLike[str]) -> tuple[FsPath, str, str]:
    """The records' directory, HEAD and the object format (for blob ids)."""
    found = git(["rev-parse", "--path-format=absolute", "--git-path", RECORDS, "--show-object-format", "HEAD"], top)
    directory, object_format, head = found.rstrip("\n").split("\n")[-3:]
    return FsPath(directory), head, object_format


def blob_id(content: bytes, object_format: str) -> str:
    return hashlib.new(object_format, b"blob %d\0" % len(content) + content).hexdigest()


def record_file(directory: FsPath, path: str) -> FsPath:  # one per file, named without its path
    return directory / (hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()[:40] + ".json")


def write_record(directory: FsPath, record: Record) -> None:
    """Written as every file is (:func:`~sealfile.files.atomic.atomic_write`: a temporary name of its own, synced
    before it takes the record's name, the mode kept): a crash leaves the old record or the new one, never a
    half. Fails with :class:`OSError` (the directory) or :class:`~sealfile.errors.SealfileError` (the record)."""
    directory.mkdir(parents=True, exist_ok=True)
    atomic_write(record_file(directory, record.path), json.dumps(record.__dict__))


def read_records(directory: FsPath) -> list[Record]:
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith(".json"))
    except OSError:
        return []
    found = []
    for name in names:
        try:
            fields = json.loads((directory / name).read_text(encoding="utf-8"))
            record = Record(**{**fields, "marks": tuple(tuple(m) for m in fields["marks"]),
                               "dated": tuple(fields.get("dated", ())), "stanzas": tuple(fields.get("stanzas", ())),
                               "disputed": tuple(tuple(d) for d in fields.get("disputed", ()))})
            texts = [record.path, record.head, record.ours, record.theirs, record.written, record.whole,
                     *record.dated, *record.stanzas, *(h for d in record.disputed for h in d)]
            if not all(isinstance(t, str) for t in texts + [f for m in record.marks for f in m]):
                continue
            bytes.fromhex("".join(encoded for _, encoded, _ in record.marks))
        except (OSError, ValueError, TypeError, KeyError):
            continue  # not one of ours, or cut short: nothing to hold a commit back for
        found.append(record)
    return found
