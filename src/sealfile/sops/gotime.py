"""Dates and times as SOPS's Go code reads and writes them (``time.Time``).

SOPS 3.10+ keeps a YAML timestamp as a ``time.Time``: it encrypts it as ``type:time`` with the
text ``MarshalText`` gives (RFC 3339 with nanoseconds, trailing zeros dropped, ``Z`` for UTC),
hashes that same text into the MAC, and ``sops decrypt`` prints it. :class:`GoTime` holds that
canonical text; the parsers here accept what Go accepts and produce the text Go would print.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

_RFC3339 = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})T(?P<h>\d{1,2}):(?P<mi>\d{2}):(?P<s>\d{2})"
    r"(?:[.,](?P<frac>\d+))?(?P<zone>Z|[+-]\d{2}:\d{2})",
    re.ASCII,  # Go's time parser reads ASCII digits only (Python's \d and int() take every decimal digit)
)
"""``time.Time.UnmarshalText`` (Go's ``Parse(time.RFC3339, ...)``): a fraction is accepted even
though the layout has none, with ``.`` or ``,``; the hour may have one digit."""

_YAML_TIMESTAMP = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:(?P<sep>[Tt]| +)(?P<h>\d{1,2}):(?P<mi>\d{1,2}):(?P<s>\d{1,2})(?:[.,](?P<frac>\d+))?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?)?",
    re.ASCII,
)
"""yaml.v3's timestamp layouts: ``2006-1-2T15:4:5.999999999Z07:00`` (also with ``t``),
``2006-1-2 15:4:5.999999999`` (no zone; Go lets one layout space match a run of spaces) and
``2006-1-2``."""


@dataclass(frozen=True)
class GoTime:
    """A ``time.Time`` as SOPS hashes and prints it: its ``MarshalText`` (RFC 3339 nano) text."""

    text: str
    source: str = field(default="", compare=False)
    """How the file spelled it (a YAML timestamp), for fields Go reads as plain strings."""

    def __str__(self) -> str:
        return self.text


def _days_in(month: int, year: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _zone(text: str | None) -> int:
    """Offset in minutes east of UTC; Go allows up to 24 hours and 60 minutes in a parsed offset."""
    if not text or text == "Z":
        return 0
    hours, minutes = int(text[1:3]), int(text[4:6])
    if hours > 24 or minutes > 60:
        raise ValueError("time zone offset out of range")
    return (hours * 60 + minutes) * (-1 if text[0] == "-" else 1)


def _canonical(fields: dict[str, str | None], offset: int) -> GoTime:
    year, month, day = int(fields["y"] or 0), int(fields["mo"] or 0), int(fields["d"] or 0)
    hour, minute, second = int(fields.get("h") or 0), int(fields.get("mi") or 0), int(fields.get("s") or 0)
    if not 1 <= month <= 12 or not 1 <= day <= _days_in(month, year):
        raise ValueError("date out of range")
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError("time out of range")
    nanos = (fields.get("frac") or "")[:9].ljust(9, "0")
    fraction = "." + nanos.rstrip("0") if nanos.strip("0") else ""
    if offset == 0:
        zone = "Z"
    else:
        sign = "+" if offset > 0 else "-"
        zone = f"{sign}{abs(offset) // 60:02d}:{abs(offset) % 60:02d}"
    return GoTime(f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{fraction}{zone}")


def marshal_text(moment: dt.datetime) -> GoTime:
    """An aware ``datetime`` as Go's ``MarshalText`` writes it: the one writer of SOPS times here (values,
    ``lastmodified``, ``created_at``). Not ``strftime``: glibc's ``%Y`` writes the year 999 as "999",
    which Go's RFC 3339 parser (and :func:`unmarshal_text`) refuses. An offset's seconds are dropped."""
    offset = int((moment.utcoffset() or dt.timedelta(0)).total_seconds()) // 60
    fields: dict[str, str | None] = {"y": str(moment.year), "mo": str(moment.month), "d": str(moment.day),
                                     "h": str(moment.hour), "mi": str(moment.minute), "s": str(moment.second),
                                     "frac": f"{moment.microsecond:06d}"}
    return _canonical(fields, offset)


def utc_seconds(moment: dt.datetime) -> str:
    """``moment`` in UTC, whole seconds (Go's ``time.RFC3339``): SOPS's ``lastmodified`` and ``created_at``."""
    return marshal_text(moment.astimezone(dt.UTC).replace(microsecond=0)).text


def unmarshal_text(text: str) -> GoTime:
    """``time.Time.UnmarshalText`` then ``MarshalText``: what a SOPS ``type:time`` value holds."""
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise ValueError("not an RFC 3339 time")
    return _canonical(match.groupdict(), _zone(match.group("zone")))


def yaml_timestamp(text: str) -> GoTime | None:
    """The time yaml.v3 reads from a plain YAML scalar, or ``None`` if it reads no time there."""
    match = _YAML_TIMESTAMP.fullmatch(text)
    if match is None:
        return None
    separator, zone = match.group("sep"), match.group("zone")
    if separator is not None and (separator in "Tt") != (zone is not None):
        return None  # a zone is required after T/t and not allowed after a space
    try:
        canonical = _canonical(match.groupdict(), _zone(zone))
    except ValueError:
        return None
    return GoTime(canonical.text, text)


def rfc3339_seconds(text: str) -> str:
    """``lastmodified`` as SOPS re-formats it for the MAC's associated data (``time.RFC3339``:
    whole seconds, ``Z`` or ``+hh:mm``)."""
    return re.sub(r"\.\d+", "", unmarshal_text(text).text)
