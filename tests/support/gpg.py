"""Real GnuPG for the pgp tests: a private GNUPGHOME per test and keys made in it with ``gpg``.

The home is under /tmp with a short name on purpose: gpg-agent's socket path must stay under
108 bytes, which pytest's ``tmp_path`` can exceed. Its agent is stopped when the test ends.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

GPG = shutil.which("gpg") or "gpg"
GPGCONF = shutil.which("gpgconf") or "gpgconf"

def gpg(home: Path, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([GPG, "--homedir", str(home), "--batch", *args], input=input, capture_output=True,
                          timeout=60, check=False)


def make_key(home: Path, uid: str, passphrase: str = "") -> str:
    """A new ed25519/cv25519 key (protected by ``passphrase`` if given); its fingerprint."""
    done = gpg(home, "--pinentry-mode", "loopback", "--passphrase", passphrase,
               "--quick-gen-key", uid, "future-default", "default", "never")
    assert done.returncode == 0, done.stderr
    listing = gpg(home, "--list-keys", "--with-colons", uid).stdout.decode()
    return next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr"))


def stop_agent(home: Path) -> None:
    subprocess.run([GPGCONF, "--homedir", str(home), "--kill", "gpg-agent"], capture_output=True, check=False)


def refuse_pinentry(home: Path) -> None:
    """No passphrase prompt can be shown (as on a server): gpg-agent fails at once instead."""
    (home / "gpg-agent.conf").write_text("pinentry-program /bin/false\n")
    stop_agent(home)


def unseen_pinentry(home: Path) -> None:
    """A pinentry that shows its prompt where nobody sees it (a desktop's, while the user works over ssh): it
    never answers a request for a passphrase, and ends when gpg-agent does."""
    program = home / "unseen-pinentry.sh"
    program.write_text("#!/bin/sh\necho 'OK ready'\nwhile read line; do case \"$line\" in "
                       "GETPIN*) cat >/dev/null; exit 0;; BYE*) echo OK; exit 0;; *) echo OK;; esac; done\n")
    program.chmod(0o755)
    (home / "gpg-agent.conf").write_text(f"pinentry-program {program}\n")
    stop_agent(home)


def counting_pinentry(home: Path) -> Path:
    """A pinentry that records each time it is started (each prompt a user would see) and answers
    every request for a passphrase as a user who cancels; returns the file it records in."""
    log = home / "prompts.log"
    program = home / "pinentry.sh"
    program.write_text(f"#!/bin/sh\necho prompt >> {log}\necho 'OK ready'\nwhile read line; do case \"$line\" in "
                       "GETPIN*) echo 'ERR 83886179 Operation cancelled';; BYE*) echo OK; exit 0;; *) echo OK;; "
                       "esac; done\n")
    program.chmod(0o755)
    (home / "gpg-agent.conf").write_text(f"pinentry-program {program}\n")
    stop_agent(home)
    return log


def prompts(log: Path) -> int:
    return log.read_text().count("prompt") if log.exists() else 0


@pytest.fixture
def gnupg_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty private GNUPGHOME, set in the environment (so subprocesses use it too)."""
    home = Path(tempfile.mkdtemp(prefix="g", dir="/tmp"))
    os.chmod(home, 0o700)
    monkeypatch.setenv("GNUPGHOME", str(home))
    yield home
    stop_agent(home)
    shutil.rmtree(home, ignore_errors=True)
