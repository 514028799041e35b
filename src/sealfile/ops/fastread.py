"""The fast read path: one C parse, one MAC pass over pre-encoded leaves, one bulk decryption.

Why: ``load_secrets`` runs at every application start and ``verify``/``decrypt``/``set`` in CI
on many files; benchmarks/PROFILE.md shows where the general path spent its time (YAML
construction, per-value Fernet contexts, re-encoding each path twice). The result is the same:
the same tree, the same checks in the same order (unwrap, MAC before any decryption, every
value the rules encrypt must be sealed and authentic). Each function returns ``None`` when the
file has a shape :func:`sealfile.stores.yaml_nodes.scan` leaves to the general path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sealfile.envelope.bulk import open_many
from sealfile.envelope.datakey import unwrap_data_key
from sealfile.envelope.mac import EncodedLeaf, leaf_bytes, mac_key, verify_mac_encoded
from sealfile.errors import FormatError, IntegrityError
from sealfile.model.metadata import Metadata
from sealfile.model.paths import format_keypath
from sealfile.model.rules import EncryptionRules
from sealfile.model.scalars import decode_scalar, is_sealed
from sealfile.stores.yaml.scan import Leaf, Scan, gc_paused, scan


@dataclass
class Opened:
    scan: Scan
    meta: Metadata
    data_key: bytes
    sealed: list[Leaf]
    """The leaves the rules encrypt, in document order (each checked to be an ``ENC[...]`` text)."""
    mac_input: list[EncodedLeaf]
    """Every leaf of ``scan.leaves`` as the MAC sees it (a ``set`` replaces one entry)."""


def mac_leaf(leaf: Leaf) -> EncodedLeaf:
    """How a leaf enters the MAC (docs/format.md §7): a plaintext string without its quoting style."""
    return _mac_leaf(leaf, type(leaf.value) is str and is_sealed(leaf.value))


def _mac_leaf(leaf: Leaf, sealed: bool) -> EncodedLeaf:
    value = leaf.value
    if sealed:
        return leaf.encoded_path, b"E" + value.encode("ascii")
    return leaf.encoded_path, leaf_bytes(value)


def open_text(text: str, *, select: bool = True) -> Opened | None:
    """Parse, unwrap the data key, verify the MAC; nothing is decrypted yet.

    With ``select=False`` the sealed leaves are not gathered (nor each checked): a one-value
    ``set`` needs only its own leaf, and the round-trip ``set`` does not check the others."""
    with gc_paused():
        return _open_text(text, select)


def _open_text(text: str, select: bool = True) -> Opened | None:
    scanned = scan(text)
    if scanned is None:
        return None
    if scanned.metadata_node is None:
        raise FormatError("not a sealed file (no 'sealfile' metadata key)")
    meta = Metadata.from_mapping(scanned.metadata)
    data_key = unwrap_data_key(meta.recipients)
    is_token = [type(leaf.value) is str and is_sealed(leaf.value) for leaf in scanned.leaves]
    mac_input = [_mac_leaf(leaf, token) for leaf, token in zip(scanned.leaves, is_token, strict=True)]
    verify_mac_encoded(mac_key(data_key), meta.version, meta.rules, mac_input, meta.mac)
    sealed: list[Leaf] = []
    encrypts = _RuleMemo(meta.rules)
    for leaf, token in zip(scanned.leaves, is_token, strict=True) if select else ():
        if isinstance(leaf.value, (dict, list)) or not encrypts(leaf):
            continue
        if not token:
            raise IntegrityError("a value that the rules encrypt is in plaintext", keypath=format_keypath(leaf.path))
        sealed.append(leaf)
    return Opened(scanned, meta, data_key, sealed, mac_input)


class _RuleMemo:
    """``rules.encrypts(leaf.path)`` computed once per parent container and once per key.

    A rule looks at each string key on the path (docs/format.md §6): the suffix rule and
    ``unencrypted_regex`` encrypt when every key allows it, ``encrypted_regex`` when any key
    matches; a non-string segment leaves the answer as it is. So the answer for a path is the
    parent's answer combined with the last segment's own answer."""

    def __init__(self, rules: EncryptionRules):
        self._rules = rules
        self._any = rules.kind == "encrypted_regex"
        self._parents: dict[int, bool] = {}
        self._segments: dict[Any, bool] = {}

    def __call__(self, leaf: Leaf) -> bool:
        parent = self._parents.get(id(leaf.parent))
        if parent is None:
            parent = self._parents[id(leaf.parent)] = self._rules.encrypts(leaf.path[:-1])
        last = leaf.path[-1]
        key = (type(last), last)
        own = self._segments.get(key)
        if own is None:
            own = self._segments[key] = self._rules.encrypts((last,))
        return (parent or own) if self._any else (parent and own)


def open_values(opened: Opened) -> list[tuple[Any, str | None]]:
    """``(value, style)`` of every sealed leaf, in the order of ``opened.sealed``."""
    leaves = opened.sealed
    payloads = open_many(
        opened.data_key,
        [(leaf.encoded_path, leaf.value) for leaf in leaves],
        lambda index: format_keypath(leaves[index].path),
    )
    return [decode_scalar(payload) for payload in payloads]


def load_tree(text: str) -> Any | None:
    """The decrypted value tree (plain dicts and lists), as ``load_secrets`` returns it."""
    with gc_paused():
        opened = _open_text(text)
        if opened is None:
            return None
        for leaf, (value, _style) in zip(opened.sealed, open_values(opened), strict=True):
            leaf.parent[leaf.slot] = value
        return opened.scan.tree


def verify(text: str) -> Metadata | None:
    """Unwrap, check the MAC and authenticate every value; the metadata."""
    with gc_paused():
        opened = _open_text(text)
        if opened is None:
            return None
        open_values(opened)
        return opened.meta
