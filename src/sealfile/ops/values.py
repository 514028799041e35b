"""Values typed on the command line (``set --type``), read without ever echoing them."""

from __future__ import annotations

from typing import Any

from sealfile.errors import FormatError

VALUE_TYPES = ("str", "int", "float", "bool", "null", "yaml")


def parse_value(text: str, value_type: str) -> Any:
    """The typed value for ``set --type``; ``yaml`` parses YAML 1.2 (a mapping or list sets a subtree)."""
    try:
        if value_type == "str":
            return text
        if value_type == "int":
            return int(text.strip())
        if value_type == "float":
            return float(text.strip())
        if value_type == "bool":
            lowered = text.strip().lower()
            if lowered not in ("true", "false"):
                raise ValueError
            return lowered == "true"
        if value_type == "null":
            if text.strip() not in ("", "null", "~"):
                raise ValueError
            return None
        if value_type == "yaml":
            from sealfile.stores.yaml.reader import load_fast

            return load_fast(text)
    except ValueError:
        raise FormatError(f"the value is not a valid {value_type}") from None
    raise FormatError(f"unknown value type {value_type!r} (one of {', '.join(VALUE_TYPES)})")
