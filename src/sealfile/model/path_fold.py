"""Answers about the many paths of one document, each container's share computed once.

A value at depth *d* has a path of *d* segments, so answering for each leaf from its whole path (its
encoding, whether the rules encrypt it) costs the document's size times its depth in Python steps: a
file nested ninety levels deep spent seconds there. Leaves share their containers' paths, and both
answers are folds over the segments, so each container's answer is kept and a leaf adds one step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from sealfile.model.paths import Path, Segment, segment_code

T = TypeVar("T")
_REMEMBERED = 4096
"""Parents kept at most: a document's paths come container by container, so its few latest are the ones
asked again, and a wide file of deep containers would otherwise keep every parent's path twice over."""


class PrefixFold(Generic[T]):
    """``f(path)`` where ``f(()) = start`` and ``f(path) = step(f(path[:-1]), path[-1])``, for the paths
    of one document. Parents are remembered by their segments *and* their types: ``1``, ``True`` and
    ``ListIndex(1)`` are equal in Python and are three different keys here."""

    __slots__ = ("_parents", "_start", "_step")

    def __init__(self, start: T, step: Callable[[T, Segment], T]):
        self._start, self._step = start, step
        self._parents: dict[tuple[Path, tuple[type, ...]], T] = {}

    def __call__(self, path: Path) -> T:
        return self._step(self._at(path[:-1]), path[-1]) if path else self._start

    def _at(self, path: Path) -> T:
        parents, missing = self._parents, []
        found = self._start
        while path:
            key = (path, tuple(map(type, path)))
            if key in parents:
                found = parents[key]
                break
            missing.append(key)
            path = path[:-1]
        if len(parents) + len(missing) > _REMEMBERED:  # memory bounded: the next paths' parents are found again
            parents.clear()
        for key in reversed(missing):  # outermost first, without recursion: a path can be deep
            found = parents[key] = self._step(found, key[0][-1])
        return found


def path_codes() -> PrefixFold[bytes]:
    """:func:`~sealfile.model.paths.encode_path` for the paths of one document."""
    return PrefixFold(b"", lambda prefix, segment: prefix + segment_code(segment))
