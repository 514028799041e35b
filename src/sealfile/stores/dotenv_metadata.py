"""The metadata of a dotenv file as ``sealfile_FIELD=VALUE`` lines: one recipient stanza per line, as
JSON (``sealfile_recipient_I``, or ``sealfile_key_group_G_I`` in key groups), numbered from 0."""

from __future__ import annotations

import json
import re
from typing import Any

from sealfile.errors import FormatError
from sealfile.stores.dotenv_lines import format_value

PREFIX = "sealfile_"


def _stanza_line(name: str, stanza: dict[str, Any], newline: str) -> str:
    encoded = json.dumps({k: str(v) if k == "wrapped" else v for k, v in stanza.items()})
    quoted = f"'{encoded}'" if "'" not in encoded else format_value(encoded)
    return f"{PREFIX}{name}={quoted}{newline}"


def metadata_lines(metadata: dict[str, Any], newline: str) -> str:
    """One line per field; a stanza per line as JSON (``recipient_I``, or ``key_group_G_I`` in key groups)."""
    lines = []
    for field, value in metadata.items():
        if field == "recipients":
            lines += [_stanza_line(f"recipient_{index}", stanza, newline) for index, stanza in enumerate(value)]
        elif field == "key_groups":
            lines += [_stanza_line(f"key_group_{group}_{index}", stanza, newline)
                      for group, stanzas in enumerate(value) for index, stanza in enumerate(stanzas)]
        else:
            lines.append(f"{PREFIX}{field}={format_value(str(value))}{newline}")
    return "".join(lines)


STANZA_FIELD = re.compile(r"(?:recipient|key_group_(0|[1-9][0-9]{0,5}))_(0|[1-9][0-9]{0,5})\Z")
_NUMBER = re.compile(r"[0-9]{1,6}\Z")
"""A metadata number as a writer spells it: a few ASCII digits (``\\d`` takes other scripts' digits, a long
run passes ``int()``'s limit); anything else stays text, which the metadata reader refuses in one line."""


def metadata_from_lines(fields: dict[str, str]) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    recipients: list[tuple[int, Any]] = []
    grouped: dict[int, list[tuple[int, Any]]] = {}
    for field, value in fields.items():
        stanza_field = STANZA_FIELD.match(field)
        if stanza_field:
            from sealfile.stores.json import strict_object  # a recipient is JSON as a JSON file's is read

            try:
                entry = (int(stanza_field[2]), json.loads(value, object_pairs_hook=strict_object))
            except (ValueError, RecursionError) as err:  # a FormatError (a duplicate key...) says which
                cause = f" ({err.message})" if isinstance(err, FormatError) else ""
                raise FormatError(f"a recipient line is not valid JSON{cause}", keypath=PREFIX + field) from None
            group = stanza_field[1]
            (recipients if group is None else grouped.setdefault(int(group), [])).append(entry)
        elif field in ("version", "threshold"):
            metadata[field] = int(value) if _NUMBER.match(value) else value
        else:
            metadata[field] = value
    if recipients or not grouped:
        metadata["recipients"] = _in_order(recipients, "recipient_")
    if grouped:
        numbers = _in_order([(group, group) for group in grouped], "key_group_")
        metadata["key_groups"] = [_in_order(grouped[group], f"key_group_{group}_") for group in numbers]
    return metadata


def _in_order(entries: list[tuple[int, Any]], name: str) -> list[Any]:
    """By index, counted 0, 1, 2... as writers count (a gap would leave the stanzas' order to the reader)."""
    entries = sorted(entries, key=lambda pair: pair[0])
    if [index for index, _ in entries] != list(range(len(entries))):
        raise FormatError(f"the {name}N lines must be numbered 0, 1, 2... once each", keypath=PREFIX + name + "N")
    return [entry for _, entry in entries]
