"""The test Secret Service (gnome-keyring on the session's private bus, tests/conftest.py): its password, and
a collection locked for the length of a test, as after a screen lock."""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator
from typing import Any

KEYRING_PASSWORD = "sealfile-test-password"
"""What the daemon is started with, and what unlocks its collection again after a test locked it."""


def _secret_service(method: str, signature: str, *args: object, path: str = "/org/freedesktop/secrets",
                    interface: str = "org.freedesktop.Secret.Service", connection: Any = None) -> tuple[Any, ...]:
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection

    if connection is None:
        with open_dbus_connection(bus="SESSION") as connection:
            return _secret_service(method, signature, *args, path=path, interface=interface, connection=connection)
    address = DBusAddress(path, bus_name="org.freedesktop.secrets", interface=interface)
    return tuple(connection.send_and_get_reply(new_method_call(address, method, signature, args)).body)


def _unlock(collection: str) -> None:
    """With the password, as the daemon's own login does: ``Unlock`` would want a prompt (a session belongs
    to the connection that opened it: one connection for both calls)."""
    from jeepney.io.blocking import open_dbus_connection

    with open_dbus_connection(bus="SESSION") as connection:
        _, session = _secret_service("OpenSession", "sv", "plain", ("s", ""), connection=connection)
        _secret_service("UnlockWithMasterPassword", "o(oayays)", collection,
                        (session, b"", KEYRING_PASSWORD.encode(), "text/plain"), connection=connection,
                        interface="org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface")
    assert _secret_service("Get", "ss", "org.freedesktop.Secret.Collection", "Locked", path=collection,
                           interface="org.freedesktop.DBus.Properties") == (("b", False),)


def unlock_default_collection() -> None:
    """Unlock the default collection if it is locked (a no-op otherwise)."""
    collection = _secret_service("ReadAlias", "s", "default")[0]
    locked = _secret_service("Get", "ss", "org.freedesktop.Secret.Collection", "Locked", path=collection,
                             interface="org.freedesktop.DBus.Properties")
    if locked != (("b", False),):
        _unlock(collection)


@contextlib.contextmanager
def locked_keyring() -> Iterator[list[str]]:
    """The default collection locked, as after a screen lock; yields the Secret Service calls made meanwhile
    (each ``Prompt`` is an unlock dialog a desktop shows). Unlocked again after, or the session's other
    keyring tests would meet a locked keyring."""
    collection = _secret_service("ReadAlias", "s", "default")[0]
    _secret_service("Lock", "ao", [collection])
    monitor = subprocess.Popen(["dbus-monitor", "--session", "interface='org.freedesktop.Secret.Prompt'"],
                               stdout=subprocess.PIPE, text=True)
    calls: list[str] = []
    try:
        time.sleep(0.5)  # dbus-monitor subscribes before it prints anything: give it the time to
        yield calls
        time.sleep(0.5)
    finally:
        monitor.terminate()
        calls += [line for line in monitor.communicate(timeout=10)[0].splitlines() if "member=Prompt" in line]
        _unlock(collection)
