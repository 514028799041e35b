"""age recipients: the provider contract, and interop with the real ``age`` CLI both ways."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sealfile.errors import ConfigError, UnwrapError
from sealfile.files.atomic import WRITE_DELAY_ENV
from sealfile.kms.age import AgeKey, add_identity, available_identities, generate_identity
from tests.kms.contract import ProviderContract
from tests.support.cli import IN_CI, cli_env
from tests.support.identities import AgeIdentity, write_identity


class TestAgeContract(ProviderContract):
    @pytest.fixture
    def key(self, age_identity: AgeIdentity) -> AgeKey:
        return age_identity.key

    @pytest.fixture
    def other_key(self, age_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch) -> AgeKey:
        identity, recipient = generate_identity()
        monkeypatch.setenv("SEALFILE_AGE_KEY", identity)  # usable here, alongside the key file
        return AgeKey(recipient)

    @pytest.fixture
    def unreachable_key(self) -> AgeKey:
        return AgeKey(generate_identity()[1])  # no identity for it anywhere


@pytest.fixture
def age_cli() -> str:
    path = shutil.which("age")
    if path is None:
        if IN_CI:
            pytest.fail("the age CLI is required in CI (apt-get install age)")
        pytest.skip("the age CLI is not installed (apt-get install age)")
    return path


def test_wrapped_key_opens_with_the_age_cli(age_identity: AgeIdentity, age_cli: str, tmp_path: Path) -> None:
    data_key = os.urandom(32)
    wrapped = tmp_path / "wrapped.age"
    wrapped.write_text(age_identity.key.wrap(data_key).wrapped)
    result = subprocess.run([age_cli, "-d", "-i", str(age_identity.path), str(wrapped)],
                            capture_output=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout == data_key


def test_age_cli_output_opens_with_unwrap(age_identity: AgeIdentity, age_cli: str) -> None:
    data_key = os.urandom(32)
    result = subprocess.run([age_cli, "-r", age_identity.recipient, "-a"], input=data_key,
                            capture_output=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert age_identity.key.unwrap(result.stdout.decode("ascii")) == data_key


def test_age_keygen_identity_file_is_usable(age_cli: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keygen = shutil.which("age-keygen")
    assert keygen is not None
    key_file = tmp_path / "keys.txt"
    subprocess.run([keygen, "-o", str(key_file)], check=True, capture_output=True, timeout=30)
    key_file.chmod(0o600)
    recipient = subprocess.run([keygen, "-y", str(key_file)], check=True, capture_output=True, text=True,
                               timeout=30).stdout.strip()
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(key_file))
    data_key = os.urandom(32)
    assert AgeKey(recipient).unwrap(AgeKey(recipient).wrap(data_key).wrapped) == data_key


def test_inline_identity_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    identity, recipient = generate_identity()
    monkeypatch.setenv("SEALFILE_AGE_KEY", identity)
    data_key = os.urandom(32)
    assert AgeKey(recipient).unwrap(AgeKey(recipient).wrap(data_key).wrapped) == data_key


def test_default_identity_file_under_home(isolated_env: Path) -> None:
    recipient = add_identity(isolated_env / ".config/sealfile/age/keys.txt")
    data_key = os.urandom(32)
    assert AgeKey(recipient).unwrap(AgeKey(recipient).wrap(data_key).wrapped) == data_key


def test_identity_file_readable_by_others_is_refused(age_identity: AgeIdentity) -> None:
    age_identity.path.chmod(0o644)
    with pytest.raises(UnwrapError) as info:
        age_identity.key.unwrap(age_identity.key.wrap(os.urandom(32)).wrapped)
    assert "chmod 600" in str(info.value)
    assert age_identity.identity not in str(info.value)


def _rewritten_keeping_its_times(path: Path, text: str) -> None:
    """``path`` rewritten in place with the times it had (as ``cp -p``, ``tar -x`` or a write in one clock tick)."""
    before = path.stat()
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_an_identity_file_rotated_in_place_is_read_again(age_identity: AgeIdentity, tmp_path: Path) -> None:
    data_key = os.urandom(32)
    assert age_identity.key.unwrap(age_identity.key.wrap(data_key).wrapped) == data_key  # the file is read
    rotated = write_identity(tmp_path / "new" / "keys.txt")
    _rewritten_keeping_its_times(age_identity.path, rotated.path.read_text(encoding="utf-8"))
    assert rotated.key.unwrap(rotated.key.wrap(data_key).wrapped) == data_key


def test_an_identity_file_made_readable_by_others_after_use_is_refused(age_identity: AgeIdentity) -> None:
    data_key = os.urandom(32)
    wrapped = age_identity.key.wrap(data_key).wrapped
    assert age_identity.key.unwrap(wrapped) == data_key
    age_identity.path.chmod(0o644)
    with pytest.raises(UnwrapError, match="chmod 600"):
        age_identity.key.unwrap(wrapped)


def test_a_recipients_file_named_as_the_key_file_is_said_to_be_one(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The error asked to chmod 600 a file of public recipients, then said its line 1 is no identity."""
    found = write_identity(tmp_path / "keys.txt")
    recipients = tmp_path / "recipients.txt"
    recipients.write_text(f"# the team\n\n{found.recipient}\n")
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(recipients))
    wrapped = found.key.wrap(os.urandom(32)).wrapped
    for mode in (0o644, 0o600):
        recipients.chmod(mode)
        with pytest.raises(UnwrapError) as caught:
            found.key.unwrap(wrapped)
        assert str(caught.value).endswith(f"{recipients}: holds age recipients (age1...), not identities: name the "
                                          "key file that 'sealfile keygen' or age-keygen wrote")
    monkeypatch.delenv("SEALFILE_AGE_KEY_FILE")
    monkeypatch.setenv("SEALFILE_AGE_KEY", found.recipient)
    with pytest.raises(UnwrapError) as caught:
        found.key.unwrap(wrapped)
    assert str(caught.value).endswith("SEALFILE_AGE_KEY: line 1 is an age recipient (a public key), not an identity: "
                                      "give the key that 'sealfile keygen' or age-keygen wrote")


def test_identity_files_are_named_as_pathlib_spells_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The places are plain strings now; messages name them as ``Path(...).expanduser()`` did."""
    found = write_identity(tmp_path / "keys" / "k.txt")
    found.path.chmod(0o644)
    odd = f"{tmp_path}//keys/./k.txt/"
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", odd)
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", "~//sops/./keys.txt")
    with pytest.raises(UnwrapError) as info:
        found.key.unwrap(found.key.wrap(os.urandom(32)).wrapped)
    assert str(info.value).endswith(f"{found.path}: identity file is readable by others (mode 644); "
                                    f"run 'chmod 600 {found.path}' or set SEALFILE_ALLOW_INSECURE_KEY_FILE=1")
    found.path.chmod(0o600)
    assert available_identities()  # found under its odd spelling
    monkeypatch.setenv("SEALFILE_AGE_KEY", generate_identity()[0])
    with pytest.raises(UnwrapError) as info:
        AgeKey(generate_identity()[1]).unwrap(found.key.wrap(os.urandom(32)).wrapped)
    sops_file = Path("~//sops/./keys.txt").expanduser()
    assert str(info.value).endswith(f"(looked in SEALFILE_AGE_KEY, SEALFILE_AGE_KEY_FILE={Path(odd)}, "
                                    f"SOPS_AGE_KEY_FILE={sops_file}: no such file)")


def test_an_identity_command_sops_reads_is_named_as_not_run(age_identity: AgeIdentity, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """SOPS_AGE_KEY_CMD (docs/sops-compat.md §11: not supported) opened the file for sops; sealfile said only
    'no matching identity (looked in ...)', as if there were no identity at all."""
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(write_identity(tmp_path / "other.txt").path))
    monkeypatch.setenv("SOPS_AGE_KEY_CMD", f"cat {age_identity.path}")
    with pytest.raises(UnwrapError) as info:
        age_identity.key.unwrap(age_identity.key.wrap(os.urandom(32)).wrapped)
    assert str(info.value).endswith(", not SOPS_AGE_KEY_CMD, which sealfile never runs "
                                    "(put its identity in a key file))")


def test_an_identity_file_that_cannot_be_read_is_worded_as_any_file_error(
        age_identity: AgeIdentity, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Python's own wording, '[Errno 21] Is a directory: '...'', reached the user's one line."""
    directory = tmp_path / "keys"
    directory.mkdir(mode=0o700)
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(directory))
    with pytest.raises(UnwrapError) as info:
        age_identity.key.unwrap(age_identity.key.wrap(os.urandom(32)).wrapped)
    assert str(info.value).endswith(f": {directory}: Is a directory") and "Errno" not in str(info.value)


def test_garbage_identity_never_echoed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = "AGE-SECRET-KEY-1NOTAREALKEYBUTSECRETLOOKING"
    path = tmp_path / "keys.txt"
    path.write_text(f"{bad}\n")
    path.chmod(0o600)
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(path))
    with pytest.raises(ConfigError) as info:
        available_identities()
    assert "line 1" in str(info.value)
    assert bad not in str(info.value)


def test_invalid_recipient_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        AgeKey("age1notvalid")


def test_add_identity_creates_private_file(tmp_path: Path) -> None:
    path = tmp_path / "new" / "keys.txt"
    recipient = add_identity(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert recipient in path.read_text()
    second = write_identity(tmp_path / "other.txt")
    assert second.recipient != recipient


def test_keygen_never_writes_over_a_key_another_program_adds_meanwhile(tmp_path: Path, age_cli: str) -> None:
    """keygen's lock keeps another keygen out, not ``age-keygen >> FILE``: a key appended while keygen wrote its
    copy was lost, and with it every file sealed for that key."""
    path = tmp_path / "keys.txt"
    add_identity(path)
    slow = subprocess.Popen([sys.executable, "-m", "sealfile", "keygen", "-o", str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=cli_env({WRITE_DELAY_ENV: "0.4"}))
    time.sleep(1.0)  # keygen has read the file and pauses while it writes the new copy
    assert slow.poll() is None
    keygen = shutil.which("age-keygen")
    assert keygen is not None
    added = subprocess.run([keygen], check=True, capture_output=True, text=True, timeout=30).stdout
    with path.open("a") as handle:
        handle.write(added)
    _, stderr = slow.communicate(timeout=60)
    assert slow.returncode == 1 and stderr.count("\n") == 1 and "changed by another program" in stderr
    assert path.read_text().endswith(added) and path.read_text().count("AGE-SECRET-KEY-") == 2


def test_wrong_recipient_is_named_as_such(age_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch) -> None:
    identity, recipient = generate_identity()
    monkeypatch.setenv("SEALFILE_AGE_KEY", identity)
    wrapped = age_identity.key.wrap(os.urandom(32)).wrapped
    with pytest.raises(UnwrapError, match="not made for this recipient"):
        AgeKey(recipient).unwrap(wrapped)
    with pytest.raises(UnwrapError, match="corrupt"):
        age_identity.key.unwrap(wrapped.replace("\n", "\nAAAA", 2))



def test_a_recipient_in_upper_case_is_the_same_key_to_every_decider(age_identity: AgeIdentity,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Bech32 is written in one case or the other, and age wraps for AGE1... as for age1...; but the identity
    was matched to a stanza by comparing strings, so a file sealed for the upper-case spelling never opened
    with the very identity it was made for, and recipients add/remove took it for another key."""
    from sealfile.ops.read import decrypt_text
    from sealfile.ops.seal import seal_text

    upper = AgeKey(age_identity.recipient.upper())
    assert upper.same_key(age_identity.key) and upper.key_id == age_identity.recipient
    assert "p-1" in decrypt_text(seal_text("db:\n  password: p-1\n", [upper]))
    with monkeypatch.context() as older:  # a file an older writer sealed, its stanza in upper case
        older.setattr(AgeKey, "to_config", lambda key: {"recipient": key.recipient.upper()})
        shouted = seal_text("db:\n  password: p-2\n", [upper])
    assert f"recipient: {age_identity.recipient.upper()}" in shouted
    assert "p-2" in decrypt_text(shouted)


@pytest.mark.parametrize("armor", [False, True])
def test_a_passphrase_protected_identity_file_is_named_as_such(armor: bool, age_identity: AgeIdentity,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """``age -p`` identity files (which ``age -d -i`` opens with a passphrase) gave Python's "'utf-8' codec can't
    decode byte ..." without the file's name."""
    import pyrage

    protected = pyrage.passphrase.encrypt(age_identity.path.read_bytes(), "correct horse", armored=armor)
    age_identity.path.write_bytes(protected)
    wrapped = age_identity.key.wrap(os.urandom(32)).wrapped
    with pytest.raises(UnwrapError) as info:
        age_identity.key.unwrap(wrapped)
    assert str(info.value).endswith(f": {age_identity.path}: the identity file is itself encrypted (age -p): sealfile "
                                    "reads plain identity files only; decrypt it for the command, e.g. "
                                    "SEALFILE_AGE_KEY=\"$(age -d FILE)\"")
    age_identity.path.write_bytes(b"\xff\xfe" + age_identity.path.read_bytes()[:40])
    with pytest.raises(UnwrapError, match=f": {age_identity.path}: not UTF-8 text: not an age identity file$"):
        age_identity.key.unwrap(wrapped)


def test_keygen_loses_no_key_another_program_added_meanwhile(tmp_path: Path, age_cli: str) -> None:
    """keygen reads the file, then replaces it with one more key; the lock keeps other sealfile commands out,
    not ``age-keygen >> keys.txt``: a key added in between was lost, with its data keys for good."""
    import sys
    import time

    from sealfile.files.locking import lock_path
    from tests.support.cli import cli_env

    key_file = tmp_path / "keys.txt"
    key_file.write_text("# public key: age1...\n" + generate_identity()[0] + "\n")  # no lock taken: its file is new
    key_file.chmod(0o600)
    env = cli_env({"SEALFILE_TEST_WRITE_DELAY": "1"})
    with subprocess.Popen([sys.executable, "-m", "sealfile", "keygen", "-o", str(key_file)], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as keygen:
        lock = Path(lock_path(key_file))
        deadline = time.monotonic() + 30
        while not lock.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)  # it has read the file: now in its first pause, before it writes
        added = subprocess.run([shutil.which("age-keygen") or "age-keygen"], check=True, capture_output=True,
                               text=True, timeout=30).stdout
        with key_file.open("a") as handle:
            handle.write(added)
        _, err = keygen.communicate(timeout=60)
    assert keygen.returncode == 1
    assert "changed by another program" in err and err.count("\n") == 1
    assert key_file.read_text().endswith(added)
