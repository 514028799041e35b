"""What a sealed file's signature says, checked without a key (:mod:`sealfile.ops.signatures` checks it)."""

from __future__ import annotations

from typing import Literal

from sealfile.model.record import Record

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
