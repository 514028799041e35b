"""Changing sealed files: set, unset, rotate, recipients, and re-sealing an edited plaintext.

Each function maps the sealed text to the new sealed text (or the same text when nothing
changes), so callers write only when something changed, and atomically. The data key is
unwrapped and the MAC verified before any change; ciphertexts of untouched values are kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap

from sealfile.envelope.cipher import ValueCipher
from sealfile.envelope.core import open_data_key, rewrap, seal_subtree, set_at, update_mac
from sealfile.envelope.datakey import keys_of, new_data_key, wrap_for
from sealfile.errors import FormatError, KeyPathError
from sealfile.kms.base import MasterKey
from sealfile.model.metadata import Metadata
from sealfile.model.paths import ListIndex, Path, Segment, encode_path, iter_leaves, parse_keypath, resolve
from sealfile.model.rules import EncryptionRules
from sealfile.model.scalars import SpelledNull, encode_scalar, is_sealed
from sealfile.ops.read import decrypt_text, open_sealed_editable
from sealfile.ops.seal import attach_metadata, seal_text
from sealfile.ops.splice import set_existing
from sealfile.stores import Store, get_store

VALUE_TYPES = ("str", "int", "float", "bool", "null", "yaml")


@dataclass
class _Opened:
    """A sealed file opened for a change; its repr shows neither the decrypted tree nor the key."""

    document: Any = field(repr=False)
    meta: Metadata
    data_key: bytes = field(repr=False)
    store: Store
    text: str = field(repr=False)

    def dump(self) -> str:
        attach_metadata(self.document, self.meta, self.store)
        return self.store.dump(self.document, like=self.text)


def _open(text: str, store: Store | None) -> _Opened:
    store = store or get_store("yaml")
    document, meta = open_sealed_editable(text, store)
    return _Opened(document, meta, open_data_key(document, meta), store, text)


def parse_value(text: str, value_type: str) -> Any:
    """The typed value for ``set --type``; errors never echo the value."""
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
            return get_store("yaml").load_editable(text)
    except ValueError:
        raise FormatError(f"the value is not a valid {value_type}") from None
    raise FormatError(f"unknown value type {value_type!r} (one of {', '.join(VALUE_TYPES)})")


def set_value(text: str, keypath: str, value: Any, store: Store | None = None) -> str:
    """Set one value (or a subtree), creating missing parent mappings; unchanged -> same text.

    A new string keeps the quoting of the value it replaces; one with line breaks becomes a
    literal block, so ``decrypt`` prints it readably.
    """
    if store is None or store.name == "yaml":
        spliced = set_existing(text, keypath, value)  # fast path: one token and the MAC replaced in place
        if spliced is not None:
            return spliced
    opened = _open(text, store)
    path, existing = _place(opened.document, parse_keypath(keypath), keypath)
    if existing is not None and not isinstance(existing, (dict, list)) and not isinstance(value, (dict, list)):
        old_value, old_style = _current(opened, path, existing)
        if _comparable(old_value) == _comparable(value):
            return text
        if isinstance(value, str):
            value = opened.store.styled(value, "|" if "\n" in value else old_style)
    elif isinstance(value, str) and "\n" in value:
        value = opened.store.styled(value, "|")
    set_at(opened.document, path, value)
    seal_subtree(opened.document, path, ValueCipher(opened.data_key), opened.meta.rules)
    update_mac(opened.document, opened.meta, opened.data_key)
    return opened.dump()


def _current(opened: _Opened, path: Path, existing: Any) -> tuple[Any, str | None]:
    if is_sealed(existing) and opened.meta.rules.encrypts(path):
        return ValueCipher(opened.data_key).open(encode_path(path), existing)
    return existing, None


def _comparable(value: Any) -> bytes:
    """A value's type and content, ignoring its YAML spelling (quotes, block style, ``~``)."""
    if isinstance(value, SpelledNull):
        value = None
    return encode_scalar(str(value) if isinstance(value, str) else value)


def _place(tree: Any, raw: list[str | int], keypath: str) -> tuple[Path, Any]:
    """Resolve ``raw`` in ``tree``, creating missing mappings; returns the path and current value."""
    node = tree
    path: list[Segment] = []
    for position, segment in enumerate(raw):
        last = position == len(raw) - 1
        if isinstance(node, list):
            if not isinstance(segment, int) or not 0 <= segment <= len(node):
                raise KeyPathError("no such list index (use the next index to append)", keypath=keypath)
            if segment == len(node):
                node.append(None if last else CommentedMap())
            path.append(ListIndex(segment))
        elif isinstance(node, dict):
            key: Segment = _existing_key(node, segment)
            if key not in node:
                node[key] = None if last else CommentedMap()
            path.append(key)
        else:
            raise KeyPathError("the path goes through a value that is not a mapping or list", keypath=keypath)
        node = node[path[-1]]
    return tuple(path), node


def _existing_key(mapping: dict[Any, Any], segment: str | int) -> Segment:
    if segment in mapping:
        return segment
    if isinstance(segment, int) and str(segment) in mapping:
        return str(segment)
    return str(segment)


def unset_value(text: str, keypath: str, store: Store | None = None) -> str:
    opened = _open(text, store)
    path = resolve(opened.document, parse_keypath(keypath), keypath=keypath)
    node = opened.document
    for segment in path[:-1]:
        node = node[segment]
    del node[path[-1]]
    update_mac(opened.document, opened.meta, opened.data_key)
    return opened.dump()


def rotate(text: str, store: Store | None = None) -> str:
    """A new data key, every value re-encrypted (keeping when it was set), wrapped for every recipient."""
    opened = _open(text, store)
    keys = keys_of(opened.meta.recipients)
    data_key = new_data_key()
    old, new = ValueCipher(opened.data_key), ValueCipher(data_key)
    for path, value in list(iter_leaves(opened.document)):
        if is_sealed(value) and opened.meta.rules.encrypts(path):
            set_at(opened.document, path, new.rotate(value, old))
    opened.meta.recipients = [r.to_stanza() for r in wrap_for(keys, data_key)]
    update_mac(opened.document, opened.meta, data_key)
    return opened.dump()


@dataclass(frozen=True)
class RecipientChange:
    text: str
    added: list[MasterKey]
    removed: list[MasterKey]


def change_recipients(
    text: str,
    *,
    add: Iterable[MasterKey] = (),
    remove: Iterable[MasterKey] = (),
    exact: Iterable[MasterKey] | None = None,
    store: Store | None = None,
) -> RecipientChange:
    """Re-wrap the existing data key for a new recipient set; values and MAC are untouched."""
    opened = _open(text, store)
    current = keys_of(opened.meta.recipients)
    if exact is not None:
        wanted = list(exact)
    else:
        removing = list(remove)
        missing = [k for k in removing if not any(k.same_key(c) for c in current)]
        if missing:
            raise KeyPathError(f"not a recipient of this file: {missing[0].type_id} {missing[0].key_id}")
        wanted = [c for c in current if not any(c.same_key(r) for r in removing)]
        wanted += [k for k in add if not any(k.same_key(w) for w in wanted)]
    if not wanted:
        raise FormatError("refusing to remove the last recipient: nobody could open the file")
    added = [k for k in wanted if not any(k.same_key(c) for c in current)]
    removed = [c for c in current if not any(c.same_key(k) for k in wanted)]
    if not added and not removed:
        return RecipientChange(text, [], [])
    opened.meta = rewrap(opened.meta, opened.data_key, wanted)
    return RecipientChange(opened.dump(), added, removed)


def plaintext_for_editing(text: str, store: Store | None = None) -> str:
    """The decrypted document as the user wrote it (styles, comments), without the metadata."""
    return decrypt_text(text, store=store)


def reseal_edited(old_sealed: str, plaintext: str, store: Store | None = None) -> str:
    """Seal an edited plaintext, keeping the data key and every unchanged ciphertext."""
    return seal_text(plaintext, [], previous=old_sealed, store=store)


def seal_new(
    plaintext: str, keys: Iterable[MasterKey], rules: EncryptionRules | None, store: Store | None = None
) -> str:
    return seal_text(plaintext, keys, rules, store=store)
