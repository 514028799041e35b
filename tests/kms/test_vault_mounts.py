"""A Vault stanza names an engine path, and sealfile calls ``POST /v1/ENGINE/encrypt|decrypt/NAME`` there
with the user's token: that must be a Transit engine, never a mount where the same call writes (KV version 1
stores the request body as a secret, the cubbyhole too), on a vault the user trusts."""

from __future__ import annotations

import os

import pytest

from sealfile.errors import UnwrapError, WrapError
from sealfile.kms.trust import mark_named_by_file
from sealfile.kms.vault import VaultTransitKey
from tests.support.openbao import OpenBao


@pytest.mark.parametrize("engine", ["kv1", "cubbyhole"])
def test_a_file_cannot_make_a_transit_call_write_to_another_engine(vault_env: OpenBao, engine: str) -> None:
    client = vault_env.client()
    if engine == "kv1" and "kv1/" not in client.sys.list_mounted_secrets_engines()["data"]:
        client.sys.enable_secrets_engine("kv", path="kv1", options={"version": "1"})
    key = mark_named_by_file(VaultTransitKey(vault_env.address, engine, "planted"))
    with pytest.raises(UnwrapError, match="not a Transit engine"):
        key.unwrap("vault:v1:chosen-by-the-file")
    data_key = os.urandom(32)
    with pytest.raises(WrapError, match="not a Transit engine"):
        key.wrap(data_key)
    for operation in ("decrypt", "encrypt"):  # what a write there would have left
        assert client.read(f"{engine}/{operation}/planted") is None, operation
