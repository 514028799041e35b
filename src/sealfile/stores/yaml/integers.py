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
        value = build(constructor, node)
        if isinstance(value, int) and abs(value) >= _TOO_LARGE:
            raise ValueError(f"an integer of more than {MAX_DECIMAL_DIGITS} decimal digits")
        return value

    return construct


@cache
def _limited(constructor: Any) -> Any:
    limited: Any = type(f"Limited{constructor.__name__}", (constructor,), {})
    limited.add_constructor(INT_TAG, _checked(constructor.yaml_constructors[INT_TAG]))  # a copy: ruamel's stays
    return limited


def limit_integers(yaml: YAML) -> YAML:
    """``yaml``, whose loads refuse an integer longer than Python writes as text (:class:`ValueError`,
    which every reader turns into one line), before it is used."""
    yaml.Constructor = _limited(yaml.Constructor)
    return yaml
