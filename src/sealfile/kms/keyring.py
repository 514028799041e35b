"""A key-encryption key kept in the OS keyring (Secret Service, macOS Keychain, Windows).

The keyring holds a random Fernet key under service ``sealfile`` and the recipient's name;
the data key is wrapped with it. Wrapping for a name that has no key yet creates one, so
``sealfile encrypt --keyring laptop`` just works on the machine that owns that keyring.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from sealfile.errors import ConfigError, ProviderError
from sealfile.kms.base import MasterKey
from sealfile.model.record import Record

SERVICE = "sealfile"


def _keyring() -> Any:
    """Import keyring on first use (it costs ~0.2 s) and refuse the 'fail' backend clearly."""
    import keyring
    import keyring.errors

    backend = keyring.get_keyring()
    if type(backend).__module__.startswith("keyring.backends.fail") or getattr(backend, "priority", 1) <= 0:
        raise ProviderError(
            "no usable OS keyring on this machine (no Secret Service, Keychain or Windows vault); "
            "use an age recipient instead (sealfile keygen)"
        )
    return keyring


class KeyringKey(Record, MasterKey):
    _fields = ("name",)
    name: str

    type_id = "keyring"
    cost = 20
    local = True
    __repr__ = MasterKey.__repr__

    def __init__(self, name: str) -> None:
        if not name or any(c.isspace() for c in name):
            raise ConfigError(f"a keyring key name must be non-empty with no spaces: {name!r}")
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

    def _load_kek(self, *, create: bool) -> str:
        keyring = _keyring()
        try:
            kek: str | None = keyring.get_password(SERVICE, self.name)
            if kek is None and create:
                kek = Fernet.generate_key().decode("ascii")
                keyring.set_password(SERVICE, self.name, kek)
        except keyring.errors.KeyringError as err:
            raise ProviderError(f"the OS keyring failed: {type(err).__name__}") from None
        if kek is None:
            raise self.unwrap_error(f"no key named {self.name!r} in the OS keyring (service {SERVICE!r})")
        return kek

    def _wrap(self, data_key: bytes) -> str:
        return Fernet(self._load_kek(create=True)).encrypt(data_key).decode("ascii")

    def _unwrap(self, wrapped: str) -> bytes:
        try:
            return Fernet(self._load_kek(create=False)).decrypt(wrapped)
        except (InvalidToken, ValueError):
            raise self.unwrap_error("the keyring key does not open this data key (wrong key or corrupt)") from None
