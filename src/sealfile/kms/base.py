"""The one small interface every master-key provider implements.

Template method (as in aws-encryption-sdk's key providers): the public :meth:`MasterKey.wrap`
and :meth:`MasterKey.unwrap` hold the checks and error translation once; a provider only
implements ``_wrap``/``_unwrap``, ``from_config``/``to_config`` and ``key_id``.
"""

from __future__ import annotations

import importlib
import os
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, ClassVar, TypeVar

from sealfile.errors import ConfigError, ProviderUnavailable, SealfileError, UnwrapError, WrapError

KMS_TIMEOUT_ENV = "SEALFILE_KMS_TIMEOUT"
DEFAULT_KMS_TIMEOUT = 10.0
DATA_KEY_BYTES = 32
"""A data key is 32 random bytes: the raw form of a Fernet key (see docs/format.md §3)."""

_K = TypeVar("_K", bound="MasterKey")


class MasterKey(ABC):
    """One master key that can wrap and unwrap data keys.

    ``type_id`` is at once the metadata ``type``, the registry name and the creation-rule key.
    ``cost`` orders unwrap attempts: local keys (cheap, offline) before cloud calls.
    """

    type_id: ClassVar[str]
    cost: ClassVar[int] = 50

    @classmethod
    @abstractmethod
    def from_config(cls: type[_K], config: Mapping[str, Any]) -> _K:
        """Build from stored metadata fields or a creation-rule entry (``type``/``wrapped`` removed)."""

    @classmethod
    def from_cli(cls: type[_K], value: str) -> _K:
        """Build from the value of the provider's CLI flag; providers override to parse more."""
        raise NotImplementedError

    @abstractmethod
    def to_config(self) -> dict[str, Any]:
        """Fields to store in the metadata. Read after :meth:`wrap`, so it may record what wrap learnt."""

    @property
    @abstractmethod
    def key_id(self) -> str:
        """A stable, human-readable identity (recipient, ARN, resource name): no secret in it."""

    @abstractmethod
    def _wrap(self, data_key: bytes) -> str:
        """Return the wrapped data key as printable text."""

    @abstractmethod
    def _unwrap(self, wrapped: str) -> bytes:
        """Return the data key; raise :class:`UnwrapError` (via :meth:`unwrap_error`) with a clear cause."""

    def wrap(self, data_key: bytes) -> str:
        if len(data_key) != DATA_KEY_BYTES:
            raise ValueError("a data key is 32 bytes")
        try:
            return self._wrap(data_key)
        except (WrapError, ProviderUnavailable):
            raise
        except SealfileError as err:
            raise self.wrap_error(err.message) from None
        except Exception as err:  # SDK errors: keep their text, never a key
            raise self.wrap_error(_describe(err)) from None

    def unwrap(self, wrapped: str) -> bytes:
        try:
            data_key = self._unwrap(wrapped)
        except (UnwrapError, ProviderUnavailable):
            raise
        except SealfileError as err:
            raise self.unwrap_error(err.message) from None
        except Exception as err:
            raise self.unwrap_error(_describe(err)) from None
        if len(data_key) != DATA_KEY_BYTES:
            raise self.unwrap_error("the unwrapped data key has the wrong length")
        return data_key

    def wrap_error(self, cause: str) -> WrapError:
        return WrapError(cause, type_id=self.type_id, key_id=self.key_id)

    def unwrap_error(self, cause: str) -> UnwrapError:
        return UnwrapError(cause, type_id=self.type_id, key_id=self.key_id)

    def same_key(self, other: MasterKey) -> bool:
        return (self.type_id, self.key_id) == (other.type_id, other.key_id)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.key_id}>"


def _describe(err: Exception) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= 300 else text[:297] + "..."


@dataclass(frozen=True)
class Recipient:
    """A master key together with the data key it wrapped: one entry of ``sealfile.recipients``."""

    key: MasterKey
    wrapped: str = field(repr=False)

    def to_stanza(self) -> dict[str, Any]:
        return {"type": self.key.type_id, **self.key.to_config(), "wrapped": self.wrapped}


def import_sdk(module: str, *, extra: str, what: str) -> ModuleType:
    """Import a provider's SDK on first use, turning a missing install into a clear hint."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ProviderUnavailable(
            f"{what} needs the '{module}' package; install it with: pip install 'sealfile[{extra}]'"
        ) from None


def kms_timeout() -> float:
    """Seconds one cloud KMS request may take to connect and to answer (``SEALFILE_KMS_TIMEOUT``).

    Shared by every cloud provider so one setting bounds how long an unreachable service can
    hold up a load; retries are bounded separately by each provider.
    """
    raw = os.environ.get(KMS_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_KMS_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value <= 600:
        raise ConfigError(f"{KMS_TIMEOUT_ENV} must be a positive number of seconds (at most 600), not {raw!r}")
    return value
