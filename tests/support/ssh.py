"""Real OpenSSH for tests: keys made by ``ssh-keygen``, a private ``ssh-agent``, and the reference
``ssh-keygen -Y sign/verify/find-principals`` commands.

Use the fixtures from any test package by importing them into its ``conftest.py``::

    from tests.support.ssh import ssh_agent, ssh_keys  # noqa: F401

``ssh_keys`` is session-scoped (an RSA key takes seconds to make): treat its files as read-only.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sealfile.envelope import ssh_wire, sshsig
from sealfile.envelope.ssh_keys import SshPublicKey

# kind -> ssh-keygen arguments
KEY_KINDS = {
    "ed25519": ["-t", "ed25519"],
    "ecdsa256": ["-t", "ecdsa", "-b", "256"],
    "ecdsa384": ["-t", "ecdsa", "-b", "384"],
    "ecdsa521": ["-t", "ecdsa", "-b", "521"],
    "rsa": ["-t", "rsa", "-b", "3072"],
}


@dataclass(frozen=True)
class SshKeyPair:
    """A key made by ssh-keygen: ``path`` is the private key, ``pub_path`` its ``.pub``."""

    path: Path
    public_key: SshPublicKey

    @property
    def pub_path(self) -> Path:
        return self.path.with_name(self.path.name + ".pub")


def generate_key(directory: Path, kind: str, name: str, *, passphrase: str = "") -> SshKeyPair:
    path = directory / name
    subprocess.run(["ssh-keygen", "-q", *KEY_KINDS[kind], "-N", passphrase, "-C", name, "-f", str(path)],
                   check=True, capture_output=True, timeout=60)
    return SshKeyPair(path, SshPublicKey.from_line(path.with_name(name + ".pub").read_text()))


@dataclass
class SshKeys:
    """Makes each (kind, name) key once per session."""

    directory: Path
    _made: dict[tuple[str, str], SshKeyPair] = field(default_factory=dict)

    def get(self, kind: str = "ed25519", name: str = "alice") -> SshKeyPair:
        if (kind, name) not in self._made:
            self._made[kind, name] = generate_key(self.directory, kind, f"{name}-{kind}")
        return self._made[kind, name]


@pytest.fixture(scope="session")
def ssh_keys(tmp_path_factory: pytest.TempPathFactory) -> SshKeys:
    return SshKeys(tmp_path_factory.mktemp("ssh-keys"))


@dataclass(frozen=True)
class RunningAgent:
    """An ``ssh-agent -D -a SOCK`` of the test's own; ``add`` loads a key with the real ``ssh-add``."""

    socket_path: str
    directory: Path

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "SSH_AUTH_SOCK": self.socket_path}

    def add(self, key: SshKeyPair, *options: str) -> None:
        subprocess.run(["ssh-add", *options, str(key.path)], env=self.env, check=True, capture_output=True,
                       timeout=30)


def start_agent(directory: Path, extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    socket_path = directory / "agent.sock"
    process = subprocess.Popen(["ssh-agent", "-D", "-a", str(socket_path)], env={**os.environ, **(extra_env or {})},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not _accepts(socket_path):  # the socket's file is there from bind(), before listen(): refused in between
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("ssh-agent did not start")
        time.sleep(0.01)
    return process


def _accepts(socket_path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(socket_path))
        except OSError:
            return False
    return True


@pytest.fixture
def ssh_agent(monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningAgent]:
    """A fresh agent whose confirmations (``ssh-add -c``) are always declined; SSH_AUTH_SOCK points at it."""
    # short path: a UNIX socket path must stay under 108 bytes
    directory = Path(tempfile.mkdtemp(prefix="sa", dir="/tmp"))
    deny = directory / "deny-askpass"
    deny.write_text("#!/bin/sh\nexit 1\n")
    deny.chmod(0o700)
    process = start_agent(directory, {"SSH_ASKPASS": str(deny), "SSH_ASKPASS_REQUIRE": "force", "DISPLAY": ":0"})
    agent = RunningAgent(str(directory / "agent.sock"), directory)
    monkeypatch.setenv("SSH_AUTH_SOCK", agent.socket_path)
    try:
        yield agent
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


def write_allowed_signers(directory: Path, key: SshKeyPair, principal: str = "alice") -> Path:
    path = directory / "allowed_signers"
    path.write_text(f"{principal} {key.public_key.to_line()}\n")
    return path


def sshsig_fields(armored: str) -> list[bytes]:
    """The five string fields of an SSHSIG blob after magic and version: key, namespace, reserved,
    hash algorithm, signature."""
    reader = ssh_wire.WireReader(sshsig.dearmor(armored))
    reader.raw(6)
    reader.uint32()
    return [reader.string() for _ in range(5)]


def keygen_sign(key: SshKeyPair, message_path: Path, namespace: str = "sealfile") -> str:
    """``ssh-keygen -Y sign``: the armored signature it writes next to the message."""
    signature_path = message_path.with_name(message_path.name + ".sig")
    signature_path.unlink(missing_ok=True)
    subprocess.run(["ssh-keygen", "-Y", "sign", "-n", namespace, "-f", str(key.path), str(message_path)],
                   check=True, capture_output=True, timeout=30)
    return signature_path.read_text()


def keygen_verify(allowed_signers: Path, principal: str, namespace: str, signature: str, message: bytes,
                  directory: Path, *extra: str) -> subprocess.CompletedProcess[bytes]:
    """``ssh-keygen -Y verify``; returncode 0 means OpenSSH accepts the signature."""
    signature_path = directory / "check.sig"
    signature_path.write_text(signature)
    return subprocess.run(["ssh-keygen", "-Y", "verify", "-f", str(allowed_signers), "-I", principal, "-n", namespace,
                           "-s", str(signature_path), *extra], input=message, capture_output=True, timeout=30)


def keygen_find_principals(allowed_signers: Path, signature: str, directory: Path,
                           *extra: str) -> list[str] | None:
    """``ssh-keygen -Y find-principals``: the principals it prints, or ``None`` when it finds none."""
    signature_path = directory / "find.sig"
    signature_path.write_text(signature)
    result = subprocess.run(["ssh-keygen", "-Y", "find-principals", "-f", str(allowed_signers),
                             "-s", str(signature_path), *extra], capture_output=True, text=True, timeout=30)
    return result.stdout.splitlines() if result.returncode == 0 else None


@dataclass(frozen=True)
class Askpass:
    """An ``SSH_ASKPASS`` program that prints ``answer`` (or exits with ``status``) and logs each prompt."""

    program: Path
    log: Path

    @property
    def prompts(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []

    def env(self, require: str = "force") -> dict[str, str]:
        return {"SSH_ASKPASS": str(self.program), "SSH_ASKPASS_REQUIRE": require}


def write_askpass(directory: Path, answer: str, status: int = 0) -> Askpass:
    directory.mkdir(parents=True, exist_ok=True)
    program, log = directory / "askpass", directory / "askpass.log"
    program.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$1\" >> {shlex.quote(str(log))}\n"
                       f"printf '%s\\n' {shlex.quote(answer)}\nexit {status}\n")
    program.chmod(0o700)
    return Askpass(program, log)
