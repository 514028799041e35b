"""The general sealed document: the store's editable tree (any syntax), re-emitted on dump.

The tree holds the sealed file as the store read it (tokens in place, comments and quoting kept by the
store); the data key stays in :class:`TreeOpen`. Values are turned into neutral
:class:`~sealfile.model.scalars.Styled` values by the store before they meet the envelope."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sealfile.envelope.bulk import open_many, seal_many
from sealfile.envelope.cipher import ValueCipher, now, unpack_payload
from sealfile.envelope.datakey import new_data_key, open_data_key, wrap_groups
from sealfile.envelope.mac import encode_leaves, seal_digest
from sealfile.envelope.token_shape import token_times
from sealfile.errors import FormatError, IntegrityError, NotSealedError
from sealfile.kms.base import MasterKey
from sealfile.kms.groups import KeyGroups
from sealfile.model.metadata import METADATA_KEY, Metadata
from sealfile.model.path_fold import path_codes
from sealfile.model.path_place import place
from sealfile.model.paths import ListIndex, Path, encode_path, format_keypath, get_at, plain_tree, resolve
from sealfile.model.rules import EncryptionRules
from sealfile.model.scalars import (
    Styled,
    decode_scalar,
    encode_scalar,
    holds_token,
    is_sealed,
    recorded_layout,
    same_data,
    same_value,
)
from sealfile.ops.document import OpenDocument, Reuse, SealedDocument, SealedLeaf, refused_read_back, styled_for
from sealfile.ops.sealing import file_recipients, seal_metadata
from sealfile.ops.text_read_back import refuse_unless_same_text
from sealfile.ops.tree_leaves import mac_leaves, replace_leaf, scalar_leaves
from sealfile.stores import Store


def parse_sealed_tree(text: str, store: Store) -> tuple[Any, Metadata]:
    tree = store.load_editable(text)
    if not isinstance(tree, dict):
        raise FormatError("not a sealed file (the top level is not a mapping)")
    if METADATA_KEY not in tree:
        raise NotSealedError(stripped=holds_token(text))
    return tree, Metadata.from_mapping(tree.pop(METADATA_KEY))


class TreeSealed(SealedDocument):
    def __init__(self, text: str, store: Store):
        self.text, self.store = text, store
        self._tree, self.metadata = parse_sealed_tree(text, store)

    def leaves(self) -> Sequence[SealedLeaf]:
        return mac_leaves(self._tree, self.store)

    def documents(self) -> list[Any] | None:
        return self._tree if isinstance(self._tree, list) else None

    def digests(self) -> list[bytes]:
        return [seal_digest(self.metadata, encode_leaves(self.leaves()))]

    def open(self) -> TreeOpen:
        return self.open_with(open_data_key(self.metadata))

    def open_with(self, data_key: bytes) -> TreeOpen:
        """Open with a data key already unwrapped (and verify the MAC with it)."""
        self.check_mac(data_key, encode_leaves(self.leaves()))
        return TreeOpen(self, data_key)


class TreeOpen(OpenDocument):
    def __init__(self, sealed: TreeSealed, data_key: bytes):
        self.store, self.metadata = sealed.store, sealed.metadata
        self._text = sealed.text
        self._tree = sealed._tree
        self._data_key = data_key
        self._changed = False
        self._expected: Any = None
        """The data a rotated document must read back as (else the data as it is when dumped)."""

    def _cipher(self) -> ValueCipher:
        return ValueCipher(self._data_key)

    def _open_values(self, each: Callable[[Path, Styled, bytes], None], under: Path = (),
                     opened: dict[Path, bytes] | None = None) -> None:
        """Decrypt every value the rules encrypt at or below ``under`` (no other token is opened: the MAC,
        checked on open, already vouches for them; ``opened`` holds payloads opened already); a plaintext where
        the rules encrypt is a forgery. ``each`` gets a value's path, the value, its layout record (or b"")."""
        encrypts = self.metadata.rules.encrypts_each()
        leaves = [(path, value, encrypts(path)) for path, value in scalar_leaves(self._tree, under)]
        for path, value, encrypted in leaves:
            if encrypted and not is_sealed(value):
                raise IntegrityError("a value that the rules encrypt is in plaintext", keypath=format_keypath(path))
        if opened is None:
            sealed = [(path, value) for path, value, encrypted in leaves if encrypted]
            opened = dict(zip((path for path, _ in sealed), self._open_many(sealed), strict=True))
        for path, value, encrypted in leaves:
            if encrypted:
                encoded, layout = unpack_payload(opened[path])
                each(path, decode_scalar(encoded), layout)
            else:
                each(path, self.store.read_scalar(value), b"")

    def _open_many(self, sealed: list[tuple[Path, str]]) -> list[bytes]:
        codes = path_codes()
        return open_many(self._data_key, [(codes(path), token) for path, token in sealed],
                         lambda index: format_keypath(sealed[index][0]))

    def _sealed(self, under: Path = ()) -> list[tuple[Path, str]]:
        """Every sealed value the rules encrypt at or below ``under``."""
        encrypts = self.metadata.rules.encrypts_each()
        return [leaf for leaf in scalar_leaves(self._tree, under) if is_sealed(leaf[1]) and encrypts(leaf[0])]

    def _plain_data(self, opened: dict[Path, bytes] | None = None, under: Path = ()) -> Any:
        plain = plain_tree(self._tree)
        self._open_values(lambda path, scalar, _: replace_leaf(plain, path, scalar.value), under, opened)
        return plain

    def data(self, under: Path = ()) -> Any:
        return get_at(self._plain_data(None, under), under)

    def _shape(self) -> Any:
        return self._tree

    def _styled_tree(self, under: Path = (), *, spelled: bool = False) -> Any:
        """The tree with the values at or below ``under`` opened as the store holds them (``spelled``: with
        the spellings their tokens recorded)."""
        from copy import deepcopy  # whole trees are copied only here: not on the usual paths
        styled = deepcopy(self._tree)

        def put(path: Path, scalar: Styled, layout: bytes) -> None:
            record = (recorded_layout(layout) if spelled and layout else None) or (0, False, None)
            replace_leaf(styled, path, self.store.write_scalar(scalar, record[2]))

        self._open_values(put, under)
        return styled

    def plaintext(self, output: Store | None = None) -> str:
        if output is not None and output is not self.store:
            return output.dump(self._styled_tree())
        return self.store.dump(self._styled_tree(spelled=True), like=self._text)

    def subtree_text(self, path: Path) -> str:
        return self.store.dump_part(get_at(self._styled_tree(path), path), like=self._text)

    def set(self, keypath: str, value: Any) -> bool:
        path, existed = place(self._tree, keypath, self.store.new_mapping,
                              lambda parent: (held := self._current(parent)) is not None and held.value is None)
        previous = self._current(path) if existed else None
        if previous is not None and not isinstance(value, (dict, list)) and same_value(previous.value, value):
            return False
        replace_leaf(self._tree, path, _to_store(value, self.store, previous))
        seal_subtree(self._tree, path, self._data_key, self.metadata.rules, self.store)
        self._changed, self._expected = True, None
        return True

    def _current(self, path: Path) -> Styled | None:
        existing = get_at(self._tree, path)
        if isinstance(existing, (dict, list)):
            return None
        if is_sealed(existing) and self.metadata.rules.encrypts(path):
            return self._cipher().open(encode_path(path), existing)
        return self.store.read_scalar(existing)

    def unset(self, keypath: str) -> None:
        path = resolve(self._tree, keypath)
        parent, depth = get_at(self._tree, path[:-1]), len(path) - 1
        # a list's later items move up one place: their tokens are bound to their old paths, so seal them again
        moving = [(leaf, token) for leaf, token in self._sealed(path[:-1]) if int(leaf[depth]) > int(path[-1])
                  ] if isinstance(parent, list) else []
        up = [((*leaf[:depth], ListIndex(int(leaf[depth]) - 1), *leaf[depth + 1:]), payload)
              for (leaf, _), payload in zip(moving, self._open_many(moving), strict=True)]
        del parent[path[-1]]
        seal_at(self._tree, self._data_key, up, token_times(moving))
        self._changed, self._expected = True, None

    def rotate(self, recipients: KeyGroups | None = None) -> None:
        payloads = self._open_many(sealed := self._sealed())  # every token checked before any is replaced
        self._expected = self._plain_data(dict(zip((path for path, _ in sealed), payloads, strict=True)))
        data_key = new_data_key()
        seal_at(self._tree, data_key, [(path, payload) for (path, _), payload in zip(sealed, payloads, strict=True)],
                token_times(sealed))
        meta = self.metadata
        groups, threshold = wrap_groups(recipients or file_recipients(meta, self._data_key), data_key)
        self.metadata = meta.with_groups(groups, threshold)
        self._data_key, self._changed = data_key, True

    def rewrap(self, keys: Sequence[MasterKey] | KeyGroups) -> None:
        meta = self.metadata
        groups, threshold = wrap_groups(KeyGroups.of(keys), self._data_key, meta.groups, meta.threshold)
        if (groups, threshold) != (meta.groups, meta.threshold):
            self.metadata, self._changed = meta.with_groups(groups, threshold), True

    def reuse(self) -> Reuse:
        payloads = self._open_many(sealed := self._sealed())
        codes = path_codes()
        tokens = {codes(path): (token, payload) for (path, token), payload in zip(sealed, payloads, strict=True)}
        return Reuse.of_file(self._data_key, self.metadata, tokens)

    def dump(self) -> str:
        """The sealed text, refused unless it reads back, through the reader's path, as the data it
        should hold (after :meth:`rotate`, the values as they were before it)."""
        if not self._changed:
            return self._text
        expected = self.data() if self._expected is None else self._expected
        self.metadata = seal_metadata(self.metadata, self._data_key, encode_leaves(mac_leaves(self._tree, self.store)))
        text = dump_with_metadata(self._tree, self.metadata, self.store, like=self._text)
        return read_back(text, self.store, self._data_key, expected)


def read_back(text: str, store: Store, data_key: bytes, expected: Any, intended: str | None = None) -> str:
    """``text``, refused unless it opens, through the reader's own path, as exactly ``expected``, and so does its
    decrypted text (a value the syntax cannot spell fails there), which must be ``intended`` byte for byte if given
    (the plaintext it was sealed from)."""
    unreadable = (f"the sealed result, or its decrypted text, would not read back as the same data in {store.name} "
                  "syntax (please report it)")
    try:
        opened = TreeSealed(text, store).open_with(data_key)
        read = opened.data()
        if same_data(read, expected):
            read = plain_values(store.load_editable(restored := opened.plaintext()), store)
    except (FormatError, IntegrityError, TypeError, ValueError) as err:  # an emitter refusing a value: Type/ValueError
        raise refused_read_back(err, unreadable) from None
    if not same_data(read, expected):
        raise refused_read_back(None, unreadable, (read, expected))
    if intended is not None:
        refuse_unless_same_text(restored, intended, store.name)
    return text


def plain_values(tree: Any, store: Store) -> Any:
    """A plaintext tree of ``store`` as plain data: what the sealed file must open as."""
    plain = plain_tree(tree)
    for path, value in scalar_leaves(tree):
        replace_leaf(plain, path, store.read_scalar(value).value)
    return plain


def _to_store(value: Any, store: Store, previous: Styled | None) -> Any:
    """A plain value (or subtree) as the store's tree holds it, styled as :func:`styled_for` says."""
    if isinstance(value, dict):
        mapping = store.new_mapping()
        for key, item in value.items():
            mapping[key] = _to_store(item, store, None)
        return mapping
    if isinstance(value, list):
        return [_to_store(item, store, None) for item in value]
    return store.write_scalar(store.restyled(styled_for(value, previous)))


def seal_subtree(tree: Any, path: Path, data_key: bytes, rules: EncryptionRules, store: Store) -> None:
    """Seal the plaintext value(s) just placed at ``path`` (a scalar or a whole new subtree)."""
    placed = [((*path, *leaf_path), store.read_scalar(value)) for leaf_path, value in scalar_leaves(get_at(tree, path))]
    rules.refuse_unread_keys(full for full, _ in placed)
    encrypts = rules.encrypts_each()
    seal_at(tree, data_key, [(full, encode_scalar(scalar.value, scalar.style)) for full, scalar in placed
                             if encrypts(full)], now())


def seal_at(tree: Any, data_key: bytes, items: list[tuple[Path, bytes]], times: int | list[int]) -> None:
    """Seal each ``(path, value payload)`` under ``data_key`` at ``times`` and put its token at its path."""
    codes = path_codes()
    tokens = seal_many(data_key, [(codes(path), payload) for path, payload in items], times)
    for (path, _), token in zip(items, tokens, strict=True):
        replace_leaf(tree, path, token)


def dump_with_metadata(tree: Any, meta: Metadata, store: Store, like: str | None) -> str:
    mapping = meta.to_mapping()
    for group in mapping.get("key_groups") or [mapping["recipients"]]:
        for stanza in group:
            stanza["wrapped"] = store.metadata_text(stanza["wrapped"])
    if meta.signature is not None:
        mapping["signature"] = store.metadata_text(meta.signature)
    tree[METADATA_KEY] = mapping
    try:
        return store.dump(tree, like=like)
    finally:
        del tree[METADATA_KEY]

