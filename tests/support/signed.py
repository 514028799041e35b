"""Two people for the signed-seal tests: alice, a trusted signer and recipient, and mallory, who can
push to the repository but holds no recipient key, with a real ssh-keygen key each.

Import the ``team`` fixture (and ``ssh_keys``) into a test module::

    from tests.support.signed import team  # noqa: F401
    from tests.support.ssh import ssh_keys  # noqa: F401
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from sealfile.envelope.signing import SIGNING_KEY_ENV, Signer
from sealfile.kms.age import AgeKey
from sealfile.ops.seal import seal_text
from sealfile.ops.sealing import signing_as
from tests.support.identities import AgeIdentity
from tests.support.ssh import SshKeyPair, SshKeys, write_allowed_signers


@dataclass(frozen=True)
class Team:
    alice: SshKeyPair
    mallory: SshKeyPair
    age: AgeIdentity
    """alice's age identity (SEALFILE_AGE_KEY_FILE names it): the recipient of every file."""
    allowed_signers: Path
    """An OpenSSH allowed_signers file trusting alice only."""

    def signer(self, key: SshKeyPair) -> Signer:
        return Signer.from_private_key_file(key.path)

    def as_alice(self) -> dict[str, str]:
        """Environment additions that make alice the writer."""
        return {SIGNING_KEY_ENV: str(self.alice.path)}

    def forge(self, plaintext: str, *, signed_by: SshKeyPair | None) -> str:
        """What mallory can write without any recipient key: a file of her own for alice's recipient,
        with a data key she chose, signed by her own key or not at all."""
        with signing_as(self.signer(signed_by) if signed_by is not None else None):
            return seal_text(plaintext, [AgeKey(self.age.recipient)])

    def seal(self, plaintext: str) -> str:
        """A file alice sealed and signed."""
        with signing_as(self.signer(self.alice)):
            return seal_text(plaintext, [AgeKey(self.age.recipient)])

    def config(self, directory: Path, *, require_signature: bool = False, signers: bool = True) -> Path:
        """A ``.sealfile.yaml`` in ``directory`` trusting alice, with one creation rule for her recipient."""
        lines = [f"signers:\n  alice: {self.alice.public_key.to_line()}\n"] if signers else []
        lines.append(f"creation_rules:\n  - path_regex: .*\n    age: {self.age.recipient}\n")
        if require_signature:
            lines.append("    require_signature: true\n")
        path = directory / ".sealfile.yaml"
        path.write_text("".join(lines))
        return path


@pytest.fixture
def team(ssh_keys: SshKeys, age_identity: AgeIdentity, tmp_path: Path) -> Team:
    alice, mallory = ssh_keys.get("ed25519", "alice"), ssh_keys.get("ed25519", "mallory")
    directory = tmp_path / "trust"
    directory.mkdir()
    return Team(alice, mallory, age_identity, write_allowed_signers(directory, alice))
