"""Shared fixtures: an isolated home per test, an age identity, the CLI in a subprocess, and a
real Secret Service (gnome-keyring on a private D-Bus session bus) started once per session.

Every test runs with HOME and the XDG directories in its own temp dir and no ``SEALFILE_*``
variable from the caller, so nothing reads or writes the developer's real keys.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from sealfile.envelope.datakey import forget_data_keys
from sealfile.stores.yaml.scan_check import CHECK_VARIABLE
from tests.support import cli as cli_support
from tests.support.cli import IN_CI, RunCli
from tests.support.identities import AgeIdentity, write_identity
from tests.support.openbao import openbao, vault_env
from tests.support.secret_service import KEYRING_PASSWORD, unlock_default_collection

__all__ = ["openbao", "vault_env"]

# The test command replays the same examples on every run, so a red run is reproducible and a new
# user's first run finds nothing CI never saw. Exploring is explicit, ``--hypothesis-profile=explore``
# (hypothesis' pytest option, applied after this file), as .ci/run does in a separate, time-boxed step.
settings.register_profile("replay", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("explore", derandomize=False, deadline=None, print_blob=True)
settings.load_profile("replay")


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl-C and SIGHUP as a terminal delivers them, whatever this run inherited: a run started in the
    background (``cmd &``, ``nohup``) ignores both, every command a test starts would too, and the tests of
    what a command does on Ctrl-C or a closed terminal would see it do nothing."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


_DISPOSITIONS = [getattr(signal, name) for name in ("SIGPIPE", "SIGINT", "SIGHUP", "SIGTERM", "SIGXFSZ")
                 if hasattr(signal, name)]


@pytest.fixture(autouse=True)
def signals_as_found() -> Iterator[None]:
    """Each test starts with the signal dispositions this process started with: one that ran a command in this
    process and left SIGPIPE at its default made a later test's write to a finished git process kill the
    worker (Python ignores SIGPIPE, and sealfile's code relies on the BrokenPipeError it then gets)."""
    found = {sig: signal.getsignal(sig) for sig in _DISPOSITIONS}
    yield
    for sig, handler in found.items():
        if signal.getsignal(sig) != handler and handler is not None:
            signal.signal(sig, handler)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every hypothesis test ``property``, so the exploring step can select them (-m property)."""
    for item in items:
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.property)


_ISOLATED_DIRS = {
    "HOME": "home",
    "XDG_CONFIG_HOME": "home/.config",
    "XDG_DATA_HOME": "home/.local/share",
    "XDG_CACHE_HOME": "home/.cache",
    "XDG_STATE_HOME": "home/.local/state",
}


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh HOME/XDG tree, no SEALFILE_* settings, no keyring bus, an empty data-key cache."""
    for name, sub in _ISOLATED_DIRS.items():
        directory = tmp_path / sub
        directory.mkdir(parents=True, exist_ok=True)
        monkeypatch.setenv(name, str(directory))
    for name in list(os.environ):
        if name.startswith("SEALFILE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv(CHECK_VARIABLE, "1")  # every text the line scan reads is read by ruamel too, and compared
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    forget_data_keys()
    yield tmp_path / "home"
    forget_data_keys()


@pytest.fixture
def age_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AgeIdentity:
    """A new age identity in a 0600 file named by SEALFILE_AGE_KEY_FILE (SEALFILE_AGE_KEY unset)."""
    found = write_identity(tmp_path / "age" / "keys.txt")
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(found.path))
    monkeypatch.delenv("SEALFILE_AGE_KEY", raising=False)
    return found


@pytest.fixture
def run_cli() -> RunCli:
    """``run_cli("decrypt", path)`` -> CompletedProcess (text, captured) of ``python -m sealfile``."""
    return cli_support.run_cli


# --- a real Secret Service: gnome-keyring on a private session bus -------------------------


@dataclass(frozen=True)
class SecretServiceBus:
    address: str
    home: Path
    daemon: subprocess.Popen[bytes]
    log: Path


def _fail_or_skip(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"Secret Service unavailable in CI: {reason}")
    pytest.skip(reason)


def _dbus(env: dict[str, str], *args: str) -> str:
    return subprocess.run(["dbus-send", "--session", "--print-reply", *args], capture_output=True, text=True,
                          env=env, timeout=10).stdout


def _bus_has_secrets(env: dict[str, str]) -> bool:
    """The daemon owns the Secret Service name, and its default collection is there and unlocked: it
    registers on the bus before it has read its password, and a client asking in between made or met a
    locked collection (every keyring test of that worker then failed: 'Failed to unlock the collection')."""
    if "boolean true" not in _dbus(env, "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
                                   "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets"):
        return False
    alias = _dbus(env, "--dest=org.freedesktop.secrets", "/org/freedesktop/secrets",
                  "org.freedesktop.Secret.Service.ReadAlias", "string:default").split('"')
    if len(alias) < 2 or not alias[1].startswith("/org/freedesktop/secrets/collection/"):
        return False
    locked = _dbus(env, "--dest=org.freedesktop.secrets", alias[1], "org.freedesktop.DBus.Properties.Get",
                   "string:org.freedesktop.Secret.Collection", "string:Locked")
    return "boolean false" in locked


def _stop(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)


@pytest.fixture(scope="session")
def secret_service_bus() -> Iterator[SecretServiceBus]:
    """A private dbus-daemon plus an unlocked gnome-keyring-daemon, for the whole session."""
    missing = [b for b in ("dbus-daemon", "dbus-send", "gnome-keyring-daemon") if shutil.which(b) is None]
    if missing:
        _fail_or_skip(f"needs {', '.join(missing)} (apt-get install dbus gnome-keyring)")
    root = Path(tempfile.mkdtemp(prefix="sealfile-keyring-"))
    home, runtime = root / "home", root / "run"
    home.mkdir()
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime),
           "XDG_DATA_HOME": str(home / ".local/share"), "XDG_CONFIG_HOME": str(home / ".config")}
    bus = subprocess.run(["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
                         capture_output=True, text=True, env=env, timeout=20)
    lines = bus.stdout.split()
    if bus.returncode != 0 or len(lines) < 2:
        shutil.rmtree(root, ignore_errors=True)
        _fail_or_skip(f"dbus-daemon did not start: {bus.stderr.strip()[:200]}")
    address, bus_pid = lines[0], int(lines[1])
    env["DBUS_SESSION_BUS_ADDRESS"] = address
    log = open(root / "gnome-keyring.log", "wb")  # noqa: SIM115 - closed below
    daemon = subprocess.Popen(
        ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
        stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    try:
        assert daemon.stdin is not None
        daemon.stdin.write(KEYRING_PASSWORD.encode())
        daemon.stdin.close()
        deadline = time.monotonic() + 15
        while not _bus_has_secrets(env):
            if daemon.poll() is not None or time.monotonic() > deadline:
                log_tail = (root / "gnome-keyring.log").read_text()[-300:]
                _fail_or_skip(f"gnome-keyring-daemon did not register: {log_tail}")
            time.sleep(0.1)
        yield SecretServiceBus(address, home, daemon, root / "gnome-keyring.log")
    finally:
        daemon.terminate()
        try:
            daemon.wait(timeout=10)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        log.close()
        _stop(bus_pid)
        shutil.rmtree(root, ignore_errors=True)


def _still_serving(bus: SecretServiceBus) -> None:
    """Each keyring test starts with the daemon running and its collection unlocked: a daemon that died is
    named with its status and log (a test met it as 'Failed to unlock the collection' once, cause unknown),
    and a collection an earlier test left locked is unlocked again with the password."""
    if bus.daemon.poll() is not None:
        pytest.fail(f"gnome-keyring-daemon exited ({bus.daemon.returncode}) during the session: "
                    f"{bus.log.read_text(errors='replace')[-300:]}")
    unlock_default_collection()


@pytest.fixture
def secret_service(secret_service_bus: SecretServiceBus, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point this test (and its subprocesses) at the private bus, with keyring re-detecting its backend."""
    import keyring.backend
    import keyring.core

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", secret_service_bus.address)
    _still_serving(secret_service_bus)
    for attempt in range(3):  # keyring asks the bus whether the service answers; at load 8+ it timed out once
        keyring.core.init_backend()
        backend = keyring.get_keyring()
        if "SecretService" in type(backend).__module__:
            break
        time.sleep(0.5 * (attempt + 1))
        keyring.backend.get_all_keyring.reset()  # type: ignore[attr-defined]  # jaraco's once: probe the bus again
    else:
        pytest.fail(f"keyring picked {type(backend).__module__}, not the Secret Service (three times)")
    yield secret_service_bus.address
    from keyring.backends import fail

    keyring.core.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]  # later tests must not reach this bus by accident
