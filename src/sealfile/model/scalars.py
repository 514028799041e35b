"""Scalars as the format stores them: a typed value with its style, independent of any parser.

A store turns its parser's scalars into a :class:`Styled` (a plain Python value plus how it was
written: a string's quoting or block style, a null's spelling) and back. :func:`encode_scalar`
gives the canonical ``tag || text`` bytes that tokens and the MAC hold (docs/format.md §5), and
:func:`comparable` the one notion of "the same value" (type and content, not spelling).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sealfile.errors import FormatError, IntegrityError
from sealfile.model.lazy_pattern import compiled_when_used
from sealfile.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:  # dates come from a parser that loaded datetime: it loads here only once one is met
    import datetime as dt
    from typing import Any

TOKEN_TEXT = r"ENC\[([A-Za-z0-9_\-]+=*)\]"
"""A sealed value's spelling (a Fernet token's URL-safe base64 inside ``ENC[...]``): the one pattern of it."""
ENC_RE = re.compile(TOKEN_TEXT + r"\Z")

STRING_STYLES: dict[str, str | None] = {"s": None, '"': '"', "'": "'", "|": "|", ">": ">"}
"""Tag byte -> a string's style: plain, double-quoted, single-quoted, literal block, folded block."""
_STRING_TAGS = {style: tag for tag, style in STRING_STYLES.items()}
NULL_SPELLINGS = ("null", "Null", "NULL", "~")


class Styled(Record):
    """A scalar and how it was written. ``style`` is a string's quoting (``None`` plain, ``'"'``,
    ``"'"``, ``"|"``, ``">"``) or a null's spelling (``"~"``, ``"null"``; ``None`` when empty)."""

    __slots__ = ("style", "value")
    _fields = ("value", "style")
    value: Any
    style: str | None

    def __init__(self, value: Any, style: str | None = None) -> None:
        object.__setattr__(self, "value", value)  # one per value of a file: no loop here
        object.__setattr__(self, "style", style)

    def __repr__(self) -> str:  # a decrypted value must never reach a log through a repr
        return f"Styled(<{type(self.value).__name__}>, style={self.style!r})"


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("ENC[") and ENC_RE.match(value) is not None


def holds_token(text: str) -> bool:
    """Whether ``text`` (a whole file) holds a sealed value anywhere (sealfile's or SOPS's): a file without
    metadata that does was sealed, then cut short or stripped, and is not plaintext to seal."""
    return "ENC[" in text and _ANY_TOKEN.search(text) is not None


_ANY_TOKEN = re.compile(TOKEN_TEXT + r"|ENC\[AES256_GCM,")  # or a SOPS file's value (sealfile.sops.cipher)


def all_sealed(texts: list[str]) -> bool:
    """Whether :func:`is_sealed` holds for every one of ``texts`` (strings), in one match in C over them
    joined: a call of ``ENC_RE`` per token was half of a 3,000-value ``status``'s check. ``False`` says
    only that one is not: ask :func:`is_sealed` which."""
    if not texts:
        return True
    # exactly one line per text: a text holding a line break makes more lines than texts
    lines = re.compile(rf"(?>ENC\[[A-Za-z0-9_\-]++=*+\]\n){{{len(texts)}}}\Z")  # possessive: no backtracking
    return lines.match("\n".join(texts) + "\n") is not None


def encode_scalar(value: Any, style: str | None = None) -> bytes:
    """``tag || text`` for any scalar the format holds; ``style`` is kept for strings and nulls."""
    if isinstance(value, str):
        tag = _STRING_TAGS.get(style, "s")
        return tag.encode() + value.encode("utf-8", "surrogatepass")
    if value is None:
        return b"n" + (style.encode() if style in NULL_SPELLINGS else b"")
    if isinstance(value, bool):
        return b"b1" if value else b"b0"
    if isinstance(value, int):
        return b"i" + str(int(value)).encode()
    if isinstance(value, float):
        return b"f" + repr(float(value)).encode()  # 'nan', 'inf', '-inf' for the special values
    if isinstance(value, bytes):
        import base64  # binary values are rare: not loaded for the others

        return b"x" + base64.b64encode(value)
    import datetime as dt

    if isinstance(value, dt.datetime):
        return b"t" + _plain_datetime(value).isoformat().encode()
    if isinstance(value, dt.date):
        return b"d" + value.isoformat().encode()
    raise FormatError(f"cannot seal a value of type {type(value).__name__}")


def layout_record(spelling: str, indent: int = 0, flow: bool = False) -> bytes:
    """A layout record (docs/format.md §5.1): the context a value was written in, then its exact
    source text. JSON and dotenv files have no context to record (0 and 0)."""
    return f"{indent},{int(flow)}:".encode() + spelling.encode("utf-8", "surrogatepass")


def recorded_layout(layout: bytes) -> tuple[int, bool, str] | None:
    """``(indent, flow, spelling)`` of a layout record; ``None`` if it is not one."""
    match = _layout_context().match(layout)
    if match is None:
        return None
    return int(match.group(1)), match.group(2) == b"1", layout[match.end():].decode("utf-8", "surrogatepass")


_layout_context = compiled_when_used(rb"(\d+),([01]):")


def comparable(value: Any) -> bytes:
    """A value's type and content without its spelling: equal for "the same value"."""
    return encode_scalar(value)


def same_value(a: Any, b: Any) -> bool:
    """Whether two scalars are the same value (``"1"`` is not ``1``; quoting is not part of a value)."""
    return comparable(a) == comparable(b)


def _plain_datetime(value: dt.datetime) -> dt.datetime:
    """A parser's datetime subclass (with its own attributes) as a plain ``datetime``."""
    import datetime as dt

    return dt.datetime(
        value.year, value.month, value.day, value.hour, value.minute, value.second,
        value.microsecond, value.tzinfo,
    )


def decode_scalar(encoded: bytes) -> Styled:
    """Inverse of :func:`encode_scalar`; :class:`IntegrityError` for what it never writes.

    A token authenticates under the file's data key, which whoever wrote the file chose: anyone who
    can push can seal any bytes for the reader's recipient (an integer of 5,000 digits, a date that
    does not exist, text that is not UTF-8), so these bytes are input like any other."""
    return Styled(*_checked_decode(encoded))


def _checked_decode(encoded: bytes) -> tuple[Any, str | None]:
    try:
        return _decoded(encoded)
    except (ValueError, IndexError, OverflowError):  # UnicodeDecodeError and binascii.Error among them
        raise IntegrityError("a sealed value is malformed") from None


def _decoded(encoded: bytes) -> tuple[Any, str | None]:
    """``(value, style)``: a tuple, not a :class:`Styled`, as :func:`decode_value` needs no style.

    Only the text :func:`encode_scalar` writes for the value is read (docs/format.md §5): a reader
    by the spec alone reads ``b2``, ``n~x``, ``i 1_0`` or ``x!!!`` otherwise, or refuses them."""
    tag, text = chr(encoded[0]), encoded[1:]
    if tag in STRING_STYLES:
        return text.decode("utf-8", "surrogatepass"), STRING_STYLES[tag]
    if tag == "n":
        spelling = text.decode()
        if spelling and spelling not in NULL_SPELLINGS:
            raise ValueError("not a null spelling")
        return None, spelling or None
    if tag == "b" and text in (b"0", b"1"):
        return text == b"1", None
    value: Any
    if tag == "i":
        value = int(text)
    elif tag == "f":
        value = float(text)
    elif tag == "x":
        import base64

        value = base64.b64decode(text, validate=True)
    elif tag in "td":
        import datetime as dt

        value = (dt.datetime if tag == "t" else dt.date).fromisoformat(text.decode())
    else:
        raise ValueError("unknown value tag")
    if encode_scalar(value)[1:] != text:  # another spelling of the value: `int` and `float` take blanks, `_`, `007`
        raise ValueError("not the value's own text")
    return value, None


_STRING_TAG_BYTES = frozenset(tag.encode()[0] for tag in STRING_STYLES)


def decode_value(encoded: bytes) -> Any:
    """:func:`decode_scalar`'s value without its style: what a value tree holds."""
    if encoded[:1] and encoded[0] in _STRING_TAG_BYTES:  # most values: no :class:`Styled` made for them
        try:
            return encoded[1:].decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            raise IntegrityError("a sealed value is malformed") from None
    return _checked_decode(encoded)[0]


def scalar_text(value: Any) -> str:
    """A scalar as one line of text that a YAML 1.2 reader takes back as the same value, and that a
    shell or an environment variable holds: a string as it is, ``true``/``false``, ``null``, an
    integer in decimal, a float as ``repr`` spells it or ``.inf``/``-.inf``/``.nan`` (YAML reads
    ``inf`` and ``nan`` as strings), a date or time in RFC 3339 (:func:`time_text`), binary as base64. The one spelling
    of ``decrypt --extract``, ``diff`` and the environment names (where null is the empty string)."""
    if isinstance(value, str):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        text = repr(float(value))
        return YAML_SPECIAL_FLOATS.get(text, text)
    if isinstance(value, bytes):
        import base64

        return base64.b64encode(value).decode("ascii")
    import datetime as dt

    if isinstance(value, (dt.date, dt.datetime)):
        return time_text(value)
    raise FormatError(f"cannot print a value of type {type(value).__name__}")


def time_text(value: dt.date) -> str:
    """A date or time in RFC 3339 as most files spell it, and as Go (sops) writes it: ``Z`` for UTC, the
    fraction of a second without trailing zeros (``21:59:43.1-05:00``, not ``.100000``); a time with
    no zone stays without one, a date a date."""
    import datetime as dt

    if not isinstance(value, dt.datetime):
        return value.isoformat()
    text = value.replace(microsecond=0).isoformat()
    seconds = len(value.replace(microsecond=0, tzinfo=None).isoformat())
    fraction = f".{value.microsecond:06d}".rstrip("0") if value.microsecond else ""
    zone = text[seconds:]
    return text[:seconds] + fraction + ("Z" if zone == "+00:00" else zone)


YAML_SPECIAL_FLOATS = {"nan": ".nan", "inf": ".inf", "-inf": "-.inf"}
"""``repr`` of the special floats -> their YAML spelling (YAML reads ``nan`` and ``inf`` as strings)."""


def printed_alone(text: str, is_string: bool) -> str:
    """A scalar printed on its own (``decrypt --extract``), as SOPS prints it: a string's exact text,
    which a script may write to a file that a program reads whole (a password file), so nothing is
    added; any other value on a line of its own."""
    return text if is_string else text + "\n"


def same_data(a: Any, b: Any) -> bool:
    """Equal trees, types and key order included (``1``, ``True``, ``1.0`` and ``"1"`` differ; NaN equals NaN;
    ``-0.0`` is not ``0.0``, nor one instant in two zones the same time), keys compared as values are."""
    if type(a) is str and type(b) is str:  # most leaves: their comparable forms are equal exactly when they are
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):  # equal keys in the same order: values pair up in order
        return len(a) == len(b) and _same_items(a, b) and _same_items(a.values(), b.values())
    if (isinstance(a, list) and isinstance(b, list)) or (isinstance(a, tuple) and isinstance(b, tuple)):
        return len(a) == len(b) and _same_items(a, b)  # a tuple: a YAML sequence read as a mapping key
    if isinstance(a, (dict, list, tuple)) or isinstance(b, (dict, list, tuple)):
        return False
    return comparable(a) == comparable(b)


def _same_items(these: Iterable[Any], those: Iterable[Any]) -> bool:
    """Each pair :func:`same_data`; two values of one of the usual types compared here, without a call each."""
    for one, other in zip(these, those, strict=True):
        kind = type(one)
        if kind is type(other) and kind in _SAME_WHEN_EQUAL:
            if one != other:
                return False
        elif not same_data(one, other):
            return False
    return True


_SAME_WHEN_EQUAL = frozenset({str, int, bool, type(None)})
"""Types whose values are the same value exactly when ``==`` says so (not float: NaN, and -0.0 == 0.0)."""
