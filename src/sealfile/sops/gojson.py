"""A SOPS tree as JSON, byte for byte as Go's ``encoding/json`` (``MarshalIndent`` with tabs) writes it for
``sops decrypt``: shortest float digits (``1e-7``, ``1e+21``), ``<``, ``>``, ``&``, U+2028 and U+2029
escaped, and each byte that is not UTF-8 as ``\\ufffd``."""

from __future__ import annotations

import json
import re
from typing import Any

from sealfile.errors import FormatError
from sealfile.sops.gonum import json_float
from sealfile.sops.gotime import GoTime
from sealfile.sops.nodes import Branch, Comment

_NOT_UTF8 = re.compile("[\udc80-\udcff]")


def json_string(text: str) -> str:
    """``encoding/json``'s string: ``<``, ``>``, ``&``, U+2028 and U+2029 escaped too, and each byte that
    is not UTF-8 (kept as a surrogate escape) as ``\\ufffd``."""
    out = _NOT_UTF8.sub(r"\\ufffd", json.dumps(text, ensure_ascii=False))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                         ("\u2029", "\\u2029")):
        out = out.replace(char, escape)
    return out


def _json_value(node: Any, depth: int) -> str:
    pad, inner = "\t" * depth, "\t" * (depth + 1)
    if isinstance(node, (Branch, list)):
        if isinstance(node, Branch):
            parts = [f"{json_string(k)}: {_json_value(v, depth + 1)}" for k, v in node.entries()]
            opening, closing = "{", "}"
        else:
            parts = [_json_value(v, depth + 1) for v in node if not isinstance(v, Comment)]
            opening, closing = "[", "]"
        if not parts:
            return opening + closing
        return opening + "\n" + ",\n".join(inner + part for part in parts) + "\n" + pad + closing
    if isinstance(node, bool):
        return "true" if node else "false"
    if node is None:
        return "null"
    if isinstance(node, float):
        try:
            return json_float(node)
        except ValueError:
            raise FormatError("SOPS cannot print NaN or an infinity as JSON") from None
    if isinstance(node, int):
        return str(node)
    if isinstance(node, GoTime):
        return json_string(node.text)
    return json_string(node)


def json_text(node: Any) -> str:
    return _json_value(node, 0) + "\n"


def go_marshal(node: Any) -> str:
    """``json.Marshal`` of one value of the tree, compact: what SOPS's INI store prints for an extracted value
    that is not a string or a section (a mapping inside it as Go's ``TreeItem`` structs, a comment as its
    ``Comment`` struct: SOPS marshals its own types)."""
    if isinstance(node, Branch):
        items = (f'{{"Key":{go_marshal(item.key)},"Value":{go_marshal(item.value)}}}' for item in node)
        return "[" + ",".join(items) + "]"
    if isinstance(node, Comment):
        return '{"Value":' + json_string(node.text) + "}"
    if isinstance(node, list):
        return "[" + ",".join(go_marshal(value) for value in node) + "]"
    return _json_value(node, 0)
