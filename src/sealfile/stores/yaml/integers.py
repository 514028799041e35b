"""Integers a YAML reader builds are ones Python can write back as decimal text.

Python converts at most 4,300 decimal digits between text and ``int`` (CVE-2020-10735): a longer
decimal integer fails as it is read, and is refused there in one line. A hexadecimal, octal or
binary spelling has no such limit (``0x`` and 3,600 ``f`` read at once) and failed later instead,
wherever the value became text (the MAC of every reader, ``status``, every output): an internal
error for every command on a file anyone who can push may write. So the readers' constructors
refuse, as they build it, an integer whose decimal text would be too long, whatever its spelling.

They refuse a time finer than a microsecond (``21:59:43.123456789Z``): Python's ``datetime`` holds
microseconds, ruamel rounds the rest (``23:59:59.9999999`` becomes the next day) and PyYAML cuts it, so
the value ``load_secrets``, the JSON, dotenv and Kubernetes outputs and ``exec`` would give is not the
one written, nor the one ``decrypt`` prints or SOPS reads (Go's times hold nanoseconds). Quoted, it is text.

They refuse too a scalar whose standard tag its text contradicts (``!!null x``, ``!!bool yes``): ruamel
builds a value from it that SOPS and YAML 1.2's core schema refuse, so it would not read back alike on
every path.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import ConstructorError

from sealfile.stores.yaml.plain_tags import plain_tag
from sealfile.stores.yaml.sealed_tags import read_as_sealed_before

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


class FinerThanMicroseconds(ValueError):
    """A time with a nonzero digit past the sixth of its fraction (the message quotes nothing)."""

    def __init__(self) -> None:
        super().__init__("a time finer than a microsecond, which Python's datetime cannot hold (ruamel rounds it, "
                         "PyYAML cuts it)")


_FRACTION = re.compile(r":[0-9][0-9]\.[0-9]{6}([0-9]+)")


def finer_than_microseconds(text: str) -> bool:
    """Whether a time's spelling has a nonzero digit past the sixth of its fraction."""
    past = _FRACTION.search(text)
    return past is not None and bool(past.group(1).strip("0"))


def _microseconds_at_most(build: Any) -> Any:
    def construct(constructor: Any, node: Any) -> Any:
        if isinstance(node.value, str) and finer_than_microseconds(node.value):
            raise FinerThanMicroseconds()
        return build(constructor, node)

    return construct


class NotOfItsTag(ValueError):
    """A value tagged with a standard scalar type whose text is not one (the message quotes nothing)."""

    def __init__(self) -> None:
        super().__init__("a value that is not of the type its tag gives it")


def _misspelled_refused(build: Any, tag: str) -> Any:
    spellings = {tag, INT_TAG} if tag == FLOAT_TAG else {tag}  # YAML 1.2's float includes ``1``

    def construct(constructor: Any, node: Any) -> Any:
        text = node.value
        if tag != BINARY_TAG and not read_as_sealed_before() and (
                not isinstance(text, str) or "\n" in text or plain_tag(text) not in spellings):
            raise NotOfItsTag()  # ruamel builds ``!!null x`` as null, ``!!bool yes`` and ``!!int ' 1'`` as values
            # other YAML 1.2 readers (SOPS's) refuse: the text must be one the tag's type is spelled as
        try:
            return build(constructor, node)
        except (NotOfItsTag, TooLong, FinerThanMicroseconds):
            raise
        except ValueError:
            if tag == TIMESTAMP_TAG:  # spelled as one, but a date that does not exist: refused as that
                raise
            raise NotOfItsTag() from None
        except (IndexError, KeyError, ConstructorError):  # ConstructorError: ``!!binary`` text that is not base64
            raise NotOfItsTag() from None

    return construct


FLOAT_TAG = "tag:yaml.org,2002:float"
BINARY_TAG = "tag:yaml.org,2002:binary"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_TAGGED = (FLOAT_TAG, "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", TIMESTAMP_TAG,
           BINARY_TAG)
"""Types whose ruamel constructor takes a text not of the type, tagged so, as a value of it (``!!null x`` is
null) or fails on it with an IndexError, a KeyError (an internal error in every reader), a ValueError
(worded as a spelling that is not its type's) or a ConstructorError (with no key path); ``!!int`` too."""


@cache
def _limited(constructor: Any) -> Any:
    limited: Any = type(f"Limited{constructor.__name__}", (constructor,), {})
    # copies: ruamel's own stay as they are
    limited.add_constructor(INT_TAG, _misspelled_refused(_checked(constructor.yaml_constructors[INT_TAG]), INT_TAG))
    for tag in _TAGGED:
        build = constructor.yaml_constructors[tag]
        build = _microseconds_at_most(build) if tag == TIMESTAMP_TAG else build
        limited.add_constructor(tag, _misspelled_refused(build, tag))
    return limited


def limit_integers(yaml: YAML) -> YAML:
    """``yaml``, whose loads refuse an integer longer than Python writes as text, and a value tagged
    with a standard scalar type that its text is not spelled as (:class:`ValueError`, which every reader
    turns into one line), before it is used."""
    yaml.Constructor = _limited(yaml.Constructor)
    return yaml
