"""``status``'s body: recipients, rule and when values were set, of sealed and SOPS files, without a key.

Called by its click command and by the fast path (:mod:`sealfile.cli.fast`) alike; no click import.
When values were last set is summed up (the times, newest first, and how many values each); the
value-by-value list is shown on request (``--values``), and ``--older-than`` lists the stale ones.
"""

from __future__ import annotations

import time

from sealfile.cli.batch import for_each_file
from sealfile.cli.boundary import UsageProblem
from sealfile.cli.console import Console
from sealfile.cli.exit_codes import ExitCode
from sealfile.errors import one_line
from sealfile.model.utc_time import MINUTES, utc_stamp

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    from sealfile.files.pathnames import PathName
    from sealfile.model.metadata import Stanza
    from sealfile.ops.keyless import Status

SHOWN_TIMES = 5
"""Times the summary shows, newest first; values set at older times are counted on one line."""


def status(files: tuple[PathName, ...], older_than: dt.timedelta | None, input_type: str | None,
           values: bool = False) -> None:
    """Each file's status, a blank line between files; exit 3 if ``older_than`` finds stale values.
    ``values``: list when each value was last set, not only the summary."""
    from sealfile.errors import one_line
    from sealfile.files import io
    from sealfile.ops.keyless import read_keyless, signature_status
    from sealfile.ops.sops_files import sops_kind
    from sealfile.stores import store_for

    shown: list[PathName] = []

    def one(file: PathName, console: Console) -> ExitCode:
        with io.about(file):
            text, store = io.read_text(file), store_for(file, input_type)
            kind = sops_kind(text, str(file), input_type)
            if kind is not None:
                lines, info = sops_status_lines(file, text, kind, older_than), None
            else:
                described = read_keyless(text, store)
                info = described.status
                lines = _status_lines(file, info, signature_status(file, described), values)
            lines += unresolved_lines(file)
        # one write: --values may list thousands; each line one line, whatever a name or field holds
        console.echo("\n".join(([""] if shown else []) + [one_line(line) for line in lines]))
        shown.append(file)
        return _stale(file, info, older_than, console) if older_than is not None and info is not None else ExitCode.OK

    for_each_file(files, "status", one)


def unresolved_lines(file: PathName) -> list[str]:
    """A line naming the conflicts the merge driver left in ``file`` that are not resolved yet (none: no line)."""
    from sealfile.files.io import is_stdio
    from sealfile.gitflow.conflicts_seen import may_be_recorded

    if is_stdio(file) or not may_be_recorded(file):
        return []
    from sealfile.gitflow.conflicts import WHOLE, unresolved_in_worktree

    still = unresolved_in_worktree(file)
    if not still:
        return []
    import shlex

    word = shlex.quote(str(file))
    if still == [WHOLE]:
        return [f"unresolved merge conflict: {WHOLE}; keep it as it is with: sealfile git resolve {word}"]
    return [f"unresolved merge conflict: {', '.join(still)} (the value the merge kept; change it, or keep it with: "
            f"sealfile git resolve {word})"]


def sops_status_lines(file: PathName, text: str, kind: str, older_than: dt.timedelta | None) -> list[str]:
    """``status`` of a SOPS file: what its metadata says (no key is used: ``verify`` checks the MAC)."""
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
    lines += [f"  ! {note}" for note in info.counted_twice]
    return [*lines, f"last modified: {info.lastmodified}",
            "MAC: not checked by status ('sealfile verify' checks it with a key)"]


def _status_lines(file: PathName, info: Status, signature: str, every_value: bool) -> list[str]:
    lines = [f"file: {file}", f"format version: {info.version}", f"signature: {signature}",
             f"rule: {info.rules.kind} {info.rules.pattern}", f"values: {info.values} ({info.encrypted} encrypted)",
             *_recipient_lines(info)]
    if not info.times:
        return lines
    now = time.time()
    if every_value:
        lines.append("values last set:")
        lines += [f"  {keypath}: {utc_stamp(when)} ({_age(now - when)} ago)"
                  for keypath, when in info.set_at.items()]
        return lines
    return lines + _times_summary(info.times, now)


def _times_summary(times: list[int], now: float) -> list[str]:
    """The range of times values were last set, then each time (to the minute), newest first,
    with how many values were set then."""
    newest: dict[int, int] = {}
    counts: dict[int, int] = {}
    for when in times:
        minute = when // 60
        counts[minute] = counts.get(minute, 0) + 1
        if when > newest.get(minute, -1):
            newest[minute] = when
    total, first, last = len(times), min(times), max(times)
    if len(counts) == 1:
        return [f"values last set: {_count(total, 'sealed value')}, all {_when(last, now)}"]
    lines = [f"values last set: {_count(total, 'sealed value')}, {_when(first, now)} to {_when(last, now)}"]
    minutes = sorted(counts, reverse=True)
    lines += [f"  {_count(counts[m], 'value')} set {_when(newest[m], now)}" for m in minutes[:SHOWN_TIMES]]
    older = minutes[SHOWN_TIMES:]
    if older:
        lines.append(f"  {_count(sum(counts[m] for m in older), 'value')} set at {len(older)} earlier times "
                     "(--values lists every value)")
    return lines


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _when(unix_time: int, now: float) -> str:
    return f"{utc_stamp(unix_time, MINUTES)} ({_age(now - unix_time)} ago)"


def _recipient_lines(info: Status) -> list[str]:
    # a file names its recipients' kinds and keys: shown escaped, never as terminal control
    groups = [_named(group) for group in info.metadata.groups]
    if len(groups) == 1:
        return ["recipients:", *(f"  - {name}" for name in groups[0])]
    lines = [f"recipients: any {info.threshold} of {len(groups)} key groups"]
    for number, group in enumerate(groups, 1):
        lines += [f"  group {number}:", *(f"    - {name}" for name in group)]
    return lines


def _named(stanzas: Sequence[Stanza]) -> list[str]:
    """``type: key id``, and the master-key version that wrapped the data key where the provider keeps
    versions apart: before an old version is disabled or its decryption refused, which files still need it."""
    from sealfile.kms.registry import stanza_name, stanza_version

    named = []
    for stanza in stanzas:
        type_id, key_id = stanza_name(stanza)
        version = stanza_version(stanza)
        named.append(f"{one_line(type_id)}: {one_line(key_id)}" + (f" (key version {version})" if version else ""))
    return named


def _stale(file: PathName, info: Status, older_than: dt.timedelta, console: Console) -> ExitCode:
    from sealfile.runtime.freshness import describe_age, stale_paths

    stale = stale_paths(info.set_at, older_than)
    if not stale:
        return ExitCode.OK
    console.echo(f"values last set more than {describe_age(older_than)} ago:")
    for keypath in stale:
        console.echo(f"  - {keypath}")
    console.echo(f"sealfile: {one_line(str(file))}: {len(stale)} value(s) older than {describe_age(older_than)}",
                 err=True)
    return ExitCode.POLICY


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(max(seconds, 0))}s"
