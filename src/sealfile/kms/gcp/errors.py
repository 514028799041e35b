"""One clear line for every way a Cloud KMS call can fail (used by :mod:`sealfile.kms.gcp`).

Imported only after the SDK has loaded. Over REST, google-api-core picks the exception class
from the HTTP status alone (FAILED_PRECONDITION and INVALID_ARGUMENT are both a 400
``BadRequest``), so the canonical status is read from the documented JSON error body.
"""

from __future__ import annotations

from typing import Any

import requests
from google.api_core import exceptions as api_exceptions
from google.auth import exceptions as auth_exceptions

ADC_HINT = "set GOOGLE_APPLICATION_CREDENTIALS or run 'gcloud auth application-default login'"


def error_status(err: api_exceptions.GoogleAPICallError) -> str:
    """The canonical status name (``PERMISSION_DENIED``...) of an API error, REST or gRPC."""
    response: Any = err.response
    try:
        status = response.json()["error"]["status"]
        if isinstance(status, str):
            return status
    except Exception:  # not a REST error with the documented body
        pass
    code = err.grpc_status_code
    return code.name if code is not None else f"HTTP {err.code}"


def error_message(err: api_exceptions.GoogleAPICallError) -> str:
    """The server's own message, without the request URL google-api-core prepends."""
    response: Any = err.response
    try:
        message = response.json()["error"]["message"]
        if isinstance(message, str):
            return message
    except Exception:
        pass
    return str(err.message)


def describe_api_error(err: api_exceptions.GoogleAPICallError, method: str) -> str:
    status = error_status(err)
    permission = "useToEncrypt" if method == "encrypt" else "useToDecrypt"
    if status == "PERMISSION_DENIED":
        return f"permission denied (the caller needs cloudkms.cryptoKeyVersions.{permission} on this key)"
    if status == "NOT_FOUND":
        return "key not found (check the project, location, key ring and key name)"
    if status == "FAILED_PRECONDITION":
        return f"the key version cannot be used: {error_message(err)}"
    if status == "INVALID_ARGUMENT" and method == "decrypt":
        return "this key cannot decrypt the wrapped data key (wrong key, different 'aad', or corrupt data)"
    if status == "UNAUTHENTICATED":
        return f"GCP KMS rejected the credentials (UNAUTHENTICATED); {ADC_HINT}"
    return f"GCP KMS {method} failed: {status}: {error_message(err)}"


def describe_failure(err: Exception, method: str, endpoint: str | None, deadline: float) -> str:
    """Map an exception from the client, ADC or the transport to a one-line cause."""
    where = endpoint or "cloudkms.googleapis.com"
    if isinstance(err, auth_exceptions.DefaultCredentialsError):
        return f"no Google credentials found ({_first_line(err)}); {ADC_HINT}"
    if isinstance(err, (auth_exceptions.RefreshError, auth_exceptions.OAuthError)):
        cause = err.args[0] if err.args else err  # args[1] may be the whole token-endpoint body
        return f"Google credentials could not get an access token: {_first_line(cause)}"
    if isinstance(err, auth_exceptions.TransportError):
        return f"cannot reach the Google token endpoint: {type(err).__name__}"
    if isinstance(err, api_exceptions.RetryError):
        cause = err.cause
        detail = describe_api_error(cause, method) if isinstance(cause, api_exceptions.GoogleAPICallError) else ""
        return f"GCP KMS kept failing until the {deadline:g}s deadline" + (f" ({detail})" if detail else "")
    if isinstance(err, api_exceptions.GoogleAPICallError):
        return describe_api_error(err, method)
    if isinstance(err, requests.exceptions.Timeout):
        return f"GCP KMS at {where} did not answer in time"
    if isinstance(err, requests.exceptions.ConnectionError):
        return f"cannot reach GCP KMS at {where} (connection failed)"
    return f"{type(err).__name__}: {_first_line(err)}"


def _first_line(err: object) -> str:
    text = " ".join(str(err).split())
    return text if len(text) <= 200 else text[:197] + "..."
