"""sealfile: secrets in Git as readable YAML, each value sealed, the data key wrapped per recipient.

``import sealfile`` stays light: no cloud SDK, no keyring, no CLI; ``load_secrets`` and the
envelope are imported on first use.
"""

from __future__ import annotations

from sealfile.errors import (
    ConfigError,
    FormatError,
    IntegrityError,
    KeyPathError,
    NoUsableKeyError,
    ProviderError,
    ProviderUnavailable,
    SealfileError,
    UnsupportedVersionError,
    UntrustedSealError,
    UnwrapError,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any

    from sealfile.envelope.datakey import forget_data_keys
    from sealfile.files.io import FileAccessError, NoSuchFileError
    from sealfile.runtime.freshness import SecretAgeWarning, StaleSecretError
    from sealfile.runtime.loader import load_env, load_secrets
    from sealfile.runtime.merge import OverriddenSecretWarning
    from sealfile.runtime.redact import RedactingFilter, redact_logs
    from sealfile.runtime.view import Secrets

__version__ = "0.2.0"

_LAZY = {
    "load_secrets": "sealfile.runtime.loader",
    "forget_data_keys": "sealfile.envelope.datakey",
    "FileAccessError": "sealfile.files.io",
    "NoSuchFileError": "sealfile.files.io",
    "load_env": "sealfile.runtime.loader",
    "redact_logs": "sealfile.runtime.redact",
    "RedactingFilter": "sealfile.runtime.redact",
    "Secrets": "sealfile.runtime.view",
    "SecretAgeWarning": "sealfile.runtime.freshness",
    "StaleSecretError": "sealfile.runtime.freshness",
    "OverriddenSecretWarning": "sealfile.runtime.merge",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sealfile' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "ConfigError",
    "FileAccessError",
    "FormatError",
    "IntegrityError",
    "KeyPathError",
    "NoSuchFileError",
    "NoUsableKeyError",
    "OverriddenSecretWarning",
    "ProviderError",
    "ProviderUnavailable",
    "RedactingFilter",
    "SealfileError",
    "SecretAgeWarning",
    "Secrets",
    "StaleSecretError",
    "UnsupportedVersionError",
    "UntrustedSealError",
    "UnwrapError",
    "__version__",
    "forget_data_keys",
    "load_env",
    "load_secrets",
    "redact_logs",
]
