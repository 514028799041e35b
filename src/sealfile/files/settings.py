"""Numeric settings read from the environment (``SEALFILE_MAX_FILE_MB``, ``SEALFILE_KMS_TIMEOUT``...).

One reading for all of them: unset or blank is the default; anything else is a finite positive number
(a whole one where ``kind`` is ``int``), at most ``maximum``, or a :class:`ConfigError` naming the
variable and the value stops the command. A value quietly replaced by the default would let a raised
limit (``SEALFILE_MAX_FILE_MB=16M``) fall back to the default unsaid, and a zero, ``inf`` or ``nan``
reached arithmetic that had no meaning for it.
"""

from __future__ import annotations

import os

from sealfile.errors import ConfigError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import TypeVar
    N = TypeVar("N", int, float)


def positive_setting(name: str, default: N, *, unit: str, kind: type[N], maximum: N | None = None,
                     zero: bool = False) -> N:
    """The value of the variable ``name``: ``unit`` words the error (``"seconds"``, ``"megabytes"``);
    ``zero``: 0 is a value too (for a wait: none)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = kind(-1)
    import math  # only for a variable that is set

    if not (math.isfinite(value) and (value > 0 or (zero and value == 0)) and (maximum is None or value <= maximum)):
        number = ("a " if zero else "a positive ") + ("whole number" if kind is int else "number")
        bound = ", 0 or more" if zero else ""
        bound += "" if maximum is None else f" (at most {maximum:g})"
        raise ConfigError(f"{name} must be {number} of {unit}{bound}, not {raw!r}")
    return value
