"""SOPS files with AWS KMS recipients: real sops and real boto3, both over HTTP to moto in server mode.

The data key is unwrapped by sealfile's ``aws_kms`` provider with the entry's ARN and
encryption context; ``import-sops`` keeps both on the new recipient.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

import sealfile
from sealfile.kms.aws import client as aws_client
from sealfile.ops.import_sops import import_sops
from sealfile.ops.read import verify_text
from sealfile.stores.yaml import reader as yaml_store
from tests.sops.conftest import AgeIdentity, assert_same, run_sops, sops_encrypt
from tests.sops.documents import SIMPLE_YAML

REGION = "eu-west-1"
CONTEXT = {"team": "core", "env": "test"}


@pytest.fixture(scope="module")
def kms_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        yield f"http://127.0.0.1:{server._server.server_port}"  # type: ignore[union-attr]
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def aws_env(kms_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {"AWS_ENDPOINT_URL_KMS": kms_url, "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION,
                        "AWS_CONFIG_FILE": str(tmp_path / "none"),
                        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    aws_client.forget_clients()
    yield
    aws_client.forget_clients()


@pytest.fixture(scope="module")
def key_arn(kms_url: str) -> str:
    client = boto3.client("kms", region_name=REGION, endpoint_url=kms_url, aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    return str(client.create_key(Description="sops import test")["KeyMetadata"]["Arn"])


@pytest.fixture
def sops_kms_file(key_arn: str, sops_identity: AgeIdentity, tmp_path: Path) -> Path:
    plain = tmp_path / "plain.yaml"
    plain.write_text(SIMPLE_YAML)
    context = ",".join(f"{k}:{v}" for k, v in CONTEXT.items())
    return sops_encrypt(plain, tmp_path / "kms.sops.yaml", "--kms", key_arn, "--encryption-context", context)


def test_kms_sops_file_opens_as_sops_decrypt_shows(sops_kms_file: Path, key_arn: str) -> None:
    meta = yaml_store.load_fast(sops_kms_file.read_text())["sops"]
    assert meta["kms"][0]["arn"] == key_arn and meta["kms"][0]["context"] == CONTEXT and not meta.get("age")
    done = run_sops(["decrypt", str(sops_kms_file)])
    assert done.returncode == 0, done.stderr
    assert_same(sealfile.load_secrets(sops_kms_file), yaml_store.load_fast(done.stdout))


def test_wrong_context_is_refused_by_kms(sops_kms_file: Path) -> None:
    text = sops_kms_file.read_text().replace("team: core", "team: other")
    sops_kms_file.write_text(text)
    with pytest.raises(sealfile.NoUsableKeyError, match="aws_kms"):
        sealfile.load_secrets(sops_kms_file)


def test_import_keeps_arn_and_context(sops_kms_file: Path, key_arn: str) -> None:
    result = import_sops(sops_kms_file.read_text(), path=str(sops_kms_file))
    recipients = yaml_store.load_fast(result.sealed)["sealfile"]["recipients"]
    assert [(r["type"], r["arn"], r["context"]) for r in recipients] == [("aws_kms", key_arn, CONTEXT)]
    verify_text(result.sealed)
    sealed = sops_kms_file.with_name("sealed.yaml")
    sealed.write_text(result.sealed)
    assert_same(sealfile.load_secrets(sealed), sealfile.load_secrets(sops_kms_file))


def test_export_to_sops_for_the_same_kms_key(key_arn: str, tmp_path: Path) -> None:
    """sealfile -> SOPS -> ``sops decrypt``: the same data, for the same key and encryption context."""
    from sealfile.kms.aws.key import AwsKmsKey
    from sealfile.ops.export_sops import export_sops
    from sealfile.ops.seal import seal_plaintext
    from sealfile.stores import get_store

    sealed_text = seal_plaintext(SIMPLE_YAML, get_store("yaml"), [AwsKmsKey(key_arn, CONTEXT)])
    sealed = tmp_path / "sealed.yaml"
    sealed.write_text(sealed_text)
    exported = tmp_path / "exported.sops.yaml"
    exported.write_text(export_sops(sealed_text, get_store("yaml"), kind="yaml").text)
    entry = yaml_store.load_fast(exported.read_text())["sops"]["kms"][0]
    assert (entry["arn"], entry["context"]) == (key_arn, CONTEXT)
    done = run_sops(["decrypt", str(exported)])
    assert done.returncode == 0, done.stderr
    assert_same(yaml_store.load_fast(done.stdout), sealfile.load_secrets(sealed, redacted=False))


def test_export_of_kms_and_age_groups_needs_both(key_arn: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A KMS group and an age group, both needed: sops opens the export with both keys, not with KMS alone."""
    from sealfile.kms.age import AgeKey, generate_identity
    from sealfile.kms.aws.key import AwsKmsKey
    from sealfile.kms.groups import KeyGroups
    from sealfile.ops.export_sops import export_sops
    from sealfile.ops.seal import seal_plaintext
    from sealfile.stores import get_store

    identity, recipient = generate_identity()
    monkeypatch.setenv("SOPS_AGE_KEY", identity)
    groups = KeyGroups(((AwsKmsKey(key_arn, CONTEXT),), (AgeKey(recipient),)), threshold=2)
    sealed_text = seal_plaintext(SIMPLE_YAML, get_store("yaml"), groups)
    sealed = tmp_path / "sealed.yaml"
    sealed.write_text(sealed_text)
    exported = tmp_path / "exported.sops.json"
    exported.write_text(export_sops(sealed_text, get_store("yaml"), kind="json").text)
    meta = json.loads(exported.read_text())["sops"]
    assert meta["shamir_threshold"] == 2
    assert [(entry["arn"], entry["context"]) for entry in meta["key_groups"][0]["kms"]] == [(key_arn, CONTEXT)]
    done = run_sops(["decrypt", str(exported)])
    assert done.returncode == 0, done.stderr
    assert_same(json.loads(done.stdout), sealfile.load_secrets(sealed, redacted=False))
    monkeypatch.delenv("SOPS_AGE_KEY")
    refused = run_sops(["decrypt", str(exported)])
    assert refused.returncode != 0 and "threshold" in refused.stderr
