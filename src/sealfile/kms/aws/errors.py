"""One line a user can act on for every way an AWS KMS call fails (used by :mod:`sealfile.kms.aws.key`).

Imported only after a call failed, so botocore is loaded by then.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sealfile.kms.aws.client import current_settings
from sealfile.kms.base import import_sdk

if TYPE_CHECKING:
    from sealfile.kms.aws.key import AwsKmsKey


def explain(key: AwsKmsKey, err: Exception, operation: str) -> str:
    """One line saying why a KMS call failed, in words a user can act on."""
    exceptions = import_sdk("botocore.exceptions", extra="aws", what="AWS KMS")
    if isinstance(err, exceptions.ClientError):
        return _client_error(key, err, operation)
    if isinstance(err, exceptions.NoCredentialsError):
        return (
            "no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
            "or log in, e.g. 'aws sso login')"
        )
    if isinstance(err, exceptions.ProfileNotFound):
        return f"AWS profile {key.profile!r} is not configured (see ~/.aws/config or AWS_CONFIG_FILE)"
    if isinstance(err, (exceptions.ConnectionError, exceptions.HTTPClientError)):
        return _connection_error(key, err, exceptions)
    if isinstance(err, exceptions.BotoCoreError):
        return f"{operation} failed: {_one_line(str(err))}"
    return f"{operation} failed: {type(err).__name__}"

CREDENTIAL_CODES = frozenset({"UnrecognizedClientException", "InvalidClientTokenId", "ExpiredTokenException"})


def about_credentials(err: Exception) -> bool:
    """Whether ``err`` is about the credentials themselves (none found, a missing profile, a token AWS does not
    know, a role that cannot be assumed): every key using them would fail the same way, each after its own
    credential lookup (a probe of the instance metadata service per region without credentials)."""
    exceptions = import_sdk("botocore.exceptions", extra="aws", what="AWS KMS")
    if isinstance(err, (exceptions.NoCredentialsError, exceptions.PartialCredentialsError,
                        exceptions.ProfileNotFound)):
        return True
    if isinstance(err, exceptions.ClientError):
        code = str(err.response.get("Error", {}).get("Code"))
        return code in CREDENTIAL_CODES or (err.operation_name == "AssumeRole" and "Throttl" not in code)
    return False


def _connection_error(key: AwsKmsKey, err: Exception, exceptions: Any) -> str:
    client = key.client()
    settings = current_settings(client)
    where = f"KMS at {client.meta.endpoint_url} (region {key.region})"
    tries = f"gave up after {settings.max_attempts} attempt(s)"
    if isinstance(err, exceptions.ConnectTimeoutError):
        return f"cannot reach {where}: no connection within {settings.timeout:g} s; {tries}"
    if isinstance(err, exceptions.ReadTimeoutError):
        return f"{where} did not answer within {settings.timeout:g} s; {tries}"
    return f"cannot reach {where}: connection failed ({type(err).__name__}); {tries}"

def _client_error(key: AwsKmsKey, err: Any, operation: str) -> str:
    error = err.response.get("Error", {})
    code = str(error.get("Code", ""))
    message = _one_line(str(error.get("Message", "")))
    retries = int(err.response.get("ResponseMetadata", {}).get("RetryAttempts", 0))
    after = f" (after {retries + 1} attempts)" if retries else ""
    if err.operation_name == "AssumeRole":
        return f"cannot assume role {key.role}: {code}: {message}"
    if code in ("AccessDeniedException", "AccessDenied", "403"):
        return f"access denied: the AWS credentials in use may not call kms:{operation} on this key"
    if code == "DisabledException":
        return "the key is disabled (enable it in AWS KMS to use it)"
    if code == "KMSInvalidStateException":
        if "pending deletion" in message.lower() or "pendingdeletion" in message.lower():
            return "the key is pending deletion (cancel the deletion to use it)"
        return f"the key's state does not allow {operation}: {message}"
    if code == "NotFoundException":
        return f"no such key in region {key.region} (check the ARN: account, key id or alias, and region)"
    if code == "InvalidCiphertextException":
        return (
            "KMS rejected the wrapped data key: it is corrupt, or the encryption context "
            f"{json.dumps(dict(key.context), sort_keys=True)} differs from the one it was wrapped with"
        )
    if code == "IncorrectKeyException":
        if ":alias/" in key.arn:  # KMS resolves the alias now: it was re-pointed since this file was sealed
            return ("the alias now names another KMS key than the one that wrapped the data key (re-pointed?): "
                    "point it back, run 'sealfile rotate' on the file, then re-point it")
        return "the data key was wrapped by a different KMS key"
    if code == "InvalidKeyUsageException":
        return f"the key cannot be used for {operation} (its key usage or key spec does not allow it)"
    if code in ("ThrottlingException", "LimitExceededException", "TooManyRequestsException"):
        return f"KMS throttled the request{after}; try again later"
    if code == "InvalidSignatureException" and "region" in message.lower():
        return (
            f"wrong region: the KMS endpoint does not serve {key.region}, the region in the ARN "
            "(check the ARN, or AWS_ENDPOINT_URL_KMS / AWS_ENDPOINT_URL)"
        )
    if code in ("UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException"):
        return f"AWS rejected the credentials ({code}): check the profile, access keys or session token"
    status = int(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    if code in ("KMSInternalException", "DependencyTimeoutException", "KeyUnavailableException") or status >= 500:
        return f"KMS is unavailable ({code or status}){after}; try again later"
    return f"{operation} failed: {code}: {message}{after}"


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:197] + "..."
