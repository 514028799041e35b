"""A key-encryption key kept in the OS keyring (Secret Service, macOS Keychain, Windows).

The keyring holds a random Fernet key under service ``sealfile`` and the recipient's name;
the data key is wrapped with it. Wrapping for a name the user gives that has no key yet creates
one, so ``sealfile encrypt --keyring laptop`` just works on the machine that owns that keyring.
A name read from a file's stanza (``rotate``, ``recipients add`` keeping the others) is never
created: it is another machine's key, and one made here would not open there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from sealfile.envelope.in_time import in_time
from sealfile.errors import ConfigError, ProviderDown
from sealfile.kms.base import MasterKey
from sealfile.kms.passphrase import PROMPT_TIMEOUT_ENV, prompt_timeout
from sealfile.model.record import Record

SERVICE = "sealfile"


def _keyring() -> Any:
    """Import keyring on first use (it costs ~0.2 s) and refuse the 'fail' backend clearly."""
    import keyring
    import keyring.errors

    backend = keyring.get_keyring()
    if type(backend).__module__.startswith("keyring.backends.fail") or getattr(backend, "priority", 1) <= 0:
        raise ProviderDown(
            "no usable OS keyring on this machine (no Secret Service, Keychain or Windows vault); "
            "use an age recipient instead (sealfile keygen)"
        )
    return keyring


class KeyringKey(Record, MasterKey):
    _fields = ("name",)
    name: str

    type_id = "keyring"
    cost = 20
    config_fields = frozenset({"name"})
    local = True
    __repr__ = MasterKey.__repr__

    def __init__(self, name: str) -> None:
        if not name or not name.isprintable() or any(c.isspace() for c in name):
            # a file names it, and messages and status print it: no blank, no escape sequence
            raise ConfigError(f"a keyring key name must be non-empty with no spaces or control characters: {name!r}")
        self._fill(name)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> KeyringKey:
        name = config.get("name")
        if not isinstance(name, str):
            raise ConfigError("a keyring recipient needs 'name: NAME'")
        return cls(name)

    @classmethod
    def from_cli(cls, value: str) -> KeyringKey:
        return cls(value)

    def to_config(self) -> dict[str, Any]:
        return {"name": self.name}

    @property
    def key_id(self) -> str:
        return self.name

    def _load_kek(self, *, create: bool) -> str | None:
        """The key-encryption key, within :func:`prompt_timeout`: keyring waits for the Secret Service's reply
        for ever, and a service that is stuck, or waits at its unlock dialog on a desktop nobody is at (the user
        works over ssh), never sends one. A key being created may still be stored once the service answers."""
        seconds = prompt_timeout()
        return in_time(seconds, lambda: self._read_kek(create=create), lambda: ProviderDown(
            f"the OS keyring gave no answer within {seconds:g} s ({PROMPT_TIMEOUT_ENV}): its service is stuck or "
            "waits at an unlock dialog nobody sees (a desktop's, while you work over ssh); unlock it there, or "
            "restart it"))

    def _read_kek(self, *, create: bool) -> str | None:
        keyring = _keyring()
        try:
            kek: str | None = keyring.get_password(SERVICE, self.name)
            if kek is None and create:
                kek = Fernet.generate_key().decode("ascii")
                keyring.set_password(SERVICE, self.name, kek)
        except keyring.errors.KeyringLocked:
            raise ProviderDown("the OS keyring is locked and nothing here could unlock it (unlock it in your desktop "
                                "session, or with 'gnome-keyring-daemon --unlock' on a headless machine)") from None
        except keyring.errors.KeyringError as err:
            raise ProviderDown(f"the OS keyring failed: {type(err).__name__}") from None
        return kek

    def _wrap(self, data_key: bytes) -> str:
        # A name read from a file is another keyring's key (or an attacker's choice): a key made
        # here under that name would wrap a data key its owner cannot open.
        kek = self._load_kek(create=not self.named_by_file)
        if kek is None:
            raise self.wrap_error(f"no key named {self.name!r} in this machine's OS keyring (service {SERVICE!r}); a "
                                  "keyring recipient is wrapped for on the machine that holds its key")
        return Fernet(kek).encrypt(data_key).decode("ascii")

    def _unwrap(self, wrapped: str) -> bytes:
        kek = self._load_kek(create=False)
        if kek is None:
            raise self.unwrap_error(f"no key named {self.name!r} in the OS keyring (service {SERVICE!r})")
        try:
            return Fernet(kek).decrypt(wrapped)
        except (InvalidToken, ValueError):
            raise self.unwrap_error("the keyring key does not open this data key (wrong key or corrupt)") from None
