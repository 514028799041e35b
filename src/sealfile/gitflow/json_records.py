"""A JSON-lines text (a log, an export: one object a line) read as the one document its records make together,
so a copy split across records (``{"db": {"password": ...}}``, then ``{"db": {"user": ...}}``) is judged whole."""

from __future__ import annotations

import json
from typing import Any

MIN_RECORDS = 2


def joined_records(text: str) -> str | None:
    """The records of ``text`` merged into one object, as JSON (or, when two records give one key path different
    values, ``{"name": ..., "value": ...}`` records, the list of them); ``None`` unless every line that is not
    blank is a JSON object, two of them or more. Each line is parsed once, and the first that is no object
    ends the reading (a pretty-printed JSON file at its first line)."""
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
        return json.dumps(merged if all(_merge(merged, record) for record in records) else records)
    except RecursionError:  # records nested nearly as deep as json reads: read as lines only
        return None


def _merge(into: dict[str, Any], record: dict[str, Any]) -> bool:
    """``record`` merged into ``into`` (mappings key by key); ``False`` at a key path given two values."""
    for key, value in record.items():
        held = into.get(key)
        if isinstance(held, dict) and isinstance(value, dict):
            if not _merge(held, value):
                return False
        elif key in into and held != value:
            return False
        else:
            into[key] = value
    return True
