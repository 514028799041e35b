"""Pipeline policies of every Key Vault client: requests go to the key's vault only, an answer
counts only if the request that got it carried a bearer token, and no server-directed wait is
longer than a request may take.

Why: the SDK's first request to a vault carries no token (it waits for the vault's challenge to
learn the tenant), so a server that answers that request with 200 would have its answer taken as
the unwrapped data key without anyone having signed in. A real vault never answers without a
token. The policy runs inside the retry and redirect policies, so it sees every request sent
(a redirect to another host included) and the final answer of the challenge exchange.
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from sealfile.errors import ProviderError
from sealfile.kms.base import import_sdk, kms_timeout


def netloc(url: str) -> str:
    """``host`` or ``host:port`` of an https URL, lower case, without the default port."""
    return urlsplit(url).netloc.lower().removesuffix(":443")


def vault_only_with_token(vault_url: str) -> Any:
    """The policy for clients of the vault at ``vault_url`` (a ``per_retry_policies`` entry)."""
    return _policy_class()(netloc(vault_url))


@cache
def _policy_class() -> type:
    policies = import_sdk("azure.core.pipeline.policies", extra="azure", what="Azure Key Vault support")

    class VaultOnlyWithToken(policies.SansIOHTTPPolicy):  # type: ignore[misc,name-defined]
        def __init__(self, host: str) -> None:
            super().__init__()
            self.host = host

        def on_request(self, request: Any) -> None:
            if netloc(request.http_request.url) != self.host:
                raise ProviderError(f"refused a request to {netloc(request.http_request.url)}, "
                                    f"which is not the key's vault ({self.host})")

        def on_response(self, request: Any, response: Any) -> None:
            answer = response.http_response
            sent = getattr(answer, "request", None) or request.http_request
            if 200 <= answer.status_code < 300 and not str(sent.headers.get("Authorization", "")).startswith(
                "Bearer "
            ):
                raise ProviderError("the vault answered a request that carried no token, which a real Key Vault "
                                    "never does; its answer was refused")

    return VaultOnlyWithToken


def bounded_retry(**settings: Any) -> Any:
    """azure-core's retry policy with ``settings``, except that an answer asking to wait past ``SEALFILE_KMS_TIMEOUT``
    seconds after the call's first try (the waits its ``Retry-After`` headers ask for, together) is not retried
    but reported as it is: the retries end within the time all unwrap attempts of a file may take.

    Why: azure-core sleeps whatever ``Retry-After`` says before retrying, and checks its own time limit only
    after that sleep: a server answering ``429, Retry-After: 3600`` held ``encrypt`` and ``rotate`` for an
    hour (and every unwrap until the file's time budget ran out, with "no answer" for a cause)."""
    return _bounded_retry_class()(longest_wait=kms_timeout(), **settings)


@cache
def _bounded_retry_class() -> type:
    policies = import_sdk("azure.core.pipeline.policies", extra="azure", what="Azure Key Vault support")

    class BoundedRetryPolicy(policies.RetryPolicy):  # type: ignore[misc,name-defined]
        def __init__(self, longest_wait: float, **settings: Any) -> None:
            super().__init__(**settings)
            self.longest_wait = longest_wait

        def is_retry(self, settings: Any, response: Any) -> bool:
            started = settings.setdefault("sealfile_started", time.monotonic())  # one dict per call, all tries
            wait = self.get_retry_after(response)
            if wait is not None and wait > self.longest_wait - (time.monotonic() - started):
                return False
            return bool(super().is_retry(settings, response))

    return BoundedRetryPolicy
