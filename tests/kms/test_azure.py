"""Azure Key Vault recipients through the real SDK: ``CryptographyClient`` + ``DefaultAzureCredential``.

The fake vault (tests/fakes/azure_kv.py) is reached exactly as Azure is: through ``HTTPS_PROXY``
with its CA trusted by ``REQUESTS_CA_BUNDLE``, credentials from ``AZURE_TENANT_ID`` /
``AZURE_CLIENT_ID`` / ``AZURE_CLIENT_SECRET`` exchanged at the (fake) Entra ID token endpoint, key
URLs of the form ``https://sealfile-XXXX.vault.azure.net/keys/NAME``. No SDK object is mocked.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sealfile import load_secrets
from sealfile.envelope.datakey import forget_data_keys
from sealfile.errors import ConfigError, NoUsableKeyError, UnwrapError, WrapError
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.kms.azure.key import AzureKeyVaultKey, forget_credential
from sealfile.kms.registry import key_from_config
from sealfile.ops.seal import seal_text
from sealfile.stores.yaml.reader import load_fast
from tests.fakes.azure_kv import FakeKeyVault
from tests.kms.contract import ProviderContract
from tests.support.sealing import forged
from tests.support.spy import spy_program

PLAINTEXT = "db:\n  user: app\n  password: hunter2\napi_token: t0ps3cret\n"
DATA_KEY = bytes(range(32))


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeKeyVault]:
    fake = FakeKeyVault(tmp_path_factory.mktemp("azure")).start()
    fake.create_key("sealfile")
    fake.create_key("other")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in fake.client_env().items():
            patch.setenv(name, value)
        forget_credential()
        yield fake
    forget_credential()
    fake.stop()


@pytest.fixture(autouse=True)
def clean(vault: FakeKeyVault) -> Iterator[None]:
    vault.reset()
    forget_data_keys()
    yield
    forget_data_keys()


@pytest.fixture
def fresh_credential() -> Iterator[None]:
    """For tests that change the credential environment: rebuild the credential before and after."""
    forget_credential()
    yield
    forget_credential()


def url(vault: FakeKeyVault, name: str = "sealfile", version: str | None = None) -> str:
    return f"{vault.vault_url}/keys/{name}" + (f"/{version}" if version else "")


@pytest.fixture
def key(vault: FakeKeyVault) -> AzureKeyVaultKey:
    return AzureKeyVaultKey(url(vault))


@pytest.fixture
def other_key(vault: FakeKeyVault) -> AzureKeyVaultKey:
    return AzureKeyVaultKey(url(vault, "other"))


@pytest.fixture
def unreachable_key(vault: FakeKeyVault) -> AzureKeyVaultKey:
    """A vault name that does not resolve (the proxy answers 502, as for a deleted vault)."""
    return AzureKeyVaultKey(f"https://deleted-vault.vault.azure.net/keys/sealfile/{vault.current_version('sealfile')}")


class TestAzureContract(ProviderContract):
    pass


def assert_one_line(err: Exception, key_url: str) -> str:
    message = str(err)
    assert key_url in message
    assert "\n" not in message
    assert DATA_KEY.hex() not in message
    return message


# -- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        "http://v.vault.azure.net/keys/k",  # not https
        "https://v.vault.azure.net/secrets/k",  # not a key
        "https://v.vault.azure.net/keys/",  # no name
        "https://v.vault.azure.net/keys/bad_name",  # underscore is not allowed in names
        "https://v.vault.azure.net/keys/k/v1/extra",
        "https://v.vault.azure.net/keys/k?api-version=7.4",
        "v.vault.azure.net/keys/k",
    ],
)
def test_rejects_what_is_not_a_key_url(bad: str) -> None:
    with pytest.raises(ConfigError, match=r"not an Azure Key Vault key URL.*VAULT\.vault\.azure\.net/keys/NAME"):
        AzureKeyVaultKey.from_cli(bad)


def test_config_fields_and_aliases(vault: FakeKeyVault) -> None:
    assert AzureKeyVaultKey.from_config({"url": url(vault)}).key_id == url(vault)
    pinned = AzureKeyVaultKey.from_cli(url(vault, version="abc123"))
    assert pinned.to_config() == {"key": url(vault, version="abc123"), "version": "abc123"}
    with pytest.raises(ConfigError, match="needs 'key: https://VAULT"):
        AzureKeyVaultKey.from_config({"name": "sealfile"})
    with pytest.raises(ConfigError, match="contradicts"):
        AzureKeyVaultKey.from_config({"key": url(vault, version="abc123"), "version": "def456"})
    with pytest.raises(ConfigError, match="not a key version"):
        AzureKeyVaultKey.from_config({"key": url(vault), "version": "../x"})
    assert key_from_config({"type": "azure_kv", "key": url(vault)}).key_id == url(vault)


def test_timeout_setting_is_checked(monkeypatch: pytest.MonkeyPatch, key: AzureKeyVaultKey) -> None:
    monkeypatch.setenv("SEALFILE_KMS_TIMEOUT", "soon")
    with pytest.raises(WrapError, match="SEALFILE_KMS_TIMEOUT must be a positive number of seconds"):
        key.wrap(DATA_KEY)


# -- versions and rotation -------------------------------------------------------------------------


def test_wrap_records_the_version_and_unwrap_names_it(vault: FakeKeyVault, key: AzureKeyVaultKey) -> None:
    recipient = key.wrap(DATA_KEY)
    wrapped = recipient.wrapped
    current = vault.current_version("sealfile")
    assert recipient.key.to_config() == {"key": url(vault), "version": current}
    assert key.version is None, "wrapping must not change the key"
    vault.requests.clear()
    assert AzureKeyVaultKey.from_config(recipient.key.to_config()).unwrap(wrapped) == DATA_KEY
    assert ("POST", f"/keys/sealfile/{current}/unwrapkey") in vault.requests


def test_rotation_keeps_old_files_open_and_new_wraps_use_the_new_version(vault: FakeKeyVault) -> None:
    vault.create_key("rotating")
    first_recipient = AzureKeyVaultKey(url(vault, "rotating")).wrap(DATA_KEY)
    first, wrapped_v1 = first_recipient.key, first_recipient.wrapped
    assert isinstance(first, AzureKeyVaultKey)
    v1 = first.version
    v2 = vault.rotate("rotating")
    assert v2 != v1
    assert AzureKeyVaultKey.from_config(first.to_config()).unwrap(wrapped_v1) == DATA_KEY
    second_recipient = AzureKeyVaultKey(url(vault, "rotating")).wrap(DATA_KEY)
    second, wrapped_v2 = second_recipient.key, second_recipient.wrapped
    assert isinstance(second, AzureKeyVaultKey)
    assert second.version == v2
    assert second.unwrap(wrapped_v2) == DATA_KEY
    # 'sealfile rotate' re-wraps from the file's stanza, which recorded v1: the URL names no version, so the current one
    rewrapped = AzureKeyVaultKey.from_config(first.to_config()).wrap(DATA_KEY).key
    assert isinstance(rewrapped, AzureKeyVaultKey) and rewrapped.version == v2
    with pytest.raises(UnwrapError, match="cannot unwrap the data key"):
        AzureKeyVaultKey(url(vault, "rotating"), v2).unwrap(wrapped_v1)


def test_a_pinned_version_keeps_wrapping_with_that_version(vault: FakeKeyVault) -> None:
    vault.create_key("pinned")
    v1 = vault.current_version("pinned")
    vault.rotate("pinned")
    pinned = AzureKeyVaultKey(url(vault, "pinned", v1))
    wrapped = pinned.wrap(DATA_KEY).wrapped
    assert pinned.version == v1
    assert AzureKeyVaultKey(url(vault, "pinned"), v1).unwrap(wrapped) == DATA_KEY


def test_without_keys_get_a_versioned_url_wraps_in_the_vault(vault: FakeKeyVault) -> None:
    vault.deny.add("get")
    pinned = AzureKeyVaultKey(url(vault, version=vault.current_version("sealfile")))
    wrapped = pinned.wrap(DATA_KEY).wrapped
    assert any(path.endswith("/wrapkey") for _, path in vault.requests)  # done remotely
    assert pinned.unwrap(wrapped) == DATA_KEY


def test_without_keys_get_a_versionless_url_cannot_record_a_version(vault: FakeKeyVault) -> None:
    vault.deny.add("get")
    with pytest.raises(WrapError) as info:
        AzureKeyVaultKey(url(vault)).wrap(DATA_KEY)
    assert "grant keys/get or give the key URL with its version" in assert_one_line(info.value, url(vault))


# -- errors through the real client ----------------------------------------------------------------


def test_permission_denied(vault: FakeKeyVault, key: AzureKeyVaultKey) -> None:
    recipient = key.wrap(DATA_KEY)
    wrapped = recipient.wrapped
    vault.deny.update({"get", "wrapKey", "unwrapKey"})
    with pytest.raises(UnwrapError) as info:
        AzureKeyVaultKey.from_config(recipient.key.to_config()).unwrap(wrapped)
    assert "permission denied (ForbiddenByPolicy): the caller needs keys/unwrapKey" in assert_one_line(
        info.value, url(vault)
    )
    with pytest.raises(WrapError) as wrap_info:
        AzureKeyVaultKey(url(vault)).wrap(DATA_KEY)
    assert "keys/get and keys/wrapKey" in assert_one_line(wrap_info.value, url(vault))


def test_key_not_found(vault: FakeKeyVault) -> None:
    missing = url(vault, "no-such-key")
    with pytest.raises(WrapError) as info:
        AzureKeyVaultKey(missing).wrap(DATA_KEY)
    assert "the key does not exist in the vault (KeyNotFound)" in assert_one_line(info.value, missing)
    with pytest.raises(UnwrapError) as unwrap_info:
        AzureKeyVaultKey(url(vault), "0" * 32).unwrap("AAAA")
    assert "this key version does not exist in the vault (KeyNotFound)" in str(unwrap_info.value)


def test_disabled_key(vault: FakeKeyVault, key: AzureKeyVaultKey) -> None:
    recipient = key.wrap(DATA_KEY)
    wrapped = recipient.wrapped
    vault.disable("sealfile")
    with pytest.raises(UnwrapError) as info:
        AzureKeyVaultKey.from_config(recipient.key.to_config()).unwrap(wrapped)
    assert "the key is disabled in the vault (KeyDisabled)" in assert_one_line(info.value, url(vault))
    # Key Vault would wrap with it (the fake too: see its docstring); sealfile refuses
    with pytest.raises(WrapError) as wrap_info:
        AzureKeyVaultKey(url(vault)).wrap(DATA_KEY)
    assert "the key is disabled in the vault" in assert_one_line(wrap_info.value, url(vault))


def test_wrapped_key_that_is_not_base64(key: AzureKeyVaultKey) -> None:
    with pytest.raises(UnwrapError, match="not base64"):
        key.unwrap("not base64 at all!")


def test_vault_down(vault: FakeKeyVault, key: AzureKeyVaultKey) -> None:
    recipient = key.wrap(DATA_KEY)
    wrapped = recipient.wrapped
    with vault.outage(), pytest.raises(UnwrapError) as info:
        AzureKeyVaultKey.from_config(recipient.key.to_config()).unwrap(wrapped)
    assert f"cannot reach the vault at {vault.vault_url}" in assert_one_line(info.value, url(vault))


@pytest.mark.parametrize("status", [503, 429])
def test_transient_errors_are_retried(vault: FakeKeyVault, key: AzureKeyVaultKey, status: int) -> None:
    recipient = key.wrap(DATA_KEY)
    wrapped = recipient.wrapped
    vault.fail_next(2, status)
    assert AzureKeyVaultKey.from_config(recipient.key.to_config()).unwrap(wrapped) == DATA_KEY


def test_persistent_unavailability_is_reported_after_bounded_retries(
    vault: FakeKeyVault, key: AzureKeyVaultKey
) -> None:
    recipient = key.wrap(DATA_KEY)
    wrapped = recipient.wrapped
    vault.requests.clear()
    vault.fail_next(100, 503)
    with pytest.raises(UnwrapError) as info:
        AzureKeyVaultKey.from_config(recipient.key.to_config()).unwrap(wrapped)
    assert "busy or unavailable (HTTP 503 ServiceUnavailable) after retrying" in assert_one_line(info.value, url(vault))
    # one key read and one unwrap, each tried at most 1 + 3 times
    assert 2 <= len(vault.requests) <= 8


@pytest.mark.parametrize("operation", ["wrap", "unwrap"])
def test_a_vault_asking_to_wait_longer_than_the_timeout_is_not_waited_for(
    vault: FakeKeyVault, monkeypatch: pytest.MonkeyPatch, operation: str
) -> None:
    """azure-core sleeps whatever ``Retry-After`` says before retrying, outside its own time limit: a vault
    (or anything on its host) answering ``429, Retry-After: 3600`` held ``encrypt`` and ``rotate`` for an hour."""
    monkeypatch.setenv("SEALFILE_KMS_TIMEOUT", "2")
    key = AzureKeyVaultKey(url(vault))
    wrapped = key.wrap(DATA_KEY).wrapped
    vault.requests.clear()
    vault.fail_next(100, 429, retry_after="8")  # 4 x the timeout: longer than the whole call may take
    started = time.monotonic()
    with pytest.raises((UnwrapError, WrapError)) as info:
        key.wrap(DATA_KEY) if operation == "wrap" else AzureKeyVaultKey(url(vault)).unwrap(wrapped)
    assert time.monotonic() - started < 5
    assert "busy or unavailable (HTTP 429 Throttled)" in assert_one_line(info.value, url(vault))
    assert len(vault.requests) == len(set(vault.requests)) <= 2  # none repeated (unwrap: the key read, then unwrapkey)
    vault.fail_next(1, 429, retry_after="1")  # a wait within the timeout is honoured
    assert AzureKeyVaultKey(url(vault)).unwrap(wrapped) == DATA_KEY


def test_the_waits_a_vault_asks_for_end_within_the_timeout_together(
    vault: FakeKeyVault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each ``Retry-After: 1.5`` is within a 2 s timeout, but three of them are not: the retries stop when the
    next wait would end past the timeout after the first try, within the file's unwrap budget."""
    monkeypatch.setenv("SEALFILE_KMS_TIMEOUT", "2")
    key = AzureKeyVaultKey(url(vault, version=vault.current_version("sealfile")))
    wrapped = key.wrap(DATA_KEY).wrapped
    vault.requests.clear()
    vault.fail_next(100, 429, retry_after="1.5")
    started = time.monotonic()
    with pytest.raises(UnwrapError, match=r"busy or unavailable \(HTTP 429 Throttled\)"):
        AzureKeyVaultKey.from_config(key.to_config()).unwrap(wrapped)
    assert time.monotonic() - started < 3.5
    assert [path for _, path in vault.requests].count(f"/keys/sealfile/{key.version}/unwrapkey") == 2


def test_no_credentials(
    monkeypatch: pytest.MonkeyPatch, fresh_credential: None, key: AzureKeyVaultKey
) -> None:
    for name in ("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"):
        monkeypatch.delenv(name)
    with pytest.raises(WrapError) as info:
        key.wrap(DATA_KEY)
    assert "no Azure credentials found (set AZURE_TENANT_ID" in assert_one_line(info.value, key.key)


def test_no_credentials_are_looked_for_once_per_file(
    monkeypatch: pytest.MonkeyPatch, fresh_credential: None, vault: FakeKeyVault, tmp_path: Path
) -> None:
    """Without credentials, every key of a file ran DefaultAzureCredential's whole chain again: the Azure CLI,
    PowerShell and azd programs, a managed-identity probe, per stanza (a file chooses how many)."""
    runs = spy_program(tmp_path / "bin", "az", monkeypatch,
                       then="echo \"ERROR: Please run 'az login' to setup account.\" >&2; exit 1")
    for name in ("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "AzureCliCredential")

    def az_runs_to_open(names: tuple[str, ...]) -> int:
        stanzas = [{"type": "azure_kv", "key": url(vault, name, "0" * 32), "wrapped": "AAAA"} for name in names]
        path = tmp_path / "vaults.enc.yaml"
        path.write_text(forged("a: attacker-chosen\n", stanzas)[0])
        runs.write_text("")
        with pytest.raises(NoUsableKeyError) as info:
            load_secrets(path)
        assert len({attempt.cause for attempt in info.value.attempts}) == 1
        return runs.read_text().count("run")

    one = az_runs_to_open(("sealfile",))
    assert one > 0 and az_runs_to_open(("sealfile", "other", "third")) == one  # was three times as many


def test_rejected_credentials(
    monkeypatch: pytest.MonkeyPatch, fresh_credential: None, vault: FakeKeyVault, key: AzureKeyVaultKey
) -> None:
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-the-secret")
    with pytest.raises(WrapError) as info:
        key.wrap(DATA_KEY)
    message = assert_one_line(info.value, key.key)
    assert "Azure sign-in failed: AADSTS7000215: Invalid client secret provided." in message
    assert "not-the-secret" not in message


# -- whole files -----------------------------------------------------------------------------------


@pytest.fixture
def age_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[str, str]:
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(tmp_path / "no-keys.txt"))
    monkeypatch.delenv("SEALFILE_AGE_KEY", raising=False)
    return generate_identity()


def test_file_for_azure_and_age_opens_with_either(
    vault: FakeKeyVault,
    key: AzureKeyVaultKey,
    age_identity: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    identity, recipient = age_identity
    sealed = tmp_path / "secrets.enc.yaml"
    sealed.write_text(seal_text(PLAINTEXT, [key, AgeKey(recipient)]))
    stanzas = load_fast(sealed.read_text())["sealfile"]["recipients"]
    azure = next(s for s in stanzas if s["type"] == "azure_kv")
    assert azure["key"] == url(vault) and azure["version"] == vault.current_version("sealfile")

    expected = {"db": {"user": "app", "password": "hunter2"}, "api_token": "t0ps3cret"}
    vault.requests.clear()
    assert load_secrets(sealed) == expected  # no age identity here: Azure opens it
    assert any(path.endswith("/unwrapkey") for _, path in vault.requests)

    forget_data_keys()
    monkeypatch.setenv("SEALFILE_AGE_KEY", identity)
    vault.requests.clear()
    with vault.outage():  # age alone, with Azure down
        assert load_secrets(sealed) == expected
    assert vault.requests == []

    forget_data_keys()
    monkeypatch.delenv("SEALFILE_AGE_KEY")
    with vault.outage(), pytest.raises(NoUsableKeyError) as info:
        load_secrets(sealed)
    message = str(info.value)
    assert url(vault) in message and "cannot reach the vault" in message and "age" in message
    assert "\n" not in message and "hunter2" not in message


def test_cli_encrypt_and_decrypt(vault: FakeKeyVault, tmp_path: Path) -> None:
    plain = tmp_path / "secrets.yaml"
    plain.write_text(PLAINTEXT)
    sealed = tmp_path / "secrets.enc.yaml"
    src = Path(__file__).resolve().parents[2] / "src"
    path = os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, **vault.client_env(), "PYTHONPATH": path}

    def sealfile(*args: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sealfile", *args],
            env={**env, **(extra or {})}, capture_output=True, text=True, timeout=60, check=False,
        )

    done = sealfile("encrypt", "--azure-kv", url(vault), str(plain), "-o", str(sealed))
    assert done.returncode == 0, done.stderr
    assert "hunter2" not in sealed.read_text() and url(vault) in sealed.read_text()
    opened = sealfile("decrypt", str(sealed))
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout == PLAINTEXT
    # the URL as named, and the version that wrapped: what disabling that version in the vault would close
    version = vault.current_version("sealfile")
    assert f"  - azure_kv: {url(vault)} (key version {version})" in sealfile("status", str(sealed)).stdout.splitlines()

    failed = sealfile("decrypt", str(sealed), extra={"AZURE_CLIENT_SECRET": "wrong"})
    assert failed.returncode == 1
    assert failed.stderr.count("\n") == 1, failed.stderr  # one line, no SDK warnings
    assert "Azure sign-in failed: AADSTS7000215" in failed.stderr and url(vault) in failed.stderr


def test_sdk_is_imported_on_first_use_only() -> None:
    code = "import sealfile.kms.azure, sys; print(sorted(m for m in sys.modules if m.startswith('azure')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")})
    assert done.stdout.strip() == "[]"


# -- a file must not choose where requests go, nor have an answer accepted without a token -------


def _attacker_file(tmp_path: Path, key_url: str) -> tuple[Path, bytes]:
    """What someone who can write to the repository (and holds no key) can commit: values of their
    choosing, sealed under a data key of their own, for one Azure recipient they name."""
    sealed, data_key = forged("db:\n  password: attacker-chosen\n",
                              [{"type": "azure_kv", "key": key_url, "wrapped": "AAAA"}])
    path = tmp_path / "secrets.enc.yaml"
    path.write_text(sealed)
    return path, data_key


def test_an_answer_obtained_without_a_token_is_refused(vault: FakeKeyVault, tmp_path: Path) -> None:
    """The SDK's first request to a vault (in a new process: here, after forgetting the challenge)
    carries no token; a server that answers it must not have its answer taken as the data key."""
    from azure.keyvault.keys._shared import http_challenge_cache

    path, attacker_key = _attacker_file(tmp_path, url(vault))
    sign_ins = vault.token_requests
    vault.answer_without_token = attacker_key  # the server hands out the attacker's data key to anyone
    for _ in range(2):  # and nothing was cached the first time
        http_challenge_cache.clear()
        with pytest.raises(NoUsableKeyError) as caught:
            load_secrets(path)
        assert "answered a request that carried no token" in str(caught.value)
    assert vault.requests and vault.token_requests == sign_ins  # the attack was really made, without any sign-in


@pytest.mark.parametrize("host", ["attacker.example", "vault.azure.net.attacker.example",
                                  "sealfile.vault.azure.net:8443", "login.microsoftonline.com"])
def test_a_host_outside_the_key_vault_clouds_is_never_contacted(
        vault: FakeKeyVault, tmp_path: Path, host: str) -> None:
    path, _ = _attacker_file(tmp_path, f"https://{host}/keys/k")
    with pytest.raises(NoUsableKeyError) as caught:
        load_secrets(path)
    message = str(caught.value)
    assert f"names host '{host}', which is not trusted here" in message
    assert "SEALFILE_TRUSTED_HOSTS" in message
    assert vault.connects == []  # not even a connection


def test_a_host_the_user_trusts_is_used(vault: FakeKeyVault, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path, _ = _attacker_file(tmp_path, "https://kv.corp.example/keys/k")
    monkeypatch.setenv("SEALFILE_TRUSTED_HOSTS", "other.example, *.corp.example")
    with pytest.raises(NoUsableKeyError, match="cannot reach the vault"):
        load_secrets(path)
    assert set(vault.connects) == {"kv.corp.example"}
    monkeypatch.delenv("SEALFILE_TRUSTED_HOSTS")
    (tmp_path / ".sealfile.yaml").write_text("trust:\n  hosts: ['kv.corp.example']\n")
    vault.connects.clear()
    with pytest.raises(NoUsableKeyError, match="cannot reach the vault"):
        load_secrets(path)
    assert set(vault.connects) == {"kv.corp.example"}


def test_keys_the_user_names_need_no_trust_setting(vault: FakeKeyVault) -> None:
    """The allow-list is for what a file names; a key built in code or given on the command line
    is the user's own choice (here a fake on a normal vault host, so it works)."""
    key = AzureKeyVaultKey(url(vault))
    assert key.unwrap(key.wrap(DATA_KEY).wrapped) == DATA_KEY
    stored = key_from_config({"type": "azure_kv", "key": url(vault)})
    assert not stored.named_by_file
