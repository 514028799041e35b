"""Regular expressions compiled the first time they are used.

``re`` compiles a pattern in Python (30-300 us each), and a command pays for every module-level
pattern of every module it imports: a ``decrypt`` compiled 18 it never used (conflict markers,
key-path syntax, error scrubbing, the write side's splicing), ~1.4 ms of each start.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import AnyStr


def compiled_when_used(pattern: AnyStr, flags: int = 0) -> Callable[[], re.Pattern[AnyStr]]:
    """A function giving ``re.compile(pattern, flags)``, compiled at its first call and kept."""

    @cache
    def compiled() -> re.Pattern[AnyStr]:
        return re.compile(pattern, flags)

    return compiled
