"""What every YAML path needs before it knows whether ruamel must read the text: the engines' names,
the byte-order mark split, and the pause of the cycle collector around a parse. Nothing here loads
ruamel: a sealed file the line scan reads (:mod:`.fastscan`) is decrypted without it."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Literal

from sealfile.stores.base import BOM

Engine = Literal["c", "pure"]

MAX_IMPLICIT_KEY = 1024
"""libyaml's (and ruamel's) limit on an implicit key: its ``:`` at most 1024 characters after its start.
The line scan leaves a longer one to ruamel (which refuses it); ``set`` writes one explicit (``? key``)."""


def split_bom(text: str) -> tuple[str, str]:
    """``(byte-order mark or "", the rest)``: positions are counted in the rest (parsers disagree on the mark)."""
    return (BOM, text[1:]) if text.startswith(BOM) else ("", text)


@cache
def c_parser_available() -> bool:
    """Whether ruamel.yaml.clib's extension is installed (found, not loaded: the line scan needs no parser).

    Asked of the path finder itself: ``importlib.util`` would load ``importlib._abc`` with it (~0.5 ms of a
    write's start) to answer the same question for a top-level name."""
    from importlib.machinery import PathFinder

    return "_ruamel_yaml" in sys.modules or PathFinder.find_spec("_ruamel_yaml") is not None


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: a parse makes ~10 objects per value and no cycles, and
    each full collection would walk all of them again (a third of the load time at 30,000 values).
    Objects made inside are still counted: a collection soon after walks the survivors once, so a
    reader pauses over everything it does with the parse, not over the parse alone."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
