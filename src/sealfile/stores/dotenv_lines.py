"""One dotenv line: where its value is (by python-dotenv's own grammar), a value spelled afresh in
its place, and the bounds that keep python-dotenv's reading of a hostile file short."""

from __future__ import annotations

import io
import re
from functools import cache
from typing import Any

from sealfile.errors import FormatError
from sealfile.model.lines import line_number
from sealfile.model.paths import format_keypath
from sealfile.stores.base import BOM

MAX_LINES = 20_000
"""A dotenv file's lines at most: python-dotenv reads ~50,000 a second, and every reader reads them all."""
_LONG_BLANKS = re.compile(r"(?<![^\S\r\n])(?=([^\S\r\n]{65,}))\1(?!#)")
"""More than 64 blanks in a row, not before a comment: python-dotenv's reader takes time quadratic in such a
run. Linear itself: tried only where a run starts, and matched whole (a lookahead and a back-reference)."""
_LEAD = re.compile(r"\s*(?:export[ \t]+)?")
"""Blank lines, blanks and ``export`` before a name (python-dotenv's ``_multiline_whitespace``, ``_export``)."""
SAFE_BARE = re.compile(r"[A-Za-z0-9_./:@+,=\-\[\]]*\Z")
# python-dotenv's own pattern for the variables it interpolates (dotenv.variables._posix_variable).
_INTERPOLATED = re.compile(r"\$\{[^}:]*(?::-[^}]*)?\}")


_QUOTED_VALUES = {"_single_quoted_value": "'", "_double_quoted_value": '"'}
"""python-dotenv's patterns for a quoted value (``dotenv.parser``), by the quote each is for."""


def _quoted_value(quote: str, *, possessive: bool) -> str:
    """The pattern python-dotenv reads a ``quote``-quoted value with, or one matching the same text at every
    place (``possessive``) that keeps nothing per character: a value's characters are read one way only
    (``\\`` and the character after it, or any other but the quote), so the greedy repeat never gives back
    a character to find the closing quote, and making it possessive changes no match."""
    if not possessive:
        return rf"{quote}((?:\\.|[^{quote}\\])*){quote}"
    return rf"{quote}((?:\\.|[^{quote}\\])*+){quote}"


@cache
def dotenv_parser() -> Any:
    """python-dotenv's parser (``dotenv.parser``), its quoted-value patterns replaced by :func:`_quoted_value`'s
    possessive ones where they are still the ones shown equivalent: python-dotenv's repeat keeps an entry per
    character of the value, and a 7 MB quoted value made every reader (``status`` too, with no key) take 1.1 GB
    and seconds, within the size limit. The same matches, so an application using python-dotenv in this
    process reads every file as before."""
    from dotenv import parser

    for name, quote in _QUOTED_VALUES.items():
        current = getattr(parser, name, None)
        if isinstance(current, re.Pattern) and current.pattern == _quoted_value(quote, possessive=False):
            setattr(parser, name, re.compile(_quoted_value(quote, possessive=True), current.flags))
    return parser


def value_read_from_a_file(raw: str, value: str) -> str:
    """``value``, parsed from the binding ``raw``, as an application reads it from the file: python-dotenv
    opens a path with universal newlines, so a raw CR or CRLF inside a quoted value is a line feed to it
    (an escaped one, ``"\\r"``, stays a CR)."""
    if "\r" not in value or "\r" not in raw:
        return value
    translated = raw.replace("\r\n", "\n").replace("\r", "\n")
    bindings = list(dotenv_parser().parse_stream(io.StringIO(translated)))
    return bindings[0].value if len(bindings) == 1 and bindings[0].value is not None else value


def read_alone(raw: str) -> io.StringIO:
    """``raw``, lines of a file, to be read alone as python-dotenv read them in the file: its reader
    drops a byte-order mark at the start of what it reads, and one that starts a later line is part
    of the name there (given one of its own, the reader drops that one)."""
    return io.StringIO(BOM + raw)


def quote_of(raw: str, at: tuple[int, int | None, int | None] | None = None) -> str | None:
    """The quote a binding's value was written in (``None``: bare); ``at``: ``where(raw)`` if known."""
    start = (at or where(raw))[1]
    return raw[start] if start is not None and raw[start:start + 1] in ("'", '"') else None


def where(raw: str) -> tuple[int, int | None, int | None]:
    """Where a binding's key ends and its value starts and ends in ``raw`` (one binding as python-dotenv
    read it), found by python-dotenv's own grammar; no value (``KEY`` alone): ``None`` for both."""
    parser = dotenv_parser()
    reader = parser.Reader(read_alone(raw))
    reader.read_regex(parser._multiline_whitespace)
    reader.read_regex(parser._export)
    parser.parse_key(reader)
    key_end = reader.position.chars
    reader.read_regex(parser._whitespace)
    if reader.peek(1) != "=":
        return key_end, None, None
    (equal_sign,) = reader.read_regex(parser._equal_sign)
    start = reader.position.chars
    if len(equal_sign) > 1 and reader.peek(1) == "#":  # ``KEY= # comment``: empty
        return key_end, start, start
    if reader.peek(1) in ("'", '"'):
        parser.parse_value(reader)
        return key_end, start, reader.position.chars
    bare = re.match(r"[^\r\n]*", raw[start:])
    return key_end, start, start + len(re.sub(r"\s+#.*", "", bare.group(0) if bare else "").rstrip())


def blank_lines_before(raw: str) -> str:
    """The whole blank lines at the start of ``raw``: python-dotenv reads them with the binding after them,
    so a removed binding leaves them where they were."""
    blank = raw[:len(raw) - len(raw.lstrip())]
    return blank[:max(blank.rfind("\n"), blank.rfind("\r")) + 1]


def check_bounds(text: str) -> None:
    """Refuse what would make python-dotenv work for minutes: a hostile file must not choose a reader's work."""
    lines = line_number(text, len(text)) - 1
    if lines > MAX_LINES:
        raise FormatError(f"a dotenv file of more than {MAX_LINES:,} lines; not a secrets file?")
    long_blanks = _LONG_BLANKS.search(text)
    if long_blanks is not None:
        line = line_number(text, long_blanks.start())
        raise FormatError(f"invalid dotenv line {line}: more than 64 blanks in a row (not right before a #)")


def fresh_line(raw: str, key: str, value: Any) -> str:
    """``raw`` (the line ``key`` was read from) with ``value`` written afresh in place of its value:
    what comes before the value (``export``, spaces around ``=``) and after it (a comment) kept."""
    key_end, start, end = where(raw)
    if start is None or end is None:  # ``KEY`` alone: ``=`` and the value go right after the key
        start = end = key_end
        head = raw[:key_end] + "="
    else:
        head = raw[:start]
        if isinstance(value, str) and not value.startswith("ENC[") and NAME.fullmatch(key):
            # plaintext, which a shell may read: the name bare, '=' and the value right after it, as a shell reads
            # an assignment (the seal covers no blank there; after one, a shell runs the value as a command)
            head = _LEAD.match(raw).group() + key + "="  # type: ignore[union-attr]  # matches every text
    rest = raw[end:]
    rest = " " + rest if rest.startswith("#") else rest  # ``#`` starts a comment only after a blank
    return f"{head}{format_value(value, key)}{rest}"  # a last line without a line break stays without one


def spelled_for_all(value: str, keypath: str | None = None) -> str:
    """``value`` quoted so that python-dotenv (interpolating or not), Docker Compose and a shell
    (``set -a; . ./.env``) read the same text: single-quoted where that is literal to all (no ``'``, no
    ``\\\\``, no final ``\\``), else double-quoted with only ``\\\\`` and ``\\"`` escapes; line breaks as
    they are. A value no spelling carries for all of them is a ``FormatError`` saying why."""
    if "\r" in value:
        raise FormatError("holds a carriage return, which python-dotenv reads as a line break; dotenv cannot "
                          "carry it (use --output-type json or k8s-secret)", keypath=keypath)
    if _INTERPOLATED.search(value):
        raise FormatError("holds ${...}, which python-dotenv replaces by a variable's value; dotenv cannot carry "
                          "it (use --output-type json or k8s-secret)", keypath=keypath)
    if single_quotable(value):
        return f"'{value}'"
    if "$" in value or "`" in value:
        raise FormatError("holds ' or \\ and also $ or `, which a shell expands or runs inside double quotes; "
                          "dotenv cannot carry it (use --output-type json or k8s-secret)", keypath=keypath)
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def single_quotable(value: str) -> bool:
    """Whether ``'value'`` is ``value`` to python-dotenv (``interpolate=False``) and to a shell: single quotes
    hold anything but ``'``, a raw carriage return (a line break to python-dotenv) and python-dotenv's two
    escapes there (``\\\\``, and ``\\'``, which a final backslash would make of the closing quote)."""
    return "'" not in value and "\\\\" not in value and not value.endswith("\\") and "\r" not in value


def shared_spelling(value: str) -> str | None:
    """:func:`spelled_for_all`, or ``None`` where no spelling is read alike (nor a NUL, which a shell drops)."""
    if "\0" in value:
        return None
    try:
        return spelled_for_all(value)
    except FormatError:
        return None


def fresh_style(value: Any, style: str | None) -> str | None:
    """The quoting a value set afresh gets (``style``: the one it replaces): where one exists, a spelling
    python-dotenv and a shell read alike, as the ``'`` style writes it (``"a\\nb"`` is a line break to
    python-dotenv, two characters to a shell; ``"$(id)"`` runs ``id`` in a shell that sources the file)."""
    if not isinstance(value, str) or (style is None and SAFE_BARE.match(value)):
        return style
    if style == '"' and not any(char in value for char in "$`\n\r\t"):  # "..." escapes only \\ and \": read alike
        return style
    return "'" if single_quotable(value) or shared_spelling(value) is not None else style


NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
"""A name every dotenv reader takes, and a shell sourcing the file never reads as a command."""


def sops_name(key: Any, shown: bool = True) -> Any:
    """``key``, the name of a SOPS file's value, if a decrypted dotenv line may start with it (``shown``; a
    SOPS file written from a sealed one keeps its names, which sealfile's MAC covers). SOPS's MAC covers no
    name: anyone who can push may rename ``NAME_unencrypted`` to ``touch${IFS}x;NAME_unencrypted``, which sops
    and sealfile read back alike, and a shell sourcing the decrypted file ran."""
    if shown and (not isinstance(key, str) or not NAME.fullmatch(key)):
        raise FormatError("a name a shell sourcing the decrypted file would not read as one (only letters, "
                          "digits, '_', '.' and '-', not first a digit; --output-type json shows it); SOPS's MAC "
                          "does not cover names",
                          keypath=format_keypath((key,)) if isinstance(key, (str, int, bool)) else None)
    return key


def sops_comment(text: str, shown: bool = True) -> str:
    """``text``, a SOPS dotenv comment (outside SOPS's MAC) being ``shown`` decrypted, if python-dotenv reads all
    of it as the comment: a carriage return ends it there (``#x\\rDB_HOST=evil``), where sops and a shell read
    one line."""
    if shown and "\r" in text:
        raise FormatError("a comment holding a carriage return, a line break to python-dotenv (a binding after "
                          "it would be read); SOPS's MAC does not cover comments")
    return text


def checked_name(key: Any, reserved: str) -> str:
    """``key`` if sealfile may write a line for it: a name every dotenv reader takes, not starting with ``reserved``."""
    if not isinstance(key, str) or not NAME.fullmatch(key):
        raise FormatError("dotenv names must start with a letter or '_' and hold only letters, digits, '_', '.' "
                          "or '-'", keypath=format_keypath((key,)))
    if key.startswith(reserved):
        raise FormatError(f"names starting with {reserved!r} are reserved", keypath=format_keypath((key,)))
    return key


def format_value(value: Any, key: str | None = None) -> str:
    """``value`` spelled for a dotenv line; a value no line can hold is a ``FormatError`` naming ``key``."""
    keypath = None if key is None else format_keypath((key,))
    if isinstance(value, (dict, list)):
        raise FormatError("a dotenv file is flat: values cannot be mappings or lists", keypath=keypath)
    if not isinstance(value, str):
        raise FormatError(f"dotenv values are strings, not {type(value).__name__}", keypath=keypath)
    style = getattr(value, "quote", None)
    if style == "'" and single_quotable(value):
        return f"'{value}'"
    shared = shared_spelling(value) if style == "'" else None  # before, all but the plainest of these were "..."
    if shared is not None:
        return shared
    if value.endswith("\\"):
        # python-dotenv reads \" and \' inside quotes as escaped quotes, so such a value can only be bare
        if "\n" in value or "\r" in value or value != value.strip() or value[:1] in "'\"" or re.search(r"\s#", value):
            raise FormatError("a dotenv value that ends with a backslash cannot also hold spaces, '#' or quotes",
                              keypath=keypath)
        return str(value)
    if style is None and SAFE_BARE.match(value):
        return str(value)
    # a line break (\r too: python-dotenv reads a file with universal newlines, a raw \r as \n) as its escape
    escaped = (str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
               .replace("\t", "\\t"))
    return f'"{escaped}"'
