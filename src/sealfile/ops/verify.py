"""``sealfile verify``: whether a sealed file is what its writer sealed, and who that was.

Without a key, a file's structure and its signature are all there is to check, and a valid
signature covers everything (docs/format.md §9): the values, every recipient stanza, the rule,
and the MAC. With a key the MAC and every value are checked as well. A signature that does not
verify is always an error, whatever the policy: the file is not what was signed.
"""

from __future__ import annotations

import os

from sealfile.errors import (
    ConfigError,
    FormatError,
    IntegrityError,
    NoUsableKeyError,
    SealfileError,
    UntrustedSealError,
)
from sealfile.model.metadata import METADATA_KEY
from sealfile.model.paths import format_keypath
from sealfile.model.record import Record
from sealfile.model.scalars import is_sealed
from sealfile.ops.document import SealedDocument
from sealfile.ops.reader import read_document
from sealfile.ops.sealing import signed_message_of
from sealfile.ops.signatures import ALLOWED_SIGNERS_ENV, SignatureCheck, TrustPolicy, for_file
from sealfile.stores import Store


class Verification(Record):
    _fields = ("signature", "values_checked", "why_not")
    signature: SignatureCheck
    values_checked: bool
    """The data key opened the file: the MAC and every value were checked too."""
    why_not: str

    def __init__(self, signature: SignatureCheck, values_checked: bool, why_not: str = "") -> None:
        self._fill(signature, values_checked, why_not)

    def summary(self) -> str:
        if self.values_checked:
            return f"OK, {self.signature.describe()}"
        return f"{self.signature.describe()}; structure and signature OK, values not checked ({self.why_not})"


def verify_seal(text: str, store: Store, policy: TrustPolicy, *, keyless: bool = False) -> Verification:
    """Check the structure and the signature (as ``policy`` wants), then, unless ``keyless`` or no
    key here opens it, the MAC and every value."""
    document = read_document(text, store)
    check = policy.enforce(document) or policy.check(document)
    if check.status == "invalid":
        raise UntrustedSealError(check.describe())
    _check_structure(document)
    if keyless:
        if not check.verified:
            raise UntrustedSealError(f"{check.describe()}: without a key nothing can vouch for it")
        return Verification(check, False, "--keyless")
    try:
        opened = document.open()
    except NoUsableKeyError as err:
        if not check.verified:
            raise SealfileError(f"{check.describe()}, and {err.message}") from None
        return Verification(check, False, "no key here opens it")
    opened.verify()
    return Verification(check, True)


def verify_file(text: str, path: str, store: Store, input_type: str | None, policy: TrustPolicy, *,
                keyless: bool = False) -> str:
    """``verify``'s one line for a sealed file or a SOPS file (which has no signature to check)."""
    from sealfile.ops.read import sops_kind, verify_sops

    kind = sops_kind(text, path, input_type)
    if kind is None:
        return verify_seal(text, store, policy, keyless=keyless).summary()
    from sealfile.sops import LABELS

    policy.enforce_unsignable("a SOPS file")
    if keyless:  # only the MAC, which takes the data key, could vouch for it
        raise UntrustedSealError(f"SOPS {LABELS[kind]} file, unsigned (it cannot carry a sealfile signature): "
                                 "without a key nothing can vouch for it")
    verify_sops(text, kind)
    return f"OK (SOPS {LABELS[kind]} file)"


def _check_structure(document: SealedDocument) -> None:
    """What a keyless reader can check besides the signature: every value the rule encrypts is sealed, and
    no key is listed twice (:func:`~sealfile.kms.groups.listed_twice`, as ``check`` and ``review`` say)."""
    from sealfile.kms.groups import listed_twice

    repeated = listed_twice(document.metadata.recipients)
    if repeated is not None:
        raise FormatError(repeated[1], keypath=f"{METADATA_KEY}.recipients.{repeated[0]}")
    encrypts = document.metadata.rules.encrypts_each()
    for path, value in document.leaves():
        if not isinstance(value, (dict, list)) and encrypts(path) and not is_sealed(value):
            raise IntegrityError("a value that the rules encrypt is in plaintext", keypath=format_keypath(path))


def signed_message(text: str, store: Store) -> bytes:
    """The exact bytes the file's signature covers, as ``ssh-keygen -Y verify`` reads them from stdin."""
    return signed_message_of(read_document(text, store))


def signature_text(text: str, store: Store) -> str:
    """The armored signature, as ``ssh-keygen -Y verify -s`` reads it."""
    signature = read_document(text, store).metadata.signature
    if signature is None:
        raise UntrustedSealError("unsigned: there is no signature to print")
    return signature


def allowed_signers_for(file: str | os.PathLike[str]) -> str:
    """The signers trusted for ``file``, as the ``allowed_signers`` file ``ssh-keygen -Y verify -f`` reads."""
    signers = for_file(file).signers
    if signers is None:
        raise ConfigError("no trusted signers are configured for it (signers: in .sealfile.yaml, or "
                          f"{ALLOWED_SIGNERS_ENV})")
    from sealfile.ops.signers import allowed_signers_text  # the SSH modules: only for this printout

    return allowed_signers_text(signers)
