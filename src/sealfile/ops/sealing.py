"""Finishing a write: the metadata a sealed file is written with.

Every writer (``encrypt``, each change, the merge driver) ends here, whatever implementation made
the change, so a written file is always of the current format version with a MAC over exactly
what it holds, and signed whenever a signer is in effect (docs/format.md §9).

Who signs: inside :func:`signing_as` the signer given there (``None``: nobody), which is how
commands pass the signer their trust policy checked (:mod:`sealfile.ops.signatures`); outside
it, the key ``SEALFILE_SIGNING_KEY`` names, if any, so library writes sign as commands do. What a
signature covers (:func:`signed_message_of`) is the same bytes for the writer and for every reader.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sealfile.model.metadata import Metadata

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:  # the SSH modules load on the first signature: readers never need them
    from sealfile.envelope.mac import EncodedLeaf
    from sealfile.envelope.signing import Signer
    from sealfile.kms.groups import KeyGroups
    from sealfile.ops.document import SealedDocument

_FROM_ENVIRONMENT = "environment"
_signer: ContextVar[Signer | str | None] = ContextVar("sealfile_signer", default=_FROM_ENVIRONMENT)


@contextmanager
def signing_as(signer: Signer | None) -> Iterator[None]:
    """Every write inside is signed by ``signer`` (``None``: left unsigned)."""
    token = _signer.set(signer)
    try:
        yield
    finally:
        _signer.reset(token)


def current_signer() -> Signer | None:
    chosen = _signer.get()
    if chosen is None:
        return None
    if isinstance(chosen, str):
        from sealfile.envelope.signing import signer_from_environment

        return signer_from_environment()
    return chosen


def signed_message_of(document: SealedDocument) -> bytes:
    """The exact bytes the file's signature covers (docs/format.md §9), computed without a key: over the seal
    digest, or over an earlier form of it a reader still accepts (§7) when the signature verifies over that one
    (whoever made it: whether its key is trusted is the caller's question)."""
    from sealfile.envelope.mac import signed_message

    mac, armored = document.metadata.mac, document.metadata.signature
    digests = document.digests()
    if len(digests) > 1 and armored is not None:
        from sealfile.envelope.sshsig import SEALFILE_NAMESPACE, verify
        from sealfile.errors import SignatureError

        for digest in digests:
            try:
                verify(message := signed_message(digest, mac), armored, SEALFILE_NAMESPACE)
                return message
            except SignatureError:
                continue
    return signed_message(digests[0], mac)


def seal_metadata(meta: Metadata, data_key: bytes, leaves: Iterable[EncodedLeaf]) -> Metadata:
    """``meta`` as written now: the current version, a MAC over ``leaves``, and the signature of
    the current signer over the seal (the signature of the previous content no longer applies)."""
    from sealfile.envelope.mac import compute_mac, seal_digest, signed_message  # keyless readers need none

    leaves = list(leaves)
    check_version_1_recipients(meta, data_key)
    meta = meta.upgraded().with_signature(None)
    meta = meta.with_mac(compute_mac(data_key, meta, leaves))
    signer = current_signer()
    if signer is None:
        return meta
    from sealfile.envelope.sshsig import SEALFILE_NAMESPACE

    message = signed_message(seal_digest(meta, leaves), meta.mac)
    return meta.with_signature(signer.sign(message, SEALFILE_NAMESPACE))


def file_recipients(meta: Metadata, data_key: bytes) -> KeyGroups:
    """The keys ``meta``'s stanzas name, for a new data key (``rotate``, ``export-sops``) to be wrapped for: a
    version 1 file's (opened with ``data_key``) only where each is vouched for (checked before any is asked to
    wrap, a KMS key too)."""
    from sealfile.kms.groups import KeyGroups

    check_version_1_recipients(meta, data_key)
    return KeyGroups.from_stanzas(meta.groups, meta.threshold)


def check_version_1_recipients(meta: Metadata, data_key: bytes) -> None:
    """Refuse to seal in the recipients of a version 1 file that no key here vouches for.

    A version 1 MAC does not cover the recipients (docs/format.md §10): anyone who can write the file can
    add a stanza for a key of their own and it still verifies. A write seals the recipients into a version 2
    file, and ``rotate`` wraps the new data key for each: so each stanza must have given this file's ``data_key``
    here (:func:`~sealfile.envelope.datakey.gave`: its holder runs this process, and whoever sealed the file
    chose it), unless one recipient is left (the one that opened the file), a key only it opens (an age plugin
    opens a stanza naming any recipient of the plugin with the user's identity)."""
    if meta.version != 1:
        return
    from sealfile.envelope.datakey import gave
    from sealfile.errors import ConfigError
    from sealfile.kms.registry import key_for

    stanzas = [stanza for group in meta.groups for stanza in group]
    keys = [key_for(stanza) for stanza in stanzas]
    if len(keys) <= 1 and all(key.opens_only_its_own for key in keys):
        return
    unvouched = [key for key, stanza in zip(keys, stanzas, strict=True)
                 if not (key.opens_only_its_own and gave(stanza, data_key))]
    if unvouched:
        key = unvouched[0]
        said, fix = (("opened nothing here", "write the file where each key is at hand") if key.opens_only_its_own
                     else ("is an age plugin's, whose stanza opens with any identity of the plugin (the recipient is "
                           "not shown to be the one it was made for)", "seal its values anew (sealfile encrypt)"))
        raise ConfigError(
            f"a version 1 file's recipients are not sealed, and {key.type_id} {key.key_id} {said}: "
            "anyone who can write the file could have added it, and this write would seal it in; remove it "
            f"(sealfile recipients remove) if it is not one you mean, or {fix}")
