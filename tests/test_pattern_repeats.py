"""No regular expression of sealfile's keeps memory per repetition of a group over the text it reads.

Python's ``re`` saves a backtracking point for every repetition of a group (``(?:ab)*``; a one-character item
like ``[a-z]*`` keeps none): ``(?:[0-9A-Fa-f]{2}){8,}`` took 609 MB, 76 times its input, to read one 8 MB line
of a committed file, and a review on a busy machine then ran out of its time. A repeat that never gives back
a repetition is written possessive (``*+``, ``++``, ``{n,}+``: the same matches, nothing kept); any other has
a bound (``{0,8}``)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import sealfile

_REPEATS = (re._constants.MAX_REPEAT, re._constants.MIN_REPEAT)  # type: ignore[attr-defined]
_ONE_CHARACTER = (re._constants.LITERAL, re._constants.NOT_LITERAL, re._constants.IN,  # type: ignore[attr-defined]
                  re._constants.ANY, re._constants.CATEGORY)  # type: ignore[attr-defined]
_UNBOUNDED = re._constants.MAXREPEAT  # type: ignore[attr-defined]
SRC = Path(sealfile.__file__).parent


def _kept_per_repeat(items: Any) -> Iterator[str]:
    """The unbounded, not possessive repeats of more than one character in a parsed pattern, as text."""
    for op, arg in items:
        if op in _REPEATS:
            _, high, sub = arg
            single = sub.getwidth() == (1, 1) and len(sub.data) == 1 and sub.data[0][0] in _ONE_CHARACTER
            if high == _UNBOUNDED and not single:
                yield f"{op} of {sub.data!r:.60}"
            yield from _kept_per_repeat(sub.data)
        elif hasattr(arg, "data"):  # an atomic group
            yield from _kept_per_repeat(arg.data)
        elif isinstance(arg, tuple | list):
            for part in arg:
                if hasattr(part, "data"):  # a group's, an assertion's, a branch's or a possessive repeat's
                    yield from _kept_per_repeat(part.data)
                elif isinstance(part, list):
                    for branch in part:
                        yield from _kept_per_repeat(branch.data)


def _compiled(name: str, value: object, depth: int = 0) -> Iterator[tuple[str, re.Pattern[Any]]]:
    if isinstance(value, re.Pattern):
        yield name, value
    elif callable(value) and getattr(getattr(value, "__wrapped__", None), "__qualname__", "").startswith(
            "compiled_when_used."):
        yield name, value()  # type: ignore[misc]
    elif isinstance(value, tuple | list | frozenset) and depth < 3:
        for index, item in enumerate(value):
            yield from _compiled(f"{name}[{index}]", item, depth + 1)
    elif isinstance(value, dict) and depth < 3:
        for key, item in value.items():
            yield from _compiled(f"{name}[{key!r}]", item, depth + 1)


def _module_patterns() -> dict[str, re.Pattern[Any]]:
    found: dict[str, re.Pattern[Any]] = {}
    for module in pkgutil.walk_packages(sealfile.__path__, "sealfile."):
        if module.name != "sealfile.__main__":
            for name, value in vars(importlib.import_module(module.name)).items():
                found.update(_compiled(f"{module.name}.{name}", value))
    return found


_CALLS = {"compile", "match", "fullmatch", "search", "finditer", "findall", "sub", "subn", "split"}


def _is_pattern_call(called: ast.expr) -> bool:
    if isinstance(called, ast.Attribute):
        return isinstance(called.value, ast.Name) and called.value.id == "re" and called.attr in _CALLS
    return isinstance(called, ast.Name) and called.id == "compiled_when_used"


def _literal_patterns() -> dict[str, tuple[str | bytes, int]]:
    """Patterns written where they are used (``re.search(r"...", text)`` in a function), verbose if flagged so."""
    found: dict[str, tuple[str | bytes, int]] = {}
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str | bytes) and _is_pattern_call(node.func):
                verbose = any(isinstance(flag, ast.Attribute) and flag.attr in {"X", "VERBOSE"}
                              for argument in node.args[1:] for flag in ast.walk(argument))
                found[f"{path.relative_to(SRC)}:{node.lineno}"] = (node.args[0].value, re.X if verbose else 0)
    return found


def _kept(pattern: str | bytes, flags: int = 0) -> list[str]:
    text = pattern.decode("latin-1") if isinstance(pattern, bytes) else pattern
    return list(_kept_per_repeat(re._parser.parse(text, flags & re.X).data))  # type: ignore[attr-defined]


@pytest.mark.parametrize("pattern", [r"(?:ab)*", r"(?:[0-9]{2}){8,}", r"(a|bc)+x", r"(?=(?:a|\\b)*c)", r"(?>(?:ab)+)",
                                     r"(?:ab)*?c", r"x|(?:ab)+", r"(?:(?:ab)+)*+", r"(a)+"])
def test_a_repeated_group_is_found(pattern: str) -> None:
    assert _kept(pattern)


@pytest.mark.parametrize("pattern", [r"(?:ab)*+", r"(?:[0-9]{2}){8,}+", r"[a-z]*", r"(?:ab){0,8}", r"(?:a|b)*", r"\s+",
                                     r"(?:ab)++|[^a]*?"])
def test_a_possessive_bounded_or_one_character_repeat_is_not(pattern: str) -> None:
    assert not _kept(pattern)


def test_no_pattern_keeps_memory_per_repetition_of_a_group() -> None:
    patterns = {name: (found.pattern, found.flags) for name, found in _module_patterns().items()}
    patterns.update(_literal_patterns())
    assert len(patterns) > 150  # every module's were found
    kept = {name: found for name, (pattern, flags) in patterns.items() if (found := _kept(pattern, flags))}
    assert kept.keys() == {name for name in kept if name.startswith(RUAMELS_ROWS)}, kept


RUAMELS_ROWS = "sealfile.stores.yaml.plain_tags.BY_FIRST"
"""ruamel's own implicit resolvers, row for row (``tests/stores/yaml/test_plain_tags.py``): a YAML 1.1 sexagesimal
number keeps as much in sealfile's spelling check as it does when ruamel reads it."""


@pytest.mark.parametrize("line", ["7" * 2_000_000, "41" * 500_000, "\\x41 " * 200_000])
def test_a_long_line_of_hex_or_base32_is_read_in_memory_a_few_times_its_size(line: str) -> None:
    from sealfile.gitflow.blob_views import views

    data = (line + "\n").encode()
    tracemalloc.start()
    try:
        views("wrapped.txt", data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 12 * len(data), peak
