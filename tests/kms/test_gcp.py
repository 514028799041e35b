"""GCP Cloud KMS provider: the real google-cloud-kms client (REST) against ``tests/fakes/gcp_kms.py``.

Credentials are a real Application Default Credentials flow: ``GOOGLE_APPLICATION_CREDENTIALS``
names an ``external_account`` file whose STS token URL is the fake; the fake issues an access
token and rejects KMS calls without it. See the fake's docstring for how it follows Google's
REST reference.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sealfile import load_secrets
from sealfile.envelope.datakey import forget_data_keys
from sealfile.errors import ConfigError, NoUsableKeyError, UnwrapError, WrapError
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.kms.gcp.key import ENDPOINT_ENV, GcpKmsKey, forget_clients
from sealfile.kms.registry import key_from_cli, key_from_config
from sealfile.ops.seal import seal_text
from tests.fakes.gcp_kms import FakeGcpKms, crc32c
from tests.fakes.no_metadata import no_metadata_service
from tests.kms.contract import ProviderContract
from tests.support.cli import run_cli
from tests.support.sealing import forged

KEY = "projects/sealfile-test/locations/europe-west1/keyRings/ring/cryptoKeys/main"
OTHER = "projects/sealfile-test/locations/europe-west1/keyRings/ring/cryptoKeys/other"
MISSING = "projects/sealfile-test/locations/europe-west1/keyRings/ring/cryptoKeys/missing"
PLAINTEXT = "database:\n  user: app\n  password: hunter2-gcp\n"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _write_adc_file(fake: FakeGcpKms, directory: Path, subject_token: str) -> Path:
    token_file = directory / "subject-token"
    token_file.write_text(subject_token)
    info = fake.credentials_info()
    info["credential_source"]["file"] = str(token_file)
    adc = directory / "adc.json"
    adc.write_text(json.dumps(info))
    return adc


@pytest.fixture(scope="module")
def fake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeGcpKms]:
    server = FakeGcpKms().start()
    server.add_key(KEY)
    server.add_key(OTHER)
    adc = _write_adc_file(server, tmp_path_factory.mktemp("adc"), server.subject_token)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(adc))
        patch.setenv(ENDPOINT_ENV, server.url)
        patch.setenv("SEALFILE_KMS_TIMEOUT", "3")
        patch.setenv("NO_GCE_CHECK", "True")  # never probe a metadata server
        forget_clients()
        yield server
    forget_clients()
    server.stop()


@pytest.fixture(autouse=True)
def clean_state(fake: FakeGcpKms, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # the shared conftest clears SEALFILE_* before each test: point this one at the fake again
    monkeypatch.setenv(ENDPOINT_ENV, fake.url)
    monkeypatch.setenv("SEALFILE_KMS_TIMEOUT", "3")
    fake.reset()
    forget_data_keys()
    yield
    fake.reset()
    forget_data_keys()


@pytest.fixture
def key(fake: FakeGcpKms) -> GcpKmsKey:
    return GcpKmsKey(KEY)


@pytest.fixture
def other_key(fake: FakeGcpKms) -> GcpKmsKey:
    return GcpKmsKey(OTHER)


@pytest.fixture
def unreachable_key(fake: FakeGcpKms) -> GcpKmsKey:
    return GcpKmsKey(KEY, endpoint=f"http://127.0.0.1:{_closed_port()}")


class TestGcpContract(ProviderContract):
    pass


# -- configuration -------------------------------------------------------------------------


@pytest.mark.parametrize("resource", [
    "projects/p/locations/l/keyRings/r",
    "projects/p/locations/l/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1",
    "p/l/r/k",
    "projects//locations/l/keyRings/r/cryptoKeys/k",
    "projects/../locations/l/keyRings/r/cryptoKeys/k",
    "projects/p/locations/l/keyRings/r/cryptoKeys/..",
    "projects/p/locations/l/keyRings/r/cryptoKeys/?cryptoKeyId=x",
    "projects/p/locations/l/keyRings/r/cryptoKeys/k#x",
    "projects/p/locations/l/keyRings/..%2F..%2Fx/cryptoKeys/k",
])
def test_resource_shape_is_checked(resource: str) -> None:
    with pytest.raises(ConfigError, match="projects/P/locations/L/keyRings/R/cryptoKeys/K"):
        GcpKmsKey(resource)


def test_config_round_trip_and_cli() -> None:
    key = key_from_cli("gcp_kms", f" {KEY} ")
    assert key.to_config() == {"resource": KEY, "aad": "sealfile data key"}
    assert key_from_config({"type": "gcp_kms", "resource": KEY, "aad": "other"}) == GcpKmsKey(KEY, "other")
    with pytest.raises(ConfigError, match="needs 'resource"):
        key_from_config({"type": "gcp_kms"})


# -- behaviour through the real client ----------------------------------------------------


def test_unwrap_survives_key_rotation(fake: FakeGcpKms) -> None:
    key = GcpKmsKey(fake.add_key(KEY.replace("/main", "/rotating")))
    data_key = os.urandom(32)
    wrapped = key.wrap(data_key).wrapped
    fake.rotate(key.resource)
    assert key.unwrap(wrapped) == data_key
    newer = key.wrap(data_key).wrapped
    assert base64.b64decode(newer)[:4] == (2).to_bytes(4, "big")  # the fake's version prefix
    assert fake.calls == {"encrypt": 2, "decrypt": 1}


def test_aad_binds_the_wrapped_key(key: GcpKmsKey) -> None:
    wrapped = key.wrap(os.urandom(32)).wrapped
    with pytest.raises(UnwrapError, match="wrong key, different 'aad'"):
        GcpKmsKey(KEY, aad="another tool").unwrap(wrapped)


def test_permission_denied(fake: FakeGcpKms, key: GcpKmsKey) -> None:
    wrapped = key.wrap(os.urandom(32)).wrapped
    fake.deny = True
    with pytest.raises(UnwrapError) as info:
        key.unwrap(wrapped)
    assert str(info.value) == (
        f"gcp_kms {KEY}: permission denied (the caller needs cloudkms.cryptoKeyVersions.useToDecrypt on this key)"
    )


def test_key_not_found() -> None:
    with pytest.raises(WrapError, match=rf"^gcp_kms {MISSING}: key not found"):
        GcpKmsKey(MISSING).wrap(os.urandom(32))


@pytest.mark.parametrize("state", ["DISABLED", "DESTROYED"])
def test_unusable_key_version(fake: FakeGcpKms, key: GcpKmsKey, state: str) -> None:
    wrapped = key.wrap(os.urandom(32)).wrapped
    fake.set_state(KEY, state)
    with pytest.raises(UnwrapError) as info:
        key.unwrap(wrapped)
    assert str(info.value) == (
        f"gcp_kms {KEY}: the key version cannot be used: "
        f"{KEY}/cryptoKeyVersions/1 is not enabled, current state is: {state}."
    )


def test_response_checksum_mismatch_fails_unwrap(fake: FakeGcpKms, key: GcpKmsKey) -> None:
    data_key = os.urandom(32)
    wrapped = key.wrap(data_key).wrapped
    fake.corrupt_crc = True
    with pytest.raises(UnwrapError) as info:
        key.unwrap(wrapped)
    assert "CRC32C mismatch after 3 attempts" in str(info.value)
    assert KEY in str(info.value)
    assert fake.calls["decrypt"] == 3  # Google's advice: discard and retry a limited number of times
    with pytest.raises(WrapError, match="ciphertext checksum"):
        key.wrap(data_key)


def test_unverified_request_checksum_fails_wrap(fake: FakeGcpKms, key: GcpKmsKey) -> None:
    fake.lose_request_crc = True
    with pytest.raises(WrapError, match="did not confirm the plaintext checksum"):
        key.wrap(os.urandom(32))
    assert fake.calls["encrypt"] == 3


def test_response_from_another_key_is_refused(fake: FakeGcpKms, key: GcpKmsKey) -> None:
    fake.answer_name = f"{OTHER}/cryptoKeyVersions/1"
    with pytest.raises(WrapError, match="not a version of the requested key"):
        key.wrap(os.urandom(32))


@pytest.mark.parametrize("status", ["UNAVAILABLE", "RESOURCE_EXHAUSTED"])
def test_transient_errors_are_retried(fake: FakeGcpKms, key: GcpKmsKey, status: str) -> None:
    data_key = os.urandom(32)
    wrapped = key.wrap(data_key).wrapped
    fake.fail_next(2, status)
    assert key.unwrap(wrapped) == data_key
    assert fake.calls["decrypt"] == 3


def test_persistent_unavailability_is_reported_after_the_deadline(
    fake: FakeGcpKms, key: GcpKmsKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrapped = key.wrap(os.urandom(32)).wrapped
    monkeypatch.setenv("SEALFILE_KMS_TIMEOUT", "1")
    fake.fail_next(1000)
    with pytest.raises(UnwrapError, match=r"kept failing until the 1s deadline \(.*UNAVAILABLE"):
        key.unwrap(wrapped)
    assert 2 <= fake.calls["decrypt"] < 1000


def test_persistent_throttling_is_named_within_the_files_time_budget(
    fake: FakeGcpKms, sealed_file: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The retries of one call end before the time all unwrap attempts of a file may take: with a deadline of
    twice the timeout, a KMS answering RESOURCE_EXHAUSTED at once, fourteen times, was reported as 'no answer'."""
    path, _identity = sealed_file
    monkeypatch.setenv("SEALFILE_KMS_TIMEOUT", "6")
    fake.fail_next(1000, "RESOURCE_EXHAUSTED", "Quota exceeded")
    with pytest.raises(NoUsableKeyError) as info:
        load_secrets(path)
    message = str(info.value)
    assert f"gcp_kms {KEY}: GCP KMS kept failing until the 6s deadline" in message
    assert "RESOURCE_EXHAUSTED: Quota exceeded" in message and "no answer" not in message


def test_endpoint_down(fake: FakeGcpKms, key: GcpKmsKey) -> None:
    wrapped = key.wrap(os.urandom(32)).wrapped
    with fake.down(), pytest.raises(UnwrapError) as info:
        key.unwrap(wrapped)
    assert str(info.value) == f"gcp_kms {KEY}: cannot reach GCP KMS at {fake.url} (connection failed)"


def test_no_credentials(key: GcpKmsKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS")
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))  # no gcloud application-default login here
    forget_clients()
    try:
        with pytest.raises(WrapError, match=rf"^gcp_kms {KEY}: no Google credentials found .*GOOGLE_APPLICATION"):
            key.wrap(os.urandom(32))
    finally:
        forget_clients()


def test_no_credentials_are_looked_for_once_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without Application Default Credentials, each gcp_kms stanza looked for them again, asking the GCE
    metadata server each time (up to 3 tries of 3 s where it does not answer): a file chooses how many."""
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS")
    monkeypatch.delenv("NO_GCE_CHECK")
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))  # no gcloud application-default login here

    def metadata_asks_to_open(locations: range) -> int:
        stanzas = [{"type": "gcp_kms", "resource": f"projects/p/locations/l{index}/keyRings/r/cryptoKeys/k",
                    "aad": "", "wrapped": "AAAA"} for index in locations]
        path = tmp_path / "keys.enc.yaml"
        path.write_text(forged("a: attacker-chosen\n", stanzas)[0])
        with no_metadata_service() as (address, asked):  # read when google-auth loads: a process of its own
            done = run_cli("decrypt", path, env={"GCE_METADATA_HOST": address, "GCE_METADATA_IP": address})
        assert done.returncode == 1 and "no Google credentials found" in done.stderr, done.stderr
        return len(asked)

    one = metadata_asks_to_open(range(1))
    assert one > 0 and metadata_asks_to_open(range(4)) == one  # was four times as many


def test_rejected_credentials(fake: FakeGcpKms, key: GcpKmsKey, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(_write_adc_file(fake, tmp_path, "stolen")))
    forget_clients()
    try:
        with pytest.raises(WrapError, match="could not get an access token"):
            key.wrap(os.urandom(32))
    finally:
        forget_clients()
    assert fake.calls["encrypt"] == 0


def test_fake_checks_request_checksums_and_tokens(fake: FakeGcpKms) -> None:
    """The fake rejects what real KMS rejects (so the client's checksums are really checked)."""
    token = fake.exchange_token({"grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
                                 "subject_token": fake.subject_token})["access_token"]
    body = {"plaintext": base64.b64encode(b"x" * 32).decode(), "plaintextCrc32c": str(crc32c(b"y" * 32))}
    url = f"{fake.url}/v1/{KEY}:encrypt"
    bad_crc = requests.post(url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=5)
    assert bad_crc.status_code == 400
    assert bad_crc.json()["error"]["status"] == "INVALID_ARGUMENT"
    no_token = requests.post(url, json=body, timeout=5)
    assert (no_token.status_code, no_token.json()["error"]["status"]) == (401, "UNAUTHENTICATED")


# -- whole files ------------------------------------------------------------------------------


@pytest.fixture
def sealed_file(fake: FakeGcpKms, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """A file sealed for GCP KMS and an age recipient; returns it and the age identity."""
    identity, recipient = generate_identity()
    monkeypatch.delenv("SEALFILE_AGE_KEY", raising=False)
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(tmp_path / "no-age-keys.txt"))
    path = tmp_path / "secrets.enc.yaml"
    path.write_text(seal_text(PLAINTEXT, [GcpKmsKey(KEY), AgeKey(recipient)]))
    return path, identity


def test_file_opens_with_gcp_alone(fake: FakeGcpKms, sealed_file: tuple[Path, str]) -> None:
    path, _identity = sealed_file
    text = path.read_text()
    assert f"resource: {KEY}" in text and "aad: sealfile data key" in text
    assert "hunter2-gcp" not in text
    assert load_secrets(path)["database"]["password"] == "hunter2-gcp"
    assert fake.calls["decrypt"] == 1


def test_file_opens_with_age_alone_while_gcp_is_down(
    fake: FakeGcpKms, sealed_file: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, identity = sealed_file
    monkeypatch.setenv("SEALFILE_AGE_KEY", identity)
    with fake.down():
        assert load_secrets(path, extract="database.password") == "hunter2-gcp"
    assert fake.calls["decrypt"] == 0


def test_no_key_usable_lists_both_attempts(fake: FakeGcpKms, sealed_file: tuple[Path, str]) -> None:
    path, _identity = sealed_file
    fake.deny = True
    with pytest.raises(NoUsableKeyError) as info:
        load_secrets(path)
    message = str(info.value)
    assert "age age1" in message and f"gcp_kms {KEY}: permission denied" in message
    assert "hunter2" not in message


# -- the CLI -------------------------------------------------------------------------------------


def _sealfile(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sealfile", *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=60, check=False)


def test_cli_encrypt_and_decrypt(fake: FakeGcpKms, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(tmp_path / "no-age-keys.txt"))
    plain = tmp_path / "plain.yaml"
    plain.write_text(PLAINTEXT)
    sealed = tmp_path / "secrets.enc.yaml"
    done = _sealfile("encrypt", "--gcp-kms", KEY, str(plain), "-o", str(sealed))
    assert done.returncode == 0, done.stderr
    opened = _sealfile("decrypt", str(sealed))
    assert opened.returncode == 0, opened.stderr
    assert "password: hunter2-gcp" in opened.stdout
    fake.set_state(KEY, "DISABLED")
    refused = _sealfile("decrypt", str(sealed))
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1
    assert f"gcp_kms {KEY}: the key version cannot be used" in refused.stderr
    assert fake.calls == {"encrypt": 1, "decrypt": 2}


@pytest.mark.parametrize("field", ["endpoint", "api_endpoint", "url"])
def test_a_file_cannot_name_an_endpoint(fake: FakeGcpKms, tmp_path: Path, field: str) -> None:
    """The endpoint is the user's (SEALFILE_GCP_KMS_ENDPOINT): a stanza naming one is refused, and
    nothing connects to what it names."""
    import socket

    from tests.support.sealing import forged

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    attacker = f"http://127.0.0.1:{listener.getsockname()[1]}"
    sealed, _ = forged("a: b\n", [{"type": "gcp_kms", "resource": KEY, field: attacker, "wrapped": "AAAA"}])
    path = tmp_path / "secrets.enc.yaml"
    path.write_text(sealed)
    try:
        with pytest.raises(NoUsableKeyError, match=f"unknown field.s. {field}"):
            load_secrets(path)
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()
