"""One decrypted scalar as YAML text, in the style it was written, for splicing into a file.

Why: ``decrypt`` keeps the file's layout by replacing each ``ENC[...]`` span with the value's
text instead of re-emitting the whole document. Each function here returns the text only
when it certainly reads back (YAML 1.2, ruamel's resolver) as the same value, and ``None``
otherwise, so the caller falls back to the round-trip emitter. Plain and quoted strings come
out as ruamel writes them; a plain string that cannot stay plain is double-quoted with JSON
escapes (valid YAML with the same meaning).
"""

from __future__ import annotations

import io
from types import SimpleNamespace

from sealfile.model.scalars import YAML_SPECIAL_FLOATS
from sealfile.stores.yaml.per_thread import per_thread
from sealfile.stores.yaml.plain_tags import STR_TAG as STR_TAG
from sealfile.stores.yaml.plain_tags import plain_tag as implicit_tag
from sealfile.stores.yaml.plain_tags import plain_tag_11

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any

NULL_SPELLINGS = ("null", "Null", "NULL", "~")
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`.<=\\")
_FLOW_INDICATORS = frozenset(",[]{}:?")
"""Characters a plain scalar inside brackets never holds here (libyaml ends or refuses it at ``:`` and ``?``)."""
_FLOW_FIRST = frozenset("-.<=\\")
"""First characters libyaml reads as text inside brackets too (``-`` when no space follows)."""
_BREAKS = "\n\x85\u2028\u2029"


@per_thread
def _emitter() -> Any:
    """ruamel's emitter, for its analysis of a scalar (loaded only when the quick tests cannot decide)."""
    from ruamel.yaml.emitter import Emitter

    return Emitter(io.StringIO(), dumper=SimpleNamespace(_serializer=SimpleNamespace(use_version=None)))


@per_thread
def _representer() -> Any:
    from ruamel.yaml.representer import RoundTripRepresenter

    return RoundTripRepresenter()


def inline(value: Any, style: str | None, *, flow: bool) -> str | None:
    """A scalar on one line (``None`` for block scalars, or anything unusual)."""
    kind = type(value)
    if kind is str:
        return _string(value, style, flow)
    if kind is bytes:  # base64 holds no indicator, ``""`` the empty value also in a flow collection
        import base64

        return "!!binary " + (base64.b64encode(value).decode("ascii") or '""')
    if value is None:  # inside brackets an empty value is no item at all ('[x, ]' is one item)
        return style if style in NULL_SPELLINGS else "null" if flow else ""
    if kind is bool:
        return "true" if value else "false"  # as ruamel's representer writes them
    if kind is int:
        return str(value)
    if kind is float:
        return float_text(value)
    import datetime as dt  # loaded already by whatever parser made a date

    if isinstance(value, (bool, int, float, dt.date)):
        from sealfile.stores.yaml.engines import tag_text  # a date, or a subclass: ruamel spells it

        node = _representer().represent_data(value)
        text = node.value
        if node.style or not isinstance(text, str) or implicit_tag(text) != tag_text(node.ctag):
            return None
        if flow and ":" in text:  # a time: ruamel's C reader refuses a ':' inside a plain scalar there
            return f'!!timestamp "{text}"' if isinstance(value, dt.date) else None
        return text
    return None


def _string(value: str, style: str | None, flow: bool) -> str | None:
    if style == "'":  # multi-line single-quoted text folds in ways only the emitter reproduces
        return "'" + value.replace("'", "''") + "'" if value.isprintable() else None
    if style in (None, "'", '"'):
        if style is None and plain_ok(value, flow=flow):
            return value
        return double_quoted(value)
    return None


def plain_ok(value: str, *, flow: bool) -> bool:
    """Whether ``value`` may be written as a plain scalar and read back as this string: a quick
    conservative test, and for what it refuses, ruamel's own emitter analysis (so ``<`` or
    ``.hidden`` stay plain as ruamel would write them). A string YAML 1.1 readers would take for
    something else (``yes``, ``on``, ``0o12``, ``12:30``) is never written plain by sealfile."""
    if not value or not value.isprintable():
        return False
    inner = not (value[0] == " " or value[-1] in " :" or ": " in value or " #" in value
                 or (flow and not _FLOW_INDICATORS.isdisjoint(value)))
    if flow:  # inside brackets libyaml refuses more than ruamel's analysis does (``[a:b]``, ``[a?]``):
        # ruamel's analysis only judges the first character, and only one libyaml reads as text there
        # (``[sh, -c]``, ``{token: <token>}`` as real files write them)
        first = value[0] not in _INDICATORS or (value[0] in _FLOW_FIRST and _emitter_allows_plain(value, flow))
        if not (inner and first):
            return False
    elif not (inner and value[0] not in _INDICATORS) and not _emitter_allows_plain(value, flow):
        return False
    return implicit_tag(value) == STR_TAG and plain_tag_11(value) == STR_TAG


def plain_only(value: Any, indent: int, newline: str) -> str | None:
    """``value`` as a plain scalar, for the one place only a plain scalar may stand: before a blank
    line holding a tab (libyaml reads that line as the plain scalar's trailing space, and refuses it
    after any other token). Words that mean another type get ``!!str``; a multi-line string is
    folded over blank lines, its later lines at column ``indent``. ``None`` when there is no such
    spelling: an empty string, or a line break, space or tab at either end of a line."""
    if value is None:
        return "null"
    if not isinstance(value, str):
        rendered = inline(value, None, flow=False)
        return rendered if rendered and rendered[0] not in "\"'" else None
    words = value.split("\n")
    if not words[0] or not words[-1] or not all(_plain_words(line) for line in words if line):
        return None
    pad = " " * indent
    # folding: n breaks in the value are n + 1 in the text, the last one before the next words
    text = words[0] + "".join(newline + (newline + pad + line if line else "") for line in words[1:])
    typed = implicit_tag(value) != STR_TAG or plain_tag_11(value) != STR_TAG
    return "!!str " + text if typed else text


def _plain_words(line: str) -> bool:
    return line.isprintable() and line.strip(" ") == line and (
        (line[0] not in _INDICATORS and line[-1] != ":" and ": " not in line and " #" not in line)
        or _emitter_allows_plain(line, False))


def _emitter_allows_plain(value: str, flow: bool) -> bool:
    try:
        analysis = _emitter().analyze_scalar(value)
    except Exception:  # an analysis ruamel cannot make here: stay conservative
        return False
    return bool(analysis.allow_flow_plain if flow else analysis.allow_block_plain)


def double_quoted(value: str) -> str | None:
    """JSON's escaping is valid YAML double-quoted text; refuse characters YAML reads as breaks."""
    import json
    if not value.isprintable() and any(not c.isprintable() and c not in "\n\t" for c in value):
        return None
    return json.dumps(value, ensure_ascii=False)


def literal_block(value: str, indent: int) -> tuple[str, list[str]] | None:
    """``(header, content lines)`` of a literal block scalar with content at column ``indent``.

    The chomping indicator is ruamel's choice (``-`` no final break, ``+`` several); a value
    that would need an indentation indicator (leading space or break), starts with a tab
    (libyaml refuses one where the indentation is still being measured) or has characters YAML
    treats as breaks is refused.
    """
    if not value or value[0] in " \t" + _BREAKS or any(c in value for c in "\r\x85\u2028\u2029"):
        return None
    if any(not c.isprintable() and c not in "\n\t" for c in value):
        return None
    if value[-1] != "\n":
        header, body = "|-", value
    elif len(value) == 1 or value[-2] == "\n":
        header, body = "|+", value[:-1]
    else:
        header, body = "|", value[:-1]
    pad = " " * indent
    return header, [pad + line if line else "" for line in body.split("\n")]


def double_quoted_any(value: str) -> str:
    """Any string as one double-quoted line, escapes as ruamel's emitter writes them (line and
    paragraph separators, control characters): the spelling that means this string anywhere."""
    from ruamel.yaml import YAML
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    yaml = YAML(typ="rt")
    yaml.width = 1 << 30
    stream = io.StringIO()
    yaml.dump({"k": DoubleQuotedScalarString(value)}, stream)
    line = stream.getvalue()
    if not line.startswith('k: "') or line.count("\n") != 1:
        quoted = double_quoted(value)
        if quoted is None:
            raise ValueError("a string no YAML line can hold")
        return quoted
    return line[3:-1]


def float_text(value: float) -> str:
    """A float both YAML versions read as this value: a dot always, the exponent signed."""
    text = repr(float(value))
    if text in YAML_SPECIAL_FLOATS:
        return YAML_SPECIAL_FLOATS[text]
    mantissa, e, exponent = text.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return mantissa + (f"e{'' if exponent[0] in '+-' else '+'}{exponent}" if e else "")


def scalar_text(value: Any, *, flow: bool = False) -> str:
    """``value`` on one line as ``set`` writes a new value: as sealfile writes it, else double-quoted."""
    rendered = inline(value, None, flow=flow)
    return rendered if rendered is not None else double_quoted_any(str(value))


def empty_value_start(text: str, start: int, end: int) -> int:
    """Where a value written empty over ``[start, end)`` starts: before the spaces between it and its ``:``, ``-``
    or properties when nothing follows it on its line, so a null is written ``key:`` as a person writes it,
    without a space left at the line's end."""
    if text[end:end + 1] not in ("", "\n", "\r"):
        return start
    return len(text[:start].rstrip(" \t"))


def scalar_edit(text: str, start: int, end: int, value: Any, flow: bool) -> tuple[int, int, str]:
    """The edit writing the single-line ``value`` over the one-line value written at ``[start, end)``
    (``flow``: inside a flow collection), as ``set`` writes it: a null as ``key:``."""
    rendered = scalar_text(value, flow=flow)
    start = start if rendered else empty_value_start(text, start, end)
    return start, end, (" " if start == end and rendered else "") + rendered
