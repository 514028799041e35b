"""Walking a SOPS document: decrypt its values in place and rebuild its MAC (sops.go Tree.Decrypt).

The walk visits mapping entries and list items in document order. A value's associated data
and its encryption rule use the mapping keys on its path only; list positions do not count.
``null`` values are not visited (SOPS neither encrypts nor hashes them), empty strings stay
empty, and decrypted comments (SOPS stores comments inside lists as ``type:comment`` items)
are removed from the data and left out of the MAC.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping, MutableSequence
from dataclasses import dataclass
from typing import Any

from sealfile.errors import FormatError, IntegrityError
from sealfile.model.paths import ListIndex, Path, format_keypath
from sealfile.sops.cipher import (
    JSON_WHOLE_FLOATS_BELOW,
    YAML_WHOLE_FLOATS_BELOW,
    Comment,
    MacHasher,
    decrypt_value,
    mac_bytes,
    path_aad,
)
from sealfile.sops.format import SopsMetadata

Styler = Callable[[Any], Any]
ListComments = Callable[[Any, list[tuple[int, str]]], None]


def is_null(value: Any) -> bool:
    """``None``, or a YAML null that remembers its spelling (such objects compare equal to ``None``)."""
    if value is None:
        return True
    if isinstance(value, (str, bytes, int, float, MutableMapping, MutableSequence)):
        return False
    return bool(value == None)  # noqa: E711  (the equality is the point)


@dataclass
class TreeWalk:
    meta: SopsMetadata
    data_key: bytes
    hasher: MacHasher | None
    """``None`` when only decrypting (the MAC was verified on another parse of the same text)."""
    json_numbers: bool = False
    """A JSON document: SOPS read its numbers as float64 (hashing and display follow)."""
    styler: Styler | None = None
    on_list_comments: ListComments | None = None
    """Called with a list and its removed comment items ``(index, text)``, to show them elsewhere."""

    @property
    def _whole_floats(self) -> int:
        return JSON_WHOLE_FLOATS_BELOW if self.json_numbers else YAML_WHOLE_FLOATS_BELOW

    def node(self, node: Any, keys: list[str], where: Path) -> Any:
        if isinstance(node, MutableMapping):
            self._mapping(node, keys, where)
            return node
        if isinstance(node, MutableSequence) and not isinstance(node, (str, bytes)):
            self._sequence(node, keys, where)
            return node
        if is_null(node):
            return node
        return self._leaf(node, keys, where)

    def _mapping(self, mapping: MutableMapping[Any, Any], keys: list[str], where: Path) -> None:
        for key in list(mapping):
            if not isinstance(key, str):
                raise FormatError("SOPS files have only string keys", keypath=format_keypath((*where, key)))
            value = self.node(mapping[key], [*keys, key], (*where, key))
            if isinstance(value, Comment):
                del mapping[key]
            else:
                mapping[key] = value

    def _sequence(self, items: MutableSequence[Any], keys: list[str], where: Path) -> None:
        comments: list[tuple[int, str]] = []
        for index, item in enumerate(items):
            value = self.node(item, keys, (*where, ListIndex(index)))
            if isinstance(value, Comment):
                comments.append((index, value.text))
            else:
                items[index] = value
        for index, _ in reversed(comments):
            del items[index]
        if self.on_list_comments is not None and comments:
            self.on_list_comments(items, comments)

    def _leaf(self, value: Any, keys: list[str], where: Path) -> Any:
        encrypted = self.meta.encrypts(keys)
        if encrypted:
            if not isinstance(value, str):
                raise IntegrityError("a value SOPS encrypts is in plaintext", keypath=format_keypath(where))
            try:
                value = decrypt_value(self.data_key, value, path_aad(keys), whole_floats_below=self._whole_floats)
            except IntegrityError as err:
                err.keypath = format_keypath(where)
                raise
        if isinstance(value, Comment):
            return value
        if self.hasher is not None and (encrypted or not self.meta.mac_only_encrypted):
            self.hasher.add(mac_bytes(value, json_numbers=self.json_numbers and not encrypted))
        if encrypted and self.styler is not None:
            return self.styler(value)
        return value


def decrypt_document(
    tree: MutableMapping[Any, Any],
    meta: SopsMetadata,
    data_key: bytes,
    *,
    hasher: MacHasher | None,
    json_numbers: bool = False,
    styler: Styler | None = None,
    on_list_comments: ListComments | None = None,
) -> None:
    """Decrypt every value of ``tree`` (the ``sops`` key already removed) in place."""
    TreeWalk(meta, data_key, hasher, json_numbers, styler, on_list_comments).node(tree, [], ())
