"""KMS clients for :mod:`sealfile.kms.aws`: one per (region, profile, role) per process.

Why a cache: building a boto3 client costs tens of milliseconds and resolves credentials; an
application that loads many sealed files should pay that once. Why bounded settings: a secrets
loader runs at start-up, where hanging on an unreachable endpoint is worse than failing.

Settings a caller may rely on (all read when a client is first made):

- ``SEALFILE_KMS_TIMEOUT``: connect and read timeout in seconds (default 10).
- ``AWS_MAX_ATTEMPTS``: total attempts per call, retries included (default 4); botocore's
  ``standard`` retry mode retries throttling, 5xx answers and connection failures with backoff.
- Credentials, profiles and endpoints come from boto3's own chain and variables
  (``AWS_PROFILE``, ``AWS_ACCESS_KEY_ID``..., ``AWS_ENDPOINT_URL``, ``AWS_ENDPOINT_URL_KMS``).
- A role is assumed with STS ``AssumeRole``; its credentials are cached with the client and
  refreshed by botocore shortly before they expire.

boto3 is imported here only when the first client is made, never at ``import sealfile``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sealfile.files.settings import positive_setting
from sealfile.kms.base import forgotten_in_children, import_sdk, kms_timeout
from sealfile.kms.sdk_logs import hide_key_material

DEFAULT_MAX_ATTEMPTS = 4
ROLE_SESSION_NAME = "sealfile"

ClientKey = tuple[str, str | None, str | None]
"""(region, profile, role ARN): what makes two keys need different clients."""

_clients: dict[ClientKey, Any] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class ClientSettings:
    timeout: float
    max_attempts: int

    @classmethod
    def from_environment(cls) -> ClientSettings:
        attempts = positive_setting("AWS_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS, unit="attempts", kind=int)
        return cls(kms_timeout(), attempts)


def kms_client(region: str, profile: str | None = None, role: str | None = None) -> Any:
    """The process-wide KMS client for this region, profile and role (made on first use)."""
    key: ClientKey = (region, profile, role)
    with _lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = _new_client(region, profile, role)
        return client


def forget_clients() -> None:
    """Drop every cached client, e.g. after changing credentials or endpoint variables."""
    with _lock:
        _clients.clear()


def _forget_in_child() -> None:
    global _lock
    _lock = threading.Lock()  # another thread of the parent may have held it at the fork
    _clients.clear()


forgotten_in_children(_forget_in_child)


def current_settings(client: Any) -> ClientSettings:
    """The timeout and attempt bound a client was made with (for error messages)."""
    config = client.meta.config
    return ClientSettings(float(config.read_timeout), int(config.retries.get("total_max_attempts", 1)))


def _hide_key_material_from_sdk_logs() -> None:
    # An Encrypt request and a Decrypt answer hold the data key, an AssumeRole answer credentials.
    hide_key_material(("botocore.endpoint", "botocore.parsers"), ("Plaintext", "SecretAccessKey"))


def _new_client(region: str, profile: str | None, role: str | None) -> Any:
    boto3 = import_sdk("boto3", extra="aws", what="AWS KMS")
    _hide_key_material_from_sdk_logs()
    botocore_config = import_sdk("botocore.config", extra="aws", what="AWS KMS")
    settings = ClientSettings.from_environment()
    config = botocore_config.Config(
        retries={"mode": "standard", "total_max_attempts": settings.max_attempts},
        connect_timeout=settings.timeout,
        read_timeout=settings.timeout,
        user_agent_extra="sealfile",
    )
    session = boto3.Session(profile_name=profile)
    if role is not None:
        session = _assumed_role_session(boto3, session, role, region, config)
    return session.client("kms", region_name=region, config=config)


def _assumed_role_session(boto3: Any, source: Any, role: str, region: str, config: Any) -> Any:
    """A session whose credentials come from ``AssumeRole`` with ``source``'s credentials.

    The STS call happens on first use and again shortly before expiry (botocore's refreshable
    credentials); its failures surface from the KMS call as errors of operation ``AssumeRole``.
    """
    credentials = import_sdk("botocore.credentials", extra="aws", what="AWS KMS")
    botocore_session = import_sdk("botocore.session", extra="aws", what="AWS KMS")
    sts = source.client("sts", region_name=region, config=config)

    def assume() -> dict[str, str]:
        answer = sts.assume_role(RoleArn=role, RoleSessionName=ROLE_SESSION_NAME)["Credentials"]
        return {
            "access_key": answer["AccessKeyId"],
            "secret_key": answer["SecretAccessKey"],
            "token": answer["SessionToken"],
            "expiry_time": answer["Expiration"].isoformat(),
        }

    inner = botocore_session.get_session()
    # botocore has no public setter for refreshable credentials; this is the documented-by-use
    # way (as aws-assume-role-lib and boto3-refresh-session do).
    inner._credentials = credentials.DeferredRefreshableCredentials(refresh_using=assume, method="sts-assume-role")
    return boto3.Session(botocore_session=inner)
