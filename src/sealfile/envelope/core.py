"""The envelope's verbs on a parsed document tree: seal, unseal, verify, reseal.

Trees are mappings as a YAML (or other) store produced them: ruamel's round-trip types when a
layout must be kept, plain dicts on the fast read path. Every verb walks leaves in document
order with :func:`iter_leaves`, so the MAC means the same thing on both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from sealfile.envelope.cipher import ValueCipher
from sealfile.envelope.datakey import keys_of, new_data_key, unwrap_data_key, wrap_for
from sealfile.envelope.mac import compute_mac, mac_key, verify_mac
from sealfile.errors import FormatError, IntegrityError
from sealfile.kms.base import MasterKey, Recipient
from sealfile.model.metadata import FORMAT_VERSION, METADATA_KEY, Metadata
from sealfile.model.paths import Path, encode_path, format_keypath, iter_leaves
from sealfile.model.rules import EncryptionRules
from sealfile.model.scalars import encode_scalar, is_sealed

Styler = Callable[[Any, "str | None"], Any]
"""Turns a decrypted ``(value, style)`` into what the tree should hold (e.g. a quoted string)."""


@dataclass(frozen=True)
class Reuse:
    """What an earlier sealing of the same file lets us keep: its data key and its ciphertexts."""

    data_key: bytes = field(repr=False)
    stanzas: list[dict[str, Any]]
    tokens: dict[bytes, tuple[str, bytes]] = field(repr=False)
    """encoded path -> (sealed text, encoded plaintext) of every value the old file held (never in a repr)."""


def split_metadata(document: MutableMapping[Any, Any]) -> Metadata:
    """Remove and parse the ``sealfile:`` key; the rest of ``document`` is the value tree."""
    if METADATA_KEY not in document:
        raise FormatError("not a sealed file (no 'sealfile' metadata key)")
    return Metadata.from_mapping(document.pop(METADATA_KEY))


def check_plaintext(document: Any) -> None:
    if not isinstance(document, MutableMapping):
        raise FormatError("the top level must be a mapping of keys to values")
    if METADATA_KEY in document:
        raise FormatError(f"the top-level key '{METADATA_KEY}' is reserved (is this file already sealed?)")


def check_values(tree: Any) -> None:
    """Refuse a value the format cannot hold (a YAML ``!!set``...) by its path, before any KMS call."""
    for path, value in iter_leaves(tree):
        if isinstance(value, (dict, list)):
            continue
        try:
            encode_scalar(value)
        except FormatError as err:
            err.keypath = format_keypath(path)
            raise


def distinct_keys(keys: Iterable[MasterKey]) -> list[MasterKey]:
    """Each recipient once (``--age R --age R`` wraps the data key once), first mention kept."""
    unique: list[MasterKey] = []
    for key in keys:
        if not any(key.same_key(seen) for seen in unique):
            unique.append(key)
    return unique


def set_at(tree: Any, path: Path, value: Any) -> None:
    """Replace one value, taking the style the new value carries (not the old one's).

    ruamel's ``CommentedMap.__setitem__`` would re-apply the old value's quoting to a new plain
    string; going through ``dict``/``list`` keeps the style that the token payload recorded.
    """
    node = tree
    for segment in path[:-1]:
        node = node[segment]
    if isinstance(node, dict):
        dict.__setitem__(node, path[-1], value)
    else:
        list.__setitem__(node, int(path[-1]), value)


def seal(
    tree: MutableMapping[Any, Any],
    keys: Iterable[MasterKey],
    rules: EncryptionRules,
    *,
    reuse: Reuse | None = None,
    clock: Callable[[], int] | None = None,
) -> Metadata:
    """Encrypt every leaf the rules select, in place, and return the metadata to store.

    With ``reuse``, the data key and wrapped keys are kept and any value whose plaintext (type
    and style included) is unchanged keeps its ciphertext byte for byte.
    """
    check_plaintext(tree)
    check_values(tree)
    keys = distinct_keys(keys)
    if reuse is None:
        data_key = new_data_key()
        stanzas = [r.to_stanza() for r in wrap_for(keys, data_key)]
    else:
        # Named recipients win over the previous file's; unchanged ones keep their stanza as is.
        data_key = reuse.data_key
        stanzas = stanzas_for(keys, data_key, reuse.stanzas) if keys else reuse.stanzas
    if not stanzas:
        raise FormatError("a sealed file needs at least one recipient")
    cipher = ValueCipher(data_key, clock)
    old = reuse.tokens if reuse else {}
    for path, value in list(iter_leaves(tree)):
        if isinstance(value, (dict, list)) or not rules.encrypts(path):
            continue
        encoded_path = encode_path(path)
        previous = old.get(encoded_path)
        if previous is not None and previous[1] == encode_scalar(value):
            set_at(tree, path, previous[0])
        else:
            set_at(tree, path, cipher.seal(encoded_path, value))
    mac = compute_mac(mac_key(data_key), FORMAT_VERSION, rules, iter_leaves(tree))
    return Metadata(FORMAT_VERSION, stanzas, rules, mac)


def update_mac(tree: Any, meta: Metadata, data_key: bytes) -> None:
    """Recompute the MAC after a change made with the data key (set, unset, rotate)."""
    meta.mac = compute_mac(mac_key(data_key), meta.version, meta.rules, iter_leaves(tree))


def seal_subtree(tree: Any, path: Path, cipher: ValueCipher, rules: EncryptionRules) -> None:
    """Seal the plaintext value(s) just placed at ``path`` (a scalar or a whole new subtree)."""
    node = tree
    for segment in path:
        node = node[segment]
    for leaf_path, value in list(iter_leaves(node, path)):
        if not isinstance(value, (dict, list)) and rules.encrypts(leaf_path):
            set_at(tree, leaf_path, cipher.seal(encode_path(leaf_path), value))


def open_data_key(tree: Any, meta: Metadata) -> bytes:
    """Unwrap the data key and verify the MAC with it, before any value is decrypted."""
    data_key = unwrap_data_key(meta.recipients)
    verify_mac(mac_key(data_key), meta.version, meta.rules, iter_leaves(tree), meta.mac)
    return data_key


def unseal(tree: Any, meta: Metadata, *, styler: Styler | None = None, data_key: bytes | None = None) -> bytes:
    """Verify, then decrypt every sealed value in place. Returns the data key for reuse."""
    if data_key is None:
        data_key = open_data_key(tree, meta)
    cipher = ValueCipher(data_key)
    for path, value in list(iter_leaves(tree)):
        if isinstance(value, (dict, list)) or not meta.rules.encrypts(path):
            continue
        if not is_sealed(value):
            raise IntegrityError("a value that the rules encrypt is in plaintext", keypath=format_keypath(path))
        try:
            plain, style = cipher.open(encode_path(path), value)
        except IntegrityError as err:
            err.keypath = format_keypath(path)
            raise
        set_at(tree, path, styler(plain, style) if styler else plain)
    return data_key


def reuse_from(tree: Any, meta: Metadata, data_key: bytes) -> Reuse:
    """Everything an unchanged re-seal needs from a verified sealed tree (decrypts each value)."""
    cipher = ValueCipher(data_key)
    tokens: dict[bytes, tuple[str, bytes]] = {}
    for path, value in iter_leaves(tree):
        if is_sealed(value) and meta.rules.encrypts(path):
            encoded_path = encode_path(path)
            tokens[encoded_path] = (value, cipher.open_encoded(encoded_path, value))
    return Reuse(data_key, [dict(s) for s in meta.recipients], tokens)


def rewrap(meta: Metadata, data_key: bytes, keys: Iterable[MasterKey]) -> Metadata:
    """The same data key for a new set of recipients; stanzas of keys kept as they were."""
    stanzas = stanzas_for(keys, data_key, meta.recipients)
    if not stanzas:
        raise FormatError("a sealed file needs at least one recipient")
    return Metadata(meta.version, stanzas, meta.rules, meta.mac)


def stanzas_for(keys: Iterable[MasterKey], data_key: bytes, existing: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One stanza per distinct key: copied from ``existing`` if that key is there, else newly wrapped."""

    current = list(zip(keys_of(existing), existing, strict=True))
    stanzas: list[dict[str, Any]] = []
    for key in distinct_keys(keys):
        kept = next((s for k, s in current if k.same_key(key)), None)
        stanzas.append(dict(kept) if kept is not None else Recipient(key, key.wrap(data_key)).to_stanza())
    return stanzas
