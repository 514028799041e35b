"""AWS KMS recipients: the data key is wrapped by KMS ``Encrypt`` under a key the caller names.

A recipient is a key ARN, an alias ARN or a multi-Region key ARN; the region comes from the
ARN. Unwrapping calls ``Decrypt`` naming that key (``KeyId=ARN``), never "whatever key made
this ciphertext", so a file cannot steer sealfile into using some other key the caller may use.

The encryption context is stored in the metadata and sent back on ``Decrypt``; KMS refuses a
different one. Keys made from the CLI bind the wrapped key to sealfile (``{"sealfile":
"data-key"}``, plus any ``--aws-context k=v``); keys from metadata or creation rules use exactly
the context given (SOPS files bring their own).

Credentials come from the standard boto3 chain, or a named ``profile``, optionally followed by
``AssumeRole`` into ``role``. Environment (see :mod:`sealfile.kms.aws.client`):

- ``SEALFILE_KMS_TIMEOUT``: connect and read timeout in seconds (default 10);
- ``AWS_MAX_ATTEMPTS``: attempts per call including retries (default 4, botocore standard mode);
- ``AWS_ENDPOINT_URL_KMS`` / ``AWS_ENDPOINT_URL``: boto3's own endpoint override.

Every failure becomes one line naming the ARN and the cause (denied, disabled, pending
deletion, not found, wrong region, wrong context, no credentials, unreachable, throttled).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sealfile.errors import ConfigError
from sealfile.kms.aws.client import kms_client
from sealfile.kms.base import MasterKey, Operation, one_field
from sealfile.kms.trust import Target

DEFAULT_CONTEXT: Mapping[str, str] = {"sealfile": "data-key"}
"""Encryption context of keys made from the CLI: ties the wrapped key to its use."""

_KEY_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):kms:(?P<region>[a-z]{2}(?:-[a-z]+)++-\d+):(?P<account>\d{12}):"
    r"(?P<resource>key/(?:mrk-)?[A-Za-z0-9-]+|alias/[A-Za-z0-9/_-]+)",
    re.ASCII,  # AWS names are ASCII: Python's \d and \w also take other scripts' digits and letters
)
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+", re.ASCII)


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
    given = {name: config[name] for name in names if config.get(name) is not None}
    if not all(isinstance(value, str) and value.strip() for value in given.values()):
        raise ConfigError(f"AWS KMS recipient: {names[0]} must be a non-empty string")
    value: str | None = one_field({name: value.strip() for name, value in given.items()}, *names, kind="AWS KMS")
    return value


@dataclass(frozen=True, repr=False)
class AwsKmsKey(MasterKey):
    arn: str
    context: Mapping[str, str] = field(default_factory=dict, hash=False)
    profile: str | None = None
    role: str | None = None

    type_id = "aws_kms"
    cost = 50
    config_fields = frozenset({"arn", "region", "context", "profile", "aws_profile", "role", "role_arn"})

    def __post_init__(self) -> None:
        region_of(self.arn)
        object.__setattr__(self, "context", _context(self.context))
        if self.role is not None and not _ROLE_ARN.fullmatch(self.role):
            raise ConfigError(f"not an IAM role ARN: {self.role!r} (expected arn:aws:iam::ACCOUNT:role/NAME)")

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AwsKmsKey:
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

    def settings(self) -> tuple[Any, ...]:
        return tuple(sorted(self.context.items())), self.profile, self.role

    @property
    def region(self) -> str:
        return region_of(self.arn)

    def targets(self) -> tuple[Target, ...]:
        """The role and profile a file could name: the endpoint follows from the ARN's region (AWS's
        own hosts) or from the user's ``AWS_ENDPOINT_URL*``, never from the file."""
        found = []
        if self.role is not None:
            found.append(Target("roles", self.role))
        if self.profile is not None:
            found.append(Target("profiles", self.profile))
        return tuple(found)

    def client(self) -> Any:
        """The boto3 KMS client for this key's region and credentials (shared per process)."""
        return kms_client(self.region, self.profile, self.role)

    def _wrap(self, data_key: bytes) -> str:
        answer = self.client().encrypt(KeyId=self.arn, Plaintext=data_key, **self._context_argument())
        return base64.b64encode(answer["CiphertextBlob"]).decode("ascii")

    def _unwrap(self, wrapped: str) -> bytes:
        try:
            blob = base64.b64decode(wrapped, validate=True)
        except (binascii.Error, ValueError):
            raise self.unwrap_error("the wrapped data key is not valid base64 (corrupt file?)") from None
        answer = self.client().decrypt(KeyId=self.arn, CiphertextBlob=blob, **self._context_argument())
        plaintext: bytes = answer["Plaintext"]
        return plaintext

    def _context_argument(self) -> dict[str, Any]:
        return {"EncryptionContext": dict(self.context)} if self.context else {}

    def explain(self, error: Exception, operation: Operation) -> str:
        from sealfile.kms.aws.errors import explain  # needs botocore, loaded by the failed call

        return explain(self, error, "Encrypt" if operation == "wrap" else "Decrypt")

    def credential_scope(self) -> tuple[str, ...]:
        """Credentials come from the profile (or the default chain) and the role, whatever the region."""
        return (self.type_id, self.profile or "", self.role or "")

    def concerns_every_key(self, error: Exception) -> bool:
        from sealfile.kms.aws.errors import about_credentials

        return about_credentials(error)


