"""Faults across providers: one file sealed for age + AWS KMS + GCP Cloud KMS + Azure Key Vault.

Per-provider faults are covered in tests/kms/; this module checks what only shows with several
recipients at once, using the same fakes (moto behind the fault-injecting proxy, the GCP fake,
the Azure fake vault) reached by the real SDKs:

- with every cloud failing in a different way (throttled, denied, down, slow) and no age
  identity, the error is one line naming each recipient and its own cause;
- any single working recipient opens the file while the others fail;
- a KMS that never answers costs at most about ``SEALFILE_KMS_TIMEOUT`` (per attempt), not forever;
- no message names a secret value or the data key, and no SDK debug log holds the data key.
"""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from sealfile import load_secrets
from sealfile.envelope.datakey import forget_data_keys
from sealfile.errors import NoUsableKeyError
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.kms.aws.client import forget_clients as forget_aws_clients
from sealfile.kms.aws.key import AwsKmsKey
from sealfile.kms.azure.key import AzureKeyVaultKey, forget_credential
from sealfile.kms.base import MasterKey
from sealfile.kms.gcp.key import ENDPOINT_ENV, GcpKmsKey
from sealfile.kms.gcp.key import forget_clients as forget_gcp_clients
from sealfile.ops.seal import seal_text
from tests.fakes.aws_kms_proxy import KmsProxy, start_moto
from tests.fakes.azure_kv import FakeKeyVault
from tests.fakes.gcp_kms import FakeGcpKms
from tests.kms.test_gcp import _write_adc_file

GCP_KEY = "projects/sealfile-test/locations/europe-west1/keyRings/ring/cryptoKeys/main"
SECRET = "hunter2-all-clouds"
PLAINTEXT = f"db:\n  password: {SECRET}\n"
TIMEOUT = 1.0
"""The timeout of the tests of a KMS that never answers (:func:`short_timeout`)."""
ANSWER_TIMEOUT = 30.0
"""Every other test's: its faults are answers (throttled, denied, 500), and moto's real answers took over 1 s on a
machine at load 7, which turned them into timeouts."""


@dataclass
class Clouds:
    proxy: KmsProxy
    gcp: FakeGcpKms
    azure: FakeKeyVault
    aws_arn: str
    azure_url: str
    env: dict[str, str]


@pytest.fixture(scope="module")
def clouds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clouds]:
    moto, moto_url = start_moto()
    proxy = KmsProxy(moto_url).start()
    gcp = FakeGcpKms().start()
    gcp.add_key(GCP_KEY)
    azure = FakeKeyVault(tmp_path_factory.mktemp("azure")).start()
    azure.create_key("sealfile")
    admin = boto3.client("kms", region_name="us-east-1", endpoint_url=moto_url,
                         aws_access_key_id="admin", aws_secret_access_key="admin")
    arn = admin.create_key(Description="sealfile reliability")["KeyMetadata"]["Arn"]
    adc = _write_adc_file(gcp, tmp_path_factory.mktemp("adc"), gcp.subject_token)
    env = {
        **azure.client_env(),
        "AWS_ENDPOINT_URL": proxy.url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_MAX_ATTEMPTS": "2",
        "AWS_CONFIG_FILE": str(tmp_path_factory.mktemp("aws") / "none"),
        "GOOGLE_APPLICATION_CREDENTIALS": str(adc), ENDPOINT_ENV: gcp.url, "NO_GCE_CHECK": "True",
        "SEALFILE_KMS_TIMEOUT": str(ANSWER_TIMEOUT),
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_KMS", "SEALFILE_AGE_KEY"):
            patch.delenv(name, raising=False)
        forget_all()
        yield Clouds(proxy, gcp, azure, arn, f"{azure.vault_url}/keys/sealfile", env)
        forget_all()
    proxy.stop()
    moto.stop()
    gcp.stop()
    azure.stop()


def forget_all() -> None:
    forget_aws_clients()
    forget_gcp_clients()
    forget_credential()
    forget_data_keys()


@pytest.fixture(autouse=True)
def healthy(clouds: Clouds, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in clouds.env.items():  # the shared conftest cleared SEALFILE_* for this test
        monkeypatch.setenv(name, value)
    clouds.proxy.reset()
    clouds.gcp.reset()
    clouds.azure.reset()
    forget_data_keys()
    yield
    clouds.proxy.reset()
    clouds.gcp.reset()
    clouds.azure.reset()
    forget_data_keys()


@pytest.fixture
def sealed(clouds: Clouds, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """A file for age + AWS + GCP + Azure; returns (path, age identity). No age identity is set."""
    identity, recipient = generate_identity()
    keys = [AgeKey(recipient), AwsKmsKey(clouds.aws_arn), GcpKmsKey(GCP_KEY), AzureKeyVaultKey(clouds.azure_url)]
    path = tmp_path / "secrets.enc.yaml"
    path.write_text(seal_text(PLAINTEXT, keys))
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(tmp_path / "no-age-keys.txt"))
    forget_data_keys()
    return path, identity


@pytest.fixture
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``SEALFILE_KMS_TIMEOUT`` at :data:`TIMEOUT`, with clients made for it and none left behind for other tests."""
    monkeypatch.setenv("SEALFILE_KMS_TIMEOUT", str(TIMEOUT))
    forget_all()
    yield
    forget_all()


@contextmanager
def failing(clouds: Clouds, *which: str) -> Iterator[None]:
    """Break the named clouds, each its own way: AWS throttled, GCP denied, Azure down."""
    with ExitStack() as stack:
        if "aws" in which:
            clouds.proxy.fail("Decrypt", "ThrottlingException", "Rate exceeded")
        if "gcp" in which:
            clouds.gcp.deny = True
        if "azure" in which:
            stack.enter_context(clouds.azure.outage())
        yield


def test_every_recipient_failing_gives_one_line_naming_each(clouds: Clouds, sealed: tuple[Path, str]) -> None:
    path, _ = sealed
    with failing(clouds, "aws", "gcp", "azure"), pytest.raises(NoUsableKeyError) as info:
        load_secrets(path)
    message = str(info.value)
    assert "\n" not in message
    assert [a.type_id for a in info.value.attempts] == ["age", "aws_kms", "gcp_kms", "azure_kv"]
    assert "age age1" in message and "no matching identity" in message
    assert f"aws_kms {clouds.aws_arn}:" in message and "throttled" in message
    assert f"gcp_kms {GCP_KEY}: permission denied" in message
    assert f"azure_kv {clouds.azure_url}: cannot reach the vault" in message
    assert SECRET not in message


def test_the_other_way_round_denied_down_throttled(clouds: Clouds, sealed: tuple[Path, str]) -> None:
    """AWS denies, GCP is down (connection refused), Azure throttles every request: still one
    line naming each, within the bounded retries."""
    path, _ = sealed
    clouds.proxy.fail("Decrypt", "AccessDeniedException", "not authorized to perform kms:Decrypt")
    clouds.azure.fail_next(50, status=429)
    started = time.monotonic()
    with clouds.gcp.down(), pytest.raises(NoUsableKeyError) as info:
        load_secrets(path)
    elapsed = time.monotonic() - started
    message = str(info.value)
    assert "\n" not in message and SECRET not in message
    assert [a.type_id for a in info.value.attempts] == ["age", "aws_kms", "gcp_kms", "azure_kv"]
    assert f"aws_kms {clouds.aws_arn}: access denied" in message
    assert f"gcp_kms {GCP_KEY}:" in message and f"azure_kv {clouds.azure_url}:" in message
    assert elapsed < 30, f"took {elapsed:.1f} s"


@pytest.mark.parametrize("working", ["age", "aws", "gcp", "azure"])
def test_one_working_recipient_is_enough(
    clouds: Clouds, sealed: tuple[Path, str], working: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, identity = sealed
    if working == "age":
        monkeypatch.setenv("SEALFILE_AGE_KEY", identity)
    broken = [name for name in ("aws", "gcp", "azure") if name != working]
    with failing(clouds, *broken):
        assert load_secrets(path, extract="db.password") == SECRET


@pytest.mark.usefixtures("short_timeout")
def test_a_kms_that_never_answers_is_bounded_by_the_timeout(clouds: Clouds, sealed: tuple[Path, str]) -> None:
    """AWS hangs (each of its 2 attempts waits TIMEOUT), GCP and Azure fail: the load fails in
    about 2 x TIMEOUT plus the others' quick failures, and says AWS did not answer in time."""
    path, _ = sealed
    clouds.proxy.hang("Decrypt")
    with failing(clouds, "gcp", "azure"), pytest.raises(NoUsableKeyError) as info:
        started = time.monotonic()
        load_secrets(path)
    elapsed = time.monotonic() - started
    assert elapsed < 2 * TIMEOUT + 8, f"took {elapsed:.1f} s"
    assert f"did not answer within {TIMEOUT:g} s" in str(info.value)


def test_the_slow_one_is_skipped_when_another_recipient_opens(
    clouds: Clouds, sealed: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Local keys are tried first: a hanging KMS costs nothing when an age identity is present."""
    path, identity = sealed
    monkeypatch.setenv("SEALFILE_AGE_KEY", identity)
    clouds.proxy.hang("Decrypt")
    started = time.monotonic()
    assert load_secrets(path, extract="db.password") == SECRET
    assert time.monotonic() - started < TIMEOUT
    assert clouds.proxy.calls["Decrypt"] == 0


def test_cli_prints_one_error_line_and_exit_1(clouds: Clouds, sealed: tuple[Path, str]) -> None:
    path, _ = sealed
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    with failing(clouds, "aws", "gcp", "azure"):
        for debug in ([], ["--debug"]):
            done = subprocess.run([sys.executable, "-m", "sealfile", *debug, "decrypt", str(path)],
                                  capture_output=True, text=True, env=env, timeout=120, check=False)
            assert done.returncode == 1
            assert SECRET not in done.stdout + done.stderr
            if not debug:
                assert done.stderr.count("\n") == 1, done.stderr
                for name in ("age age1", f"aws_kms {clouds.aws_arn}", f"gcp_kms {GCP_KEY}",
                             f"azure_kv {clouds.azure_url}"):
                    assert name in done.stderr
            else:
                assert "Traceback" in done.stderr and "NoUsableKeyError" in done.stderr


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_sdk_debug_logs_never_hold_the_data_key(clouds: Clouds, cloud: str) -> None:
    """An application that turns the root logger to DEBUG gets every SDK's debug records; botocore's
    hold whole request and response bodies in their text, the Google clients' in fields a structured
    formatter prints (``httpRequest``): the data key must be blanked out of both. The application here
    also sets the "google" logger's level, as one asking for its records does: the Google client stops
    an unconfigured "google" logger from propagating, and this one propagates."""
    key: MasterKey = (AwsKmsKey(clouds.aws_arn) if cloud == "aws" else GcpKmsKey(GCP_KEY) if cloud == "gcp"
                      else AzureKeyVaultKey(clouds.azure_url))
    data_key = os.urandom(32)
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler, root, google = Keep(), logging.getLogger(), logging.getLogger("google")
    old_level, old_google = root.level, (google.level, google.propagate)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    google.setLevel(logging.DEBUG)
    google.propagate = True  # whichever test made this process's first Google client
    try:
        forget_all()
        assert key.unwrap(key.wrap(data_key).wrapped) == data_key
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        google.setLevel(old_google[0])
        google.propagate = old_google[1]
    text = "\n".join(f"{record.getMessage()} {vars(record)!r}" for record in records)
    assert records, "no SDK logged anything at DEBUG: the test would prove nothing"
    assert cloud != "gcp" or "httpRequest" in text, "the Google client logged no body: the test would prove nothing"
    for encoding in (base64.b64encode(data_key).decode(), base64.urlsafe_b64encode(data_key).decode().rstrip("="),
                     data_key.hex()):
        assert encoding not in text


def test_a_bulk_rotate_with_kms_failing_mid_way_leaves_each_file_done_or_untouched(
        clouds: Clouds, tmp_path: Path) -> None:
    """12 files, every third also for a second AWS key that KMS throttles (another answers 500 once, which a
    retry gets over): each file is rotated or exactly as it was, and the last line names each that failed."""
    admin = boto3.client("kms", region_name="us-east-1", endpoint_url=clouds.env["AWS_ENDPOINT_URL"],
                         aws_access_key_id="admin", aws_secret_access_key="admin")
    throttled = admin.create_key(Description="throttled")["KeyMetadata"]["Arn"]
    identity, recipient = generate_identity()
    files = [tmp_path / f"f{index:02}.enc.yaml" for index in range(12)]
    for index, path in enumerate(files):
        path.write_text(seal_text(f"n: {index}\n", [AgeKey(recipient), AwsKmsKey(throttled if index % 3 == 0
                                                                                  else clouds.aws_arn)]))
    before = [path.read_text() for path in files]
    clouds.proxy.fail("Encrypt", "ThrottlingException", "Rate exceeded", key_id=throttled)
    clouds.proxy.fail("Encrypt", "KMSInternalException", "try again", key_id=clouds.aws_arn, times=1, status=500)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "SEALFILE_AGE_KEY": identity}
    done = subprocess.run([sys.executable, "-m", "sealfile", "rotate", *map(str, files)], capture_output=True,
                          text=True, env=env, timeout=300, check=False)
    assert done.returncode == 1
    failed = files[::3]
    for path, text in zip(files, before, strict=True):
        assert (path.read_text() == text) == (path in failed), path
        if path not in failed:
            assert load_secrets(path, extract="n") == files.index(path)
    errors = [line for line in done.stderr.splitlines() if line.startswith("sealfile: error: ")]
    assert errors == [f"sealfile: error: {path}: aws_kms {throttled}: KMS throttled the request (after 2 attempts); "
                      "try again later" for path in failed]
    assert done.stderr.splitlines()[-1] == f"sealfile: rotate: 12 files: 8 ok, 4 failed ({', '.join(map(str, failed))})"
