"""SSH keys as recipients: the provider contract, interop with the real ``age`` CLI both ways
(``age -R key.pub`` / ``age -d -i key``), keys made by ``ssh-keygen``, each error as one line,
and the whole path (CLI, ``load_secrets``, ``.sealfile.yaml``) next to an age recipient."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from sealfile.errors import ConfigError, UnwrapError
from sealfile.kms.ssh import SshKey
from tests.kms.contract import ProviderContract
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity
from tests.support.ssh import RunningAgent, SshKeyPair, generate_key, ssh_agent
from tests.support.whole_path import one_error_line, sealed_every_way

__all__ = ["ssh_agent"]


@pytest.fixture
def home_keys(isolated_env: Path) -> tuple[SshKeyPair, SshKeyPair]:
    """``~/.ssh/id_ed25519`` and ``~/.ssh/id_rsa``, as ssh-keygen makes them by default."""
    ssh = isolated_env / ".ssh"
    ssh.mkdir(mode=0o700)
    return generate_key(ssh, "ed25519", "id_ed25519"), generate_key(ssh, "rsa", "id_rsa")


def age_cli() -> str:
    found = shutil.which("age")
    assert found, "the age CLI is required (apt-get install age)"
    return found


class TestSshContract(ProviderContract):
    @pytest.fixture
    def key(self, home_keys: tuple[SshKeyPair, SshKeyPair]) -> SshKey:
        return SshKey.from_cli(str(home_keys[0].pub_path))

    @pytest.fixture
    def other_key(self, home_keys: tuple[SshKeyPair, SshKeyPair]) -> SshKey:
        return SshKey.from_cli(str(home_keys[1].pub_path))

    @pytest.fixture
    def unreachable_key(self, tmp_path: Path) -> SshKey:
        return SshKey.from_cli(str(generate_key(tmp_path, "ed25519", "elsewhere").pub_path))


@pytest.mark.parametrize("which", [0, 1], ids=["ed25519", "rsa"])
def test_interop_with_the_age_cli(home_keys: tuple[SshKeyPair, SshKeyPair], which: int, tmp_path: Path) -> None:
    pair = home_keys[which]
    key = SshKey.from_cli(str(pair.pub_path))
    data_key = os.urandom(32)
    wrapped = tmp_path / "wrapped.age"
    wrapped.write_text(key.wrap(data_key).wrapped)
    opened = subprocess.run([age_cli(), "-d", "-i", str(pair.path), str(wrapped)], capture_output=True, timeout=30)
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout == data_key
    theirs = subprocess.run([age_cli(), "-R", str(pair.pub_path), "-a"], input=data_key, capture_output=True,
                            timeout=30)
    assert theirs.returncode == 0, theirs.stderr
    assert key.unwrap(theirs.stdout.decode("ascii")) == data_key


def test_key_id_is_the_fingerprint_ssh_keygen_prints(home_keys: tuple[SshKeyPair, SshKeyPair]) -> None:
    pair = home_keys[0]
    printed = subprocess.run(["ssh-keygen", "-l", "-f", str(pair.pub_path)], capture_output=True, text=True,
                             check=True).stdout.split()
    key = SshKey.from_cli(str(pair.pub_path))
    assert key.key_id == f"ssh-ed25519 {printed[1]}"
    assert key.same_key(SshKey(pair.pub_path.read_text().split(" id_ed25519")[0] + " another comment"))
    assert key.to_config() == {"recipient": pair.pub_path.read_text().strip()}


def test_a_named_key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pair = generate_key(tmp_path, "ed25519", "deploy")
    monkeypatch.setenv("SEALFILE_SSH_KEY_FILE", str(pair.path))
    key = SshKey.from_cli(pair.public_key.to_line())
    data_key = os.urandom(32)
    assert key.unwrap(key.wrap(data_key).wrapped) == data_key


@pytest.mark.parametrize("kind", ["ed25519", "rsa"])
def test_a_public_key_named_as_the_key_file_is_said_to_be_one(kind: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """``SEALFILE_SSH_KEY_FILE=~/.ssh/id_ed25519.pub``, as git's user.signingKey and SEALFILE_SIGNING_KEY take it:
    the error asked to chmod 600 the public key (its usual mode is 644), then called it no private key."""
    pair = generate_key(tmp_path, kind, "named_pub")
    monkeypatch.setenv("SEALFILE_SSH_KEY_FILE", str(pair.pub_path))
    key = SshKey.from_cli(pair.public_key.to_line())
    wrapped = key.wrap(os.urandom(32)).wrapped
    for mode in (0o644, 0o600):
        pair.pub_path.chmod(mode)
        with pytest.raises(UnwrapError) as caught:
            key.unwrap(wrapped)
        message = str(caught.value)
        assert f"{pair.pub_path}: an SSH public key, not a private key: name the private key file" in message
        assert "chmod" not in message


def test_a_key_file_rotated_in_place_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = generate_key(tmp_path, "ed25519", "old"), generate_key(tmp_path, "ed25519", "new")
    monkeypatch.setenv("SEALFILE_SSH_KEY_FILE", str(old.path))
    data_key = os.urandom(32)
    old_key, new_key = SshKey.from_cli(old.public_key.to_line()), SshKey.from_cli(new.public_key.to_line())
    assert old_key.unwrap(old_key.wrap(data_key).wrapped) == data_key  # the file is read
    before = old.path.stat()  # rewritten in place with its times (cp -p, tar -x, one clock tick)
    old.path.write_bytes(new.path.read_bytes())
    os.utime(old.path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert new_key.unwrap(new_key.wrap(data_key).wrapped) == data_key


def test_an_rsa_key_in_the_older_pem_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``ssh-keygen -m PEM`` (tools that want ``BEGIN RSA PRIVATE KEY``), as the age CLI reads it."""
    pair = generate_key(tmp_path, "rsa", "legacy")
    subprocess.run(["ssh-keygen", "-q", "-p", "-m", "PEM", "-N", "", "-P", "", "-f", str(pair.path)],
                   check=True, capture_output=True, timeout=60)
    assert pair.path.read_bytes().startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    monkeypatch.setenv("SEALFILE_SSH_KEY_FILE", str(pair.path))
    key = SshKey.from_cli(str(pair.pub_path))
    data_key = os.urandom(32)
    assert key.unwrap(key.wrap(data_key).wrapped) == data_key


def test_a_passphrase_protected_pem_key_is_one_line_saying_how_to_convert_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pair = generate_key(tmp_path, "rsa", "legacy", passphrase="secret words")
    subprocess.run(["ssh-keygen", "-q", "-p", "-m", "PEM", "-N", "secret words", "-P", "secret words", "-f",
                    str(pair.path)], check=True, capture_output=True, timeout=60)
    monkeypatch.setenv("SEALFILE_SSH_KEY_FILE", str(pair.path))
    key = SshKey.from_cli(str(pair.pub_path))
    with pytest.raises(UnwrapError, match="passphrase-protected PEM key; 'ssh-keygen -p -f ") as info:
        key.unwrap(key.wrap(os.urandom(32)).wrapped)
    assert "\n" not in str(info.value) and "secret words" not in str(info.value)


def test_errors_are_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    protected = generate_key(tmp_path, "ed25519", "protected", passphrase="secret words")
    monkeypatch.setenv("SEALFILE_SSH_KEY_FILE", str(protected.path))
    key = SshKey.from_cli(str(protected.pub_path))
    wrapped = key.wrap(os.urandom(32)).wrapped
    with pytest.raises(UnwrapError) as info:
        key.unwrap(wrapped)
    assert str(info.value).startswith(f"ssh {key.key_id}: {protected.path} is passphrase-protected and ")
    plain = generate_key(tmp_path, "ed25519", "loose")
    plain.path.chmod(0o644)
    monkeypatch.setenv("SEALFILE_SSH_KEY_FILE", str(plain.path))
    with pytest.raises(UnwrapError, match="readable by others"):
        SshKey.from_cli(str(plain.pub_path)).unwrap(wrapped)
    ecdsa = generate_key(tmp_path, "ecdsa256", "curve")
    with pytest.raises(ConfigError, match="'ecdsa-sha2-nistp256' cannot be an age recipient"):
        SshKey.from_cli(str(ecdsa.pub_path))
    with pytest.raises(ConfigError, match="private key was given where its public key belongs"):
        SshKey.from_cli(protected.path.read_text())
    with pytest.raises(ConfigError, match=r"nor a readable \.pub file"):
        SshKey.from_cli(str(tmp_path / "missing.pub"))


@pytest.mark.parametrize("key_type", ["ssh-dss", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
                                      "ecdsa-sha2-nistp521"])
def test_a_key_type_age_cannot_wrap_for_names_the_ones_it_can(key_type: str) -> None:
    """ssh-dss and security-key types were told to use ECDSA, which is then refused as a recipient."""
    with pytest.raises(ConfigError) as refused:
        SshKey(f"{key_type} AAAAB3NzaC1kc3MAAACBAP= someone")
    assert str(refused.value) == f"SSH key type {key_type!r} cannot be an age recipient (use an ed25519 or RSA key)"


def test_a_comment_that_is_not_utf8_is_said_to_be_that(tmp_path: Path, run_cli: RunCli) -> None:
    """A latin-1 comment (``ssh-keygen -C`` in a latin-1 locale) made a .pub file 'not readable', and on the
    command line failed the write with Python's codec message."""
    pair = generate_key(tmp_path, "ed25519", "latin")
    key_and_blob = pair.public_key.to_line().split()[:2]
    latin = tmp_path / "latin.pub"
    latin.write_bytes(" ".join(key_and_blob).encode() + b" caf\xe9@host\n")
    with pytest.raises(ConfigError, match="comment holds bytes that are not UTF-8 text"):
        SshKey.from_cli(str(latin))
    (tmp_path / "p.yaml").write_text("a: 1\n")
    for given in (str(latin), " ".join(key_and_blob) + " caf\udce9@host"):
        done = run_cli("encrypt", "--ssh", given, tmp_path / "p.yaml")
        assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
        assert "comment holds bytes that are not UTF-8 text" in done.stderr and "codec" not in done.stderr


def test_cli_load_secrets_and_creation_rules_next_to_age(
    home_keys: tuple[SshKeyPair, SshKeyPair], age_identity: AgeIdentity, run_cli: RunCli, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pair = home_keys[0]
    key_id = f"ssh-ed25519 {pair.public_key.fingerprint}"
    ruled = sealed_every_way("ssh", ["--ssh", str(pair.pub_path)], f"      - '{pair.public_key.to_line()}'\n",
                             key_id, run_cli=run_cli, age_identity=age_identity, directory=tmp_path,
                             monkeypatch=monkeypatch)
    pair.path.rename(pair.path.with_name("moved"))
    assert f"ssh {key_id}: no matching SSH private key" in one_error_line(run_cli("decrypt", ruled))


AUTHORIZED_KEYS_OPTIONS = ('from="10.0.0.0/8,192.168.1.1",no-pty', 'restrict,command="echo \\"a b\\" c"', "no-pty")


@pytest.mark.parametrize("options", AUTHORIZED_KEYS_OPTIONS)
def test_an_authorized_keys_line_with_options_is_the_key_it_lists(
        home_keys: tuple[SshKeyPair, SshKeyPair], options: str, tmp_path: Path) -> None:
    """``--ssh`` given a line of a server's ``authorized_keys`` (or the file) skips the line's options and
    stores the key alone, which ``age -d -i`` opens with the private key."""
    pair = home_keys[0]
    line = f"{options} {pair.pub_path.read_text().strip()}"
    authorized = tmp_path / "authorized_keys"
    authorized.write_text(f"# team\n{line}\n")
    plain = SshKey.from_cli(str(pair.pub_path))
    for given in (line, str(authorized)):
        key = SshKey.from_cli(given)
        assert key.same_key(plain) and key.recipient == plain.recipient  # stored without the options
    assert SshKey.from_config({"recipient": line}).recipient == plain.recipient
    data_key = os.urandom(32)
    wrapped = tmp_path / "wrapped.age"
    wrapped.write_text(SshKey.from_cli(line).wrap(data_key).wrapped)
    opened = subprocess.run([age_cli(), "-d", "-i", str(pair.path), str(wrapped)], capture_output=True, timeout=30)
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout == data_key


def test_a_path_with_a_blank_is_still_a_path(home_keys: tuple[SshKeyPair, SshKeyPair], tmp_path: Path) -> None:
    named = tmp_path / "my keys" / "ssh-ed25519.pub"
    named.parent.mkdir()
    named.write_text(home_keys[0].pub_path.read_text())
    assert SshKey.from_cli(str(named)).same_key(SshKey.from_cli(str(home_keys[0].pub_path)))


def test_a_key_only_in_ssh_agent_is_named_as_such(ssh_agent: RunningAgent, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """age cannot decrypt through an agent: the error says the key is there, and how to name its file."""
    pair = generate_key(tmp_path, "ed25519", "in_agent")
    ssh_agent.add(pair)
    monkeypatch.setenv("SEALFILE_SSH_KEY_FILE", str(tmp_path / "absent"))
    key = SshKey.from_cli(str(pair.pub_path))
    wrapped = key.wrap(os.urandom(32)).wrapped
    with pytest.raises(UnwrapError) as caught:
        key.unwrap(wrapped)
    assert "the key is in ssh-agent" in str(caught.value) and "SEALFILE_SSH_KEY_FILE" in str(caught.value)
    other = SshKey.from_cli(str(generate_key(tmp_path, "ed25519", "not_in_agent").pub_path))
    with pytest.raises(UnwrapError) as caught:
        other.unwrap(other.wrap(os.urandom(32)).wrapped)
    assert "ssh-agent" not in str(caught.value)
