"""A third-party sealfile provider, as a plug-in author would write one: one class, one entry point.

A ``demo`` key is a 32-byte AES-GCM key named ``NAME`` whose hex is in ``$SEALFILE_DEMO_KEY_<NAME>``.
It exists so sealfile's tests can install a provider from a separate package and use it through
``--recipient demo:NAME`` and ``.sealfile.yaml``; it is not a recommended way to hold a key.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sealfile.errors import ConfigError
from sealfile.kms.base import MasterKey


@dataclass(frozen=True, repr=False)
class DemoKey(MasterKey):
    name: str

    type_id = "demo"
    cost = 15

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ConfigError(f"a demo key name is an identifier, not {self.name!r}")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DemoKey:
        name = config.get("name")
        if not isinstance(name, str):
            raise ConfigError("a demo recipient needs 'name: NAME'")
        return cls(name)

    @classmethod
    def from_cli(cls, value: str) -> DemoKey:
        return cls(value.strip())

    def to_config(self) -> dict[str, Any]:
        return {"name": self.name}

    @property
    def key_id(self) -> str:
        return self.name

    def _key(self) -> AESGCM:
        variable = f"SEALFILE_DEMO_KEY_{self.name.upper()}"
        try:
            return AESGCM(bytes.fromhex(os.environ[variable]))
        except (KeyError, ValueError):
            raise self.unwrap_error(f"${variable} holds no 32-byte hex key") from None

    def _wrap(self, data_key: bytes) -> str:
        nonce = os.urandom(12)
        return base64.b64encode(nonce + self._key().encrypt(nonce, data_key, self.name.encode())).decode()

    def _unwrap(self, wrapped: str) -> bytes:
        raw = base64.b64decode(wrapped)
        return self._key().decrypt(raw[:12], raw[12:], self.name.encode())
