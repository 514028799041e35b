"""AWS KMS recipients against a real endpoint: real boto3 over HTTP to moto in server mode.

A counting, fault-injecting proxy (tests/fakes/aws_kms_proxy.py) sits in front of moto to
produce what moto cannot (disabled and pending-deletion keys, throttling, denial) and to
count requests at the wire. The client finds it through boto3's own ``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from sealfile import load_secrets
from sealfile.cli.batch import IN_FLIGHT
from sealfile.envelope.datakey import forget_data_keys
from sealfile.errors import ConfigError, NoUsableKeyError, UnwrapError, WrapError
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.kms.aws.client import forget_clients, kms_client
from sealfile.kms.aws.key import DEFAULT_CONTEXT, AwsKmsKey
from sealfile.kms.registry import key_from_config
from sealfile.ops.seal import seal_text
from sealfile.stores.yaml.reader import load_fast
from tests.fakes.aws_kms_proxy import KmsProxy, closed_port_url, start_moto
from tests.fakes.no_metadata import no_metadata_service
from tests.kms.contract import ProviderContract
from tests.support.sealing import forged

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/sealfile-ops"
PLAINTEXT = "db:\n  user: app\n  password: hunter2\napi_token: t0ps3cret\n"


@dataclass(frozen=True)
class Keys:
    arn: str
    other_arn: str
    alias_arn: str
    mrk_arn: str


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server, url = start_moto()
    yield url
    server.stop()


@pytest.fixture(scope="module")
def proxy(moto_url: str) -> Iterator[KmsProxy]:
    running = KmsProxy(moto_url).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def kms_keys(moto_url: str) -> Keys:
    admin = boto3.client(
        "kms", region_name=REGION, endpoint_url=moto_url,
        aws_access_key_id="admin", aws_secret_access_key="admin",
    )
    arn = admin.create_key(Description="sealfile test")["KeyMetadata"]["Arn"]
    other = admin.create_key(Description="sealfile other")["KeyMetadata"]["Arn"]
    # moto keeps its keys for the whole process, and pytest-xdist's worksteal may set this module up
    # twice in one worker: an alias name of its own each time
    alias = f"alias/sealfile-app-{uuid.uuid4().hex[:8]}"
    admin.create_alias(AliasName=alias, TargetKeyId=arn)
    mrk = admin.create_key(MultiRegion=True)["KeyMetadata"]["Arn"]
    return Keys(arn, other, arn.split(":key/")[0] + ":" + alias, mrk)


@pytest.fixture(scope="module")
def aws_config(tmp_path_factory: pytest.TempPathFactory, proxy: KmsProxy) -> Path:
    """An AWS config file: the default profile and 'team' reach the proxy, 'down' reaches nothing."""
    path = tmp_path_factory.mktemp("aws") / "config"
    path.write_text(
        f"[default]\nendpoint_url = {proxy.url}\n\n"
        "[profile team]\naws_access_key_id = AKIATEAMEXAMPLE00001\naws_secret_access_key = team\n"
        f"endpoint_url = {proxy.url}\n\n"
        "[profile down]\naws_access_key_id = AKIADOWNEXAMPLE00001\naws_secret_access_key = down\n"
        f"endpoint_url = {closed_port_url()}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, proxy: KmsProxy, aws_config: Path, tmp_path: Path) -> Iterator[None]:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_KMS", "AWS_REGION",
                 "AWS_DEFAULT_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "SEALFILE_KMS_TIMEOUT",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "SEALFILE_AGE_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws_config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # no backoff sleeps; retry tests raise it (default 4)
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(tmp_path / "no-age-keys.txt"))
    proxy.reset()
    forget_data_keys()
    yield
    proxy.reset()


@pytest.fixture(scope="module", autouse=True)
def clients_of_this_module() -> Iterator[None]:
    """Clients made here point at this module's proxy: drop them when the module ends."""
    forget_clients()
    yield
    forget_clients()


@pytest.fixture
def fresh_clients() -> Iterator[None]:
    """For tests that change what a client is made from (env, endpoint, settings): clients are
    otherwise kept across tests, as in a real process."""
    forget_clients()
    yield
    forget_clients()


@pytest.fixture
def retries(monkeypatch: pytest.MonkeyPatch, fresh_clients: None) -> int:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    return 2


def unwrap_failure(key: AwsKmsKey, wrapped: str) -> str:
    with pytest.raises(UnwrapError) as info:
        key.unwrap(wrapped)
    message = str(info.value)
    assert key.arn in message
    assert "\n" not in message
    return message


class TestAwsKmsContract(ProviderContract):
    """The shared contract; the endpoint comes from the AWS config file's profiles here."""

    @pytest.fixture(autouse=True)
    def endpoint_from_profiles(self, monkeypatch: pytest.MonkeyPatch, fresh_clients: None) -> None:
        monkeypatch.delenv("AWS_ENDPOINT_URL")

    @pytest.fixture
    def key(self, kms_keys: Keys) -> AwsKmsKey:
        return AwsKmsKey.from_cli(kms_keys.arn)

    @pytest.fixture
    def other_key(self, kms_keys: Keys) -> AwsKmsKey:
        return AwsKmsKey.from_cli(kms_keys.other_arn)

    @pytest.fixture
    def unreachable_key(self, kms_keys: Keys) -> AwsKmsKey:
        return AwsKmsKey(kms_keys.arn, DEFAULT_CONTEXT, profile="down")


# --- configuration --------------------------------------------------------------------------


def test_from_cli_and_config_fields(kms_keys: Keys) -> None:
    key = AwsKmsKey.from_cli(f"{kms_keys.arn}+{ROLE}")
    assert key.role == ROLE
    assert key.to_config() == {"arn": kms_keys.arn, "region": REGION, "context": {"sealfile": "data-key"}, "role": ROLE}
    rule = {"arn": kms_keys.alias_arn, "context": {"app": "x"}, "aws_profile": "team", "role_arn": ROLE}
    from_rule = AwsKmsKey.from_config(rule)
    assert (from_rule.context, from_rule.profile, from_rule.role) == ({"app": "x"}, "team", ROLE)
    assert AwsKmsKey.from_config({"arn": kms_keys.arn}).context == {}
    assert AwsKmsKey.from_cli(kms_keys.mrk_arn).region == REGION
    assert AwsKmsKey.from_cli("arn:aws-cn:kms:cn-north-1:123456789012:key/abc").region == "cn-north-1"


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({"arn": "alias/app"}, "not an AWS KMS key or alias ARN"),
        ({"arn": "arn:aws:s3:::bucket"}, "not an AWS KMS key or alias ARN"),
        ({"arn": "arn:aws:kms:us-east-\u0661:123456789012:key/k"}, "not an AWS KMS key or alias ARN"),
        ({"arn": "ARN", "role": "arn:aws:iam::123456789012:role/r\u00e9le"}, "not an IAM role ARN"),
        ({}, "needs 'arn"),
        ({"arn": "ARN", "region": "eu-west-1"}, "differs from the ARN's region"),
        ({"arn": "ARN", "context": {"n": 1}}, "encryption context must map"),
        ({"arn": "ARN", "contxt": {}}, "unknown field(s) contxt"),
        ({"arn": "ARN", "role": "admin"}, "not an IAM role ARN"),
        ({"arn": "ARN", "role": ROLE, "role_arn": ROLE + "x"}, "role and role_arn differ"),
        ({"arn": "ARN", "profile": {"name": "team"}}, "profile must be a non-empty string"),
    ],
)
def test_bad_config_is_one_clear_line(kms_keys: Keys, config: dict[str, Any], words: str) -> None:
    config = {k: (kms_keys.arn if v == "ARN" else v) for k, v in config.items()}
    with pytest.raises(ConfigError) as info:
        key_from_config({"type": "aws_kms", **config})
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_one_client_per_region_profile_role_with_bounded_settings(
    monkeypatch: pytest.MonkeyPatch, fresh_clients: None
) -> None:
    monkeypatch.delenv("AWS_MAX_ATTEMPTS")
    client = kms_client(REGION)
    assert kms_client(REGION) is client
    assert kms_client(REGION, "team") is not client
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 4}
    assert (client.meta.config.connect_timeout, client.meta.config.read_timeout) == (10.0, 10.0)
    forget_clients()
    monkeypatch.setenv("SEALFILE_KMS_TIMEOUT", "2.5")
    assert kms_client(REGION).meta.config.read_timeout == 2.5


def test_a_forked_worker_makes_its_own_client_and_connection(proxy: KmsProxy, kms_keys: Keys, tmp_path: Path,
                                                             fresh_clients: None) -> None:
    """A pre-fork server loads its secrets in the parent and again in each worker: the workers used the
    parent's client and the connection it kept open, so workers asking at once wrote on one socket and
    read each other's answers (a TLS session breaks at the first one)."""
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text(PLAINTEXT, [AwsKmsKey.from_cli(kms_keys.arn)]), encoding="utf-8")
    load_secrets(path)  # the parent's client, and its connection kept open
    forget_data_keys()
    child = os.fork()
    if child == 0:  # the worker: load, say how it went, leave without running the parent's cleanups
        try:
            os._exit(0 if load_secrets(path, redacted=False)["db"]["password"] == "hunter2" else 1)
        except BaseException:
            os._exit(2)
    assert os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) == 0
    parent, worker = (seen.peer for seen in proxy.seen if seen.operation == "Decrypt")
    assert worker != parent


def test_bad_timeout_setting_is_reported(monkeypatch: pytest.MonkeyPatch, kms_keys: Keys, fresh_clients: None) -> None:
    monkeypatch.setenv("SEALFILE_KMS_TIMEOUT", "soon")
    with pytest.raises(WrapError) as info:
        AwsKmsKey.from_cli(kms_keys.arn).wrap(os.urandom(32))
    assert "SEALFILE_KMS_TIMEOUT must be a positive number of seconds" in str(info.value)


def test_sdk_not_imported_until_used() -> None:
    code = "import sys, sealfile.kms.aws, sealfile.cli.options; assert 'boto3' not in sys.modules, 'boto3 imported'"
    subprocess.run([sys.executable, "-c", code], check=True, env=os.environ.copy())


def test_missing_sdk_names_the_extra(kms_keys: Keys) -> None:
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.partition('.')[0] in ('boto3', 'botocore'):\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from sealfile.errors import ProviderUnavailable\n"
        "from sealfile.kms.aws.key import AwsKmsKey\n"
        "try:\n"
        f"    AwsKmsKey.from_cli({kms_keys.arn!r}).unwrap('AAAA')\n"
        "except ProviderUnavailable as err:\n"
        "    print(err)\n"
        "try:\n"
        f"    AwsKmsKey.from_cli({kms_keys.arn!r}).wrap(bytes(32))\n"
        "except ProviderUnavailable as err:\n"
        "    print(err)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ.copy())
    assert "AWS KMS needs the 'boto3' package; install it with: pip install 'sealfile[aws]'" in done.stdout
    # rotate, recipients add: the line names the key the command needed
    assert done.stdout.splitlines()[-1] == (f"aws_kms {kms_keys.arn}: AWS KMS needs the 'boto3' package; install "
                                            "it with: pip install 'sealfile[aws]'")


# --- what goes over the wire ----------------------------------------------------------------


def test_decrypt_names_the_key_and_sends_the_stored_context(proxy: KmsProxy, kms_keys: Keys) -> None:
    key = AwsKmsKey.from_cli(kms_keys.alias_arn).with_context({"team": "x"})
    data_key = os.urandom(32)
    wrapped = key.wrap(data_key).wrapped
    stanza = {"type": "aws_kms", **key.to_config(), "wrapped": wrapped}
    assert stanza["context"] == {"sealfile": "data-key", "team": "x"}
    assert key_from_config(stanza).unwrap(wrapped) == data_key
    decrypts = [s for s in proxy.seen if s.operation == "Decrypt"]
    assert [s.key_id for s in decrypts] == [kms_keys.alias_arn]
    assert decrypts[0].region == REGION



def test_a_re_pointed_alias_is_named_as_the_cause(proxy: KmsProxy, kms_keys: Keys, moto_url: str) -> None:
    """An ops team points the file's alias at a new key: KMS resolves the alias on Decrypt and answers
    IncorrectKeyException (moto answers AccessDenied instead: the real answer is injected at the wire)."""
    admin = boto3.client("kms", region_name=REGION, endpoint_url=moto_url,
                         aws_access_key_id="admin", aws_secret_access_key="admin")
    name = f"alias/sealfile-moved-{uuid.uuid4().hex[:8]}"
    admin.create_alias(AliasName=name, TargetKeyId=kms_keys.arn)
    key = AwsKmsKey.from_cli(kms_keys.arn.split(":key/")[0] + ":" + name)
    wrapped = key.wrap(os.urandom(32)).wrapped
    admin.update_alias(AliasName=name, TargetKeyId=kms_keys.other_arn)
    proxy.fail("Decrypt", "IncorrectKeyException",
               "The key ID in the request does not identify a CMK that can perform this operation.", key_id=key.arn)
    assert "the alias now names another KMS key than the one that wrapped the data key" in unwrap_failure(key, wrapped)
    admin.update_alias(AliasName=name, TargetKeyId=kms_keys.arn)
    proxy.reset()
    assert len(key.unwrap(wrapped)) == 32  # pointed back, the file opens again

def test_multi_region_key_arn_wraps(proxy: KmsProxy, kms_keys: Keys) -> None:
    # moto truncates mrk- key ids inside its ciphertext, so it cannot Decrypt them: wrap only.
    key = AwsKmsKey.from_cli(kms_keys.mrk_arn)
    assert key.wrap(os.urandom(32))
    assert [(s.operation, s.key_id, s.region) for s in proxy.seen] == [("Encrypt", kms_keys.mrk_arn, REGION)]


def test_profile_credentials_are_used(proxy: KmsProxy, kms_keys: Keys) -> None:
    key = AwsKmsKey(kms_keys.arn, DEFAULT_CONTEXT, profile="team")
    data_key = os.urandom(32)
    assert key.unwrap(key.wrap(data_key).wrapped) == data_key
    assert {s.access_key for s in proxy.seen} == {"AKIATEAMEXAMPLE00001"}


def test_role_is_assumed_once_and_its_credentials_sign_kms_calls(proxy: KmsProxy, kms_keys: Keys) -> None:
    key = AwsKmsKey.from_cli(f"{kms_keys.arn}+{ROLE}")
    data_key = os.urandom(32)
    wrapped = key.wrap(data_key).wrapped
    assert key.unwrap(wrapped) == data_key
    assert key.unwrap(wrapped) == data_key
    assert proxy.calls["AssumeRole"] == 1
    assume = next(s for s in proxy.seen if s.operation == "AssumeRole")
    kms_signers = {s.access_key for s in proxy.seen if s.operation in ("Encrypt", "Decrypt")}
    assert assume.access_key == "testing"
    assert len(kms_signers) == 1
    assert kms_signers != {"testing"}


def test_role_that_cannot_be_assumed(proxy: KmsProxy, kms_keys: Keys, fresh_clients: None) -> None:
    wrapped = AwsKmsKey.from_cli(kms_keys.arn).wrap(os.urandom(32)).wrapped
    proxy.fail("AssumeRole", "AccessDenied", "not authorized to perform sts:AssumeRole", status=403)
    message = unwrap_failure(AwsKmsKey(kms_keys.arn, DEFAULT_CONTEXT, role=ROLE), wrapped)
    assert f"cannot assume role {ROLE}: AccessDenied" in message


# --- errors: one line naming the ARN and the cause ------------------------------------------


@pytest.mark.parametrize(
    ("error", "aws_message", "words"),
    [
        ("AccessDeniedException", "User is not authorized to perform kms:Decrypt", "access denied"),
        ("DisabledException", "ARN is disabled.", "the key is disabled"),
        ("KMSInvalidStateException", "ARN is pending deletion.", "the key is pending deletion"),
        ("ThrottlingException", "Rate exceeded", "KMS throttled the request; try again later"),
        ("KMSInternalException", "internal error", "KMS is unavailable"),
    ],
)
def test_kms_refusals(proxy: KmsProxy, kms_keys: Keys, error: str, aws_message: str, words: str) -> None:
    key = AwsKmsKey.from_cli(kms_keys.arn)
    wrapped = key.wrap(os.urandom(32)).wrapped
    proxy.fail("Decrypt", error, aws_message.replace("ARN", kms_keys.arn))
    assert words in unwrap_failure(key, wrapped)


def test_real_iam_denial(monkeypatch: pytest.MonkeyPatch, moto_url: str, fresh_clients: None) -> None:
    """An IAM policy that denies kms:Decrypt, enforced by moto with auth switched on."""
    admin: dict[str, Any] = {"region_name": REGION, "endpoint_url": moto_url,
                             "aws_access_key_id": "admin", "aws_secret_access_key": "admin"}
    arn = boto3.client("kms", **admin).create_key()["KeyMetadata"]["Arn"]
    iam = boto3.client("iam", **admin)
    iam.create_user(UserName="reader")
    iam.put_user_policy(UserName="reader", PolicyName="no-decrypt", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
                      {"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"}],
    }))
    access = iam.create_access_key(UserName="reader")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", access["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", access["SecretAccessKey"])
    set_moto_auth(moto_url, b"0")
    try:
        key = AwsKmsKey.from_cli(arn)
        message = unwrap_failure(key, key.wrap(os.urandom(32)).wrapped)
    finally:
        set_moto_auth(moto_url, b"inf")  # process-wide in moto: switch it off for the other tests
    assert "access denied: the AWS credentials in use may not call kms:Decrypt" in message


def set_moto_auth(url: str, free_requests: bytes) -> None:
    """moto checks IAM after ``free_requests`` unauthenticated requests (``inf``: never)."""
    request = urllib.request.Request(f"{url}/moto-api/reset-auth", data=free_requests, method="POST",
                                     headers={"Content-Type": "text/plain"})
    urllib.request.urlopen(request, timeout=10).close()


def test_throttling_is_retried_then_succeeds(proxy: KmsProxy, kms_keys: Keys, retries: int) -> None:
    key = AwsKmsKey.from_cli(kms_keys.arn)
    data_key = os.urandom(32)
    wrapped = key.wrap(data_key).wrapped
    proxy.fail("Decrypt", "ThrottlingException", "Rate exceeded", times=1)
    assert key.unwrap(wrapped) == data_key
    assert proxy.calls["Decrypt"] == 2


def test_throttling_retries_are_bounded(proxy: KmsProxy, kms_keys: Keys, retries: int) -> None:
    key = AwsKmsKey.from_cli(kms_keys.arn)
    wrapped = key.wrap(os.urandom(32)).wrapped
    proxy.fail("Decrypt", "ThrottlingException", "Rate exceeded")
    assert f"KMS throttled the request (after {retries} attempts)" in unwrap_failure(key, wrapped)
    assert proxy.calls["Decrypt"] == retries


def test_unknown_key(kms_keys: Keys) -> None:
    unknown = kms_keys.arn.split(":key/")[0] + f":key/{uuid.uuid4()}"
    wrapped = AwsKmsKey.from_cli(kms_keys.arn).wrap(os.urandom(32)).wrapped
    assert f"no such key in region {REGION}" in unwrap_failure(AwsKmsKey.from_cli(unknown), wrapped)
    with pytest.raises(WrapError) as info:
        AwsKmsKey.from_cli(unknown).wrap(os.urandom(32))
    assert unknown in str(info.value)
    assert "no such key" in str(info.value)


def test_wrong_region_arn(proxy: KmsProxy, kms_keys: Keys) -> None:
    wrapped = AwsKmsKey.from_cli(kms_keys.arn).wrap(os.urandom(32)).wrapped
    elsewhere = AwsKmsKey.from_cli(kms_keys.arn.replace(f":{REGION}:", ":eu-west-1:"))
    assert "no such key in region eu-west-1" in unwrap_failure(elsewhere, wrapped)
    assert proxy.seen[-1].region == "eu-west-1"


def test_endpoint_serving_another_region(proxy: KmsProxy, kms_keys: Keys) -> None:
    key = AwsKmsKey.from_cli(kms_keys.arn)
    wrapped = key.wrap(os.urandom(32)).wrapped
    proxy.region = "eu-west-1"  # as if AWS_ENDPOINT_URL_KMS named kms.eu-west-1.amazonaws.com
    message = unwrap_failure(key, wrapped)
    assert f"wrong region: the KMS endpoint does not serve {REGION}" in message


def test_wrong_context(kms_keys: Keys) -> None:
    key = AwsKmsKey.from_cli(kms_keys.arn)
    data_key = os.urandom(32)
    wrapped = key.wrap(data_key).wrapped
    message = unwrap_failure(key.with_context({"team": "other\nline"}), wrapped)
    assert 'encryption context {"sealfile": "data-key", "team": "other\\nline"} differs' in message
    assert data_key.hex() not in message


def test_empty_context_round_trip(kms_keys: Keys) -> None:
    key = AwsKmsKey.from_config({"arn": kms_keys.arn})
    data_key = os.urandom(32)
    wrapped = key.wrap(data_key).wrapped
    assert key.unwrap(wrapped) == data_key
    assert "encryption context" in unwrap_failure(AwsKmsKey.from_cli(kms_keys.arn), wrapped)


def test_no_credentials(monkeypatch: pytest.MonkeyPatch, kms_keys: Keys, fresh_clients: None) -> None:
    wrapped = AwsKmsKey.from_cli(kms_keys.arn).wrap(os.urandom(32)).wrapped
    forget_clients()
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    assert "no AWS credentials found" in unwrap_failure(AwsKmsKey.from_cli(kms_keys.arn), wrapped)


def test_no_credentials_are_looked_for_once_per_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                     fresh_clients: None) -> None:
    """A file for one key in each of five regions (multi-Region keys, or a file's choice), read where no
    credentials are: each region's client looked for them again, asking the instance metadata service each
    time (here a local one that has none: on a laptop each probe waits for its timeout)."""
    regions = ["us-east-1", "eu-west-1", "eu-central-1", "ap-south-1", "sa-east-1"]
    keys = [AwsKmsKey(f"arn:aws:kms:{region}:111122223333:key/mrk-1234abcd") for region in regions]
    stanzas = [{"type": "aws_kms", **key.to_config(), "wrapped": "AAAA"} for key in keys]
    path = tmp_path / "regions.enc.yaml"
    path.write_text(forged("a: attacker-chosen\n", stanzas)[0])
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_EC2_METADATA_DISABLED"):
        monkeypatch.delenv(name)
    with no_metadata_service() as (address, asked), pytest.raises(NoUsableKeyError) as info:
        monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", f"http://{address}/")
        load_secrets(path)
    assert [attempt.cause for attempt in info.value.attempts] == [info.value.attempts[0].cause] * 5
    assert "no AWS credentials found" in info.value.attempts[0].cause
    assert len([p for p in asked if "security-credentials" in p]) == 1, asked


def test_unknown_profile(kms_keys: Keys) -> None:
    wrapped = AwsKmsKey.from_cli(kms_keys.arn).wrap(os.urandom(32)).wrapped
    key = AwsKmsKey(kms_keys.arn, DEFAULT_CONTEXT, profile="nope")
    assert "AWS profile 'nope' is not configured" in unwrap_failure(key, wrapped)


def test_connection_refused(monkeypatch: pytest.MonkeyPatch, kms_keys: Keys, retries: int) -> None:
    wrapped = AwsKmsKey.from_cli(kms_keys.arn).wrap(os.urandom(32)).wrapped
    forget_clients()
    nowhere = closed_port_url()
    monkeypatch.setenv("AWS_ENDPOINT_URL", nowhere)
    message = unwrap_failure(AwsKmsKey.from_cli(kms_keys.arn), wrapped)
    assert f"cannot reach KMS at {nowhere}" in message
    assert f"gave up after {retries} attempt(s)" in message


def test_silent_endpoint_times_out(
    monkeypatch: pytest.MonkeyPatch, proxy: KmsProxy, kms_keys: Keys, fresh_clients: None
) -> None:
    wrapped = AwsKmsKey.from_cli(kms_keys.arn).wrap(os.urandom(32)).wrapped
    forget_clients()
    monkeypatch.setenv("SEALFILE_KMS_TIMEOUT", "0.3")
    proxy.hang("Decrypt")
    started = time.monotonic()
    message = unwrap_failure(AwsKmsKey.from_cli(kms_keys.arn), wrapped)
    assert "did not answer within 0.3 s" in message
    assert time.monotonic() - started < 3
    counted = time.monotonic() + 5  # on a loaded machine the proxy may count the request after the client gave up
    while proxy.calls["Decrypt"] == 0 and time.monotonic() < counted:
        time.sleep(0.01)
    time.sleep(0.2)  # and a retry, had there been one, counted too
    assert proxy.calls["Decrypt"] == 1


# --- files with several recipients ----------------------------------------------------------


@pytest.fixture
def age_identity() -> tuple[str, AgeKey]:
    identity, recipient = generate_identity()
    return identity, AgeKey(recipient)


@pytest.fixture
def sealed_file(tmp_path: Path, kms_keys: Keys, age_identity: tuple[str, AgeKey]) -> Path:
    path = tmp_path / "secrets.enc.yaml"
    path.write_text(seal_text(PLAINTEXT, [AwsKmsKey.from_cli(kms_keys.arn), age_identity[1]]), encoding="utf-8")
    forget_data_keys()
    return path


EXPECTED = {"db": {"user": "app", "password": "hunter2"}, "api_token": "t0ps3cret"}


def test_open_with_aws_when_age_is_absent(proxy: KmsProxy, sealed_file: Path) -> None:
    assert load_secrets(sealed_file) == EXPECTED
    assert proxy.calls["Decrypt"] == 1


def test_open_with_age_when_aws_is_down(
    monkeypatch: pytest.MonkeyPatch, proxy: KmsProxy, sealed_file: Path, age_identity: tuple[str, AgeKey],
    fresh_clients: None,
) -> None:
    forget_clients()
    monkeypatch.setenv("AWS_ENDPOINT_URL", closed_port_url())
    monkeypatch.setenv("SEALFILE_AGE_KEY", age_identity[0])
    assert load_secrets(sealed_file) == EXPECTED
    assert proxy.calls["Decrypt"] == 0


def test_no_usable_recipient_lists_both(
    monkeypatch: pytest.MonkeyPatch, sealed_file: Path, kms_keys: Keys, fresh_clients: None
) -> None:
    forget_clients()
    monkeypatch.setenv("AWS_ENDPOINT_URL", closed_port_url())
    with pytest.raises(NoUsableKeyError) as info:
        load_secrets(sealed_file)
    message = str(info.value)
    assert "\n" not in message
    assert "age" in message and "no matching identity" in message
    assert kms_keys.arn in message and "cannot reach KMS" in message


def test_failing_aws_recipient_falls_back_to_the_next(proxy: KmsProxy, tmp_path: Path, kms_keys: Keys) -> None:
    path = tmp_path / "two.enc.yaml"
    keys = [AwsKmsKey.from_cli(kms_keys.arn), AwsKmsKey.from_cli(kms_keys.other_arn)]
    path.write_text(seal_text(PLAINTEXT, keys), encoding="utf-8")
    forget_data_keys()
    proxy.fail("Decrypt", "DisabledException", f"{kms_keys.arn} is disabled.", key_id=kms_keys.arn)
    assert load_secrets(path) == EXPECTED
    assert [s.key_id for s in proxy.seen if s.operation == "Decrypt"] == [kms_keys.arn, kms_keys.other_arn]


def test_many_loads_make_one_decrypt_call(proxy: KmsProxy, sealed_file: Path) -> None:
    for _ in range(5):
        assert load_secrets(sealed_file, extract="db.password") == "hunter2"
    assert proxy.calls["Decrypt"] == 1


# --- the CLI, as a user runs it --------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sealfile", *args], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=60)


def test_cli_encrypt_decrypt_and_error_exit(proxy: KmsProxy, tmp_path: Path, kms_keys: Keys) -> None:
    plain = tmp_path / "secrets.yaml"
    plain.write_text(PLAINTEXT, encoding="utf-8")
    sealed = tmp_path / "secrets.enc.yaml"
    done = run_cli("encrypt", "--aws-kms", kms_keys.arn, "--aws-context", "team=x", str(plain), "-o", str(sealed))
    assert done.returncode == 0, done.stderr
    (stanza,) = load_fast(sealed.read_text(encoding="utf-8"))["sealfile"]["recipients"]
    assert stanza["context"] == {"sealfile": "data-key", "team": "x"}
    assert (stanza["type"], stanza["arn"], stanza["region"]) == ("aws_kms", kms_keys.arn, REGION)

    done = run_cli("decrypt", str(sealed))
    assert (done.returncode, done.stdout) == (0, PLAINTEXT), done.stderr

    proxy.fail("Decrypt", "AccessDeniedException", "User is not authorized to perform kms:Decrypt")
    done = run_cli("decrypt", str(sealed))
    assert done.returncode == 1
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
    assert "Traceback" not in done.stderr
    assert kms_keys.arn in done.stderr and "access denied" in done.stderr


def test_cli_rejects_malformed_context(tmp_path: Path, kms_keys: Keys) -> None:
    plain = tmp_path / "secrets.yaml"
    plain.write_text(PLAINTEXT, encoding="utf-8")
    done = run_cli("encrypt", "--aws-kms", kms_keys.arn, "--aws-context", "team", str(plain))
    assert done.returncode == 2
    assert "expected KEY=VALUE" in done.stderr
    done = run_cli("encrypt", "--age", AgeKey(generate_identity()[1]).recipient, "--aws-context", "a=b", str(plain))
    assert done.returncode == 2
    assert "--aws-context applies to --aws-kms keys" in done.stderr
    done = run_cli("encrypt", "--aws-kms", "alias/app", str(plain))
    assert (done.returncode, len(done.stderr.splitlines())) == (2, 1)
    assert "not an AWS KMS key or alias ARN: 'alias/app'" in done.stderr


# --- a file must not choose the role or profile whose credentials are used -------------------


def _file_naming(tmp_path: Path, key: AwsKmsKey, proxy: KmsProxy) -> Path:
    path = tmp_path / "secrets.enc.yaml"
    path.write_text(seal_text(PLAINTEXT, [key]), encoding="utf-8")  # the user's own key: used as given
    forget_data_keys()
    forget_clients()
    proxy.reset()
    return path


def test_a_role_named_in_a_file_is_assumed_only_if_trusted(
    proxy: KmsProxy, kms_keys: Keys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_clients: None
) -> None:
    path = _file_naming(tmp_path, AwsKmsKey(kms_keys.arn, DEFAULT_CONTEXT, role=ROLE), proxy)
    with pytest.raises(NoUsableKeyError) as caught:
        load_secrets(path)
    assert f"the file names role '{ROLE}', which is not trusted here" in str(caught.value)
    assert "SEALFILE_TRUSTED_ROLES" in str(caught.value)
    assert proxy.calls == {}  # no sts:AssumeRole, no kms:Decrypt
    monkeypatch.setenv("SEALFILE_TRUSTED_ROLES", "arn:aws:iam::999999999999:role/x, arn:aws:iam::123456789012:role/*")
    assert load_secrets(path) == EXPECTED
    assert proxy.calls["AssumeRole"] == 1


def test_a_profile_named_in_a_file_is_used_only_if_trusted(
    proxy: KmsProxy, kms_keys: Keys, tmp_path: Path, fresh_clients: None
) -> None:
    path = _file_naming(tmp_path, AwsKmsKey(kms_keys.arn, DEFAULT_CONTEXT, profile="team"), proxy)
    with pytest.raises(NoUsableKeyError, match="the file names profile 'team', which is not trusted"):
        load_secrets(path)
    assert proxy.calls == {}
    (tmp_path / ".sealfile.yaml").write_text("trust:\n  profiles: [team]\n")
    assert load_secrets(path) == EXPECTED
    assert {s.access_key for s in proxy.seen} == {"AKIATEAMEXAMPLE00001"}


def test_a_role_in_a_creation_rule_is_trusted_for_files_it_governs(
    proxy: KmsProxy, kms_keys: Keys, tmp_path: Path, fresh_clients: None
) -> None:
    path = _file_naming(tmp_path, AwsKmsKey(kms_keys.arn, DEFAULT_CONTEXT, role=ROLE), proxy)
    (tmp_path / ".sealfile.yaml").write_text(
        f"creation_rules:\n  - aws_kms:\n      - arn: {kms_keys.arn}\n        role: {ROLE}\n")
    assert load_secrets(path) == EXPECTED
    elsewhere = tmp_path / "sub" / "other.enc.yaml"  # the same config governs it: trusted too
    elsewhere.parent.mkdir()
    elsewhere.write_text(path.read_text())
    assert load_secrets(elsewhere) == EXPECTED


def test_rotate_does_not_wrap_for_an_untrusted_role(
    proxy: KmsProxy, kms_keys: Keys, tmp_path: Path, age_identity: tuple[str, AgeKey], fresh_clients: None
) -> None:
    """With an age key the file opens without AWS; rotating re-wraps for every recipient, and the
    role the file names must not be assumed for that either."""
    path = tmp_path / "secrets.enc.yaml"
    path.write_text(seal_text(PLAINTEXT, [age_identity[1], AwsKmsKey(kms_keys.arn, DEFAULT_CONTEXT, role=ROLE)]))
    before = path.read_text()
    proxy.reset()
    done = subprocess.run([sys.executable, "-m", "sealfile", "rotate", str(path)], capture_output=True, text=True,
                          env={**os.environ, "SEALFILE_AGE_KEY": age_identity[0]}, timeout=60)
    assert done.returncode == 1
    assert f"names role '{ROLE}', which is not trusted" in done.stderr
    assert proxy.calls == {}
    assert path.read_text() == before


# --- git's views of a sealed file work offline ------------------------------------------------


def test_git_diff_log_and_review_never_contact_kms(
    proxy: KmsProxy, kms_keys: Keys, tmp_path: Path, age_identity: tuple[str, AgeKey]
) -> None:
    """Every revision git shows runs textconv: with a cloud recipient that would be a KMS call (or a
    request to whatever host a file names) per revision. Only a local key may decrypt there."""
    from tests.support.git import SEALFILE

    repo = tmp_path / "repo"
    repo.mkdir()
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text("[user]\n\tname = T\n\temail = t@example.com\n")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": str(gitconfig), "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp_path)}

    def run(*args: str, extra: dict[str, str] | None = None) -> str:
        done = subprocess.run(list(args), cwd=repo, env={**env, **(extra or {})}, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    keys = [AwsKmsKey.from_cli(kms_keys.arn), age_identity[1]]
    run("git", "init", "-q")
    run(*shlex.split(SEALFILE), "git", "install", "--command", SEALFILE)
    (repo / "app.enc.yaml").write_text(seal_text(PLAINTEXT, keys))
    run("git", "add", "-A")
    run("git", "commit", "-qm", "one")
    (repo / "app.enc.yaml").write_text(seal_text(PLAINTEXT.replace("hunter2", "hunter3"), keys))
    run("git", "commit", "-qam", "two")
    proxy.reset()
    shown = run("git", "log", "-p") + run("git", "diff", "HEAD~1", "HEAD") + run(*shlex.split(SEALFILE), "review",
                                                                                 "HEAD~1", "HEAD")
    assert "no local key to decrypt" in shown and "hunter" not in shown
    assert proxy.calls == {}
    with_age = run("git", "diff", "HEAD~1", "HEAD", extra={"SEALFILE_AGE_KEY": age_identity[0]})
    assert "+  password: hunter3" in with_age
    assert proxy.calls == {}


def test_updatekeys_asks_before_contacting_a_new_recipients_service(
    proxy: KmsProxy, kms_keys: Keys, tmp_path: Path, age_identity: tuple[str, AgeKey]
) -> None:
    """The rule adds an AWS KMS key: nothing goes to KMS until the user says yes."""
    path = tmp_path / "secrets.enc.yaml"
    path.write_text(seal_text(PLAINTEXT, [age_identity[1]]))
    (tmp_path / ".sealfile.yaml").write_text(
        f"creation_rules:\n  - age: {age_identity[1].recipient}\n    aws_kms: {kms_keys.arn}\n")
    before = path.read_text()
    env = {**os.environ, "SEALFILE_AGE_KEY": age_identity[0]}

    def updatekeys(answer: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "sealfile", "updatekeys", str(path)], input=answer,
                              capture_output=True, text=True, env=env, timeout=60)

    proxy.reset()
    declined = updatekeys("n\n")
    assert f"{path}: + aws_kms {kms_keys.arn}" in declined.stderr and f"{path}: skipped" in declined.stderr
    assert proxy.calls == {} and path.read_text() == before
    accepted = updatekeys("y\n")
    assert accepted.returncode == 0, accepted.stderr
    assert proxy.calls["Encrypt"] == 1 and "aws_kms" in path.read_text()


def test_updatekeys_writes_a_recipient_whose_settings_change_again(
    proxy: KmsProxy, kms_keys: Keys, tmp_path: Path, age_identity: tuple[str, AgeKey]
) -> None:
    """The rule keeps an AWS key but gives it another encryption context (as for another role or profile):
    its stanza is wrapped again with it, and the preview says so. It read 'recipients already match', and
    readers went on using the old settings."""
    path = tmp_path / "secrets.enc.yaml"
    path.write_text(seal_text(PLAINTEXT, [age_identity[1], AwsKmsKey(kms_keys.arn, DEFAULT_CONTEXT)]))
    (tmp_path / ".sealfile.yaml").write_text(
        f"creation_rules:\n  - age: {age_identity[1].recipient}\n    aws_kms:\n      - arn: {kms_keys.arn}\n"
        "        context: {app: billing}\n")
    env = {**os.environ, "SEALFILE_AGE_KEY": age_identity[0]}

    def updatekeys() -> subprocess.CompletedProcess[str]:
        proxy.reset()
        return subprocess.run([sys.executable, "-m", "sealfile", "updatekeys", "-y", str(path)],
                              capture_output=True, text=True, env=env, timeout=60)

    changed = updatekeys()
    assert changed.returncode == 0, changed.stderr
    assert f"{path}: ~ aws_kms {kms_keys.arn} (its settings change)" in changed.stderr
    assert f"{path}: settings of aws_kms {kms_keys.arn} changed" in changed.stderr
    assert proxy.calls == {"Encrypt": 1}
    assert "billing" in path.read_text()
    again = updatekeys()
    assert again.returncode == 0 and f"{path}: recipients already match" in again.stderr
    assert proxy.calls == {}


def test_the_proxy_takes_every_connection_a_bulk_command_opens_at_once(moto_url: str) -> None:
    """Connections opened together are queued by the proxy's listening socket even while its
    accepting thread is busy: a full backlog drops the handshake and the client's kernel retries it
    a second later, which the bulk benchmarks measured as a stall of sealfile's."""
    idle = KmsProxy(moto_url)  # never started: nothing accepts, only the backlog holds connections
    port = int(idle.url.rsplit(":", 1)[1])
    opened: list[socket.socket] = []
    try:
        for _ in range(4 * IN_FLIGHT):
            opened.append(socket.create_connection(("127.0.0.1", port), timeout=0.5))
    finally:
        for connection in opened:
            connection.close()
        idle.stop()
    assert len(opened) == 4 * IN_FLIGHT


def test_bulk_changes_wrap_once_per_new_recipient_with_files_in_flight_together(
    proxy: KmsProxy, kms_keys: Keys, tmp_path: Path, age_identity: tuple[str, AgeKey]
) -> None:
    """Over several files, ``updatekeys``, ``recipients add`` and ``rotate`` send one ``Encrypt`` per
    AWS recipient wrapped per file, as SOPS does, and no ``Decrypt`` (the age key opens each file);
    requests for different files are in flight together, never more than the bound."""
    files = [tmp_path / f"s{number}.enc.yaml" for number in range(4)]
    for path in files:
        path.write_text(seal_text(PLAINTEXT, [age_identity[1]]))
    (tmp_path / ".sealfile.yaml").write_text(
        f"creation_rules:\n  - age: {age_identity[1].recipient}\n    aws_kms: {kms_keys.arn},{kms_keys.other_arn}\n")
    env = {**os.environ, "SEALFILE_AGE_KEY": age_identity[0]}

    def sealfile(*args: str) -> dict[str, int]:
        proxy.reset()
        proxy.delay = 0.3  # long enough that files overlap if they are worked on together
        done = subprocess.run([sys.executable, "-m", "sealfile", *args, *map(str, files)], capture_output=True,
                              text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        assert 2 <= proxy.most_in_flight <= IN_FLIGHT
        return dict(proxy.calls)

    assert sealfile("updatekeys", "-y") == {"Encrypt": 2 * len(files)}
    assert sorted(seen.key_id or "" for seen in proxy.seen) == sorted([kms_keys.arn, kms_keys.other_arn] * len(files))
    assert sealfile("recipients", "add", "--aws-kms", kms_keys.mrk_arn) == {"Encrypt": len(files)}
    (tmp_path / ".sealfile.yaml").write_text(  # as recipients add tells: else writers refuse the key the rule lacks
        f"creation_rules:\n  - age: {age_identity[1].recipient}\n"
        f"    aws_kms: {kms_keys.arn},{kms_keys.other_arn},{kms_keys.mrk_arn}\n")
    assert sealfile("rotate") == {"Encrypt": 3 * len(files)}
    assert all(load_secrets(path, redacted=False) == load_fast(PLAINTEXT) for path in files)
