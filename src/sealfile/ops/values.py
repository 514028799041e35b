"""Values typed on the command line (``set --type``), read without ever echoing them."""

from __future__ import annotations

from collections.abc import Sequence

from sealfile.errors import FormatError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any

VALUE_TYPES = ("str", "int", "float", "bool", "null", "yaml")
MAX_VALUE_NODES = 1_000_000
"""Entries a ``--type yaml`` value may expand to: its aliases are written out as copies, so
``&a [*a]`` would never end and nested aliases can multiply (a few lines, billions of entries)."""


def parse_value(text: str, value_type: str, keypath: str | None = None) -> Any:
    """The typed value for ``set --type``; ``yaml`` parses YAML 1.2 (a mapping or list sets a subtree).
    An error names ``keypath`` and the type, never the text (it may be the secret)."""
    if value_type not in VALUE_TYPES:
        raise FormatError(f"unknown value type {value_type!r} (one of {', '.join(VALUE_TYPES)})")
    if value_type == "yaml":
        from sealfile.stores.yaml.reader import load_fast

        try:
            value = load_fast(text)
        except FormatError as err:  # the reader's messages give a position, never a value
            raise FormatError(f"the value is not valid YAML: {err.message}", keypath=keypath) from None
        _check_expansion(value, keypath)
        return value
    try:
        return _scalar(text, value_type)
    except ValueError:
        raise FormatError(f"the value is not a valid {value_type}", keypath=keypath) from None


def _check_expansion(value: Any, keypath: str | None) -> None:
    """Refuse a value that holds itself or expands beyond :data:`MAX_VALUE_NODES` entries."""
    around: set[int] = set()  # the collections from the top down to the one being looked at
    stack: list[tuple[Any, bool]] = [(value, False)]
    visited = 0
    while stack:
        node, leaving = stack.pop()
        if leaving:
            around.discard(id(node))
            continue
        visited += 1
        if visited > MAX_VALUE_NODES:
            raise FormatError(f"the value expands to more than {MAX_VALUE_NODES:,} entries (YAML aliases "
                              "are written out as copies)", keypath=keypath)
        if not isinstance(node, (dict, list)):
            continue
        if type(node) is not dict and isinstance(node, dict):  # ruamel's reader gives !!omap an ordered dict
            from sealfile.stores.yaml.basics import unsupported_collection
            raise FormatError(unsupported_collection("omap"), keypath=keypath)
        if id(node) in around:
            raise FormatError("the value holds itself (a YAML alias to a collection around it)", keypath=keypath)
        around.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in (node.values() if isinstance(node, dict) else node))


_YAML_FLOATS = {f"{sign}{spelling}": f"{sign}inf" for sign in ("", "+", "-") for spelling in (".inf", ".Inf", ".INF")}
_YAML_FLOATS.update({spelling: "nan" for spelling in (".nan", ".NaN", ".NAN")})
"""YAML 1.2's spellings of infinity and not-a-number, which Python's ``float`` does not read."""


_TAGS = {"int": ("int",), "float": ("float", "int"), "bool": ("bool",), "null": ("null",)}
"""The YAML 1.2 types a spelling given with ``--type`` may have: a number typed as an integer is a float too."""


def _scalar(text: str, value_type: str) -> Any:
    if value_type == "str":
        return text
    from sealfile.stores.yaml.plain_tags import plain_tag  # the one reading of YAML 1.2's spellings

    spelled = text.strip()
    tag = plain_tag(spelled).rsplit(":", 1)[-1] if spelled else "null"
    if tag not in _TAGS[value_type]:  # Python reads more ('\u0661\u0662', 'inf', '0X1F'), as YAML readers never do
        raise ValueError
    if value_type == "null":
        return None
    if value_type == "bool":
        return spelled.lower() == "true"
    if tag == "int":
        number = int(spelled) if spelled.lstrip("+-").isdecimal() else int(spelled, 0)
        return float(number) if value_type == "float" else number
    return float(_YAML_FLOATS.get(spelled, spelled))


_KEPT_BY = ((bool, "bool", "a boolean"), (int, "int", "an integer"), (float, "float", "a number"))
"""A value's type -> the ``--type`` that sets one, and its name (``bool`` first: it is an ``int`` to Python)."""


def set_as_text_warnings(text: str, value_type: str, replaced: list[Any], untagged: Sequence[str] = ()) -> list[str]:
    """Why a ``set`` of ``text`` read as ``value_type`` likely does not set what was meant, never quoting it:
    an application tag that went with the value set over (``untagged``: ``!secret`` named a secret, the new value
    is the secret itself; docs/format.md §1.3), a number or boolean that becomes a string (``set f db.port 5433``
    without ``--type int``: an application then reads ``"5433"``), and a value in double quotes, which ``sops set``
    reads as JSON and sealfile keeps."""
    found = [f"its tag {tag} went with the value it held: set stores the value itself, untagged (to keep a tag, "
             "use sealfile edit)" for tag in untagged]
    if value_type != "str":
        return found
    old = replaced[0] if replaced else None
    for kind, flag, name in _KEPT_BY:
        if isinstance(old, kind):
            try:
                _scalar(text, flag)
            except ValueError:
                break  # text that is no such value ('auto' for a port): a string meant
            found.append(f"was {name}, now a string (--type {flag} keeps it {name})")
            break
    if len(text) >= 2 and text[0] == text[-1] == '"':
        found.append("set with its double quotes, which are now part of the value (set takes the text as given; "
                     "sops set reads JSON): give it without them")
    return found
