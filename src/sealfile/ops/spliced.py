"""The fast sealed document for YAML: one C parse, one MAC pass, bulk decryption, text splicing.

Why: ``load_secrets`` runs at every application start and ``verify``/``decrypt``/``set`` in CI
on many files (benchmarks/PROFILE.md). The checks are the general path's, in the same order:
unwrap, the MAC before any decryption, every value the rules encrypt sealed and authentic.
``decrypt`` and a one-value ``set`` edit the file's text in place; for any change splicing cannot
make with certainty (a new key, a subtree, rotation...) the document hands over to the general
implementation, opened with the same data key, and every later step goes there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sealfile.envelope.bulk import open_many
from sealfile.envelope.cipher import ValueCipher
from sealfile.envelope.datakey import unwrap_data_key
from sealfile.envelope.mac import EncodedLeaf, leaf_bytes, seal_digest, verify_mac
from sealfile.errors import FormatError, IntegrityError
from sealfile.kms.base import MasterKey
from sealfile.model.metadata import Metadata
from sealfile.model.paths import Path, encode_path, format_keypath, resolve
from sealfile.model.rules import EncryptionRules
from sealfile.model.scalars import Styled, decode_scalar, is_sealed, same_value
from sealfile.ops.document import OpenDocument, Reuse, SealedDocument, SealedLeaf, styled_for
from sealfile.ops.sealing import seal_metadata
from sealfile.ops.tree import TreeOpen, TreeSealed
from sealfile.stores import Store
from sealfile.stores.yaml import splice
from sealfile.stores.yaml.scan import STYLE_OF_NODE, Leaf, Scan, gc_paused, scan


def scan_sealed(text: str, store: Store) -> SplicedSealed | None:
    """The fast document, or ``None`` for a shape the scan leaves to the general path."""
    with gc_paused():
        scanned = scan(text)
    if scanned is None:
        return None
    if scanned.metadata_node is None:
        raise FormatError("not a sealed file (no 'sealfile' metadata key)")
    return SplicedSealed(text, store, scanned)


class SplicedSealed(SealedDocument):
    def __init__(self, text: str, store: Store, scanned: Scan):
        self.text, self.store, self.scan = text, store, scanned
        self.metadata = Metadata.from_mapping(scanned.metadata)

    def leaves(self) -> Sequence[SealedLeaf]:
        return [(leaf.path, _sealed_view(leaf)) for leaf in self.scan.leaves]

    def _encoded_leaves(self) -> tuple[list[bool], list[EncodedLeaf]]:
        tokens = [type(leaf.value) is str and is_sealed(leaf.value) for leaf in self.scan.leaves]
        return tokens, [_mac_leaf(leaf, token) for leaf, token in zip(self.scan.leaves, tokens, strict=True)]

    def digest(self) -> bytes:
        return seal_digest(self.metadata, self._encoded_leaves()[1])

    def open(self) -> SplicedOpen:
        with gc_paused():
            data_key = unwrap_data_key(self.metadata.recipients)
            tokens, mac_input = self._encoded_leaves()
            meta = self.metadata
            verify_mac(data_key, meta, mac_input)
            return SplicedOpen(self, data_key, tokens, mac_input)


def _sealed_view(leaf: Leaf) -> Any:
    value = leaf.value
    if isinstance(value, (dict, list)) or (type(value) is str and is_sealed(value)):
        return value
    return Styled(value, STYLE_OF_NODE.get(leaf.node.style) if isinstance(value, str) else None)


def _mac_leaf(leaf: Leaf, sealed: bool) -> EncodedLeaf:
    """How a leaf enters the MAC (docs/format.md §7): a plaintext string without its quoting style."""
    if sealed:
        return leaf.encoded_path, b"E" + leaf.value.encode("ascii")
    return leaf.encoded_path, leaf_bytes(leaf.value)


class SplicedOpen(OpenDocument):
    def __init__(self, sealed: SplicedSealed, data_key: bytes, tokens: list[bool], mac_input: list[EncodedLeaf]):
        self.store, self.metadata = sealed.store, sealed.metadata
        self._sealed, self._text = sealed, sealed.text
        self._data_key = data_key
        self._tokens, self._mac_input = tokens, mac_input
        self._encrypted: list[Leaf] | None = None
        self._data: Any = None
        self._general: TreeOpen | None = None
        self._scan_current = True
        """The scan still describes ``_text`` (false after a spliced change, until a handover)."""

    def __repr__(self) -> str:
        return "<SplicedOpen yaml document>"

    def _handover(self) -> TreeOpen:
        """The general implementation, from the current text, for what splicing cannot do."""
        if self._general is None:
            self._general = TreeSealed(self._text, self.store).open_with(self._data_key)
            self._scan_current = False
        return self._general

    def encrypted_leaves(self) -> list[Leaf]:
        """The leaves the rules encrypt, in document order, each checked to hold a token."""
        if self._encrypted is None:
            encrypts = _RuleMemo(self.metadata.rules)
            found: list[Leaf] = []
            for leaf, token in zip(self._sealed.scan.leaves, self._tokens, strict=True):
                if isinstance(leaf.value, (dict, list)) or not encrypts(leaf):
                    continue
                if not token:
                    raise IntegrityError("a value that the rules encrypt is in plaintext",
                                         keypath=format_keypath(leaf.path))
                found.append(leaf)
            self._encrypted = found
        return self._encrypted

    def _open_all(self) -> list[Styled]:
        leaves = self.encrypted_leaves()
        payloads = open_many(self._data_key, [(leaf.encoded_path, leaf.value) for leaf in leaves],
                             lambda index: format_keypath(leaves[index].path))
        return [decode_scalar(payload) for payload in payloads]

    def data(self) -> Any:
        if not self._scan_current:
            return self._handover().data()
        if self._data is None:
            with gc_paused():
                for leaf, scalar in zip(self.encrypted_leaves(), self._open_all(), strict=True):
                    leaf.parent[leaf.slot] = scalar.value
                self._data = self._sealed.scan.tree
        return self._data

    def plaintext(self, output: Store | None = None) -> str:
        if self._scan_current and (output is None or output is self.store):
            spliced = self.spliced_plaintext()
            if spliced is not None:
                return spliced
        return self._handover().plaintext(output)

    @property
    def handed_over(self) -> bool:
        """Whether a step needed the general implementation (from then on every step goes there)."""
        return self._general is not None

    def spliced_plaintext(self) -> str | None:
        """The plaintext by editing the file's text, or ``None`` where splicing is not certain."""
        with gc_paused():
            return self._splice_plaintext()

    def _splice_plaintext(self) -> str | None:
        from sealfile.stores.yaml.roundtrip import guess_layout

        text, scanned = self._text, self._sealed.scan
        cut = splice.metadata_start(text, scanned)
        if cut is None:
            return None
        indent = guess_layout(text).mapping if "\r" not in text else None  # block lines are joined with "\n"
        edits: list[splice.Edit] = []
        for leaf, scalar in zip(self.encrypted_leaves(), self._open_all(), strict=True):
            edit = splice.value_edit(text, leaf, scalar, indent)
            if edit is None:
                return None
            edits.append(edit)
        return splice.apply_edits(text[:cut], edits)

    def editable_plaintext(self) -> Any:
        return self._handover().editable_plaintext()

    def subtree_text(self, path: Path) -> str:
        return self._handover().subtree_text(path)

    def set(self, keypath: str, value: Any) -> bool:
        if self._scan_current and not isinstance(value, (dict, list)):
            leaf = self._sealed_leaf(keypath)
            if leaf is not None:
                changed = self._set_token(leaf, value)
                if changed is not None:
                    return changed
        return self._handover().set(keypath, value)

    def _sealed_leaf(self, keypath: str) -> Leaf | None:
        """The encrypted scalar leaf ``keypath`` names, or ``None`` (then the general path decides)."""
        try:
            path = resolve(self._sealed.scan.tree, keypath)
        except (FormatError, LookupError):
            return None
        encoded = encode_path(path)
        leaf = next((leaf for leaf in self._sealed.scan.leaves if leaf.encoded_path == encoded), None)
        if leaf is None or not is_sealed(leaf.value) or not self.metadata.rules.encrypts(leaf.path):
            return None
        return None if leaf.flow and not leaf.node.style else leaf

    def _set_token(self, leaf: Leaf, value: Any) -> bool | None:
        cipher = ValueCipher(self._data_key)
        previous = cipher.open(leaf.encoded_path, leaf.value)
        if same_value(previous.value, value):
            return False
        scalar = styled_for(value, previous)
        token = cipher.seal(leaf.encoded_path, scalar.value, scalar.style)
        text, scanned, meta = self._text, self._sealed.scan, self.metadata
        token_span, mac = splice.span_of(text, leaf.node), splice.mac_span(text, scanned, meta.mac)
        if token_span is None or mac is None:
            return None
        index = next(i for i, candidate in enumerate(scanned.leaves) if candidate is leaf)
        leaves = [*self._mac_input[:index], (leaf.encoded_path, b"E" + token.encode("ascii")),
                  *self._mac_input[index + 1:]]
        written = seal_metadata(meta, self._data_key, leaves)
        if written.with_mac(meta.mac) != meta:
            return None  # more of the metadata changes (its version, a signature): the general path writes it
        self._text = splice.apply_edits(text, [(*token_span.token, token), (*mac.token, written.mac)])
        self.metadata, self._scan_current = written, False
        return True

    def unset(self, keypath: str) -> None:
        self._handover().unset(keypath)

    def rotate(self) -> None:
        self._handover().rotate()

    def rewrap(self, keys: Sequence[MasterKey]) -> None:
        self._handover().rewrap(keys)

    def reuse(self) -> Reuse:
        if not self._scan_current:
            return self._handover().reuse()
        leaves = self.encrypted_leaves()
        payloads = open_many(self._data_key, [(leaf.encoded_path, leaf.value) for leaf in leaves],
                             lambda index: format_keypath(leaves[index].path))
        tokens = {leaf.encoded_path: (leaf.value, payload) for leaf, payload in zip(leaves, payloads, strict=True)}
        return Reuse(self._data_key, self.metadata.recipients, tokens)

    def dump(self) -> str:
        return self._general.dump() if self._general is not None else self._text


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
