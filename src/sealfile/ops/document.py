"""The sealed-document model: one protocol for every verb on a sealed file, two implementations.

A :class:`SealedDocument` is a sealed file as read (its text, store, metadata and leaves): what a
reader without keys sees. :meth:`SealedDocument.open` unwraps the data key, checks the MAC and
gives an :class:`OpenDocument`, which holds the data key privately and decrypts, changes and
dumps. Readers (``load_secrets``, ``decrypt``, ``verify``), writers (``set``, ``edit``,
``rotate``, recipient changes), the merge driver and the Git views all go through it.

Two implementations keep one meaning: the general one works on the store's editable tree
(:mod:`sealfile.ops.tree`, every syntax); the fast one edits a YAML file's text in place from one
C parse (:mod:`sealfile.ops.spliced`). :func:`sealfile.ops.reader.read_document` is the one place
that chooses.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sealfile.envelope.datakey import Groups, gave, new_data_key, wrap_groups
from sealfile.envelope.mac import EncodedLeaf, verify_mac
from sealfile.envelope.token_shape import token_times
from sealfile.errors import FormatError, IntegrityError
from sealfile.kms.base import MasterKey
from sealfile.kms.groups import KeyGroups
from sealfile.model.differences import described_difference
from sealfile.model.metadata import METADATA_KEY, Metadata, Stanza
from sealfile.model.paths import Path, format_keypath, get_at, resolve
from sealfile.model.record import Record
from sealfile.model.scalars import Styled, is_sealed
from sealfile.ops.sealing import check_version_1_recipients
from sealfile.stores import Store

SealedLeaf = tuple[Path, Any]
"""``(path, value)`` where value is an ``ENC[...]`` token, a plaintext :class:`Styled`, or ``{}``/``[]``."""


class Reuse(Record):
    """What a re-seal of the same file may keep: its data key, stanzas (in key groups) and ciphertexts."""

    _fields = ("data_key", "groups", "tokens", "threshold")
    _hidden = frozenset({"data_key", "tokens"})
    data_key: bytes
    groups: tuple[tuple[Stanza, ...], ...]
    tokens: dict[bytes, tuple[str, bytes]]
    """encoded path -> (token, encoded plaintext ``tag || text``) of every sealed value."""
    threshold: int

    def __init__(self, data_key: bytes, groups: tuple[tuple[Stanza, ...], ...],
                 tokens: dict[bytes, tuple[str, bytes]], threshold: int = 1) -> None:
        self._fill(data_key, groups, tokens, threshold)

    @classmethod
    def of_file(cls, data_key: bytes, meta: Metadata, tokens: dict[bytes, tuple[str, bytes]]) -> Reuse:
        """What a file as opened offers a re-seal, which writes the current version: so its recipients must be
        ones a version 1 file may pass on (:func:`~sealfile.ops.sealing.check_version_1_recipients`)."""
        check_version_1_recipients(meta, data_key)
        return cls(data_key, meta.groups, tokens, meta.threshold)

    def strands_holders(self, keys: Iterable[MasterKey] | KeyGroups) -> bool:
        """Whether this data key, wrapped for ``keys`` instead, stays with someone who no longer opens the file
        (:meth:`KeyGroups.strands_holders`)."""
        return KeyGroups.from_stanzas(self.groups, self.threshold).strands_holders(KeyGroups.of(keys))


_MAC_MISMATCH = "the file MAC does not match"


@contextmanager
def mac_explained(document: SealedDocument, data_key: bytes) -> Iterator[None]:
    """The MAC check's failure, told apart where the data key tells: a key that opens none of the file's
    values was sealed for another file (a stanza copied in, which a version 1 MAC does not cover, and
    which no stanza of this file's own gives). A key that opens one of them keeps the plain message: the
    values were changed. Tried only once the MAC failed, one token's HMAC at a time (nothing is decrypted),
    stopping at one that is the key's."""
    try:
        yield
    except IntegrityError as err:
        tokens = document.tokens() if str(err).startswith(_MAC_MISMATCH) else []
        if not tokens or _opens_one(data_key, tokens):
            raise
        stanzas = [stanza for group in document.metadata.groups for stanza in group] \
            if document.metadata.grouped else list(document.metadata.recipients)
        giver = next((stanza for stanza in stanzas if gave(stanza, data_key)), None)
        from sealfile.kms.registry import key_for

        named = f"the {key_for(giver).type_id} {key_for(giver).key_id} stanza" if giver else "the recipients"
        raise IntegrityError(f"{_MAC_MISMATCH}: the data key {named} gave opens none of its values, so it was "
                             "sealed for another file (a recipient stanza copied in), or every value was") from None


def _opens_one(data_key: bytes, tokens: Sequence[tuple[Path, str]]) -> bool:
    from sealfile.envelope.cipher import ValueCipher

    cipher = ValueCipher(data_key)
    return any(cipher.authenticates(token) for _, token in tokens)


class SealedDocument(ABC):
    """A sealed file as read: no key needed for anything here but :meth:`open`."""

    text: str
    store: Store
    metadata: Metadata

    @abstractmethod
    def leaves(self) -> Sequence[SealedLeaf]:
        """Every leaf in document order (the value tree without the metadata)."""

    @abstractmethod
    def digests(self) -> list[bytes]:
        """The keyless seal digest (docs/format.md §7), then each earlier form of it a reader still accepts
        (a stream sealed before its documents were covered, §7)."""

    def digest(self) -> bytes:
        """The keyless seal digest (docs/format.md §7): what a writer's signature covers."""
        return self.digests()[0]

    @abstractmethod
    def open(self) -> OpenDocument:
        """Unwrap the data key and verify the MAC (before anything is decrypted)."""

    def check_mac(self, data_key: bytes, *forms: Iterable[EncodedLeaf]) -> None:
        """:func:`~sealfile.envelope.mac.verify_mac` over the first of ``forms`` that matches, its failure told
        apart where the data key tells (:func:`mac_explained`)."""
        with mac_explained(self, data_key):
            verify_mac(data_key, self.metadata, *forms)

    def documents(self) -> list[Any] | None:
        """A stream's documents as read (one without values ``None``, ``{}`` one holding no key), ``None`` for a
        one-document file: what the leaves do not tell (:func:`~sealfile.ops.keyless_shape.keyless_shape`)."""
        return None

    def tokens(self) -> list[tuple[Path, str]]:
        """Every sealed value's path and ``ENC[...]`` text, in document order."""
        return [(path, value) for path, value in self.leaves() if isinstance(value, str) and is_sealed(value)]

    def value_count(self) -> int:
        """How many scalars the file holds, sealed or not."""
        return sum(not isinstance(value, (dict, list)) for _, value in self.leaves())

    def sources(self) -> dict[Path, Path]:
        """Each path an alias or merge puts a value at -> the path where that value is written."""
        return {}

    def tags(self) -> dict[Path, str]:
        """Each path where a node is written with an application tag (``!Ref``; only YAML has them) -> the tag,
        as the seal covers it (docs/format.md §1.3)."""
        return {}

    def set_times(self) -> dict[str, int]:
        """key path -> Unix time each sealed value was last set: its token's time, read without a key."""
        tokens = self.tokens()
        return {format_keypath(path): when for (path, _), when in zip(tokens, token_times(tokens), strict=True)}


class OpenDocument(ABC):
    """A sealed file opened with its data key: decrypt, change, dump. The key never leaves it."""

    store: Store
    metadata: Metadata
    _data_key: bytes

    def __repr__(self) -> str:  # never the values or the key
        return f"<{type(self).__name__} {self.store.name} document>"

    def check_recipients_passed_on(self) -> None:
        """Refuse to give a new data key to this file's recipients (``export-sops``) if it is a version 1 file
        whose stanzas did not each give its data key here (:func:`~sealfile.ops.sealing.check_version_1_recipients`)."""
        check_version_1_recipients(self.metadata, self._data_key)

    @abstractmethod
    def data(self, under: Path = ()) -> Any:
        """The decrypted values as plain ``dict``/``list``/scalars (every value authenticated); with
        ``under``, the value or subtree there, and no token outside it opened."""

    @abstractmethod
    def _shape(self) -> Any:
        """The value tree as read: keys and nesting are plaintext, a scalar may still be a token."""

    def top_keys(self) -> list[Any]:
        """The keys at the top, as read (no value opened): a dotenv file's variable names."""
        return list(self._shape()) if isinstance(self._shape(), dict) else []

    def locate(self, keypath: str) -> tuple[Path, bool]:
        """The typed path of an existing value, and whether a mapping or list is there: keys and
        nesting need no decryption, so a reader of one value decrypts only that value."""
        shape = self._shape()
        path = resolve(shape, keypath)
        return path, isinstance(get_at(shape, path), (dict, list))

    def value_at(self, keypath: str) -> Any:
        """The decrypted value or subtree at a user's key path, decrypting nothing else."""
        return self.data(self.locate(keypath)[0])

    def tagged(self) -> Sequence[Path]:
        """Every path holding a node written with an application tag (``!Ref x``); only YAML has them."""
        return ()

    def untagged_data(self, under: Path = (), form: str = "as plain data") -> Any:
        """:meth:`data` for a reader that returns values without their YAML text (``form``: what it gives):
        refused, naming the key path, where a value there is tagged, whose tag only YAML text can hold
        (docs/format.md §1.2): its untagged value is not what the application it is written for reads."""
        for path in self.tagged():
            if path[:len(under)] == under:
                raise FormatError(f"a value written with a YAML tag cannot be given {form}: only YAML output "
                                  "keeps its tag", keypath=format_keypath(path))
        return self.data(under)

    @abstractmethod
    def plaintext(self, output: Store | None = None) -> str:
        """The decrypted document as text, in ``output``'s syntax (default: its own, layout kept)."""

    @abstractmethod
    def subtree_text(self, path: Path) -> str:
        """The decrypted mapping or list at ``path`` as text in the file's syntax, styles kept (only
        the values inside it decrypted)."""

    @abstractmethod
    def set(self, keypath: str, value: Any) -> bool:
        """Set a value or subtree (creating missing mappings); ``False`` if it held that value already."""

    @abstractmethod
    def unset(self, keypath: str) -> None:
        """Remove one value or subtree."""

    @abstractmethod
    def rotate(self, recipients: KeyGroups | None = None) -> None:
        """A new data key: every value re-encrypted (keeping when it was set), wrapped for every
        recipient, or for ``recipients`` instead (a change of who opens the file, in the same write)."""

    @abstractmethod
    def rewrap(self, keys: Sequence[MasterKey] | KeyGroups) -> None:
        """The same data key for exactly ``keys`` (one group, or key groups); stanzas of keys already
        present are kept where the groups allow it (:func:`sealfile.envelope.datakey.wrap_groups`)."""

    @abstractmethod
    def reuse(self) -> Reuse:
        """The data key, stanzas and every ciphertext with its plaintext, for a re-seal."""

    @abstractmethod
    def dump(self) -> str:
        """The sealed text with every change made so far (the input text when nothing changed)."""

    def read(self) -> SealedDocument | None:
        """:meth:`dump`'s text as read back, where this implementation keeps it (a check reads it, not the text)."""
        return None

    def verify(self) -> None:
        """Authenticate every value (the MAC was checked by :meth:`SealedDocument.open`)."""
        self.data()


def sealing_key(keys: Iterable[MasterKey] | KeyGroups, reuse: Reuse | None) -> tuple[bytes, Groups, int]:
    """The data key, stanzas (in key groups) and threshold a seal writes: a new key wrapped for
    ``keys``, or ``reuse``'s key with its stanzas, re-wrapped only if ``keys`` names recipients."""
    recipients = keys if isinstance(keys, KeyGroups) else list(keys)
    if reuse is None:
        if not recipients:
            raise FormatError("a sealed file needs at least one recipient")
        data_key = new_data_key()
        return (data_key, *wrap_groups(KeyGroups.of(recipients), data_key))
    if not recipients:
        return reuse.data_key, reuse.groups, reuse.threshold
    return (reuse.data_key, *wrap_groups(KeyGroups.of(recipients), reuse.data_key, reuse.groups, reuse.threshold))


def refused_read_back(err: Exception | None, otherwise: str, unlike: tuple[Any, Any] | None = None) -> FormatError:
    """Why a text about to be written is refused: the reader's own cause if it refused the text (a limit such
    as a dotenv file's lines, a spelling; reader messages never quote a value); else, given ``unlike`` (what the
    text reads back as, what it should), ``otherwise`` with the first key path where the two differ and how (in
    kinds, never a value); else ``otherwise``."""
    if isinstance(err, FormatError):
        return FormatError(f"refusing to write: the result would not read back ({err.message})", keypath=err.keypath)
    if unlike is not None:
        where, cause = described_difference(*unlike)
        return FormatError(f"refusing to write: {cause}; {otherwise}", keypath=where)
    return FormatError(f"refusing to write: {otherwise}")


def styled_for(value: Any, previous: Styled | None) -> Styled:
    """How a new value is written: a string keeps the quoting of the one it replaces, and one
    with line breaks becomes a literal block (so ``decrypt`` prints it readably)."""
    if isinstance(value, str):
        if "\n" in value:
            return Styled(value, "|")
        if previous is not None and isinstance(previous.value, str):
            return Styled(value, previous.style)
    return Styled(value)


def check_plaintext_root(document: Any, store: Store) -> None:
    """A document to seal: a mapping, without the reserved metadata key (spelled as ``store`` keeps it)."""
    if not isinstance(document, dict):
        raise FormatError("the top level must be a mapping of keys to values")
    if METADATA_KEY in document:
        raise FormatError(f"{store.reserved} reserved (is this file already sealed?)")
