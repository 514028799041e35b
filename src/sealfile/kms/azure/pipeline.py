"""A pipeline policy on every Key Vault client: requests go to the key's vault only, and an answer
counts only if the request that got it carried a bearer token.

Why: the SDK's first request to a vault carries no token (it waits for the vault's challenge to
learn the tenant), so a server that answers that request with 200 would have its answer taken as
the unwrapped data key without anyone having signed in. A real vault never answers without a
token. The policy runs inside the retry and redirect policies, so it sees every request sent
(a redirect to another host included) and the final answer of the challenge exchange.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import urlsplit

from sealfile.errors import ProviderError
from sealfile.kms.base import import_sdk


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
