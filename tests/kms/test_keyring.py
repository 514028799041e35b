"""OS keyring recipients against a real Secret Service (gnome-keyring on a private bus).

The bus and daemon start once per session (tests/conftest.py); in CI a missing daemon fails
these tests instead of skipping them. "No usable keyring" is exercised with keyring's own
fail backend, in a subprocess so the choice of backend cannot leak into other tests.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sealfile.errors import ConfigError, UnwrapError
from sealfile.kms.keyring import SERVICE, KeyringKey
from tests.conftest import SecretServiceBus
from tests.kms.contract import ProviderContract
from tests.support.cli import RunCli, cli_env
from tests.support.identities import AgeIdentity
from tests.support.secret_service import locked_keyring
from tests.support.whole_path import one_error_line

FAIL_BACKEND = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def _fresh_name() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def keyring_name(secret_service: str) -> Iterator[str]:
    import keyring
    import keyring.errors

    name = _fresh_name()
    yield name
    with contextlib.suppress(keyring.errors.PasswordDeleteError):
        keyring.delete_password(SERVICE, name)


class TestKeyringContract(ProviderContract):
    @pytest.fixture
    def key(self, keyring_name: str) -> KeyringKey:
        return KeyringKey(keyring_name)

    @pytest.fixture
    def other_key(self, secret_service: str) -> KeyringKey:
        other = KeyringKey(_fresh_name())
        other.wrap(os.urandom(32))  # gives it a key-encryption key of its own
        return other

    @pytest.fixture
    def unreachable_key(self, secret_service: str) -> KeyringKey:
        return KeyringKey(_fresh_name())  # never created: absent from the keyring


def test_wrap_creates_the_key_once_and_reuses_it(keyring_name: str) -> None:
    import keyring

    key = KeyringKey(keyring_name)
    assert keyring.get_password(SERVICE, keyring_name) is None
    first = key.wrap(os.urandom(32)).wrapped
    stored = keyring.get_password(SERVICE, keyring_name)
    assert stored is not None
    key.wrap(os.urandom(32))
    assert keyring.get_password(SERVICE, keyring_name) == stored
    assert stored not in first


def test_absent_key_is_named_in_the_error(secret_service: str) -> None:
    name = _fresh_name()
    with pytest.raises(UnwrapError) as info:
        KeyringKey(name).unwrap("gAAAA")
    assert name in str(info.value)


def test_names_with_spaces_are_refused() -> None:
    with pytest.raises(ConfigError):
        KeyringKey("has space")
    with pytest.raises(ConfigError):
        KeyringKey("")


def test_cli_round_trip_through_the_secret_service(secret_service: str, keyring_name: str, tmp_path: Path,
                                                   run_cli: RunCli) -> None:
    plain = tmp_path / "plain.yaml"
    plain.write_text("db:\n  password: hunter2\n")
    sealed = tmp_path / "sealed.yaml"
    result = run_cli("encrypt", "--keyring", keyring_name, plain, "-o", sealed)
    assert result.returncode == 0, result.stderr
    assert "hunter2" not in sealed.read_text()
    result = run_cli("decrypt", sealed)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "db:\n  password: hunter2\n"


def test_no_usable_keyring_on_encrypt_suggests_age(tmp_path: Path, run_cli: RunCli) -> None:
    plain = tmp_path / "plain.yaml"
    plain.write_text("a: secret-value\n")
    result = run_cli("encrypt", "--keyring", "laptop", plain, env=FAIL_BACKEND)
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert "no usable OS keyring" in line
    assert "age" in line
    assert "laptop" in line
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_no_usable_keyring_on_decrypt_says_why(secret_service: str, keyring_name: str, tmp_path: Path,
                                               run_cli: RunCli) -> None:
    plain = tmp_path / "plain.yaml"
    plain.write_text("a: secret-value\n")
    sealed = tmp_path / "sealed.yaml"
    assert run_cli("encrypt", "--keyring", keyring_name, plain, "-o", sealed).returncode == 0
    result = run_cli("decrypt", sealed, env=FAIL_BACKEND)
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert str(sealed) in line
    assert "no usable OS keyring" in line and keyring_name in line
    assert "secret-value" not in result.stderr


def test_age_is_tried_before_the_keyring(secret_service: str, keyring_name: str, age_identity: AgeIdentity,
                                         tmp_path: Path) -> None:
    """A file for both: opening it with an age identity at hand never even imports keyring."""
    import json
    import sys

    from sealfile.ops.seal import seal_text

    path = tmp_path / "both.yaml"
    path.write_text(seal_text("a: secret-value\n", [KeyringKey(keyring_name), age_identity.key]))
    probe = ("import json, sys, sealfile; d = sealfile.load_secrets(sys.argv[1]); "
             "print(json.dumps([d, sorted(m for m in sys.modules if m.startswith('keyring'))]))")
    result = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True,
                            env=cli_env(), timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [{"a": "secret-value"}, []]


def test_rotate_never_creates_a_keyring_key_a_file_names(secret_service: str, keyring_name: str,
                                                         age_identity: AgeIdentity, tmp_path: Path,
                                                         run_cli: RunCli) -> None:
    """The file's keyring recipient is another machine's key: re-wrapping for a key made here under its
    name would seal a data key that machine cannot open (and let a file plant entries in the keyring)."""
    import keyring

    from sealfile.ops.seal import seal_text

    path = tmp_path / "both.enc.yaml"
    path.write_text(seal_text("a: secret-value\n", [age_identity.key, KeyringKey(keyring_name)]))
    keyring.delete_password(SERVICE, keyring_name)  # as on a teammate's machine
    before = path.read_bytes()
    result = run_cli("rotate", path)
    assert result.returncode == 1
    assert result.stderr.startswith(f"sealfile: error: {path}: ") and result.stderr.count("\n") == 1
    assert f"keyring {keyring_name}" in result.stderr and "no key named" in result.stderr
    assert path.read_bytes() == before
    assert keyring.get_password(SERVICE, keyring_name) is None


def test_a_locked_keyring_says_so(secret_service: str, keyring_name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the Secret Service backend raises when its collection is locked and no prompt can be shown."""
    import keyring
    import keyring.errors

    key = KeyringKey(keyring_name)
    wrapped = key.wrap(os.urandom(32)).wrapped

    def locked(service: str, name: str) -> str:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    monkeypatch.setattr(keyring, "get_password", locked)
    with pytest.raises(UnwrapError, match=rf"^keyring {keyring_name}: the OS keyring is locked"):
        key.unwrap(wrapped)


def test_a_locked_keyring_is_asked_to_unlock_once_per_file(secret_service: str, tmp_path: Path,
                                                           run_cli: RunCli) -> None:
    """A file for several machines' keyring keys (or one naming many): each stanza asked the locked keyring
    again, one unlock dialog each (five here); the lock concerns every keyring key, so it is met once."""
    from sealfile.ops.seal import seal_text

    keys = [KeyringKey(_fresh_name()) for _ in range(5)]
    path = tmp_path / "machines.enc.yaml"
    path.write_text(seal_text("a: secret-value\n", keys))
    with locked_keyring() as prompts:
        done = run_cli("decrypt", path)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    names = ", ".join(f"keyring {key.name}" for key in keys)
    assert f"({names}: the OS keyring is locked" in done.stderr
    assert len(prompts) == 1


def test_a_locked_keyring_is_asked_once_per_command(secret_service: str, tmp_path: Path, run_cli: RunCli) -> None:
    """verify, rotate... of many files asked the locked keyring once per file: one dialog each to cancel."""
    from sealfile.ops.seal import seal_text

    key = KeyringKey(_fresh_name())
    files = [tmp_path / f"f{index}.enc.yaml" for index in range(4)]
    for path in files:
        path.write_text(seal_text("a: secret-value\n", [key]))
    with locked_keyring() as prompts:
        done = run_cli("verify", *files)
    assert done.returncode == 1
    assert done.stderr.count(f"keyring {key.name}: the OS keyring is locked") == len(files), done.stderr
    assert len(prompts) == 1


def test_a_keyring_that_never_answers_is_given_up_in_bounded_time(
    secret_service_bus: SecretServiceBus, secret_service: str, keyring_name: str, tmp_path: Path,
    run_cli: RunCli,
) -> None:
    """A wedged Secret Service (or its unlock dialog on a desktop nobody is at) never answers, and keyring
    waits for its D-Bus reply for ever: ``decrypt`` hung."""
    plain, sealed = tmp_path / "plain.yaml", tmp_path / "sealed.yaml"
    plain.write_text("a: secret-value\n")
    assert run_cli("encrypt", "--keyring", keyring_name, plain, "-o", sealed).returncode == 0
    before = sealed.read_bytes()
    os.kill(secret_service_bus.daemon.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        line = one_error_line(run_cli("decrypt", sealed, env={"SEALFILE_PROMPT_TIMEOUT": "1"}))
        elapsed = time.monotonic() - started
    finally:
        os.kill(secret_service_bus.daemon.pid, signal.SIGCONT)
    assert elapsed < 20
    assert line.startswith(f"sealfile: error: {sealed}: ") and f"keyring {keyring_name}: " in line
    assert "the OS keyring gave no answer within 1 s (SEALFILE_PROMPT_TIMEOUT)" in line
    assert sealed.read_bytes() == before
