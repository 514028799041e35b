"""One configured ruamel ``YAML`` per thread: an instance keeps its parser's and emitter's state
while it works, so two threads sharing one (bulk commands work on several files at once) would
interleave that state. Building one costs little; each thread keeps its own."""

from __future__ import annotations

import functools
from _thread import _local as thread_local  # threading.local itself; importing threading costs a start ~1 ms
from collections.abc import Callable, Hashable

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any, TypeVar
    T = TypeVar("T")


def per_thread(factory: Callable[..., T]) -> Callable[..., T]:
    """Like :func:`functools.cache`, but each thread has its own cache."""
    local = thread_local()

    @functools.wraps(factory)
    def cached(*args: Hashable) -> T:
        made: dict[tuple[Any, ...], T] = local.__dict__.setdefault("made", {})
        if args not in made:
            made[args] = factory(*args)
        return made[args]

    return cached


def forget_c_stream(yaml: Any) -> None:
    """Drop what ruamel's C path keeps after a read (the text as ``_stream``, the C loader holding it as
    ``_scanner``): the YAML is kept per thread, so the last text read (a plaintext) would stay alive."""
    if getattr(yaml, "_stream", None) is not None:
        yaml._stream = None
        yaml.__dict__.pop("_scanner", None)
