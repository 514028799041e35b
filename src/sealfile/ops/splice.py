"""``decrypt`` and a one-value ``set`` by editing the file's text in place, not re-emitting it.

Why: re-emitting a document with the round-trip library costs seconds at 30,000 values
(benchmarks/PROFILE.md). Both verbs need only a few spans of the text: ``set`` replaces one
``ENC[...]`` token and the MAC, so every other byte of the file stays as it was (a one-line
diff plus the MAC line); ``decrypt`` replaces each token with its value's YAML text and drops
the trailing ``sealfile:`` block. The parse, the checks and the MAC are those of
:mod:`sealfile.ops.fastread`.

Each function returns ``None`` whenever the edit would not certainly mean the same as the
round-trip path (a new key, a subtree, a flow collection where the token is plain, a block
scalar in an unusual place, a value YAML cannot show inline, a byte-order mark, ...); the
caller then uses that path. ``tests/test_splice.py`` checks both give the same data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sealfile.envelope.cipher import ValueCipher
from sealfile.envelope.mac import compute_mac_encoded, mac_key
from sealfile.model.paths import ListIndex, Segment, encode_path, parse_keypath
from sealfile.model.scalars import SpelledNull, encode_scalar, is_sealed
from sealfile.ops.fastread import Opened, load_tree, mac_leaf, open_text, open_values
from sealfile.stores.yaml import scalars as yaml_scalars
from sealfile.stores.yaml.scan import Leaf, gc_paused

Edit = tuple[int, int, str]
"""Replace ``text[start:end]`` with the string."""


@dataclass(frozen=True)
class _Span:
    """Where a sealed scalar sits: ``ENC[...]`` plain, quoted, or alone in a literal block."""

    start: int
    end: int
    token: tuple[int, int]
    """The ``ENC[...]`` characters themselves."""
    block: tuple[int, int] | None = None
    """For a block node: the end of its indicator (``|-``) and the start of what follows its token line."""


_BLOCK_HEADER = re.compile(r"\|[-+0-9]*")


def _span(text: str, node: Any) -> _Span | None:
    """The scalar's span, checked against its value (a misplaced mark means ``None``)."""
    start, end = int(node.start_mark.index), int(node.end_mark.index)
    if node.style in ('"', "'"):
        token = (start + 1, end - 1)
    elif not node.style:
        token = (start, end)
    elif node.style == "|":
        header = _BLOCK_HEADER.match(text, start)
        line_end = text.find("\n", start, end)
        if header is None or line_end < 0:
            return None
        value = node.value.strip()
        token_start = text.find(value, line_end, end)
        token_line_end = text.find("\n", token_start, end) + 1 or end
        if token_start < 0 or text[line_end:token_start].strip() or text[token_start + len(value):end].strip():
            return None
        return _Span(start, end, (token_start, token_start + len(value)), (header.end(), token_line_end))
    else:
        return None
    return _Span(start, end, token) if text[token[0]:token[1]] == node.value else None


def _apply(text: str, edits: list[Edit]) -> str:
    pieces: list[str] = []
    position = 0
    for start, end, replacement in sorted(edits):
        pieces += (text[position:start], replacement)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


# ---------------------------------------------------------------- set


def set_existing(text: str, keypath: str, value: Any) -> str | None:
    """``set`` of one existing encrypted scalar to a scalar; ``None`` means: use the general path."""
    if isinstance(value, (dict, list)) or text.startswith("\ufeff"):
        return None
    with gc_paused():
        opened = open_text(text, select=False)
        if opened is None or opened.scan.metadata_node is None:
            return None
        leaf = _find(opened, keypath)
        if leaf is None or (leaf.flow and not leaf.node.style):
            return None
        cipher = ValueCipher(opened.data_key)
        old_value, old_style = cipher.open(leaf.encoded_path, leaf.value)
        if _comparable(old_value) == _comparable(value):
            return text
        if isinstance(value, str):
            from sealfile.stores.yaml.roundtrip import styled

            value = styled(value, "|" if "\n" in value else old_style)
        sealed = cipher.seal(leaf.encoded_path, value)
        return _replace_token_and_mac(text, opened, leaf, sealed)


def _find(opened: Opened, keypath: str) -> Leaf | None:
    """The sealed leaf at ``keypath``, resolved the way ``editing.set_value`` places a value
    (a digit segment names a list index, an integer key or a string key); else ``None``."""
    node: Any = opened.scan.tree
    segments: list[Segment] = []
    for segment in parse_keypath(keypath):
        if isinstance(node, list):
            if not isinstance(segment, int) or not 0 <= segment < len(node):
                return None
            segments.append(ListIndex(segment))
        elif isinstance(node, dict):
            key = _existing_key(node, segment)
            if key is None:
                return None
            segments.append(key)
        else:
            return None
        node = node[segments[-1]]
    encoded = encode_path(tuple(segments))
    leaf = next((leaf for leaf in opened.scan.leaves if leaf.encoded_path == encoded), None)
    if leaf is None or not is_sealed(leaf.value) or not opened.meta.rules.encrypts(leaf.path):
        return None  # a plaintext value, or a container: the round-trip path
    return leaf


def _existing_key(mapping: dict[Any, Any], segment: str | int) -> Segment | None:
    """The key ``segment`` names, if present with exactly that type (``1`` and ``True`` are equal in a dict)."""
    wanted: Segment = segment if segment in mapping else str(segment)
    if wanted not in mapping:
        return None
    actual = next(k for k in mapping if k == wanted)
    return wanted if type(actual) is type(wanted) else None


def _comparable(value: Any) -> bytes:
    """As ``editing._comparable``: a value's type and content, ignoring its YAML spelling."""
    if isinstance(value, SpelledNull):
        value = None
    return encode_scalar(str(value) if isinstance(value, str) else value)


def _replace_token_and_mac(text: str, opened: Opened, leaf: Leaf, sealed: str) -> str | None:
    mac_node = _mac_node(opened)
    token = _span(text, leaf.node)
    mac = _span(text, mac_node) if mac_node is not None else None
    if token is None or mac is None or mac.block or not is_sealed(sealed):
        return None
    leaf.value = leaf.parent[leaf.slot] = sealed
    index = next(i for i, candidate in enumerate(opened.scan.leaves) if candidate is leaf)
    opened.mac_input[index] = mac_leaf(leaf)
    meta = opened.meta
    new_mac = compute_mac_encoded(mac_key(opened.data_key), meta.version, meta.rules, opened.mac_input)
    return _apply(text, [(*token.token, sealed), (*mac.token, new_mac)])


def _mac_node(opened: Opened) -> Any:
    metadata = opened.scan.metadata_node
    pairs = getattr(metadata, "value", None)
    if not isinstance(pairs, list):
        return None
    found = [v for k, v in pairs if getattr(k, "value", None) == "mac"]
    return found[0] if len(found) == 1 and found[0].value == opened.meta.mac else None


# ---------------------------------------------------------------- decrypt


def decrypt_text(text: str, extract: str | None) -> str | None:
    """What ``operations.decrypt_text`` prints, or ``None`` to let it take the general path."""
    from sealfile.ops.read import get_path, scalar_text
    from sealfile.stores.yaml.roundtrip import guess_layout

    if extract is None:
        return decrypt_in_place(text, guess_layout(text).mapping)
    tree = load_tree(text)
    if tree is None:
        return None
    node = get_path(tree, extract)
    if isinstance(node, (dict, list)):
        return None
    value = scalar_text(node)
    return value if value.endswith("\n") else value + "\n"  # a block scalar is printed as it is


def decrypt_in_place(text: str, mapping_indent: int) -> str | None:
    """The plaintext with the file's layout: each token replaced, the ``sealfile:`` block dropped.

    ``mapping_indent`` is the file's mapping indentation (block scalars are indented by it
    under their key, as the round-trip emitter does).
    """
    if text.startswith("\ufeff"):
        return None
    with gc_paused():
        opened = open_text(text)
        if opened is None:
            return None
        cut = _metadata_start(text, opened)
        if cut is None:
            return None
        edits: list[Edit] = []
        blocks_ok = "\r" not in text  # block scalar lines are inserted with "\n"
        for leaf, (value, style) in zip(opened.sealed, open_values(opened), strict=True):
            edit = _value_edit(text, leaf, value, style, mapping_indent if blocks_ok else None)
            if edit is None:
                return None
            edits.append(edit)
        return _apply(text[:cut], edits)


def _metadata_start(text: str, opened: Opened) -> int | None:
    """Where the ``sealfile:`` block starts, if it is the last top-level key of a block mapping."""
    scanned = opened.scan
    key = scanned.metadata_key_node
    if key is None or scanned.root.flow_style or not scanned.tree or scanned.root.value[-1][0] is not key:
        return None
    start = int(key.start_mark.index)
    if key.start_mark.column != 0 or key.style or text[start:start + 9] != "sealfile:":
        return None
    return start


def _value_edit(text: str, leaf: Leaf, value: Any, style: str | None, mapping_indent: int | None) -> Edit | None:
    span = _span(text, leaf.node)
    if span is None:
        return None
    if style == "|" and isinstance(value, str):
        return None if mapping_indent is None else _block_edit(text, leaf, span, value, mapping_indent)
    rendered = yaml_scalars.inline(value, style, flow=leaf.flow)
    if rendered is None:
        return None
    start = span.start
    if rendered == "" and leaf.key_node is not None:  # "key:" as ruamel writes a bare null
        while start > 0 and text[start - 1] == " ":
            start -= 1
    if span.block is not None:  # keep the header line's comment and the block's trailing lines
        header_end, after = span.block
        line_end = text.index("\n", header_end)
        return start, span.end, rendered + text[header_end:line_end + 1] + text[after:span.end]
    return start, span.end, rendered


def _block_edit(text: str, leaf: Leaf, span: _Span, value: str, mapping_indent: int) -> Edit | None:
    """``key: |`` and the content lines, at the indentation the file uses there."""
    node = leaf.node
    if leaf.flow:
        return None
    if span.block is not None:
        header_end, after = span.block
        line_start = text.rindex("\n", 0, span.token[0]) + 1
        indent, rest_start, rest_end, tail = span.token[0] - line_start, header_end, text.index("\n", header_end) + 1, (
            text[after:span.end])
        end = span.end
    else:
        if leaf.key_node is not None:
            if leaf.key_node.start_mark.line != node.start_mark.line:
                return None
            indent = leaf.key_node.start_mark.column + mapping_indent
        else:
            indent = node.start_mark.column
        rest_start = span.end
        rest_end = text.find("\n", span.end) + 1
        if rest_end == 0:
            return None
        tail, end = "", rest_end
    block = yaml_scalars.literal_block(value, indent)
    rest = text[rest_start:rest_end]  # spaces, maybe a comment, the line break
    if block is None or (rest.strip() and not rest.strip().startswith("#")):
        return None
    header, lines = block
    return span.start, end, header + rest + "".join(f"{line}\n" for line in lines) + tail
