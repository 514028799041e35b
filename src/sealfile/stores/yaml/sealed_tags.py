"""Whether a value whose tag its text contradicts is being read from a file sealed before such values were
refused (:mod:`.integers` refuses them otherwise). Apart from those constructors, which load ruamel, so that
restoring a sealed file's plaintext (``decrypt``'s hot path) can say so without loading them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_AS_SEALED_BEFORE: ContextVar[bool] = ContextVar("sealfile_tags_as_sealed_before", default=False)


@contextmanager
def tags_as_sealed_before() -> Iterator[None]:
    """Inside, a value whose tag its text contradicts is built as ruamel builds it (``!!null x`` null, ``!!bool
    yes`` true): the plaintext of a file sealed before such values were refused must still read back as the
    values it was sealed with (``decrypt``, ``edit``). Sealing it again refuses them."""
    token = _AS_SEALED_BEFORE.set(True)
    try:
        yield
    finally:
        _AS_SEALED_BEFORE.reset(token)


def read_as_sealed_before() -> bool:
    return _AS_SEALED_BEFORE.get()
