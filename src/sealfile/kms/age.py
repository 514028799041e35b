"""age X25519 recipients, through pyrage (the Rust ``rage`` implementation).

The wrapped data key is an ASCII-armored age file, so ``age -d -i KEYFILE`` opens it too.
Identities come from ``SEALFILE_AGE_KEY`` (identity text, for CI), ``SEALFILE_AGE_KEY_FILE``,
else ``~/.config/sealfile/age/keys.txt``; a file may hold several identities.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyrage

from sealfile.errors import ConfigError
from sealfile.kms.base import MasterKey

DEFAULT_KEY_FILE = Path("~/.config/sealfile/age/keys.txt")
INSECURE_OK_ENV = "SEALFILE_ALLOW_INSECURE_KEY_FILE"


def default_key_file() -> Path:
    configured = os.environ.get("SEALFILE_AGE_KEY_FILE")
    return Path(configured).expanduser() if configured else DEFAULT_KEY_FILE.expanduser()


def parse_identities(text: str, source: str) -> list[pyrage.x25519.Identity]:
    identities = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            identities.append(pyrage.x25519.Identity.from_str(line))
        except pyrage.IdentityError:
            # never echo the line: it is a secret key
            raise ConfigError(f"{source}: line {number} is not an age identity") from None
    return identities


def insecure_key_file_allowed() -> bool:
    """``SEALFILE_ALLOW_INSECURE_KEY_FILE=1`` (or true/yes); ``0``, ``false`` or empty keep the check."""
    return os.environ.get(INSECURE_OK_ENV, "").strip().lower() in ("1", "true", "yes")


def check_private(path: Path) -> None:
    """Refuse an identity file others can read, as ssh does, unless told otherwise."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO) and not insecure_key_file_allowed():
        raise ConfigError(
            f"{path}: identity file is readable by others (mode {stat.S_IMODE(mode):o}); "
            f"run 'chmod 600 {path}' or set {INSECURE_OK_ENV}=1"
        )


@lru_cache(maxsize=8)
def _identities_from_file(path: Path, _mtime_ns: int) -> tuple[pyrage.x25519.Identity, ...]:
    check_private(path)
    return tuple(parse_identities(path.read_text(encoding="utf-8"), str(path)))


def available_identities() -> list[pyrage.x25519.Identity]:
    identities: list[pyrage.x25519.Identity] = []
    inline = os.environ.get("SEALFILE_AGE_KEY")
    if inline:
        identities += parse_identities(inline, "SEALFILE_AGE_KEY")
    path = default_key_file()
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return identities
    return identities + list(_identities_from_file(path, mtime))


def looked_in() -> str:
    """Where identities were looked for, for an error message: variables only when set, a missing file as missing."""
    places = ["SEALFILE_AGE_KEY"] if os.environ.get("SEALFILE_AGE_KEY") else []
    path = default_key_file()
    named = f"SEALFILE_AGE_KEY_FILE={path}" if os.environ.get("SEALFILE_AGE_KEY_FILE") else str(path)
    places.append(named if path.exists() else f"{named}: no such file")
    return ", ".join(places)


@dataclass(frozen=True, repr=False)
class AgeKey(MasterKey):
    recipient: str

    type_id = "age"
    cost = 10

    def __post_init__(self) -> None:
        if self.recipient.upper().startswith("AGE-SECRET-KEY-"):
            # never echo it: someone pasted their private identity where the public key goes
            raise ConfigError("an age identity (secret key) was given where a recipient (age1...) belongs; "
                              "use its public key, printed by 'age-keygen -y KEYFILE'")
        try:
            pyrage.x25519.Recipient.from_str(self.recipient)
        except pyrage.RecipientError:
            raise ConfigError(f"not an age X25519 recipient: {self.recipient!r}") from None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AgeKey:
        recipient = config.get("recipient")
        if not isinstance(recipient, str):
            raise ConfigError("an age recipient needs 'recipient: age1...'")
        return cls(recipient.strip())

    @classmethod
    def from_cli(cls, value: str) -> AgeKey:
        return cls(value.strip())

    def to_config(self) -> dict[str, Any]:
        return {"recipient": self.recipient}

    @property
    def key_id(self) -> str:
        return self.recipient

    def _wrap(self, data_key: bytes) -> str:
        armored: bytes = pyrage.encrypt(data_key, [pyrage.x25519.Recipient.from_str(self.recipient)], armored=True)
        return armored.decode("ascii")

    def _unwrap(self, wrapped: str) -> bytes:
        identities = self._matching_identities(available_identities())
        if not identities:
            raise self.unwrap_error(f"no matching identity (looked in {looked_in()})")
        try:
            return bytes(pyrage.decrypt(wrapped.encode("ascii"), identities))
        except pyrage.DecryptError as err:
            if "no matching keys" in str(err).lower():
                raise self.unwrap_error("the wrapped data key was not made for this recipient") from None
            raise self.unwrap_error("the wrapped data key is corrupt") from None
        except UnicodeEncodeError:
            raise self.unwrap_error("the wrapped data key is corrupt") from None

    def _matching_identities(
        self, identities: Iterable[pyrage.x25519.Identity]
    ) -> list[pyrage.x25519.Identity]:
        return [i for i in identities if str(i.to_public()) == self.recipient]


def generate_identity() -> tuple[str, str]:
    """Return ``(identity, recipient)`` text for a new X25519 key."""
    identity = pyrage.x25519.Identity.generate()
    return str(identity), str(identity.to_public())


def add_identity(path: Path) -> str:
    """Append a new identity to ``path`` (created 0600 in a 0700 directory); return its recipient."""
    identity, recipient = generate_identity()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.exists():
        check_private(path)  # never append a new secret key to a file others can read
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(f"# public key: {recipient}\n{identity}\n")
    return recipient
