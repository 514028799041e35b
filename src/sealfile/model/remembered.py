"""What was worked out from a text, remembered for the next reader of the same text.

One ``review``, ``diff`` or merge reads each version of a file a dozen times, through several readers, and
what a reader works out of a hostile text within the limits can cost seconds (a quarter of a million ``---``
lines fit in a megabyte): each text is worked on once. Texts are known by their digest, so none, which may be
plaintext, is kept; a digest costs a hundredth of a parse.
"""

from __future__ import annotations

from _thread import allocate_lock  # threading's own lock; importing threading costs a start ~1 ms
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")
_NONE = object()


class Remembered(Generic[T]):
    """The results of the last ``kept`` pieces of work, by what was done and the text it was done on."""

    def __init__(self, kept: int) -> None:
        self._kept = kept
        self._results: dict[tuple[Hashable, bytes], T] = {}
        self._lock = allocate_lock()

    def get(self, what: Hashable, text: str, work: Callable[[], T]) -> T:
        """``work()``, done on ``text`` for ``what`` (what else its result depends on), remembered."""
        from hashlib import blake2b  # here: the hot commands never ask, and hashlib costs a start ~1 ms

        key = (what, blake2b(text.encode("utf-8", "surrogatepass"), digest_size=32).digest())
        known = self._results.get(key, _NONE)  # one lookup: another thread may forget it between two
        if known is not _NONE:
            return known  # type: ignore[return-value]
        result = work()
        with self._lock:  # threads of a bulk command share it
            self._results[key] = result
            while len(self._results) > self._kept:  # forget the oldest
                del self._results[next(iter(self._results))]
        return result
