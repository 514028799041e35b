"""Decrypting SOPS's tree and rebuilding its MAC, as sops.go ``Tree.Decrypt`` walks it.

Mapping items and list items are visited in document order; a value's associated data and the
path rules use the mapping keys on its path only (list positions do not count). ``null`` is not
visited, comments are decrypted where the rule says so (one that does not open is kept as it
is, as SOPS does) and stay out of the MAC. The comment stack (the comments before a value in
each enclosing container) is kept exactly as SOPS keeps it: with the comments' stored text.
The walk returns a new tree; the input is not changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sealfile.errors import FormatError, IntegrityError, SealfileError
from sealfile.model.paths import ListIndex, Path, format_keypath
from sealfile.sops.cipher import MacHasher, decrypt_value, mac_bytes, path_aad
from sealfile.sops.format import SopsMetadata
from sealfile.sops.goyaml import Unwalkable
from sealfile.sops.nodes import MAX_DEPTH, Branch, Comment, Item, too_deep

Stack = list[list[str]]


@dataclass
class TreeWalk:
    meta: SopsMetadata
    data_key: bytes
    hasher: MacHasher

    def value(self, node: Any, keys: tuple[str, ...], where: Path, stack: Stack) -> Any:
        if len(where) > MAX_DEPTH:
            raise too_deep()
        if isinstance(node, Branch):
            return self.branch(node, keys, where, stack)
        if isinstance(node, list):
            return self.sequence(node, keys, where, stack)
        if node is None:
            return None
        if isinstance(node, Unwalkable):
            raise FormatError(f"SOPS cannot read this value: {node.reason}", keypath=format_keypath(where))
        return self.leaf(node, keys, where, stack)

    def branch(self, branch: Branch, keys: tuple[str, ...], where: Path, stack: Stack) -> Branch:
        stack = [*stack, []]
        out = Branch()
        for item in branch:
            if isinstance(item.key, Comment):
                stack[-1].append(item.key.text)
                opened = self.leaf(item.key, keys, where, stack)
                if not isinstance(opened, (Comment, str)):
                    raise IntegrityError("a comment decrypts to a non-text value", keypath=format_keypath(where))
                out.append(Item(opened if isinstance(opened, Comment) else Comment(opened, sealed=True)))
                continue
            inner = (*where, item.key)
            out.append(Item(item.key, self.value(item.value, (*keys, item.key), inner, stack)))
            stack[-1] = []
        return out

    def sequence(self, items: list[Any], keys: tuple[str, ...], where: Path, stack: Stack) -> list[Any]:
        stack = [*stack, []]
        out = []
        for index, item in enumerate(items):
            if isinstance(item, Comment):
                stack[-1].append(item.text)
            out.append(self.value(item, keys, (*where, ListIndex(index)), stack))
            if not isinstance(item, Comment):
                stack[-1] = []
        return out

    def leaf(self, value: Any, keys: tuple[str, ...], where: Path, stack: Stack) -> Any:
        is_comment = isinstance(value, Comment)
        encrypted = self.meta.rule.encrypts(keys, stack, is_comment)
        if encrypted:
            value = self._decrypt(value, keys, where)
        if (encrypted or not self.meta.mac_only_encrypted) and not isinstance(value, Comment):
            try:
                self.hasher.add(mac_bytes(value))
            except SealfileError as err:
                err.keypath = format_keypath(where)
                raise
        return value

    def _decrypt(self, value: Any, keys: tuple[str, ...], where: Path) -> Any:
        if isinstance(value, Comment):
            try:
                return decrypt_value(self.data_key, value.text, path_aad(keys))
            except IntegrityError:
                return value  # SOPS keeps a comment it cannot decrypt (written by an older SOPS)
        if not isinstance(value, str):
            raise IntegrityError("a value SOPS encrypts is in plaintext", keypath=format_keypath(where))
        try:
            return decrypt_value(self.data_key, value, path_aad(keys))
        except IntegrityError as err:
            err.keypath = format_keypath(where)
            raise


def decrypt_branches(branches: list[Branch], meta: SopsMetadata, data_key: bytes) -> tuple[list[Branch], str]:
    """Every document decrypted, and the MAC (upper-case hex) SOPS would compute over them."""
    hasher = MacHasher(only_encrypted=meta.mac_only_encrypted)
    walk = TreeWalk(meta, data_key, hasher)
    try:
        opened = [walk.branch(branch, (), (), []) for branch in branches]
    except RecursionError:
        raise too_deep() from None
    return opened, hasher.hexdigest()
