"""What every YAML path needs before it knows whether ruamel must read the text: the engines' names,
the byte-order mark split, and the pause of the cycle collector around a parse. Nothing here loads
ruamel: a sealed file the line scan reads (:mod:`.fastscan`) is decrypted without it."""

from __future__ import annotations

import gc
import os
import sys
from _thread import allocate_lock, get_ident  # not threading: importing it costs a start ~1 ms
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from sealfile.stores.base import BOM

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any, Literal
    Engine = Literal["c", "pure"]
else:  # the names importers take; annotations are strings at run time
    Engine = str


MAX_IMPLICIT_KEY = 1024
"""libyaml's (and ruamel's) limit on an implicit key: its ``:`` at most 1024 characters after its start.
The line scan leaves a longer one to ruamel (which refuses it); ``set`` writes one explicit (``? key``)."""


def unsupported_collection(tag_name: str) -> str:
    """Why a YAML collection of another standard type (``!!omap``, ``!!set``, ``!!pairs``) is refused, wherever
    YAML is read: in a file, or as a value ``set --type yaml`` is given."""
    return f"YAML !!{tag_name} collections are not supported: use a mapping or a list"


def split_bom(text: str) -> tuple[str, str]:
    """``(byte-order mark or "", the rest)``: positions are counted in the rest (parsers disagree on the mark)."""
    return (BOM, text[1:]) if text.startswith(BOM) else ("", text)


@cache
def c_parser_available() -> bool:
    """Whether ruamel.yaml.clib's extension is installed (found, not loaded: the line scan needs no parser).

    Asked of the path finder itself: ``importlib.util`` would load ``importlib._abc`` with it (~0.5 ms of a
    write's start) to answer the same question for a top-level name. It is ``importlib.machinery.PathFinder``,
    taken from the module Python's start loaded it in: importing ``importlib`` for it cost ``status`` ~2 M
    instructions."""
    from _frozen_importlib_external import PathFinder

    return "_ruamel_yaml" in sys.modules or PathFinder.find_spec("_ruamel_yaml") is not None


_guard = allocate_lock()
_paused: dict[int, int] = {}
"""Thread -> how many pauses it is in: the collector runs again when the last pause of any thread ends."""
_collecting = [True]
"""Whether the collector ran when the first of the current pauses began (not if the application had turned it off)."""


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: a parse makes ~10 objects per value and no cycles, and
    each full collection would walk all of them again (a third of the load time at 30,000 values).
    Objects made inside are still counted: a collection soon after walks the survivors once, so a
    reader pauses over everything it does with the parse, not over the parse alone.

    Threads' pauses overlap (the collector is the process's): it runs again when the last one ends. A child
    forked while another thread was in a pause (``multiprocessing``, a pre-fork server whose thread loads
    secrets) has no such thread to end it: the pauses of the parent's other threads are dropped in the child,
    whose collector was otherwise off for good."""
    me = get_ident()
    with _guard:
        if not _paused:
            _collecting[0] = gc.isenabled()
        _paused[me] = _paused.get(me, 0) + 1
        gc.disable()
    try:
        yield
    finally:
        with _guard:
            _paused[me] -= 1
            if not _paused[me]:
                del _paused[me]
            _resume_if_done()


def _resume_if_done() -> None:
    if not _paused and _collecting[0]:
        gc.enable()


def _in_forked_child() -> None:
    """Only the forking thread lives on in a child: the others' pauses never end there, and ``_guard`` may be held."""
    global _guard
    _guard = allocate_lock()
    for thread in [thread for thread in _paused if thread != get_ident()]:
        del _paused[thread]
    _resume_if_done()


if hasattr(os, "register_at_fork"):  # Windows does not fork
    os.register_at_fork(after_in_child=_in_forked_child)


def one_key_in_python(mapping: dict[Any, Any], key: Any) -> str:
    """Why ``key`` repeats one of ``mapping``'s keys spelled otherwise: YAML 1.2 tells ``true`` from ``1``,
    the dicts every reader returns do not."""
    other = next(known for known in mapping if known == key)
    if type(other) is type(key):
        return ""

    def spelled(one: Any) -> str:
        return str(one).lower() if isinstance(one, bool) else str(one)
    return f" ({spelled(other)} and {spelled(key)} are one key in Python, whose dicts readers return)"
