"""The ssh-agent client against the real ``ssh-agent`` and ``ssh-add``; signatures checked by ``ssh-keygen``.

Misbehaving agents (silent, garbled) are small sockets of the test's own: no real agent does that
on demand.
"""

from __future__ import annotations

import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sealfile.envelope import ssh_wire, sshsig
from sealfile.envelope.ssh_agent import SshAgent
from sealfile.errors import SigningError
from tests.support.ssh import (
    RunningAgent,
    SshKeyPair,
    SshKeys,
    keygen_sign,
    keygen_verify,
    sshsig_fields,
    write_allowed_signers,
)

MESSAGE = b"signed through the agent\n"


def agent_signature(agent: SshAgent, key: SshKeyPair) -> str:
    return sshsig.sign(MESSAGE, "sealfile", key.public_key, lambda data: agent.sign(key.public_key, data))


def one_line(err: pytest.ExceptionInfo[SigningError]) -> str:
    text = str(err.value)
    assert "\n" not in text
    return text


def test_identities_are_the_keys_ssh_add_loaded(ssh_agent: RunningAgent, ssh_keys: SshKeys) -> None:
    agent = SshAgent.from_environment()
    assert agent.identities() == []
    ed25519, rsa_key = ssh_keys.get("ed25519"), ssh_keys.get("rsa")
    ssh_agent.add(ed25519)
    ssh_agent.add(rsa_key)
    listed = agent.identities()
    assert listed == [ed25519.public_key, rsa_key.public_key]
    assert [key.comment for key in listed] == ["alice-ed25519", "alice-rsa"]
    fingerprints = subprocess.run(["ssh-add", "-l"], env=ssh_agent.env, capture_output=True, text=True,
                                  check=True).stdout.split()
    assert [key.fingerprint for key in listed] == [fingerprints[1], fingerprints[5]]


@pytest.mark.parametrize("kind", ["ed25519", "rsa", "ecdsa384"])
def test_signing_through_the_agent_verifies_with_ssh_keygen(ssh_agent: RunningAgent, ssh_keys: SshKeys,
                                                            tmp_path: Path, kind: str) -> None:
    key = ssh_keys.get(kind)
    ssh_agent.add(key)
    signature = agent_signature(SshAgent.from_environment(), key)
    result = keygen_verify(write_allowed_signers(tmp_path, key), "alice", "sealfile", signature, MESSAGE, tmp_path)
    assert result.returncode == 0, result.stderr
    if kind != "ecdsa384":  # deterministic schemes: the agent's signature is the one ssh-keygen makes
        message_path = tmp_path / "message"
        message_path.write_bytes(MESSAGE)
        assert signature == keygen_sign(key, message_path)


def test_rsa_keys_are_asked_for_sha512(ssh_agent: RunningAgent, ssh_keys: SshKeys) -> None:
    key = ssh_keys.get("rsa")
    ssh_agent.add(key)
    inner = ssh_wire.WireReader(sshsig_fields(agent_signature(SshAgent.from_environment(), key))[4])
    assert inner.text() == "rsa-sha2-512"


def test_no_agent_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    with pytest.raises(SigningError) as err:
        SshAgent.from_environment()
    assert one_line(err).startswith("no ssh-agent: SSH_AUTH_SOCK is not set")


def test_agent_gone(tmp_path: Path, ssh_keys: SshKeys) -> None:
    agent = SshAgent.from_environment({"SSH_AUTH_SOCK": str(tmp_path / "missing.sock")})
    with pytest.raises(SigningError) as err:
        agent.sign(ssh_keys.get().public_key, b"data")
    assert one_line(err) == f"cannot reach ssh-agent at {tmp_path / 'missing.sock'}: No such file or directory"


def test_key_not_in_agent(ssh_agent: RunningAgent, ssh_keys: SshKeys) -> None:
    ssh_agent.add(ssh_keys.get("ed25519"))
    missing = ssh_keys.get("ed25519", "mallory").public_key
    with pytest.raises(SigningError) as err:
        SshAgent.from_environment().sign(missing, b"data")
    assert one_line(err) == (f"key {missing.fingerprint} is not in ssh-agent at {ssh_agent.socket_path}; "
                             "add its private key with 'ssh-add'")


def test_a_locked_agent_is_not_called_empty(ssh_agent: RunningAgent, ssh_keys: SshKeys) -> None:
    """'ssh-add -x' locks the agent, which then lists no key: the error said only to add the key again."""
    key = ssh_keys.get("ed25519")
    ssh_agent.add(key)
    subprocess.run(["ssh-add", "-x"], env=ssh_agent.env, input="pw\npw\n", text=True, check=True,
                   capture_output=True, timeout=30, start_new_session=True)  # no terminal: the password from stdin
    with pytest.raises(SigningError) as err:
        SshAgent.from_environment().sign(key.public_key, b"data")
    assert one_line(err) == (f"key {key.public_key.fingerprint} is not in ssh-agent at {ssh_agent.socket_path} (it "
                             "lists no key: if it is locked, unlock it with 'ssh-add -X'); add its private key with "
                             "'ssh-add'")


def test_agent_refuses(ssh_agent: RunningAgent, ssh_keys: SshKeys) -> None:
    """``ssh-add -c``: each use needs a confirmation, which this agent's askpass declines."""
    key = ssh_keys.get("ed25519")
    ssh_agent.add(key, "-c")
    with pytest.raises(SigningError) as err:
        SshAgent.from_environment().sign(key.public_key, b"data")
    assert one_line(err).startswith(f"ssh-agent at {ssh_agent.socket_path} refused to sign with "
                                   f"{key.public_key.fingerprint}")


def test_windows_named_pipes_are_not_supported() -> None:
    with pytest.raises(SigningError, match="not supported on this platform"):
        SshAgent.from_environment({"SSH_AUTH_SOCK": r"\\.\pipe\openssh-ssh-agent"})


@pytest.fixture
def fake_agent_socket() -> Iterator[tuple[str, list[bytes]]]:
    """A socket that answers each connection with the next canned reply (``b""``: stay silent)."""
    directory = Path(tempfile.mkdtemp(prefix="fa", dir="/tmp"))
    path = str(directory / "agent.sock")
    replies: list[bytes] = []
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen()
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.05)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                if replies and replies[0]:
                    conn.sendall(replies.pop(0))
                else:
                    stop.wait(2)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield path, replies
    stop.set()
    thread.join(timeout=5)
    server.close()
    Path(path).unlink(missing_ok=True)
    directory.rmdir()


def test_a_silent_agent_times_out(fake_agent_socket: tuple[str, list[bytes]]) -> None:
    path, _replies = fake_agent_socket
    with pytest.raises(SigningError) as err:
        SshAgent(path, timeout=0.2).identities()
    assert one_line(err) == f"ssh-agent at {path} did not answer within 0.2 s"


@pytest.mark.parametrize("reply", [
    b"\0\0\0\x01\x63",  # an unknown message type
    b"\0\0\0\x05\x0c\0\0\0\x01",  # one identity promised, none sent
    b"\x7f\xff\xff\xff",  # a 2 GiB answer announced
    b"\0\0\0\x10\x0c",  # the connection closes mid-answer
])
def test_garbled_answers_are_one_line_errors(fake_agent_socket: tuple[str, list[bytes]], reply: bytes) -> None:
    path, replies = fake_agent_socket
    replies.append(reply)
    with pytest.raises(SigningError) as err:
        SshAgent(path, timeout=2).identities()
    assert one_line(err).startswith(("malformed answer from ssh-agent", f"ssh-agent at {path} closed"))
