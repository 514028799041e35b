"""Where age identities come from: sealfile's places, then the ones SOPS reads.

A team moving from SOPS keeps its keys where they are, so every file (sealed or SOPS) opens
with the same environment as before:

- sealfile: ``SEALFILE_AGE_KEY`` (identity text, for CI), ``SEALFILE_AGE_KEY_FILE``, else
  ``~/.config/sealfile/age/keys.txt``;
- SOPS (age/keysource.go): ``SOPS_AGE_KEY``, ``SOPS_AGE_KEY_FILE``, SOPS's default file
  ``sops/age/keys.txt`` in the user config directory, and an SSH key as an age identity:
  ``SOPS_AGE_SSH_PRIVATE_KEY_FILE``, else ``~/.ssh/id_ed25519`` and ``~/.ssh/id_rsa``.

An identity file (SSH keys included) readable by group or others is refused, as ssh refuses it,
unless ``SEALFILE_ALLOW_INSECURE_KEY_FILE=1``. A passphrase-protected SSH key is skipped (SOPS
would prompt for it; sealfile never prompts).
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyrage
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_ssh_private_key

from sealfile.errors import ConfigError

DEFAULT_KEY_FILE = Path("~/.config/sealfile/age/keys.txt")
INSECURE_OK_ENV = "SEALFILE_ALLOW_INSECURE_KEY_FILE"
SOPS_SSH_KEY_ENV = "SOPS_AGE_SSH_PRIVATE_KEY_FILE"


def default_key_file() -> Path:
    configured = os.environ.get("SEALFILE_AGE_KEY_FILE")
    return Path(configured).expanduser() if configured else DEFAULT_KEY_FILE.expanduser()


def sops_default_key_file() -> Path:
    """SOPS's default identity file: ``sops/age/keys.txt`` in Go's user config directory
    (``$XDG_CONFIG_HOME`` first, on macOS too)."""
    if os.environ.get("XDG_CONFIG_HOME"):
        base = Path(os.environ["XDG_CONFIG_HOME"])
    elif sys.platform == "darwin":
        base = Path("~/Library/Application Support").expanduser()
    elif os.name == "nt":
        base = Path(os.environ.get("APPDATA", "~")).expanduser()
    else:
        base = Path("~/.config").expanduser()
    return base / "sops" / "age" / "keys.txt"


def parse_identities(text: str, source: str) -> list[pyrage.x25519.Identity]:
    identities = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            identities.append(pyrage.x25519.Identity.from_str(line))
        except pyrage.IdentityError:
            # never echo the line: it is a secret key
            raise ConfigError(f"{source}: line {number} is not an age identity") from None
    return identities


def insecure_key_file_allowed() -> bool:
    """``SEALFILE_ALLOW_INSECURE_KEY_FILE=1`` (or true/yes); ``0``, ``false`` or empty keep the check."""
    return os.environ.get(INSECURE_OK_ENV, "").strip().lower() in ("1", "true", "yes")


def check_private(path: Path) -> None:
    """Refuse an identity file others can read, as ssh does, unless told otherwise."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO) and not insecure_key_file_allowed():
        raise ConfigError(
            f"{path}: identity file is readable by others (mode {stat.S_IMODE(mode):o}); "
            f"run 'chmod 600 {path}' or set {INSECURE_OK_ENV}=1"
        )


@dataclass(frozen=True)
class SshIdentity:
    """An SSH private key used as an age identity, with the public key (``ssh-ed25519 AAAA...``)
    it answers to."""

    identity: Any = None
    public: str = ""


@lru_cache(maxsize=16)
def _age_file(path: Path, _mtime_ns: int) -> tuple[pyrage.x25519.Identity, ...]:
    check_private(path)
    return tuple(parse_identities(path.read_text(encoding="utf-8"), str(path)))


@lru_cache(maxsize=16)
def _ssh_file(path: Path, _mtime_ns: int) -> tuple[SshIdentity, ...]:
    check_private(path)
    data = path.read_bytes()
    try:
        public = load_ssh_private_key(data, password=None).public_key()
        text = public.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode("ascii")
        return (SshIdentity(pyrage.ssh.Identity.from_buffer(data), text),)
    except (ValueError, TypeError, pyrage.IdentityError):
        return ()  # passphrase-protected or not a key age can use: SOPS would prompt, we skip it


def _cached(path: Path, reader: Any) -> tuple[Any, ...]:
    try:
        mtime = path.stat().st_mtime_ns
    except (FileNotFoundError, NotADirectoryError):
        return ()
    result: tuple[Any, ...] = reader(path, mtime)
    return result


def x25519_identities() -> list[pyrage.x25519.Identity]:
    """Every age identity sealfile's and SOPS's places hold, in that order."""
    found: list[pyrage.x25519.Identity] = []
    for variable in ("SEALFILE_AGE_KEY", "SOPS_AGE_KEY"):
        inline = os.environ.get(variable)
        if inline:
            found += parse_identities(inline, variable)
    files = [default_key_file(), Path(os.environ["SOPS_AGE_KEY_FILE"]).expanduser()
             if os.environ.get("SOPS_AGE_KEY_FILE") else None, sops_default_key_file()]
    for path in dict.fromkeys(p for p in files if p is not None):
        found += _cached(path, _age_file)
    return found


def ssh_identities() -> list[SshIdentity]:
    """SSH keys SOPS uses as age identities: the named one, else the default ed25519 and RSA keys."""
    named = os.environ.get(SOPS_SSH_KEY_ENV)
    home = Path("~/.ssh").expanduser()
    paths = [Path(named).expanduser()] if named else [home / "id_ed25519", home / "id_rsa"]
    return [identity for path in paths for identity in _cached(path, _ssh_file)]


def looked_in() -> str:
    """Where identities were looked for, for an error message: a variable only when it is set, a file a
    variable names (and sealfile's own default file) even when missing, saying so, and the other default
    files only when they exist."""
    places = [name for name in ("SEALFILE_AGE_KEY", "SOPS_AGE_KEY") if os.environ.get(name)]
    places.append(_place(default_key_file(), "SEALFILE_AGE_KEY_FILE"))
    named_ssh = os.environ.get(SOPS_SSH_KEY_ENV)
    for variable in ("SOPS_AGE_KEY_FILE", SOPS_SSH_KEY_ENV):
        if os.environ.get(variable):
            places.append(_place(Path(os.environ[variable]).expanduser(), variable))
    ssh_defaults = [] if named_ssh else [Path("~/.ssh/id_ed25519").expanduser(), Path("~/.ssh/id_rsa").expanduser()]
    places += [str(path) for path in (sops_default_key_file(), *ssh_defaults) if path.exists()]
    return ", ".join(places)


def _place(path: Path, variable: str) -> str:
    named = f"{variable}={path}" if os.environ.get(variable) else str(path)
    return named if path.exists() else f"{named}: no such file"
