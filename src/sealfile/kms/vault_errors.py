"""One clear line for every way a Vault Transit call can fail (used by :mod:`sealfile.kms.vault`).

Imported only after hvac has loaded. Vault answers "permission denied" both for a token it does
not know and for one whose policies do not allow the call; asking the token about itself (which
any valid token may do) tells the two apart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import hvac.exceptions
import requests

from sealfile.errors import SealfileError
from sealfile.kms.base import Operation, describe_exception, kms_timeout

if TYPE_CHECKING:
    from sealfile.kms.vault import VaultTransitKey


def explain(error: Exception, operation: Operation, key: VaultTransitKey) -> str:
    verb = "encrypt" if operation == "wrap" else "decrypt"
    if isinstance(error, hvac.exceptions.Forbidden):
        if not _token_is_valid(key):
            return "the Vault token is invalid or expired (VAULT_TOKEN or ~/.vault-token); log in again"
        path = f"{key.engine_path}/{verb}/{key.key_name}"
        return f"permission denied: the token's policies do not allow 'update' on {path}"
    if isinstance(error, hvac.exceptions.VaultDown):
        return "the vault is sealed or in maintenance (unseal it, or ask its operators)"
    if isinstance(error, hvac.exceptions.InvalidPath):
        return f"no Transit engine is mounted at '{key.engine_path}' in this vault (or namespace)"
    if isinstance(error, hvac.exceptions.InvalidRequest):
        return _invalid_request(error, operation)
    if isinstance(error, requests.exceptions.Timeout):
        return f"no answer from the vault at {key.vault_address} within {kms_timeout():g} s (SEALFILE_KMS_TIMEOUT)"
    if isinstance(error, requests.exceptions.SSLError):
        return f"TLS to {key.vault_address} failed (set VAULT_CACERT for a private CA)"
    if isinstance(error, requests.exceptions.ConnectionError):
        return f"cannot reach the vault at {key.vault_address} (is the address right and the server up?)"
    return f"Vault {verb} failed: {describe_exception(error)}"


def _invalid_request(error: hvac.exceptions.InvalidRequest, operation: Operation) -> str:
    text = describe_exception(error)
    if "encryption key not found" in text:
        return "no such Transit key in this engine"
    if operation == "unwrap" and ("message authentication failed" in text or "invalid ciphertext" in text):
        return "this key cannot decrypt the wrapped data key (another key, or corrupt)"
    return f"the vault refused the request: {text}"


def _token_is_valid(key: VaultTransitKey) -> bool:
    try:
        key.token_client().auth.token.lookup_self()
    except hvac.exceptions.Forbidden:
        return False
    except (hvac.exceptions.VaultError, requests.exceptions.RequestException, SealfileError):
        return True  # cannot tell: say what the decrypt call said
    return True
