"""``export-sops`` for a GCP Cloud KMS recipient, opened by the real sops through the Cloud KMS fake.

sops 3.11 calls Cloud KMS over gRPC at ``cloudkms.googleapis.com:443``; it reaches the fake through
``HTTPS_PROXY`` (:mod:`tests.fakes.gcp_grpc`), trusting the fake's CA with ``SSL_CERT_FILE`` and
sending an access token the fake issued (``GOOGLE_OAUTH_ACCESS_TOKEN``), as it would reach Google.
sealfile reaches the same fake over REST, so both sides use the same keys.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

import sealfile
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.kms.base import MasterKey
from sealfile.kms.gcp.key import GcpKmsKey
from sealfile.kms.groups import KeyGroups
from sealfile.ops.seal import seal_plaintext
from sealfile.stores import get_store
from sealfile.stores.yaml.reader import load_fast
from tests.fakes.gcp_grpc import KMS_HOST, GcpGrpcFront
from tests.fakes.gcp_kms import FakeGcpKms
from tests.kms.test_gcp import KEY, clean_state, fake
from tests.sops.conftest import assert_same
from tests.support.cli import run_cli
from tests.support.sops_binary import run_sops

__all__ = ["clean_state", "fake"]

PLAINTEXT = "# the database\ndb:\n  password: hunter2\n  port: 5432\nlist: [one, 2, null]\n"


@pytest.fixture(scope="module")
def grpc_front(fake: FakeGcpKms, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GcpGrpcFront]:
    front = GcpGrpcFront(fake, tmp_path_factory.mktemp("gcp-grpc")).start()
    yield front
    front.stop()


@pytest.fixture
def sops_env(grpc_front: GcpGrpcFront) -> dict[str, str]:
    """This process's environment (no age identity) plus what sops needs to reach the fake."""
    grpc_front.connects.clear()
    env = {name: value for name, value in os.environ.items() if name != "GOOGLE_CREDENTIALS"}
    return {**env, **grpc_front.sops_env()}


def export(tmp_path: Path, recipients: list[MasterKey] | KeyGroups) -> tuple[Path, Path]:
    """The sealed file for ``recipients`` and its export by the ``export-sops`` command."""
    sealed = tmp_path / "secrets.enc.yaml"
    sealed.write_text(seal_plaintext(PLAINTEXT, get_store("yaml"), recipients))
    exported = tmp_path / "secrets.sops.yaml"
    done = run_cli("export-sops", sealed, "-o", exported)
    assert done.returncode == 0 and "left out" not in done.stderr, done.stderr
    return sealed, exported


def sops_decrypt(path: Path, env: dict[str, str]) -> object:
    done = run_sops(["decrypt", str(path)], env)
    assert done.returncode == 0, done.stderr
    return load_fast(done.stdout)


def test_sops_decrypt_opens_the_export_with_the_same_key(fake: FakeGcpKms, sops_env: dict[str, str],
                                                         grpc_front: GcpGrpcFront, tmp_path: Path) -> None:
    """The sealed file's stanza binds sealfile's associated data; the export's wrap binds none, as SOPS unwraps."""
    sealed, exported = export(tmp_path, [GcpKmsKey(KEY)])
    assert load_fast(sealed.read_text())["sealfile"]["recipients"][0]["aad"] == "sealfile data key"
    entry = load_fast(exported.read_text())["sops"]["gcp_kms"][0]
    assert list(entry) == ["resource_id", "created_at", "enc"] and entry["resource_id"] == KEY
    fake.calls.clear()
    assert_same(sops_decrypt(exported, sops_env), sealfile.load_secrets(sealed, redacted=False))
    assert grpc_front.connects == [KMS_HOST] and fake.calls["decrypt"] == 2  # sops's call, then ours
    refused = run_sops(["decrypt", str(exported)], {**sops_env, "GOOGLE_OAUTH_ACCESS_TOKEN": "not-a-token"})
    assert refused.returncode != 0 and "hunter2" not in refused.stdout
    assert "Unauthenticated" in refused.stderr, refused.stderr


def test_one_group_of_gcp_and_age(sops_env: dict[str, str], tmp_path: Path) -> None:
    """Either recipient opens the export: the GCP key alone, or the age identity alone."""
    identity, recipient = generate_identity()
    sealed, exported = export(tmp_path, [GcpKmsKey(KEY), AgeKey(recipient)])
    meta = load_fast(exported.read_text())["sops"]
    assert (meta["gcp_kms"][0]["resource_id"], meta["age"][0]["recipient"]) == (KEY, recipient)
    expected = sealfile.load_secrets(sealed, redacted=False)
    assert_same(sops_decrypt(exported, sops_env), expected)
    no_gcp = {**sops_env, "GOOGLE_OAUTH_ACCESS_TOKEN": "not-a-token", "SOPS_AGE_KEY": identity}
    assert_same(sops_decrypt(exported, no_gcp), expected)


def test_two_groups_gcp_and_age_both_needed(sops_env: dict[str, str], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """GCP and age in two groups, both needed: sops opens the export with both, not with age alone."""
    identity, recipient = generate_identity()
    monkeypatch.setenv("SOPS_AGE_KEY", identity)  # sealfile needs both groups too, to open the sealed file
    groups = KeyGroups(((GcpKmsKey(KEY),), (AgeKey(recipient),)), threshold=2)
    sealed, exported = export(tmp_path, groups)
    meta = load_fast(exported.read_text())["sops"]
    assert meta["shamir_threshold"] == 2 and [sorted(g) for g in meta["key_groups"]] == [["gcp_kms"], ["age"]]
    assert_same(sops_decrypt(exported, {**sops_env, "SOPS_AGE_KEY": identity}),
                sealfile.load_secrets(sealed, redacted=False))
    refused = run_sops(["decrypt", str(exported)],
                       {**sops_env, "GOOGLE_OAUTH_ACCESS_TOKEN": "not-a-token", "SOPS_AGE_KEY": identity})
    assert refused.returncode != 0 and "threshold" in refused.stderr, refused.stderr
