"""dotenv files (``*.enc.env``, ``.env.enc``): ``KEY=value`` lines, comments and blank lines kept.

Lines are parsed by python-dotenv (so we read them exactly as applications do); an unchanged line
is written back byte for byte. Values are always strings. The metadata is kept as ordinary,
valid dotenv lines under the reserved ``sealfile_`` prefix, one recipient per line::

    # sealfile metadata: written by sealfile, do not edit
    sealfile_version=1
    sealfile_recipient_0='{"type": "age", "recipient": "age1...", "wrapped": "-----BEGIN..."}'
    sealfile_unencrypted_suffix=_unencrypted
    sealfile_mac=...

A file with key groups has ``sealfile_key_group_G_I`` lines (stanza ``I`` of group ``G``) and a
``sealfile_threshold`` line instead of ``sealfile_recipient_I`` lines.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

from sealfile.errors import FormatError
from sealfile.model.scalars import Styled
from sealfile.stores.base import SUFFIXES, Store

PREFIX = "sealfile_"
METADATA_KEY = "sealfile"
HEADER = "# sealfile metadata: written by sealfile, do not edit\n"
_SAFE_BARE = re.compile(r"[A-Za-z0-9_./:@+,=\-\[\]]*\Z")
_LINE = re.compile(
    r"(?P<lead>\s*)(?P<export>export\s+)?(?P<key>[^=\s]+)\s*=\s*"
    r"(?P<value>'(?:\\'|[^'])*'|\"(?:\\\"|[^\"])*\"|[^\r\n]*?)(?P<rest>(?:\s+#[^\r\n]*)?\s*)\Z",
    re.DOTALL,
)


class _Entry:
    __slots__ = ("key", "raw", "value")

    def __init__(self, raw: str, key: str | None = None, value: str | None = None) -> None:
        self.raw, self.key, self.value = raw, key, value


class QuotedValue(str):
    """A value that was written in quotes (``'...'`` or ``"..."``), so it is written back that way."""

    quote: str = '"'


class _SingleQuoted(QuotedValue):
    quote = "'"


def _quoted(value: str, style: str | None) -> str:
    if style == '"':
        return QuotedValue(value)
    if style == "'":
        return _SingleQuoted(value)
    return value


class DotenvDocument(dict[str, Any]):
    """A flat mapping that remembers the lines it came from."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[_Entry] = []


def _style(raw: str, key: str) -> str | None:
    match = _LINE.match(raw)
    if match is None:
        return None
    value = match.group("value")
    return value[0] if value[:1] in ("'", '"') else None


class DotenvStore(Store):
    name = "dotenv"
    suffixes = SUFFIXES["dotenv"]

    def load_editable(self, text: str) -> DotenvDocument:
        from dotenv.parser import parse_stream

        document = DotenvDocument()
        metadata: dict[str, str] = {}
        for binding in parse_stream(io.StringIO(text)):
            if binding.error:
                raise FormatError(f"invalid dotenv line {binding.original.line}")
            raw = binding.original.string
            if binding.key is None:
                if raw.strip() != HEADER.strip():  # ours: written again with the metadata
                    document.entries.append(_Entry(raw))
                continue
            key, value = binding.key, binding.value or ""
            if key in document or key in metadata:
                raise FormatError(f"invalid dotenv line {binding.original.line}: duplicate key")
            if key.startswith(PREFIX):
                metadata[key[len(PREFIX):]] = value
                continue
            style = _style(raw, key)
            document[key] = _quoted(value, style)
            document.entries.append(_Entry(raw, key, value))
        if metadata:
            document[METADATA_KEY] = _metadata_from_lines(metadata)
        return document

    load_fast = load_editable

    def dump(self, document: Any, like: str | None = None) -> str:
        if not isinstance(document, dict):
            raise FormatError("a dotenv file holds a flat mapping of names to values")
        entries = document.entries if isinstance(document, DotenvDocument) else []
        out: list[str] = []
        written: set[str] = set()
        for entry in entries:
            if entry.key is None:
                out.append(entry.raw)
            elif entry.key in document:
                out.append(self._line(entry, document[entry.key]))
                written.add(entry.key)
        for key, value in document.items():
            if key != METADATA_KEY and key not in written:
                out.append(f"{_check_key(key)}={_format(value)}\n")
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n"
        if METADATA_KEY in document:
            out.append(("\n" if out else "") + HEADER + _metadata_lines(document[METADATA_KEY]))
        return "".join(out)

    def _line(self, entry: _Entry, value: Any) -> str:
        if isinstance(value, str) and value == entry.value and _style(entry.raw, entry.raw) == _style_of(value):
            return entry.raw
        match = _LINE.match(entry.raw)
        lead, export, rest = (match.group("lead"), match.group("export") or "", match.group("rest")) if match else (
            "", "", "\n")
        rest = rest if rest.endswith("\n") else rest + "\n"
        return f"{lead}{export}{entry.key}={_format(value)}{rest}"

    def read_scalar(self, raw: Any) -> Styled:
        return Styled(str(raw), _style_of(raw)) if isinstance(raw, str) else Styled(raw)

    def write_scalar(self, scalar: Styled) -> Any:
        value = scalar.value
        return _quoted(value, scalar.style) if isinstance(value, str) else value


def _style_of(value: str) -> str | None:
    return value.quote if isinstance(value, QuotedValue) else None


def _check_key(key: Any) -> str:
    if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.\-]*", key):
        raise FormatError("dotenv names must be letters, digits, '_', '.' or '-'", keypath=str(key))
    if key.startswith(PREFIX):
        raise FormatError(f"names starting with {PREFIX!r} are reserved", keypath=key)
    return key


def _format(value: Any) -> str:
    if isinstance(value, (dict, list)):
        raise FormatError("a dotenv file is flat: values cannot be mappings or lists")
    if not isinstance(value, str):
        raise FormatError(f"dotenv values are strings, not {type(value).__name__}")
    style = _style_of(value)
    if value.endswith("\\"):
        # python-dotenv reads \" and \' inside quotes as escaped quotes, so such a value can only be bare
        if "\n" in value or value != value.strip() or value[:1] in "'\"" or re.search(r"\s#", value):
            raise FormatError("a dotenv value that ends with a backslash cannot also hold spaces, '#' or quotes")
        return str(value)
    if style == "'" and "'" not in value and "\\" not in value and "\n" not in value:
        return f"'{value}'"
    if style is None and _SAFE_BARE.match(value):
        return str(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def _stanza_line(name: str, stanza: dict[str, Any]) -> str:
    encoded = json.dumps({k: str(v) if k == "wrapped" else v for k, v in stanza.items()})
    quoted = f"'{encoded}'" if "'" not in encoded else _format(encoded)
    return f"{PREFIX}{name}={quoted}\n"


def _metadata_lines(metadata: dict[str, Any]) -> str:
    """One line per field; a stanza per line as JSON (``recipient_I``, or ``key_group_G_I`` in key groups)."""
    lines = []
    for field, value in metadata.items():
        if field == "recipients":
            lines += [_stanza_line(f"recipient_{index}", stanza) for index, stanza in enumerate(value)]
        elif field == "key_groups":
            lines += [_stanza_line(f"key_group_{group}_{index}", stanza)
                      for group, stanzas in enumerate(value) for index, stanza in enumerate(stanzas)]
        else:
            lines.append(f"{PREFIX}{field}={_format(str(value))}\n")
    return "".join(lines)


_STANZA_FIELD = re.compile(r"(?:recipient|key_group_(\d+))_(\d+)\Z")


def _metadata_from_lines(fields: dict[str, str]) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    recipients: list[tuple[int, Any]] = []
    grouped: dict[int, list[tuple[int, Any]]] = {}
    for field, value in fields.items():
        stanza_field = _STANZA_FIELD.match(field)
        if stanza_field:
            try:
                entry = (int(stanza_field[2]), json.loads(value))
            except (ValueError, RecursionError):
                raise FormatError("a recipient line is not valid JSON", keypath=PREFIX + field) from None
            group = stanza_field[1]
            (recipients if group is None else grouped.setdefault(int(group), [])).append(entry)
        elif field in ("version", "threshold"):
            metadata[field] = int(value) if value.isdigit() else value
        else:
            metadata[field] = value
    if recipients or not grouped:
        metadata["recipients"] = [stanza for _, stanza in sorted(recipients, key=lambda pair: pair[0])]
    if grouped:
        metadata["key_groups"] = [[stanza for _, stanza in sorted(grouped[g], key=lambda pair: pair[0])]
                                  for g in sorted(grouped)]
    return metadata
