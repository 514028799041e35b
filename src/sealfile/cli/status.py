"""``status``'s body: recipients, rule and value ages of sealed and SOPS files, without a key.

Called by its click command and by the fast path (:mod:`sealfile.cli.fast`) alike; no click import.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sealfile.cli.batch import Console, for_each_file
from sealfile.cli.boundary import UsageProblem
from sealfile.cli.exit_codes import ExitCode

if TYPE_CHECKING:
    import datetime as dt
    from pathlib import Path

    from sealfile.ops.read import Status


def status(files: tuple[Path, ...], older_than: dt.timedelta | None, input_type: str | None) -> None:
    """Each file's status, a blank line between files; exit 3 if ``older_than`` finds stale values."""
    from sealfile.files import io
    from sealfile.ops import read
    from sealfile.ops.reader import read_document
    from sealfile.ops.signatures import for_file
    from sealfile.ops.verify import signature_status
    from sealfile.stores import store_for

    shown: list[Path] = []

    def one(file: Path, console: Console) -> ExitCode:
        with io.about(file):
            text, store = io.read_text(file), store_for(file, input_type)
            sops_kind = read.sops_kind(text, str(file), input_type)
            if sops_kind is not None:
                lines, set_at = sops_status_lines(file, text, sops_kind, older_than), {}
            else:
                document = read_document(text, store)
                info = read.describe_document(document)
                lines = _status_lines(file, info, signature_status(document, for_file(file)))
                set_at = info.set_at
        for line in ([""] if shown else []) + lines:
            console.echo(line)
        shown.append(file)
        return _stale(file, set_at, older_than, console) if older_than is not None else ExitCode.OK

    for_each_file(files, "status", one)


def sops_status_lines(file: Path, text: str, kind: str, older_than: dt.timedelta | None) -> list[str]:
    """``status`` of a SOPS file: what its metadata says, and whether the MAC holds (with a key)."""
    from sealfile.sops import LABELS, checked_kind
    from sealfile.sops.status import describe

    if older_than is not None:
        raise UsageProblem("--older-than needs per-value times, which SOPS files do not record")
    info = describe(text, checked_kind(kind))
    lines = [f"file: {file}",
             f"format: SOPS {LABELS[info.kind]} file (written by sops {info.version or '?'})",
             f"rule: {info.rule[0]} {info.rule[1]}" + (" (MAC over encrypted values only)"
                                                     if info.mac_only_encrypted else ""),
             f"values: {info.values} ({info.encrypted} encrypted)",
             "recipients:" + (f" (any {info.threshold} of the key groups)" if info.threshold else "")]
    lines += [f"  - {type_id}: {key_id}" for type_id, key_id in info.recipients]
    return [*lines, f"last modified: {info.lastmodified}", f"MAC: {info.mac}"]


def _status_lines(file: Path, info: Status, signature: str) -> list[str]:
    lines = [f"file: {file}", f"format version: {info.version}", f"signature: {signature}",
             f"rule: {info.rules.kind} {info.rules.pattern}", f"values: {info.values} ({info.encrypted} encrypted)",
             *_recipient_lines(info)]
    if info.set_at:
        now = time.time()
        lines.append("values last set:")
        for keypath, when in info.set_at.items():
            stamp = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(when))
            lines.append(f"  {keypath}: {stamp} ({_age(now - when)} ago)")
    return lines


def _recipient_lines(info: Status) -> list[str]:
    if len(info.groups) == 1:
        return ["recipients:", *(f"  - {type_id}: {key_id}" for type_id, key_id in info.recipients)]
    lines = [f"recipients: any {info.threshold} of {len(info.groups)} key groups"]
    for number, group in enumerate(info.groups, 1):
        lines += [f"  group {number}:", *(f"    - {type_id}: {key_id}" for type_id, key_id in group)]
    return lines


def _stale(file: Path, set_at: dict[str, int], older_than: dt.timedelta, console: Console) -> ExitCode:
    from sealfile.runtime.freshness import describe_age, stale_paths

    stale = stale_paths(set_at, older_than)
    if not stale:
        return ExitCode.OK
    console.echo(f"values last set more than {describe_age(older_than)} ago:")
    for keypath in stale:
        console.echo(f"  - {keypath}")
    console.echo(f"sealfile: {file}: {len(stale)} value(s) older than {describe_age(older_than)}", err=True)
    return ExitCode.POLICY


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(max(seconds, 0))}s"
