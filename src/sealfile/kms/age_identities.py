"""Where age identities come from: sealfile's places, then the ones SOPS reads.

A team moving from SOPS keeps its keys where they are, so every file (sealed or SOPS) opens
with the same environment as before:

- sealfile: ``SEALFILE_AGE_KEY`` (identity text, for CI), ``SEALFILE_AGE_KEY_FILE``, else
  ``~/.config/sealfile/age/keys.txt``;
- SOPS (age/keysource.go): ``SOPS_AGE_KEY``, ``SOPS_AGE_KEY_FILE`` and SOPS's default file
  ``sops/age/keys.txt`` in the user config directory.

A file may hold X25519 identities (``AGE-SECRET-KEY-1...``) and age plugin identities
(``AGE-PLUGIN-...``). SSH private keys, which SOPS also uses, are found by the SSH recipient kind
(:mod:`sealfile.kms.ssh`). An identity file readable by group or others is refused, as ssh
refuses it, unless ``SEALFILE_ALLOW_INSECURE_KEY_FILE=1``.
"""

from __future__ import annotations

import os
import stat
import sys
from functools import lru_cache
from typing import Any

import pyrage

from sealfile.errors import ConfigError
from sealfile.files.io import FileState, file_state
from sealfile.files.pathnames import exists, expanded, spelled

DEFAULT_KEY_FILE = "~/.config/sealfile/age/keys.txt"
INSECURE_OK_ENV = "SEALFILE_ALLOW_INSECURE_KEY_FILE"
MAX_IDENTITY_FILE_CHARS = 1024 * 1024
"""About 13,000 identities: far more than any identity file holds."""
# File names are strings spelled as pathlib spells them (sealfile.files.pathnames): every command that
# opens a file looks here, and messages name the files as they always have.


def default_key_file() -> str:
    configured = os.environ.get("SEALFILE_AGE_KEY_FILE")
    return expanded(configured or DEFAULT_KEY_FILE)


def sops_default_key_file() -> str:
    """SOPS's default identity file: ``sops/age/keys.txt`` in Go's user config directory
    (``$XDG_CONFIG_HOME`` first, on macOS too)."""
    if os.environ.get("XDG_CONFIG_HOME"):
        base = os.environ["XDG_CONFIG_HOME"]
    elif sys.platform == "darwin":
        base = expanded("~/Library/Application Support")
    elif os.name == "nt":
        base = expanded(os.environ.get("APPDATA", "~"))
    else:
        base = expanded("~/.config")
    return spelled(os.path.join(base, "sops", "age", "keys.txt"))


def parse_identities(text: str, source: str) -> list[Any]:
    """X25519 identities (``pyrage.x25519.Identity``) and plugin ones (``pyrage.plugin.Identity``)."""
    identities = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            if line.upper().startswith("AGE-PLUGIN-"):
                identities.append(pyrage.plugin.Identity.from_str(line))
            else:
                identities.append(pyrage.x25519.Identity.from_str(line))
        except pyrage.IdentityError:
            if line.startswith("age1"):  # a public key where the secret one belongs: no chmod or retyping helps
                raise ConfigError(f"{source}: line {number} is an age recipient (a public key), not an identity: give "
                                  "the key that 'sealfile keygen' or age-keygen wrote") from None
            # never echo the line: it is a secret key
            raise ConfigError(f"{source}: line {number} is not an age identity") from None
    return identities


def insecure_key_file_allowed() -> bool:
    """``SEALFILE_ALLOW_INSECURE_KEY_FILE=1`` (or true/yes); ``0``, ``false`` or empty keep the check."""
    return os.environ.get(INSECURE_OK_ENV, "").strip().lower() in ("1", "true", "yes")


PUBLIC_KEY_STARTS = (b"ssh-ed25519 ", b"ssh-rsa ", b"ecdsa-sha2-", b"sk-ssh-", b"sk-ecdsa-")
"""How an SSH ``.pub`` file starts; no private key file starts so (nor with ``age1``, as a recipients file does)."""


def check_private(path: str | os.PathLike[str]) -> None:
    """Refuse an identity file others can read, as ssh does, unless told otherwise. A file of public keys named
    where the private key belongs (``~/.ssh/id_ed25519.pub``, as git's ``user.signingKey`` takes it) is named as
    such: asking to make it private would be wrong advice, and done, it still opens nothing."""
    mode = os.stat(path).st_mode
    first = _first_key_line(path) if stat.S_ISREG(mode) else b""
    if first.startswith(b"age1"):
        raise ConfigError(f"{path}: holds age recipients (age1...), not identities: name the key file that "
                          "'sealfile keygen' or age-keygen wrote")
    if first.startswith(PUBLIC_KEY_STARTS):
        raise ConfigError(f"{path}: an SSH public key, not a private key: name the private key file (age cannot use "
                          "ssh-agent)")
    if mode & (stat.S_IRWXG | stat.S_IRWXO) and not insecure_key_file_allowed():
        raise ConfigError(
            f"{path}: identity file is readable by others (mode {stat.S_IMODE(mode):o}); "
            f"run 'chmod 600 {path}' or set {INSECURE_OK_ENV}=1"
        )


def _first_key_line(path: str | os.PathLike[str]) -> bytes:
    """The start of the first line of ``path`` that is neither blank nor a ``#`` comment (read no further)."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    return next((line.strip() for line in head.splitlines() if line.strip() and not line.lstrip().startswith(b"#")),
                b"")


def is_plugin_identity(identity: Any) -> bool:
    return isinstance(identity, pyrage.plugin.Identity)


@lru_cache(maxsize=16)
def _age_file(path: str, _state: FileState) -> tuple[Any, ...]:
    check_private(path)
    with open(path, "rb") as handle:
        raw = handle.read(4 * MAX_IDENTITY_FILE_CHARS + 1)  # never the whole of it: a device read without end
    if raw.startswith((b"age-encryption.org/", b"-----BEGIN AGE ENCRYPTED FILE-----")):
        raise ConfigError(f"{path}: the identity file is itself encrypted (age -p): sealfile reads plain identity "
                          "files only; decrypt it for the command, e.g. SEALFILE_AGE_KEY=\"$(age -d FILE)\"")
    try:
        text = raw.decode("utf-8") if len(raw) <= 4 * MAX_IDENTITY_FILE_CHARS else None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text: not an age identity file") from None
    if text is None or len(text) > MAX_IDENTITY_FILE_CHARS:
        raise ConfigError(f"{path}: longer than {MAX_IDENTITY_FILE_CHARS // 1024} Ki characters: not an age identity "
                          "file")
    return tuple(parse_identities(text, path))


def _cached(path: str) -> tuple[Any, ...]:
    try:
        state = file_state(path)
    except (FileNotFoundError, NotADirectoryError):
        return ()
    if not stat.S_ISREG(state[3]):  # a pipe (a FIFO, '<(...)') reads once, and each write moves its times
        state = (state[0], state[1], 0, state[3], 0, 0)
    return _age_file(path, state)


def file_identities() -> list[Any]:
    """Every age identity (X25519 and plugin) sealfile's and SOPS's places hold, in that order."""
    found: list[Any] = []
    for variable in ("SEALFILE_AGE_KEY", "SOPS_AGE_KEY"):
        inline = os.environ.get(variable)
        if inline:
            found += parse_identities(inline, variable)
    files = [default_key_file(), expanded(os.environ["SOPS_AGE_KEY_FILE"])
             if os.environ.get("SOPS_AGE_KEY_FILE") else None, sops_default_key_file()]
    for path in dict.fromkeys(p for p in files if p is not None):
        found += _cached(path)
    return found


def looked_in() -> str:
    """Where identities were looked for, for an error message: a variable only when it is set, a file a
    variable names (and sealfile's own default file) even when missing, saying so, and SOPS's default file
    only when it exists."""
    places = [name for name in ("SEALFILE_AGE_KEY", "SOPS_AGE_KEY") if os.environ.get(name)]
    places.append(_place(default_key_file(), "SEALFILE_AGE_KEY_FILE"))
    if os.environ.get("SOPS_AGE_KEY_FILE"):
        places.append(_place(expanded(os.environ["SOPS_AGE_KEY_FILE"]), "SOPS_AGE_KEY_FILE"))
    if exists(sops_default_key_file()):
        places.append(sops_default_key_file())
    if os.environ.get("SOPS_AGE_KEY_CMD"):  # sops reads it: a SOPS user's file opens there and not here, unsaid
        places.append("not SOPS_AGE_KEY_CMD, which sealfile never runs (put its identity in a key file)")
    return ", ".join(places)


def _place(path: str, variable: str) -> str:
    named = f"{variable}={path}" if os.environ.get(variable) else path
    return named if exists(path) else f"{named}: no such file"
