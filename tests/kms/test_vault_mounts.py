"""A Vault stanza names an engine path, and sealfile calls ``POST /v1/ENGINE/encrypt|decrypt/NAME`` there
with the user's token: that must be a Transit engine, never a mount where the same call writes (KV version 1
stores the request body as a secret, the cubbyhole too), on a vault the user trusts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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


def test_a_creation_rule_cannot_make_a_wrap_write_to_another_engine(vault_env: OpenBao, tmp_path: Path) -> None:
    """A repository's .sealfile.yaml is written by whoever can write there: its rule names the user's own vault
    (a recipient that looks like the team's) at a KV version 1 mount, and ``encrypt`` stored the data key
    as the secret ``kv1/encrypt/NAME``, where anyone who reads that mount read it."""
    client = vault_env.client()
    if "kv1/" not in client.sys.list_mounted_secrets_engines()["data"]:
        client.sys.enable_secrets_engine("kv", path="kv1", options={"version": "1"})
    (tmp_path / ".sealfile.yaml").write_text(
        f"creation_rules:\n  - hc_vault_transit: {vault_env.address}/v1/kv1/keys/ruled\n")
    (tmp_path / "app.yaml").write_text("password: hunter2\n")
    done = subprocess.run([sys.executable, "-m", "sealfile", "encrypt", "app.yaml", "-o", "app.enc.yaml"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "not a Transit engine" in done.stderr and "hunter2" not in done.stderr
    assert client.read("kv1/encrypt/ruled") is None
    assert not (tmp_path / "app.enc.yaml").exists()
