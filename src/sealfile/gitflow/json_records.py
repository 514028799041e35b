"""A JSON-lines text (a log, an export: one object a line) read as the one document its records make together,
so a copy split across records (``{"db": {"password": ...}}``, then ``{"db": {"user": ...}}``) is judged whole."""

from __future__ import annotations

import json
from typing import Any

MIN_RECORDS = 2


def joined_records(text: str) -> str | None:
    """The records of ``text`` merged into one object, as JSON (mappings key by key; where records give one key
    path different values, a log's time, the first; a ``{"key": K, "value": V}`` record, what ``jq -c
    'to_entries[]'`` writes, also as ``K: V``); ``None`` unless every line that is not blank is a JSON
    object, two of them or more. Each line is parsed once, and the first that is no object ends the reading (a
    pretty-printed JSON file at its first line)."""
    records: list[dict[str, Any]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line.lstrip().startswith("{"):
            return None
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            return None
        if not isinstance(record, dict):
            return None
        records.append(record)
    if len(records) < MIN_RECORDS:
        return None
    merged: dict[str, Any] = {}
    try:
        for record in records:
            _merge(merged, record)
            name = record.get("key", record.get("name"))
            if isinstance(name, str) and "value" in record:  # jq's to_entries, an export of name/value pairs
                _merge(merged, {name: record["value"]})
        return json.dumps(merged)
    except RecursionError:  # records nested nearly as deep as json reads: read as lines only
        return None


def _merge(into: dict[str, Any], record: dict[str, Any]) -> None:
    for key, value in record.items():
        held = into.get(key)
        if isinstance(held, dict) and isinstance(value, dict):
            _merge(held, value)
        elif key not in into:
            into[key] = value
