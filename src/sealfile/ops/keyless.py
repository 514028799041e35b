"""What a reader without keys learns of a sealed file: recipients, rule, counts, when values were set.

``status`` asks this of every file it shows, so a YAML file is read in one scan and nothing here
decrypts: no ``cryptography``, no document model, unless a signature must be verified (then the
document is built from the same scan). Recipients are named by their providers
(:func:`sealfile.kms.registry.key_for`), imported only then.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import repeat
from operator import attrgetter

from sealfile.envelope.token_shape import token_times
from sealfile.model.metadata import Metadata
from sealfile.model.paths import Path, format_keypath
from sealfile.model.record import Record
from sealfile.model.rules import EncryptionRules
from sealfile.stores.yaml.sealed import scan_sealed_yaml, token_flags

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    import os

    from sealfile.ops.document import SealedDocument
    from sealfile.stores import Store

_VALUE = attrgetter("value")


class Status(Record):
    _fields = ("metadata", "values", "sealed_paths", "times")
    metadata: Metadata
    values: int
    """Scalars (and empty collections) in the file, sealed or not."""
    sealed_paths: list[Path]
    """The key path of every sealed value, in document order."""
    times: list[int]
    """When each sealed value was last set (Unix time, from its token; no key needed)."""

    def __init__(self, metadata: Metadata, values: int, sealed_paths: list[Path], times: list[int]) -> None:
        self._fill(metadata, values, sealed_paths, times)

    @property
    def version(self) -> int:
        return self.metadata.version

    @property
    def rules(self) -> EncryptionRules:
        return self.metadata.rules

    @property
    def threshold(self) -> int:
        return self.metadata.threshold

    @property
    def encrypted(self) -> int:
        return len(self.times)

    @property
    def set_at(self) -> dict[str, int]:
        """key path -> when its value was last set (the key paths formatted only when asked for)."""
        return {format_keypath(path): when for path, when in zip(self.sealed_paths, self.times, strict=True)}

    @property
    def groups(self) -> list[list[tuple[str, str]]]:
        """``(type, key id)`` per recipient, in key groups (one group unless the data key is split)."""
        return group_names(self.metadata)

    @property
    def recipients(self) -> list[tuple[str, str]]:
        return recipient_names(self.metadata)


class Described(Record):
    _fields = ("status", "document")
    status: Status
    document: Callable[[], SealedDocument]
    """The file in the document model (for its signature), built from what was already read."""

    def __init__(self, status: Status, document: Callable[[], SealedDocument]) -> None:
        self._fill(status, document)


def describe(text: str, store: Store | None = None) -> Status:
    """What a reader without keys can learn: recipients, format, counts, when values were set."""
    if store is None:
        from sealfile.stores import get_store

        store = get_store("yaml")
    return read_keyless(text, store).status


def read_keyless(text: str, store: Store) -> Described:
    """:func:`describe`, and the document it came from for a signature check (YAML: one scan)."""
    if store.name != "yaml":
        from sealfile.ops.reader import read_document

        sealed = read_document(text, store)
        tokens = sealed.tokens()
        return Described(Status(sealed.metadata, sealed.value_count(), [path for path, _ in tokens],
                                token_times(tokens)), lambda: sealed)
    from sealfile.model.conflicts import refuse_conflict_markers
    from sealfile.ops.reader import yaml_engine

    refuse_conflict_markers(text)  # as read_document does first
    engine = yaml_engine()
    bom, body, scanned, metadata = scan_sealed_yaml(text, engine)
    flags = token_flags(scanned.leaves)
    tokens = [(leaf.path, leaf.value) for leaf, token in zip(scanned.leaves, flags, strict=True) if token]
    # the leaves that are not empty containers, counted in C (a generator over every leaf was ~2% of a status)
    values = len(scanned.leaves) - sum(map(isinstance, map(_VALUE, scanned.leaves), repeat((dict, list))))

    def document() -> SealedDocument:
        from sealfile.ops.spliced import SplicedSealed

        return SplicedSealed(text, store, engine, (bom, body, scanned, metadata))

    return Described(Status(metadata, values, [path for path, _ in tokens], token_times(tokens)), document)


def recipient_names(meta: Metadata) -> list[tuple[str, str]]:
    """``(type, key id)`` per recipient; ``"?"`` for a stanza this sealfile cannot read."""
    return [name for group in group_names(meta) for name in group]


def group_names(meta: Metadata) -> list[list[tuple[str, str]]]:
    """``(type, key id)`` per recipient of each key group."""
    from sealfile.kms.registry import stanza_name

    return [[stanza_name(stanza) for stanza in group] for group in meta.groups]


def signature_status(file: str | os.PathLike[str], described: Described) -> str:
    """Who signed the file, and whether readers under its policy would refuse it. An unsigned file
    under no policy needs no document and no signature modules."""
    from sealfile.ops.signatures import SignatureCheck, for_file

    policy = for_file(file)
    if described.status.metadata.signature is None and not policy.required:
        return SignatureCheck("unsigned").describe()
    return policy.verdict(described.document())
