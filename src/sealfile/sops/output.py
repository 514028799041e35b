"""``sealfile decrypt`` on a SOPS file: the plaintext as ``sops decrypt`` prints it, or one value.

The file's own store decides the syntax (YAML, JSON, dotenv, INI; a binary file's raw bytes);
``output_type`` converts as ``sops decrypt --output-type`` does, between stores that can hold
the data. YAML output is read back before it is returned (:func:`render.check_yaml`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sealfile.errors import FormatError, KeyPathError
from sealfile.model.paths import list_index, parse_keypath
from sealfile.model.scalars import printed_alone
from sealfile.sops import Kind, Opened, about, binary_payload, checked_kind, open_text
from sealfile.sops.data import merged_tree, to_data
from sealfile.sops.gojson import go_marshal, json_text
from sealfile.sops.gonum import yaml_float
from sealfile.sops.gotime import GoTime
from sealfile.sops.nodes import Branch, Comment
from sealfile.sops.render import check_yaml, dotenv_text, ini_text, yaml_text


def document_text(documents: list[Branch], kind: Kind, *, yaml_tree: bool = False) -> str | bytes:
    """The documents printed in the syntax of the SOPS store ``kind``."""
    if kind == "binary":
        return binary_payload(documents[0]).encode("utf-8", "surrogateescape")
    if kind != "yaml" and len(documents) != 1:
        raise FormatError(f"{len(documents)} YAML documents cannot be printed as {kind}")
    if kind == "json":
        return json_text(documents[0])
    if kind == "dotenv":
        return dotenv_text(documents[0])
    if kind == "ini":
        return ini_text(documents[0], yaml_tree=yaml_tree)
    expected = [to_data(document, "yaml") for document in documents]  # first: it names what has no data form
    text = yaml_text(documents)
    check_yaml(text, expected)
    return text


def plaintext(opened: Opened, output_type: Kind | None = None) -> str | bytes:
    """What ``sops decrypt [--output-type T]`` prints for the verified file."""
    kind = output_type or opened.kind
    with about(opened.kind):
        return document_text(opened.documents, kind, yaml_tree=opened.kind == "yaml")


def _find(node: Any, keypath: str) -> Any:
    """The node a key path names in a SOPS tree (keys are strings; a repeated key's last value)."""
    for selector in parse_keypath(keypath):
        if isinstance(node, Branch):
            matches = [value for key, value in node.entries()
                       if selector.kind in ("dotted", "str") and key == selector.value]
            if not matches:
                raise KeyPathError("no such key", keypath=keypath)
            node = matches[-1]
        elif isinstance(node, list):
            items = [item for item in node if not isinstance(item, Comment)]
            node = items[list_index(selector, len(items), keypath)]
        else:
            raise KeyPathError("the path goes through a value that is not a mapping or list", keypath=keypath)
    return node


def scalar_text(value: Any) -> str:
    """One value as a shell wants it: strings raw, Go's spelling for the rest."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return yaml_float(value)
    if isinstance(value, GoTime):
        return value.text
    return "null" if value is None else str(value)


def extract_text(opened: Opened, keypath: str, output_type: Kind | None = None) -> str | bytes:
    """``decrypt --extract`` as ``sops decrypt --extract`` prints it, from the first document: a
    mapping as a file of the output store, a string's exact text, any other value as that store
    encodes one value (JSON: as ``encoding/json`` spells it, no line end; YAML: a line of its own)."""
    kind = output_type or opened.kind
    with about(opened.kind):
        node = _find(opened.documents[0], keypath)
        if isinstance(node, Branch):  # in place of the first document: SOPS's YAML prints the others after it
            return document_text([node, *(opened.documents[1:] if kind == "yaml" else [])], kind,
                                 yaml_tree=opened.kind == "yaml")
        if isinstance(node, str):
            return printed_alone(node, True)
        if kind == "json":
            return json_text(node).removesuffix("\n")
        if kind == "ini":
            return go_marshal(node)
        if kind != "yaml":
            raise FormatError(f"SOPS prints a single value that is not a string only as YAML, JSON or INI, not {kind}")
        if isinstance(node, list):
            expected = to_data(node, "yaml")
            text = yaml_text([node])
            check_yaml(text, [expected])
            return text
        return printed_alone(scalar_text(node), False)


def decrypt(text: str, kind: Kind, *, extract: str | None = None, output_type: str | None = None) -> str:
    """``sealfile decrypt`` of a SOPS file: its plaintext (as ``sops decrypt [--output-type]``
    prints it; a binary file's bytes kept as surrogate escapes) or one extracted value."""
    target = checked_kind(output_type) if output_type else None
    opened = open_text(text, kind, comments=kind == "yaml" and target in (None, "yaml", "ini"))
    spelled = "<<" in text or "\\" in text  # a "<<" key is written so, or through an escape: else no walk
    if opened.kind == "yaml" and spelled and (extract is not None or target not in (None, "yaml")):
        with about(opened.kind):  # one meaning of "<<" on every path: the merge load_secrets reads
            opened = replace(opened, documents=[merged_tree(document) for document in opened.documents])
    shown = plaintext(opened, target) if extract is None else extract_text(opened, extract, target)
    return shown.decode("utf-8", "surrogateescape") if isinstance(shown, bytes) else shown
