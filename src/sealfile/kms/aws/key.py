"""AWS KMS recipients: the data key is wrapped by KMS ``Encrypt`` under a key the caller names.

A recipient is a key ARN, an alias ARN or a multi-Region key ARN; the region comes from the
ARN. Unwrapping calls ``Decrypt`` naming that key (``KeyId=ARN``), never "whatever key made
this ciphertext", so a file cannot steer sealfile into using some other key the caller may use.

The encryption context is stored in the metadata and sent back on ``Decrypt``; KMS refuses a
different one. Keys made from the CLI bind the wrapped key to sealfile (``{"sealfile":
"data-key"}``, plus any ``--aws-context k=v``); keys from metadata or creation rules use exactly
the context given (SOPS files bring their own).

Credentials come from the standard boto3 chain, or a named ``profile``, optionally followed by
``AssumeRole`` into ``role``. Environment (see :mod:`sealfile.kms.aws_client`):

- ``SEALFILE_KMS_TIMEOUT``: connect and read timeout in seconds (default 10);
- ``AWS_MAX_ATTEMPTS``: attempts per call including retries (default 4, botocore standard mode);
- ``AWS_ENDPOINT_URL_KMS`` / ``AWS_ENDPOINT_URL``: boto3's own endpoint override.

Every failure becomes one line naming the ARN and the cause (denied, disabled, pending
deletion, not found, wrong region, wrong context, no credentials, unreachable, throttled).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sealfile.errors import ConfigError, SealfileError
from sealfile.kms.aws.client import current_settings, kms_client
from sealfile.kms.base import MasterKey, import_sdk

DEFAULT_CONTEXT: Mapping[str, str] = {"sealfile": "data-key"}
"""Encryption context of keys made from the CLI: ties the wrapped key to its use."""

_KEY_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):kms:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+):(?P<account>\d{12}):"
    r"(?P<resource>key/(?:mrk-)?[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]+)"
)
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+")
_FIELDS = {"arn", "region", "context", "profile", "aws_profile", "role", "role_arn"}


def region_of(arn: str) -> str:
    """The region named by a KMS key or alias ARN; :class:`ConfigError` if it is not one."""
    match = _KEY_ARN.fullmatch(arn)
    if match is None:
        raise ConfigError(
            f"not an AWS KMS key or alias ARN: {arn!r} "
            "(expected arn:aws:kms:REGION:ACCOUNT:key/ID or arn:aws:kms:REGION:ACCOUNT:alias/NAME)"
        )
    return match["region"]


def _context(raw: Any) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not all(isinstance(k, str) and k and isinstance(v, str) for k, v in raw.items()):
        raise ConfigError("an AWS KMS encryption context must map non-empty strings to strings")
    return {str(k): str(v) for k, v in raw.items()}


def _optional_text(config: Mapping[str, Any], *names: str) -> str | None:
    given = [config[name] for name in names if config.get(name) is not None]
    if not all(isinstance(value, str) and value.strip() for value in given):
        raise ConfigError(f"AWS KMS recipient: {names[0]} must be a non-empty string")
    distinct = {str(value).strip() for value in given}
    if len(distinct) > 1:
        raise ConfigError(f"AWS KMS recipient: {' and '.join(names)} differ; give one")
    return distinct.pop() if distinct else None


@dataclass(frozen=True, repr=False)
class AwsKmsKey(MasterKey):
    arn: str
    context: Mapping[str, str] = field(default_factory=dict, hash=False)
    profile: str | None = None
    role: str | None = None

    type_id = "aws_kms"
    cost = 50

    def __post_init__(self) -> None:
        region_of(self.arn)
        object.__setattr__(self, "context", _context(self.context))
        if self.role is not None and not _ROLE_ARN.fullmatch(self.role):
            raise ConfigError(f"not an IAM role ARN: {self.role!r} (expected arn:aws:iam::ACCOUNT:role/NAME)")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AwsKmsKey:
        unknown = sorted(str(k) for k in config if k not in _FIELDS)
        if unknown:
            raise ConfigError(f"AWS KMS recipient: unknown field(s) {', '.join(unknown)}")
        arn = config.get("arn")
        if not isinstance(arn, str):
            raise ConfigError("an AWS KMS recipient needs 'arn: arn:aws:kms:...'")
        key = cls(
            arn.strip(),
            _context(config.get("context")),
            profile=_optional_text(config, "profile", "aws_profile"),
            role=_optional_text(config, "role", "role_arn"),
        )
        stored_region = config.get("region")
        if stored_region is not None and stored_region != key.region:
            raise ConfigError(f"AWS KMS recipient {key.arn}: region {stored_region!r} differs from the ARN's region")
        return key

    @classmethod
    def from_cli(cls, value: str) -> AwsKmsKey:
        """``ARN`` or, as SOPS accepts, ``ARN+ROLE_ARN``; the context is :data:`DEFAULT_CONTEXT`."""
        arn, _, role = value.partition("+")
        return cls(arn.strip(), dict(DEFAULT_CONTEXT), role=role.strip() or None)

    def with_context(self, pairs: Mapping[str, str]) -> AwsKmsKey:
        """This key with ``pairs`` added to its encryption context."""
        return replace(self, context={**self.context, **pairs})

    def to_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"arn": self.arn, "region": self.region, "context": dict(self.context)}
        if self.profile is not None:
            config["profile"] = self.profile
        if self.role is not None:
            config["role"] = self.role
        return config

    @property
    def key_id(self) -> str:
        return self.arn

    @property
    def region(self) -> str:
        return region_of(self.arn)

    def _client(self) -> Any:
        return kms_client(self.region, self.profile, self.role)

    def _wrap(self, data_key: bytes) -> str:
        try:
            client = self._client()
            answer = client.encrypt(KeyId=self.arn, Plaintext=data_key, **self._context_argument())
        except SealfileError:  # settings, or the SDK missing: the base reports these as they are
            raise
        except Exception as err:
            raise self.wrap_error(self._explain(err, "Encrypt")) from None
        return base64.b64encode(answer["CiphertextBlob"]).decode("ascii")

    def _unwrap(self, wrapped: str) -> bytes:
        try:
            blob = base64.b64decode(wrapped, validate=True)
        except (binascii.Error, ValueError):
            raise self.unwrap_error("the wrapped data key is not valid base64 (corrupt file?)") from None
        try:
            client = self._client()
            answer = client.decrypt(KeyId=self.arn, CiphertextBlob=blob, **self._context_argument())
        except SealfileError:
            raise
        except Exception as err:
            raise self.unwrap_error(self._explain(err, "Decrypt")) from None
        plaintext: bytes = answer["Plaintext"]
        return plaintext

    def _context_argument(self) -> dict[str, Any]:
        return {"EncryptionContext": dict(self.context)} if self.context else {}

    def _explain(self, err: Exception, operation: str) -> str:
        """One line saying why a KMS call failed, in words a user can act on."""
        exceptions = import_sdk("botocore.exceptions", extra="aws", what="AWS KMS")
        if isinstance(err, exceptions.ClientError):
            return self._explain_client_error(err, operation)
        if isinstance(err, exceptions.NoCredentialsError):
            return (
                "no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                "or log in, e.g. 'aws sso login')"
            )
        if isinstance(err, exceptions.ProfileNotFound):
            return f"AWS profile {self.profile!r} is not configured (see ~/.aws/config or AWS_CONFIG_FILE)"
        if isinstance(err, (exceptions.ConnectionError, exceptions.HTTPClientError)):
            return self._explain_connection_error(err, exceptions)
        if isinstance(err, exceptions.BotoCoreError):
            return f"{operation} failed: {_one_line(str(err))}"
        return f"{operation} failed: {type(err).__name__}"

    def _explain_connection_error(self, err: Exception, exceptions: Any) -> str:
        client = self._client()
        settings = current_settings(client)
        where = f"KMS at {client.meta.endpoint_url} (region {self.region})"
        tries = f"gave up after {settings.max_attempts} attempt(s)"
        if isinstance(err, exceptions.ConnectTimeoutError):
            return f"cannot reach {where}: no connection within {settings.timeout:g} s; {tries}"
        if isinstance(err, exceptions.ReadTimeoutError):
            return f"{where} did not answer within {settings.timeout:g} s; {tries}"
        return f"cannot reach {where}: connection failed ({type(err).__name__}); {tries}"

    def _explain_client_error(self, err: Any, operation: str) -> str:
        error = err.response.get("Error", {})
        code = str(error.get("Code", ""))
        message = _one_line(str(error.get("Message", "")))
        retries = int(err.response.get("ResponseMetadata", {}).get("RetryAttempts", 0))
        after = f" (after {retries + 1} attempts)" if retries else ""
        if err.operation_name == "AssumeRole":
            return f"cannot assume role {self.role}: {code}: {message}"
        if code in ("AccessDeniedException", "AccessDenied", "403"):
            return f"access denied: the AWS credentials in use may not call kms:{operation} on this key"
        if code == "DisabledException":
            return "the key is disabled (enable it in AWS KMS to use it)"
        if code == "KMSInvalidStateException":
            if "pending deletion" in message.lower() or "pendingdeletion" in message.lower():
                return "the key is pending deletion (cancel the deletion to use it)"
            return f"the key's state does not allow {operation}: {message}"
        if code == "NotFoundException":
            return f"no such key in region {self.region} (check the ARN: account, key id or alias, and region)"
        if code == "InvalidCiphertextException":
            return (
                "KMS rejected the wrapped data key: it is corrupt, or the encryption context "
                f"{json.dumps(dict(self.context), sort_keys=True)} differs from the one it was wrapped with"
            )
        if code == "IncorrectKeyException":
            return "the data key was wrapped by a different KMS key"
        if code == "InvalidKeyUsageException":
            return f"the key cannot be used for {operation} (its key usage or key spec does not allow it)"
        if code in ("ThrottlingException", "LimitExceededException", "TooManyRequestsException"):
            return f"KMS throttled the request{after}; try again later"
        if code == "InvalidSignatureException" and "region" in message.lower():
            return (
                f"wrong region: the KMS endpoint does not serve {self.region}, the region in the ARN "
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
