"""Master-key providers: each wraps and unwraps a file's data key with one kind of key.

A provider is one module here plus one line in :mod:`sealfile.kms.registry`.
"""

from sealfile.kms.base import MasterKey, Recipient
from sealfile.kms.registry import PROVIDERS, ProviderSpec, key_from_cli, key_from_config, provider_class

__all__ = [
    "PROVIDERS",
    "MasterKey",
    "ProviderSpec",
    "Recipient",
    "key_from_cli",
    "key_from_config",
    "provider_class",
]
