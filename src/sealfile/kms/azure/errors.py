"""Azure SDK exceptions turned into one short, clear cause (the key URL is added by the caller).

The Azure SDK's own texts span several lines (``DefaultAzureCredential`` lists every credential
it tried, ``HttpResponseError`` repeats code and message); a sealfile error is one line. Codes
are Key Vault's KeyVaultError ``code`` / ``innererror.code`` (``KeyNotFound``, ``Forbidden`` with
``ForbiddenByPolicy``/``ForbiddenByRbac``/``KeyDisabled``, ``BadParameter``, ``Throttled``).
"""

from __future__ import annotations

import re
from typing import Any

NO_CREDENTIALS = (
    "no Azure credentials found (set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, "
    "use a managed identity, or run 'az login')"
)
PERMISSIONS = {"wrapKey": "keys/get and keys/wrapKey", "unwrapKey": "keys/unwrapKey"}
TRANSIENT = {408, 429, 500, 502, 503, 504}


def one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _first_sentence(text: str) -> str:
    head = text.strip().splitlines()[0] if text.strip() else ""
    sentence, dot, _ = head.partition(". ")
    return one_line(sentence + ("." if dot else ""))


def credential_cause(err: Exception) -> str:
    """A ``DefaultAzureCredential`` failure: no usable source, or the sign-in was refused.

    The chain reports each credential on its own line; a credential that reached Entra ID and
    was refused says ``Authentication failed: AADSTS...``. Anything else means none was usable.
    """
    for line in str(err).splitlines():
        _, found, detail = line.partition("Authentication failed:")
        if found:
            return f"Azure sign-in failed: {_first_sentence(detail)}"
    return NO_CREDENTIALS


def _error_codes(err: Any) -> tuple[str, str]:
    """(code, inner code) of a Key Vault error response, '' where absent."""
    error = getattr(err, "error", None)
    code = str(getattr(error, "code", "") or "")
    inner = ""
    innererror = getattr(error, "innererror", None)
    if isinstance(innererror, dict):
        inner = str(innererror.get("code") or "")
    if not inner:
        response = getattr(err, "response", None)
        try:
            body = response.json() if response is not None else {}
            inner = str(body.get("error", {}).get("innererror", {}).get("code") or "")
        except Exception:  # not JSON: keep what the SDK parsed
            inner = ""
    return code, inner


def is_disabled(err: Any) -> bool:
    return _error_codes(err)[1] == "KeyDisabled" or "disabled key" in str(getattr(err, "message", ""))


def http_cause(err: Any, operation: str, *, versioned: bool) -> str:
    """A Key Vault HTTP error (``HttpResponseError`` and subclasses) as one cause."""
    status = int(getattr(err, "status_code", 0) or 0)
    code, inner = _error_codes(err)
    label = f"HTTP {status} {code}".strip()
    if is_disabled(err):
        return "the key is disabled in the vault (KeyDisabled); enable it to use it"
    if status == 404:
        what = "this key version does not exist" if versioned else "the key does not exist"
        return f"{what} in the vault ({code or 'NotFound'})"
    if status == 403:
        reason = inner or code or "Forbidden"
        return f"permission denied ({reason}): the caller needs {PERMISSIONS.get(operation, 'access')} on this key"
    if status == 401:
        return f"the vault refused the access token ({label})"
    if status == 400 and code == "BadParameter" and operation == "unwrapKey":
        return "this key cannot unwrap the data key (a different key, or the wrapped data key is corrupt)"
    if status in TRANSIENT:
        return f"the vault is busy or unavailable ({label}) after retrying; try again later"
    message = _first_sentence(str(getattr(err, "message", "") or ""))
    return f"{label}: {message}" if message else label


_NETWORK_REASONS = (
    re.compile(r"\[Errno -?\d+\] [^'\")\]]+"),  # [Errno 111] Connection refused / Name or service not known
    re.compile(r"Tunnel connection failed: [^'\")\]]+"),  # a proxy could not connect
    re.compile(r"(?:certificate verify failed|timed out)[^'\")(\]]*"),
)


def network_cause(err: Exception, vault_url: str) -> str:
    """The useful part of a connection failure; urllib3 nests it in reprs and object addresses."""
    text = str(err)
    for pattern in _NETWORK_REASONS:
        found = pattern.search(text)
        if found:
            return f"cannot reach the vault at {vault_url} ({one_line(found.group(0).strip(), 120)})"
    return f"cannot reach the vault at {vault_url} ({one_line(text, 120)})"


def raised_by_the_credential(err: Exception) -> bool:
    """Whether ``err`` comes from the credential (no source, a refused sign-in), not from a vault."""
    from azure.core import exceptions as core
    from azure.identity import CredentialUnavailableError

    return isinstance(err, CredentialUnavailableError) or (
        isinstance(err, core.ClientAuthenticationError) and err.status_code is None)


def explain(err: Exception, operation: str, *, vault_url: str, versioned: bool) -> str:
    """One cause for any exception the Azure SDK raised during ``operation`` (wrapKey/unwrapKey)."""
    from azure.core import exceptions as core
    from azure.identity import CredentialUnavailableError

    if isinstance(err, CredentialUnavailableError):
        return NO_CREDENTIALS
    if raised_by_the_credential(err):
        return credential_cause(err)
    if isinstance(err, core.HttpResponseError):
        return http_cause(err, operation, versioned=versioned)
    if isinstance(err, core.ServiceRequestError):
        return network_cause(err, vault_url)
    if isinstance(err, core.ServiceResponseError):
        return f"the vault at {vault_url} did not answer ({one_line(str(err), 160)})"
    return one_line(str(err)) or type(err).__name__
