"""Bulk work on a file's values shared out over processes, where the program running allows it.

Checking and decrypting (or sealing) every token of a 30,000-value file is a quarter of opening it,
Python work that one process does on one core. The command line, which owns its process, installs
a mapper (:mod:`sealfile.cli.forked`) that forks workers for contiguous shares of the work; a
library caller's process is never forked (its threads and handlers are not ours to copy).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Work = Callable[[Sequence[Any]], list[Any]]
Mapper = Callable[[Work, Sequence[Any]], list[Any]]

MIN_ITEMS = 8192
"""Fewer values than this are worked on here: a fork and its results' trip back cost about what
sharing fewer saves."""

_mapper: Mapper | None = None


def install(mapper: Mapper | None) -> None:
    """Let :func:`map_shares` share work out with ``mapper`` (``None``: never)."""
    global _mapper
    _mapper = mapper


def map_shares(work: Work, items: Sequence[Any]) -> list[Any]:
    """``work(items)``: done here, or as the concatenation, in order, of ``work`` on consecutive
    shares of ``items`` in several processes (so ``work`` must map a share to a list of its own)."""
    if _mapper is None or len(items) < MIN_ITEMS:
        return work(items)
    return _mapper(work, items)
