"""Secret age: which values were last set longer ago than a policy allows.

Each sealed value's Fernet token records when it was last set (re-sealing an unchanged value
keeps its token, so the time moves only when the value changes). Reading the times needs no
key, so ``sealfile status --older-than 90d`` works in CI without decrypting anything.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Literal

from sealfile.errors import ConfigError, SealfileError, warn_caller

OnStale = Literal["warn", "raise"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"\s*(\d+)\s*([smhdw])\s*\Z")


class SecretAgeWarning(UserWarning):
    """A loaded secret was last set longer ago than ``max_age`` (see ``load_secrets``)."""


class StaleSecretError(SealfileError):
    """A loaded secret was last set longer ago than ``max_age`` and ``on_stale="raise"``."""


def parse_age(value: dt.timedelta | str) -> dt.timedelta:
    """``"90d"`` (units s, m, h, d, w) or a ``timedelta`` -> ``timedelta``. Negative is refused either way:
    every value would be stale, whatever its age."""
    if isinstance(value, dt.timedelta):
        if value < dt.timedelta(0):
            raise ConfigError(f"not an age: {value!r} is negative")
        return value
    if not isinstance(value, str):  # 90 is not 90 days, nor 90 seconds: the unit is part of the age
        raise TypeError(f"max_age must be a timedelta or a number and a unit such as '90d', "
                        f"not {type(value).__name__}")
    match = _DURATION.match(value)
    if match is None:
        raise ConfigError(f"not an age: {value!r} (use a number and a unit s, m, h, d or w, e.g. 90d)")
    try:
        return dt.timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])
    except (OverflowError, ValueError):  # past timedelta's range; ValueError: past int()'s 4,300 digits
        shown = value.strip() if len(value.strip()) <= 24 else value.strip()[:20] + "..."
        raise ConfigError(f"not an age: {shown!r} is longer than {dt.timedelta.max.days:,} days") from None


def check_on_stale(on_stale: object) -> None:
    if on_stale not in ("warn", "raise"):
        raise ConfigError(f"on_stale must be 'warn' or 'raise', not {on_stale!r}")


def describe_age(age: dt.timedelta) -> str:
    seconds = int(age.total_seconds())
    for unit in "wdhm":
        if seconds and seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


def stale_paths(set_at: dict[str, int], max_age: dt.timedelta | str, *, now: float | None = None) -> list[str]:
    """Key paths whose value was set more than ``max_age`` before ``now``, oldest first."""
    limit = (time.time() if now is None else now) - parse_age(max_age).total_seconds()
    return sorted((path for path, when in set_at.items() if when < limit), key=lambda p: set_at[p])


def enforce(
    file: str, set_at: dict[str, int], max_age: dt.timedelta | str, on_stale: OnStale, *,
    now: float | None = None,
) -> None:
    """Warn (``SecretAgeWarning``) or raise (``StaleSecretError``) if any value is too old."""
    check_on_stale(on_stale)
    stale = stale_paths(set_at, max_age, now=now)
    if not stale:
        return
    message = f"{len(stale)} value(s) last set more than {describe_age(parse_age(max_age))} ago: {', '.join(stale)}"
    if on_stale == "raise":
        raise StaleSecretError(message, file=file)
    warn_caller(f"{file}: {message}", SecretAgeWarning)
