"""Integers a YAML reader builds are ones Python can write back as decimal text.

Python converts at most 4,300 decimal digits between text and ``int`` (CVE-2020-10735): a longer
decimal integer fails as it is read, and is refused there in one line. A hexadecimal, octal or
binary spelling has no such limit (``0x`` and 3,600 ``f`` read at once) and failed later instead,
wherever the value became text (the MAC of every reader, ``status``, every output): an internal
error for every command on a file anyone who can push may write. So the readers' constructors
refuse, as they build it, an integer whose decimal text would be too long, whatever its spelling.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ruamel.yaml import YAML

INT_TAG = "tag:yaml.org,2002:int"
MAX_DECIMAL_DIGITS = 4300
"""Python's default limit (``sys.int_info.default_max_str_digits``)."""
_TOO_LARGE = 10 ** MAX_DECIMAL_DIGITS


def _checked(build: Any) -> Any:
    def construct(constructor: Any, node: Any) -> Any:
        try:
            value = build(constructor, node)
        except ValueError:
            if _long_decimal(node.value):
                raise TooLong() from None  # Python's limit on decimal digits
            raise NotOfItsTag() from None  # ``!!int abc``, ``!!int 1.5``: text tagged as an integer that is not one
        if isinstance(value, int) and abs(value) >= _TOO_LARGE:
            raise TooLong()
        return value

    return construct


def _long_decimal(text: Any) -> bool:
    digits = text.lstrip("+-").replace("_", "") if isinstance(text, str) else ""
    return len(digits) > MAX_DECIMAL_DIGITS and digits.isdigit()


class TooLong(ValueError):
    """An integer whose decimal text Python would not write (the message quotes nothing)."""

    def __init__(self) -> None:
        super().__init__(f"an integer of more than {MAX_DECIMAL_DIGITS} decimal digits")


class NotOfItsTag(ValueError):
    """A value tagged ``!!int``, ``!!float`` or ``!!bool`` whose text is not one (the message quotes nothing)."""

    def __init__(self) -> None:
        super().__init__("a value that is not of the type its tag gives it")


def _misspelled_refused(build: Any) -> Any:
    def construct(constructor: Any, node: Any) -> Any:
        try:
            return build(constructor, node)
        except (NotOfItsTag, TooLong):
            raise
        except (IndexError, KeyError, ValueError):  # ValueError: ``!!float x``; an implicit float always reads
            raise NotOfItsTag() from None

    return construct


_TAGGED = ("tag:yaml.org,2002:float", "tag:yaml.org,2002:bool")
"""Types whose ruamel constructor fails on a text not of the type, tagged so (``!!float ''``, ``!!bool x``,
``!!float x``), with an IndexError, a KeyError (an internal error in every reader) or a ValueError (worded as
a spelling that is not its type's); ``!!int`` too, checked above."""


@cache
def _limited(constructor: Any) -> Any:
    limited: Any = type(f"Limited{constructor.__name__}", (constructor,), {})
    # copies: ruamel's own stay as they are
    limited.add_constructor(INT_TAG, _misspelled_refused(_checked(constructor.yaml_constructors[INT_TAG])))
    for tag in _TAGGED:
        limited.add_constructor(tag, _misspelled_refused(constructor.yaml_constructors[tag]))
    return limited


def limit_integers(yaml: YAML) -> YAML:
    """``yaml``, whose loads refuse an integer longer than Python writes as text, and a value tagged
    ``!!int``, ``!!float`` or ``!!bool`` that is not one (:class:`ValueError`, which every reader
    turns into one line), before it is used."""
    yaml.Constructor = _limited(yaml.Constructor)
    return yaml
