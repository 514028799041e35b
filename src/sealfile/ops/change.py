"""Changing sealed files: set, unset, rotate, recipients, and re-sealing an edited plaintext.

Each function maps the sealed text to the new sealed text (the same text when nothing changes),
so callers write only when something changed, and atomically. The data key is unwrapped and the
MAC verified before any change (by :meth:`SealedDocument.open`); untouched values keep their
ciphertext.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sealfile.errors import ConfigError, FormatError, KeyPathError
from sealfile.kms.base import MasterKey
from sealfile.kms.groups import KeyGroups
from sealfile.model.rules import EncryptionRules
from sealfile.ops.reader import read_document
from sealfile.ops.seal import seal_plaintext
from sealfile.stores import Store, get_store


def _store(store: Store | None) -> Store:
    return store or get_store("yaml")


def set_value(text: str, keypath: str, value: Any, store: Store | None = None) -> str:
    """Set one value (or a subtree), creating missing parent mappings; unchanged -> same text."""
    document = read_document(text, _store(store)).open()
    document.set(keypath, value)
    return document.dump()


def unset_value(text: str, keypath: str, store: Store | None = None) -> str:
    document = read_document(text, _store(store)).open()
    document.unset(keypath)
    return document.dump()


def rotate(text: str, store: Store | None = None) -> str:
    """A new data key, every value re-encrypted (keeping when it was set), wrapped for every recipient."""
    document = read_document(text, _store(store)).open()
    document.rotate()
    return document.dump()


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
    exact: Iterable[MasterKey] | KeyGroups | None = None,
    group: int | None = None,
    store: Store | None = None,
) -> RecipientChange:
    """Re-wrap the existing data key for a new recipient set; values and MAC are untouched.

    ``exact`` names every recipient (a list, or key groups); else ``add`` joins key group ``group``
    (counted from 1; required when the file has several) and ``remove`` leaves whichever group has it."""
    document = read_document(text, _store(store)).open()
    meta = document.metadata
    current = KeyGroups.from_stanzas(meta.groups, meta.threshold)
    wanted = KeyGroups.of(exact) if exact is not None else _edited(current, list(add), list(remove), group)
    added = [k for k in wanted.keys if not any(k.same_key(c) for c in current.keys)]
    removed = [c for c in current.keys if not any(c.same_key(k) for k in wanted.keys)]
    if not added and not removed and (wanted.same_as(current) or not (wanted.grouped or current.grouped)):
        return RecipientChange(text, [], [])
    document.rewrap(wanted)
    return RecipientChange(document.dump(), added, removed)


def _edited(current: KeyGroups, add: list[MasterKey], remove: list[MasterKey], group: int | None) -> KeyGroups:
    missing = [k for k in remove if not any(k.same_key(c) for c in current.keys)]
    if missing:
        raise KeyPathError(f"not a recipient of this file: {missing[0].type_id} {missing[0].key_id}")
    count = len(current.groups)
    if add and group is None and current.grouped:
        raise ConfigError(f"the file has {count} key groups: say which one the new recipients join (--group N)")
    target = (group or 1) - 1
    if not 0 <= target < count:
        raise ConfigError(f"there is no key group {group} (the file has {count})")
    groups = []
    for index, keys in enumerate(current.groups):
        kept = [k for k in keys if not any(k.same_key(r) for r in remove)]
        if index == target:
            kept += [k for k in add if not any(k.same_key(w) for w in kept)]
        if not kept:
            raise FormatError(f"refusing to leave key group {index + 1} without a recipient" if current.grouped
                              else "refusing to remove the last recipient: nobody could open the file")
        groups.append(tuple(kept))
    return KeyGroups(tuple(groups), current.threshold)


def plaintext_for_editing(text: str, store: Store | None = None) -> str:
    """The decrypted document as the user wrote it (styles, comments), without the metadata."""
    return read_document(text, _store(store)).open().plaintext()


def reseal_edited(old_sealed: str, plaintext: str, store: Store | None = None) -> str:
    """Seal an edited plaintext, keeping the data key and every unchanged ciphertext."""
    previous = read_document(old_sealed, _store(store)).open()
    return seal_plaintext(plaintext, _store(store), [], previous.metadata.rules, reuse=previous.reuse())


def seal_new(
    plaintext: str, keys: Iterable[MasterKey] | KeyGroups, rules: EncryptionRules | None, store: Store | None = None
) -> str:
    return seal_plaintext(plaintext, _store(store), keys, rules)
