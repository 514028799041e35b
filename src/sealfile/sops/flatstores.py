"""SOPS's dotenv and INI files, read into SOPS's tree (stores/dotenv, stores/ini, stores/flatten.go).

Both stores hold only strings. dotenv keeps one ``KEY=value`` per line (``\\n`` in a value is a
line break) and its metadata in ``sops_*`` keys; INI keeps sections of keys (read as go-ini
reads them, the subset SOPS writes) and its metadata in a ``[sops]`` section. The metadata is
flattened (``age__list_0__map_enc``) and unflattened here as SOPS does.
"""

from __future__ import annotations

import re
from typing import Any

from sealfile.errors import FormatError
from sealfile.sops.gonum import atoi, parse_float
from sealfile.sops.nodes import Branch, Comment, Item

_SEPARATORS = re.compile(r"(__map_|__list_)")
INI_DEFAULT_SECTION = "DEFAULT"


def _unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    """stores.Unflatten: ``a__list_0__map_b`` becomes ``{"a": [{"b": ...}]}``."""
    root: dict[str, Any] = {}
    for name, value in flat.items():
        parts = _SEPARATORS.split(name)
        tokens: list[str | int] = [parts[0]]
        for separator, token in zip(parts[1::2], parts[2::2], strict=True):
            if separator == "__list_" and token.isascii() and token.isdigit():
                # SOPS numbers list items from 0 without gaps: a larger index would only make the reader
                # allocate what the file asks for (a billion items)
                if len(token) > 9 or int(token) >= len(flat):
                    raise FormatError("malformed flattened SOPS metadata (a list index past its entries)")
                tokens.append(int(token))
            else:
                tokens.append(token)
        node: Any = root
        for token, following in zip(tokens, [*tokens[1:], None], strict=True):
            if following is None:
                _set(node, token, value)
            else:
                node = _child(node, token, [] if isinstance(following, int) else {})
    return root


def _set(node: Any, token: str | int, value: Any) -> None:
    if isinstance(node, list) and isinstance(token, int):
        node.extend([None] * (token + 1 - len(node)))
        node[token] = value
    elif isinstance(node, dict) and isinstance(token, str):
        node[token] = value
    else:
        raise FormatError("malformed flattened SOPS metadata")


def _child(node: Any, token: str | int, empty: Any) -> Any:
    current = node[token] if isinstance(node, dict) and token in node else None
    if isinstance(node, list) and isinstance(token, int) and token < len(node):
        current = node[token]
    if current is None:
        _set(node, token, empty)
        current = empty
    if not isinstance(current, type(empty)):
        raise FormatError("malformed flattened SOPS metadata")
    return current


def flat_metadata(flat: dict[str, str]) -> dict[str, Any]:
    """The ``sops`` mapping from a flat store's ``key -> text`` (DecodeNewLines, DecodeNonStrings)."""
    decoded: dict[str, Any] = {key: value.replace("\\n", "\n") for key, value in flat.items()}
    if "mac_only_encrypted" in decoded:
        decoded["mac_only_encrypted"] = decoded["mac_only_encrypted"] == "true"
    if "shamir_threshold" in decoded:
        text = decoded["shamir_threshold"]
        try:
            decoded["shamir_threshold"] = atoi(text)
        except ValueError:
            try:
                number = parse_float(text) if text else float("nan")
            except ValueError:  # beyond float64 (1e400)
                number = float("nan")
            if not number.is_integer():
                raise FormatError("sops.shamir_threshold is not an integer") from None
            decoded["shamir_threshold"] = int(number)
    return _unflatten(decoded)


def read_dotenv(text: str) -> tuple[Branch, dict[str, Any]]:
    """A SOPS dotenv file: its branch (values with ``\\n`` decoded) and its metadata mapping."""
    branch, flat = Branch(), {}
    for number, line in enumerate(text.split("\n"), start=1):
        if not line:
            continue
        if line.startswith("#"):
            branch.append(Item(Comment(line[1:])))
            continue
        key, equals, value = line.partition("=")
        if not equals:
            raise FormatError(f"invalid dotenv line {number}: no '=' (sops reads KEY=value lines only)")
        if key.startswith("sops_"):
            flat[key[len("sops_"):]] = value
        else:
            branch.append(Item(key, value.replace("\\n", "\n")))
    return branch, flat_metadata(flat)
