"""Sealing a YAML plaintext by splicing: each encrypted value's span becomes its token, the metadata
block is added, and nothing else of the user's text changes (docs/format.md §1).

Two engines give the same bytes: ``"c"`` (ruamel's C parser, bulk-friendly) and ``"pure"`` (the
pure-Python parser); :mod:`sealfile.ops.reader` picks one. Callers read the result back through
the reader's own path before using it (:func:`sealfile.ops.spliced.seal_checked`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sealfile.envelope.bulk import seal_many
from sealfile.envelope.cipher import now, pack_payload, unpack_payload
from sealfile.envelope.mac import EncodedLeaf, leaf_bytes
from sealfile.errors import FormatError
from sealfile.kms.base import MasterKey
from sealfile.kms.groups import KeyGroups
from sealfile.model.metadata import FORMAT_VERSION, Metadata
from sealfile.model.paths import format_keypath
from sealfile.model.record import Record
from sealfile.model.rules import EncryptionRules, RuleMemo
from sealfile.model.scalars import encode_scalar
from sealfile.ops.document import Reuse, sealing_key
from sealfile.ops.sealing import seal_metadata
from sealfile.stores import Store
from sealfile.stores.yaml import metablock
from sealfile.stores.yaml.aliases import echoes_of, encrypted_anywhere
from sealfile.stores.yaml.basics import Engine, gc_paused, split_bom
from sealfile.stores.yaml.scan import Leaf, Scan, scan, style_of
from sealfile.stores.yaml.seal_entries import seal_entries
from sealfile.stores.yaml.splice import (
    Edit,
    apply_edits,
    layout_of,
    line_break_at_end,
    recorded_spelling,
    seal_edit,
    sealed_end,
)


class Sealed(Record):
    """A sealed text with what checking it needs: the data key and the data it must open as."""

    _fields = ("text", "data_key", "data")
    _hidden = frozenset({"data_key", "data"})
    text: str
    data_key: bytes
    data: Any

    def __init__(self, text: str, data_key: bytes, data: Any) -> None:
        self._fill(text, data_key, data)


def seal_yaml(
    plaintext: str,
    store: Store,
    keys: Iterable[MasterKey] | KeyGroups,
    rules: EncryptionRules | None = None,
    *,
    reuse: Reuse | None = None,
    clock: Callable[[], int] | None = None,
    engine: Engine = "c",
) -> Sealed:
    """The sealed text; with ``reuse`` the previous data key and stanzas are kept (``keys``, when
    given, name the recipients instead) and a value whose payload is unchanged keeps its token."""
    bom, plaintext = split_bom(plaintext)
    with gc_paused():
        scanned = scan(plaintext, engine=engine)
        if scanned.has_metadata:
            raise FormatError("the top-level key 'sealfile' is reserved (is this file already sealed?)")
        rules = rules or EncryptionRules()
        payloads = _payloads(plaintext, scanned, rules)
        data_key, groups, threshold = sealing_key(keys, reuse)
        edits, mac_input = _seal_leaves(plaintext, scanned.leaves, payloads, data_key, (clock or now)(), reuse)
        meta = seal_metadata(Metadata(FORMAT_VERSION, groups, rules, "", threshold), data_key,
                             seal_entries(mac_input, scanned))
        edits.append(metablock.add_edit(plaintext, scanned, meta.to_mapping()))
        return Sealed(bom + apply_edits(plaintext, edits), data_key, scanned.tree)


def _payloads(text: str, scanned: Scan, rules: EncryptionRules) -> dict[int, bytes]:
    """Leaf index -> value payload of every value the rules encrypt at any path the tree holds it
    (refusing what the format cannot hold)."""
    payloads: dict[int, bytes] = {}
    rules.refuse_unread_keys(leaf.path for leaf in scanned.leaves)
    encrypts = RuleMemo(rules)
    echoes = echoes_of(scanned.echoes)
    for index, (leaf, encrypted) in enumerate(zip(scanned.leaves, encrypts.each(scanned.leaves), strict=True)):
        if isinstance(leaf.value, (dict, list)) or not (
                encrypted or (echoes and encrypted_anywhere(encrypts, leaf, echoes))):
            continue
        style = style_of(leaf)
        try:
            payloads[index] = pack_payload(encode_scalar(leaf.value, style), layout_of(text, leaf, style))
        except FormatError as err:
            err.keypath = format_keypath(leaf.path)
            raise
    return payloads


def _seal_leaves(text: str, leaves: list[Leaf], payloads: dict[int, bytes], data_key: bytes, sealed_at: int,
                 reuse: Reuse | None) -> tuple[list[Edit], list[EncodedLeaf]]:
    """The edits that put a token where each payload's value is (a value whose payload is unchanged
    keeps its token, the others sealed together), and every leaf as the MAC covers it."""
    old = reuse.tokens if reuse else {}
    tokens: dict[int, str] = {}
    fresh: list[int] = []
    kept_ends: dict[int, int] = {}
    for index, payload in payloads.items():
        previous = old.get(leaves[index].encoded_path)
        if previous is not None and previous[1] != payload:
            kept_end = _still_spelled(text, leaves[index], payload, previous[1])
            if kept_end is not None:
                kept_ends[index] = kept_end
        if previous is not None and (previous[1] == payload or index in kept_ends):
            tokens[index] = previous[0]
        else:
            fresh.append(index)
    sealed = seal_many(data_key, [(leaves[index].encoded_path, payloads[index]) for index in fresh], sealed_at)
    tokens.update(zip(fresh, sealed, strict=True))
    edits: list[Edit] = []
    mac_input: list[EncodedLeaf] = []
    for index, leaf in enumerate(leaves):
        token = tokens.get(index)
        if token is None:
            mac_input.append((leaf.encoded_path, leaf_bytes(leaf.value)))
            continue
        edits.append(seal_edit(text, leaf, token, kept_ends.get(index)))
        mac_input.append((leaf.encoded_path, b"E" + token.encode("ascii")))
    return edits, mac_input


def _still_spelled(text: str, leaf: Leaf, payload: bytes, previous: bytes) -> int | None:
    """Where the previous token of ``leaf`` ends when it holds the value though what it records of the
    spelling is not what this text would give it (``None`` when it does not hold): that spelling, put back
    where the token is, gives this text back. A file sealed when tokens took in the blank lines after a
    block (it goes on taking them in), or a strip-chomped block that ended the text with no line break and
    has one now (a new entry after it): the break is not its value, and stays a line break of the text."""
    value, layout = unpack_payload(previous)
    spelling = recorded_spelling(layout, leaf) if layout else None
    if spelling is None or value != unpack_payload(payload)[0] or not text.startswith(spelling, leaf.start):
        return None
    end, least = leaf.start + len(spelling), sealed_end(text, leaf)
    least -= len(line_break_at_end(text[leaf.start:least]))
    return end if least <= end <= leaf.end else None
