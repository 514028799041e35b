"""Unwrapping a SOPS file's data key with sealfile's own providers.

SOPS stores the same 32-byte data key wrapped once per recipient, exactly as we do: an age
entry's ``enc`` is an armored age file, a KMS entry's ``enc`` is the base64 ciphertext blob.
So an entry becomes a sealfile stanza (see :mod:`sealfile.sops.format`) and the matching
provider unwraps it. age identities come from SOPS's places as well as sealfile's:
``SOPS_AGE_KEY``, ``SOPS_AGE_KEY_FILE`` and SOPS's default key file.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyrage

from sealfile.envelope.datakey import unwrap_data_key
from sealfile.errors import ConfigError
from sealfile.kms.age import AgeKey, available_identities, check_private, parse_identities
from sealfile.kms.base import MasterKey
from sealfile.kms.registry import key_for as registry_key_for
from sealfile.model.metadata import Stanza
from sealfile.sops.format import UNSUPPORTED_KINDS


def sops_default_key_file() -> Path:
    """SOPS's default identity file: ``keys.txt`` under ``sops/age`` in the user config dir."""
    if sys.platform == "darwin" and not os.environ.get("XDG_CONFIG_HOME"):
        base = Path("~/Library/Application Support").expanduser()
    elif os.name == "nt":
        base = Path(os.environ.get("APPDATA", "~")).expanduser()
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or "~/.config").expanduser()
    return base / "sops" / "age" / "keys.txt"


@lru_cache(maxsize=8)
def _file_identities(path: Path, _mtime_ns: int) -> tuple[pyrage.x25519.Identity, ...]:
    check_private(path)
    return tuple(parse_identities(path.read_text(encoding="utf-8"), str(path)))


def _from_file(path: Path) -> list[pyrage.x25519.Identity]:
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return []
    return list(_file_identities(path, mtime))


def sops_age_identities() -> list[pyrage.x25519.Identity]:
    """Identities SOPS itself would use: ``SOPS_AGE_KEY``, ``SOPS_AGE_KEY_FILE``, the default file."""
    identities: list[pyrage.x25519.Identity] = []
    inline = os.environ.get("SOPS_AGE_KEY")
    if inline:
        identities += parse_identities(inline, "SOPS_AGE_KEY")
    named = os.environ.get("SOPS_AGE_KEY_FILE")
    if named:
        identities += _from_file(Path(named).expanduser())
    return identities + _from_file(sops_default_key_file())


@dataclass(frozen=True, repr=False)
class SopsAgeKey(AgeKey):
    """Our age provider, also looking where SOPS looks for identities."""

    def _unwrap(self, wrapped: str) -> bytes:
        identities = self._matching_identities([*available_identities(), *sops_age_identities()])
        if not identities:
            raise self.unwrap_error(
                "no matching identity (looked in $SEALFILE_AGE_KEY, $SEALFILE_AGE_KEY_FILE, $SOPS_AGE_KEY, "
                f"$SOPS_AGE_KEY_FILE and {sops_default_key_file()})"
            )
        try:
            return bytes(pyrage.decrypt(wrapped.encode("ascii"), identities))
        except (pyrage.DecryptError, UnicodeEncodeError):
            raise self.unwrap_error("the wrapped data key is corrupt") from None


def key_for(stanza: Stanza) -> MasterKey:
    """The provider for one converted SOPS entry (age gets SOPS's identity sources too)."""
    if stanza.type == "age":
        return SopsAgeKey(str(stanza.fields["recipient"]))
    if stanza.type in UNSUPPORTED_KINDS:
        raise ConfigError(f"sealfile does not read SOPS {stanza.type} keys")
    return registry_key_for(stanza)


def unwrap_sops_data_key(stanzas: Sequence[Stanza], unsupported: Sequence[str] = ()) -> bytes:
    """Try each entry, cheapest (local) first; one error listing every attempt if none opens.

    Unwrapped keys share sealfile's per-process cache (``sealfile.forget_data_keys`` empties it).
    """
    placeholders = [Stanza(kind, {}, "") for kind in unsupported]
    return unwrap_data_key([*stanzas, *placeholders], key_for=key_for)
