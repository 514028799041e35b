"""age recipients, X25519 and plugins (:mod:`sealfile.kms.age_plugin`), through pyrage (the Rust ``rage``).

The wrapped data key is an ASCII-armored age file, so ``age -d -i KEYFILE`` opens it too.
Identities are looked for in sealfile's places and in SOPS's (:mod:`sealfile.kms.age_identities`);
a file may hold several identities, plugin identities (``AGE-PLUGIN-...``) among them. SSH public
keys are recipients of their own kind (:mod:`sealfile.kms.ssh`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pyrage

from sealfile.errors import ConfigError, SealfileError
from sealfile.kms import age_plugin
from sealfile.kms.base import MasterKey, describe_exception
from sealfile.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:  # keygen's path; reading keys needs no pathlib
    from pathlib import Path
    from typing import Any


class AgeKey(Record, MasterKey):
    _fields = ("recipient",)
    recipient: str

    type_id = "age"
    cost = 10
    config_fields = frozenset({"recipient"})
    local = True
    __repr__ = MasterKey.__repr__

    def __init__(self, recipient: str) -> None:
        # Bech32 is one case or the other: AGE1... is the same key as age1..., and written as
        # age-keygen prints it, so that the identity whose public key it is matches it.
        self._fill(recipient.lower() if recipient.isupper() else recipient)
        if self.recipient.upper().startswith("AGE-SECRET-KEY-"):
            # never echo it: someone pasted their private identity where the public key goes
            raise ConfigError("an age identity (secret key) was given where a recipient (age1...) belongs; "
                              "use its public key: the '# public key: age1...' line above it in your key file "
                              "(or 'age-keygen -y KEYFILE')")
        if self.recipient.startswith(("ssh-", "ecdsa-", "sk-")):
            raise ConfigError("an SSH public key is a recipient of its own kind: use --ssh (or ssh:KEY)")
        if age_plugin.plugin_name(self.recipient) is None:
            try:
                pyrage.x25519.Recipient.from_str(self.recipient)
            except pyrage.RecipientError:
                raise ConfigError(f"not an age X25519 recipient: {self.recipient!r}") from None

    @property
    def plugin(self) -> str | None:
        """The age plugin this recipient needs, if any (``yubikey`` for ``age1yubikey1...``)."""
        return age_plugin.plugin_name(self.recipient)

    @property
    def opens_only_its_own(self) -> bool:
        return self.plugin is None  # the plugin is given every identity of its own, not the recipient's alone

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
        if self.plugin is not None:
            return age_plugin.wrap(self.recipient, self.plugin, data_key)
        return age_encrypt(data_key, pyrage.x25519.Recipient.from_str(self.recipient))

    def _unwrap(self, wrapped: str) -> bytes:
        from sealfile.kms.age_identities import file_identities, is_plugin_identity, looked_in  # a write needs none

        if self.plugin is not None:
            return age_plugin.unwrap(self.plugin, [i for i in file_identities() if is_plugin_identity(i)], wrapped)
        identities = self.matching_identities(file_identities())
        if not identities:
            raise self.unwrap_error(f"no matching identity (looked in {looked_in()})")
        return age_decrypt(self, wrapped, identities)

    def matching_identities(self, identities: Iterable[Any]) -> list[Any]:
        from sealfile.kms.age_identities import is_plugin_identity

        return [i for i in identities if not is_plugin_identity(i) and str(i.to_public()) == self.recipient]


def available_identities() -> list[Any]:
    """Every age identity (X25519 and plugin) found in sealfile's and SOPS's places."""
    from sealfile.kms.age_identities import file_identities

    return file_identities()


def own_recipient() -> str | None:
    """The public recipient of the first age identity found here (what ``keygen`` printed), if any: a hint for
    someone sealing a first file; ``None`` where none is found or the places cannot be read."""
    from sealfile.errors import SealfileError
    from sealfile.kms.age_identities import is_plugin_identity

    try:
        return next((str(i.to_public()) for i in available_identities() if not is_plugin_identity(i)), None)
    except (SealfileError, OSError):
        return None


def age_encrypt(data_key: bytes, recipient: Any) -> str:
    """An ASCII-armored age file of ``data_key`` for one pyrage recipient (X25519 or SSH)."""
    armored: bytes = pyrage.encrypt(data_key, [recipient], armored=True)
    return armored.decode("ascii")


def age_decrypt(key: MasterKey, wrapped: str, identities: list[Any]) -> bytes:
    """What an armored age file holds, opened with ``identities``; ``key``'s one-line error otherwise."""
    try:
        return bytes(pyrage.decrypt(wrapped.encode("ascii"), identities))
    except pyrage.DecryptError as err:
        if "no matching keys" in str(err).lower():
            raise key.unwrap_error("the wrapped data key was not made for this recipient") from None
        raise key.unwrap_error("the wrapped data key is corrupt") from None
    except UnicodeEncodeError:
        raise key.unwrap_error("the wrapped data key is corrupt") from None


def generate_identity() -> tuple[str, str]:
    """Return ``(identity, recipient)`` text for a new X25519 key."""
    identity = pyrage.x25519.Identity.generate()
    return str(identity), str(identity.to_public())


def add_identity(path: Path) -> str:
    """Append a new identity to ``path`` (created 0600 in a 0700 directory); return its recipient."""
    from sealfile.kms.age_identities import check_private

    identity, recipient = generate_identity()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as err:  # HOME gone or unwritable: name the key file meant, not only the directory
        raise SealfileError(f"cannot create its directory ({describe_exception(err)}); nothing was written",
                            file=str(path)) from None
    if path.exists():
        _refuse_unless_identities(path)
        check_private(path)  # never append a new secret key to a file others can read
    from sealfile.files.atomic import atomic_write
    from sealfile.files.locking import locked

    # The whole file replaced, not appended to: a full disk must not leave half a key line in it,
    # which would make the file unreadable to every later command.
    # The lock keeps another keygen out, not ``age-keygen >> FILE`` or an editor: a key another program adds
    # meanwhile is not written over (refused, and kept).
    with locked(path):
        read = path.read_bytes() if path.exists() else None
        existing = read or b""
        if existing and not existing.endswith(b"\n"):
            existing += b"\n"
        atomic_write(path, existing + f"# public key: {recipient}\n{identity}\n".encode(), private=True,
                     replacing=read)
    return recipient


def _refuse_unless_identities(path: Path) -> None:
    """A file that holds anything but identities and comments (a secrets file named by mistake) is left alone: the
    new secret key appended there would make it unreadable, and could reach a commit."""
    from sealfile.kms.age_identities import parse_identities

    try:
        parse_identities(path.read_bytes().decode("utf-8", "replace"), str(path))
    except ConfigError as err:
        raise ConfigError(f"{err.message}, so this is no identity file: nothing was written (name a new file, or "
                          "leave out -o)") from None
    except OSError:
        return  # unreadable: the write words it
