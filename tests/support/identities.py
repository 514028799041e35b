"""age identities for tests: a key pair written to a 0600 file, as ``sealfile keygen`` writes it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sealfile.kms.age import AgeKey, generate_identity


@dataclass(frozen=True)
class AgeIdentity:
    identity: str
    recipient: str
    path: Path

    @property
    def key(self) -> AgeKey:
        return AgeKey(self.recipient)


def write_identity(path: Path) -> AgeIdentity:
    identity, recipient = generate_identity()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# public key: {recipient}\n{identity}\n", encoding="utf-8")
    path.chmod(0o600)
    return AgeIdentity(identity, recipient, path)


def mine_and_another(path: Path) -> tuple[AgeIdentity, str]:
    """An identity written to ``path`` (the one the commands use) and a second recipient nobody here holds."""
    return write_identity(path), generate_identity()[1]
