"""What a sealed file's signature says, checked without a key (:mod:`sealfile.ops.signatures` acts on it)."""

from __future__ import annotations

from sealfile.errors import SignatureError, UntrustedSignerError
from sealfile.model.record import Record
from sealfile.ops.sealing import signed_message_of

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Literal

    from sealfile.envelope.allowed_signers import AllowedSigners
    from sealfile.ops.document import SealedDocument
    Status = Literal["unsigned", "trusted", "valid", "untrusted", "invalid"]


class SignatureCheck(Record):
    """What a file's signature says, checked without any key.

    ``trusted``: verifies, by a trusted signer; ``valid``: verifies, with no trusted signers to
    name its key; ``untrusted``: verifies, by a key they do not allow; ``invalid``: does not verify.
    """

    _fields = ("status", "fingerprint", "principal", "detail")
    status: Status
    fingerprint: str | None
    principal: str | None
    detail: str

    def __init__(self, status: Status, fingerprint: str | None = None, principal: str | None = None,
                 detail: str = "") -> None:
        self._fill(status, fingerprint, principal, detail)

    @property
    def verified(self) -> bool:
        return self.status in ("trusted", "valid")

    @property
    def signer(self) -> str:
        """Who signed, as far as the signature proves: ``alice (SHA256:...)``, a fingerprint, or ``nobody``.
        A signature that does not verify proves nothing: the key it names (anyone can copy a signature
        into a file) is shown only as a claim."""
        if self.status == "invalid":
            claimed = f" naming {self.fingerprint}" if self.fingerprint else ""
            return f"nobody (a signature{claimed} that does not verify)"
        if self.principal:
            return f"{self.principal} ({self.fingerprint})"
        return self.fingerprint or "nobody"

    def describe(self) -> str:
        if self.status == "trusted":
            return f"signed by {self.signer}"
        if self.status == "valid":
            return f"signed by {self.fingerprint} (no trusted signers configured to name it)"
        if self.status == "untrusted":
            return self.detail
        if self.status == "invalid":
            # the key a broken signature names is a claim (anyone can copy a signature), not a fact
            claimed = f" (naming {self.fingerprint})" if self.fingerprint else ""
            return f"the signature{claimed} does not verify: the file is not what was signed"
        return "unsigned"


def check_signature(document: SealedDocument, signers: AllowedSigners | None) -> SignatureCheck:
    """Verify the file's signature, against ``signers`` when given."""
    armored = document.metadata.signature
    if armored is None:
        return SignatureCheck("unsigned")
    from sealfile.envelope.sshsig import SEALFILE_NAMESPACE, verify

    message = signed_message_of(document)
    try:
        if signers is None:
            return SignatureCheck("valid", verify(message, armored, SEALFILE_NAMESPACE).fingerprint)
        found = signers.verify(message, armored, SEALFILE_NAMESPACE)
        return SignatureCheck("trusted", found.fingerprint, found.principal)
    except UntrustedSignerError as err:
        return SignatureCheck("untrusted", err.fingerprint, detail=err.message)
    except SignatureError:
        return SignatureCheck("invalid", claimed_key(armored))


def claimed_key(armored: str) -> str | None:
    """The fingerprint of the key a signature names, unverified (``None`` if it does not parse)."""
    from sealfile.envelope.sshsig import signer_key

    try:
        return signer_key(armored).fingerprint
    except SignatureError:
        return None
