"""Reading files written by SOPS 3.x natively: YAML, JSON, dotenv, INI and binary (docs/sops-compat.md).

Each store's file is read into SOPS's own tree (:mod:`sealfile.sops.nodes`), the data key is
unwrapped with sealfile's providers (age, AWS KMS), every value is decrypted and SOPS's MAC
verified before anything is returned. :func:`load` gives the data a program reading
``sops decrypt``'s output would get; :mod:`sealfile.sops.render` prints what ``sops decrypt``
prints. A tampered file raises :class:`sealfile.IntegrityError`, as SOPS refuses it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from sealfile.errors import FormatError, SealfileError
from sealfile.model.conflicts import refuse_conflict_markers
from sealfile.model.lines import line_column
from sealfile.sops.cipher import ENC_PREFIX, verify_mac
from sealfile.sops.data import flat_data, to_data
from sealfile.sops.flatstores import read_dotenv
from sealfile.sops.format import KEY_KINDS, METADATA_KEY, SopsMetadata, is_sops_document, parse_metadata
from sealfile.sops.initree import read_ini
from sealfile.sops.keys import unwrap_sops_data_key
from sealfile.sops.nodes import Branch, Comment, Item, plain
from sealfile.sops.tree import decrypt_branches
from sealfile.stores.node_limit import refuse_many_json_nodes, refuse_many_lines

Kind = Literal["yaml", "json", "dotenv", "ini", "binary"]
KINDS: tuple[Kind, ...] = ("yaml", "json", "dotenv", "ini", "binary")
LABELS = {"yaml": "YAML", "json": "JSON", "dotenv": "dotenv", "ini": "INI", "binary": "binary"}
_EXTENSIONS: dict[str, Kind] = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".env": "dotenv", ".ini": "ini"}
_LINE_START = r"(?:^|(?<=\r))"
"""A line starts after LF, CRLF or a lone CR: yaml.v3 reads all three as line breaks."""
_MARKERS = {
    "yaml": re.compile(_LINE_START + r"sops:", re.MULTILINE),
    "json": re.compile(r'"sops"\s*:'),
    "dotenv": re.compile(_LINE_START + r"sops_mac=", re.MULTILINE),
    "ini": re.compile(_LINE_START + r"[ \t]*\[sops\]", re.MULTILINE),
}


def named_kind(path: str) -> Kind:
    """The store ``sops`` itself picks for a file of this name: by its exact suffix (``X.YAML`` is
    not YAML to it), any other name its binary envelope. What a SOPS file is written as must be this."""
    return next((kind for extension, kind in _EXTENSIONS.items() if path.endswith(extension)), "binary")


def kind_for(path: str | None, text: str) -> Kind:
    """The store SOPS would use: by extension, in any case (an unknown one means the binary store, a
    JSON envelope), else by content for text without a name."""
    if path is not None:
        kind = named_kind(path.lower())
        if kind != "binary":
            return kind
    start = text.lstrip()
    if start.startswith("{"):
        return "binary" if path is not None else "json"
    if _MARKERS["dotenv"].search(text) and not _MARKERS["yaml"].search(text):
        return "dotenv"
    return "ini" if _MARKERS["ini"].search(text) and not _MARKERS["yaml"].search(text) else "yaml"


def detect(text: str, path: str | None = None, input_type: str | None = None) -> Kind | None:
    """The SOPS store kind if ``text`` is a SOPS file, else ``None``.

    Cheap for other files: a SOPS file always holds an ``ENC[AES256_GCM,`` value (its MAC), a
    sealfile file never does; then the store's metadata marker must be present."""
    if ENC_PREFIX not in text:
        return None
    if input_type:  # the caller names the store: any SOPS file is read as that one
        named = checked_kind(input_type)
        found = any(m.search(text) for m in _MARKERS.values()) or _metadata_spelled_otherwise(text, named)
        return named if found else None
    kind = kind_for(path, text)
    marker = _MARKERS["json" if kind == "binary" else kind]
    return kind if marker.search(text) or _metadata_spelled_otherwise(text, kind) else None


def _metadata_spelled_otherwise(text: str, kind: Kind) -> bool:
    """Whether the store's parser reads a top-level ``sops`` metadata mapping the line markers miss: a
    key quoted, escaped, tagged or indented, or a flow mapping, as a formatter may respell the file and
    SOPS still reads it. Parsed only for a text holding ``ENC[AES256_GCM,``, which no sealed file does."""
    if kind not in ("yaml", "json", "binary"):  # dotenv and INI hold their metadata one way only
        return False
    try:
        if kind == "yaml":
            from sealfile.sops.yamltree import read_yaml

            documents = read_yaml(text)
        else:
            refuse_many_json_nodes(text)
            documents = [_json_branch(text)]
    except FormatError:
        return False
    first = documents[0] if documents else Branch()
    return is_sops_document({METADATA_KEY: plain(first.get(METADATA_KEY))})


def checked_kind(name: str) -> Kind:
    for kind in KINDS:
        if kind == name:
            return kind
    raise FormatError(f"unknown SOPS file type {name!r} (one of {', '.join(KINDS)})")


@contextmanager
def about(kind: Kind) -> Iterator[None]:
    """Name the SOPS store in any error: "SOPS YAML file: <why>"."""
    try:
        yield
    except SealfileError as err:
        prefix = f"SOPS {LABELS[kind]} file: "
        if not err.message.startswith(prefix):
            err.message = prefix + err.message
            err.args = (err.message,)
        raise


@dataclass(frozen=True)
class Opened:
    kind: Kind
    documents: list[Branch]
    """The decrypted trees (one per YAML document), comments included."""
    meta: SopsMetadata
    data_key: bytes = b""

    def data(self) -> Any:
        """What a program reading ``sops decrypt``'s output gets (bytes for a binary file)."""
        if self.kind == "binary":
            return binary_payload(self.documents[0]).encode("utf-8", "surrogateescape")
        if self.kind in ("dotenv", "ini"):
            return flat_data(self.documents[0])
        if len(self.documents) != 1:
            raise FormatError(f"it holds {len(self.documents)} YAML documents; load_secrets reads files "
                              "with one (sealfile decrypt prints them all)")
        return self.documents_data()[0]

    def documents_data(self) -> list[Any]:
        """Each YAML or JSON document's data, as ``decrypt`` prints it; refused where one has none (a later
        document's ``<<`` of a scalar, which sops prints as a ``!!merge`` nothing reads back)."""
        return [to_data(document, "json" if self.kind == "json" else "yaml") for document in self.documents]


def binary_payload(branch: Branch) -> str:
    value = branch.get("data")
    if not isinstance(value, str):
        raise FormatError("no binary data ('data' string) in the file")
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")


def _json_branch(text: str) -> Branch:
    def number(literal: str) -> float:
        value = float(literal)
        if value in (float("inf"), float("-inf")):
            raise FormatError("a JSON number is beyond float64's range")
        return value

    def constant(_name: str) -> None:
        raise FormatError("invalid JSON (NaN and Infinity are not JSON)")

    escapes = "\\ud" in text.lower()  # Go's decoder turns a lone surrogate escape into U+FFFD
    try:
        tree = json.loads(text, object_pairs_hook=lambda pairs: Branch(Item(k, v) for k, v in pairs),
                          parse_float=number, parse_int=number, parse_constant=constant)
    except json.JSONDecodeError as err:
        raise FormatError(f"invalid JSON at {line_column(err.doc, err.pos)}") from None
    except RecursionError:
        raise FormatError("nesting too deep to parse") from None
    if not isinstance(tree, Branch):
        raise FormatError("the top level is not a JSON object")
    return _without_surrogates(tree) if escapes else tree


def _without_surrogates(node: Any) -> Any:
    if isinstance(node, Branch):
        return Branch(Item(_without_surrogates(item.key), _without_surrogates(item.value)) for item in node)
    if isinstance(node, list):
        return [_without_surrogates(item) for item in node]
    return _SURROGATE.sub("\ufffd", node) if isinstance(node, str) else node


def parse(text: str, kind: Kind, *, comments: bool = False) -> tuple[list[Branch], Mapping[str, Any]]:
    """The documents (``sops`` metadata removed) and the metadata mapping, as SOPS's store reads them."""
    refuse_conflict_markers(text)  # a text merge's markers, named as such rather than as a syntax error
    if kind in ("dotenv", "ini"):
        refuse_many_lines(text)
    elif kind in ("json", "binary"):
        refuse_many_json_nodes(text)  # YAML's: read_yaml's, before its parser
    if kind == "dotenv":
        branch, meta = read_dotenv(text)
        return [branch], meta
    if kind == "ini":
        branch, meta = read_ini(text)
        return [branch], meta
    if kind in ("json", "binary"):
        documents = [_json_branch(text)]
    else:
        from sealfile.sops.yamltree import read_yaml

        documents = read_yaml(text, comments=comments)
        _refuse_decoded_duplicates(documents)
    first = documents[0] if documents else Branch()
    meta = plain(first.get(METADATA_KEY))
    if not is_sops_document({METADATA_KEY: meta}):
        raise FormatError("not a SOPS file (no top-level 'sops' mapping with a 'mac')")
    return [document.without(METADATA_KEY) for document in documents], meta


def _refuse_decoded_duplicates(documents: list[Branch]) -> None:
    """SOPS reads a YAML file's metadata with Go's struct decoder (yaml.v3), which refuses a key
    repeated in any mapping it decodes: the top level, ``sops``, each key group and recipient entry,
    a KMS encryption context; not the data or an unknown field's value, which it skips. It also merges a
    top-level ``<<`` key, refusing one whose value is not a mapping or a list of mappings."""
    if not documents:
        return
    _unique(documents[0], "at the top level")
    for key, value in documents[0].entries():
        items = value if isinstance(value, list) and not isinstance(value, Branch) else [value]
        if key == "<<" and not all(isinstance(item, (Branch, Comment)) for item in items):
            raise FormatError("the top-level '<<' merge key's value is not a mapping or a list of mappings "
                              "(SOPS refuses this too)")
    meta = documents[0].get(METADATA_KEY)
    if not isinstance(meta, Branch):
        return
    _unique(meta, "in sops")
    groups = meta.get("key_groups")
    groups = [group for group in groups if isinstance(group, Branch)] if isinstance(groups, list) else []
    for group in groups:
        _unique(group, "in a key group")
    for group in [meta, *groups]:
        for kind in KEY_KINDS:
            entries = group.get(kind)
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, Branch):
                    _unique(entry, f"in a sops.{kind} entry")
                    context = entry.get("context")
                    if kind == "kms" and isinstance(context, Branch):
                        _unique(context, "in a KMS encryption context")


def _unique(branch: Branch, where: str) -> None:
    seen: set[str] = set()
    for key, _ in branch.entries():
        if key in seen:
            shown = json.dumps(key, ensure_ascii=False)
            raise FormatError(f"the key {shown} appears twice {where} (SOPS refuses this too)")
        seen.add(key)


def open_text(text: str, kind: Kind, *, comments: bool = False) -> Opened:
    """Verify and decrypt a SOPS file's text: unwrap the data key, decrypt, check the MAC.

    YAML comments are read when asked for, and always under a comment rule, which needs them."""
    with about(kind):
        documents, raw_meta = parse(text, kind, comments=comments or "_comment_regex" in text)
        meta = parse_metadata(raw_meta)
        data_key = unwrap_sops_data_key(meta)
        opened, computed = decrypt_branches(documents, meta, data_key)
        verify_mac(data_key, meta.mac, computed, meta.lastmodified)
        if kind == "binary" and not isinstance(opened[0].get("data"), str):
            kind = "json"  # a JSON file under another name, not SOPS's binary envelope
        return Opened(kind, opened, meta, data_key)


def load(text: str, kind: Kind) -> Any:
    """The verified data of a SOPS file, as a program reading ``sops decrypt``'s output gets it."""
    opened = open_text(text, kind)
    with about(opened.kind):
        return opened.data()


__all__ = ["KINDS", "Kind", "Opened", "about", "detect", "is_sops_document", "kind_for", "load", "named_kind",
           "open_text", "parse"]
