"""Counting where a command reads a text with ruamel: the line scan's nodes made (``_Nodes.full``), the metadata
block's nodes made, ruamel's parse of a text (``parsed_scan``), and any other use of ruamel's ``YAML`` object
(the round-trip reader and writer), each with the sealfile function that asked."""

from __future__ import annotations

import contextlib
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

_YAML_METHODS = ("load", "load_all", "compose", "compose_all", "parse", "dump", "dump_all", "get_constructor_parser")


def _asker() -> str:
    """The innermost sealfile function outside the YAML store that led here (where a fix belongs)."""
    frame = sys._getframe(2)
    inner = "?"
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name.startswith("sealfile.") and inner == "?":
            inner = f"{name}.{frame.f_code.co_name}"
        if name.startswith("sealfile.") and not name.startswith("sealfile.stores.yaml"):
            return f"{name}.{frame.f_code.co_name} <- {inner}"
        frame = frame.f_back  # type: ignore[assignment]
    return inner


@contextlib.contextmanager
def parser_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """A counter of ``what (asker)`` for every parse the block runs."""
    from ruamel.yaml import YAML

    from sealfile.stores.yaml import fastleaf, fastscan, parsed

    calls: Counter[str] = Counter()

    def counted(what: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[f"{what} ({_asker()})"] += 1
            return function(*args, **kwargs)
        return wrapper

    full, metadata_nodes = fastleaf.LazyNodes.full, fastscan.FastScan._metadata_nodes

    def nodes_full(self: Any) -> Any:
        if self._full is None:
            calls[f"line scan nodes ({_asker()})"] += 1
        return full(self)

    def block_nodes(self: Any) -> None:
        if self._metadata_at >= 0:
            calls[f"metadata nodes ({_asker()})"] += 1
        metadata_nodes(self)

    monkeypatch.setattr(fastleaf.LazyNodes, "full", nodes_full)
    monkeypatch.setattr(fastscan.FastScan, "_metadata_nodes", block_nodes)
    monkeypatch.setattr(parsed, "parsed_scan", counted("parse", parsed.parsed_scan))
    for method in _YAML_METHODS:
        monkeypatch.setattr(YAML, method, counted(f"YAML.{method}", getattr(YAML, method)))
    yield calls
