"""Unwrapping a SOPS file's data key with sealfile's own providers.

SOPS stores the same 32-byte data key wrapped once per recipient, exactly as we do: an age
entry's ``enc`` is an armored age file, a KMS entry's ``enc`` is the base64 ciphertext blob.
So an entry becomes a sealfile stanza (see :mod:`sealfile.sops.format`) and the matching
provider unwraps it; the age provider looks for identities where SOPS does too
(:mod:`sealfile.kms.age_identities`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sealfile.envelope.datakey import unwrap_data_key
from sealfile.errors import ConfigError
from sealfile.kms.base import MasterKey
from sealfile.kms.registry import key_for as registry_key_for
from sealfile.model.metadata import Stanza
from sealfile.sops.format import UNSUPPORTED_KINDS


def key_for(stanza: Stanza) -> MasterKey:
    """The provider for one converted SOPS entry; entries sealfile cannot use are named."""
    if stanza.type in UNSUPPORTED_KINDS:
        raise ConfigError(f"sealfile does not read SOPS {stanza.type} keys")
    return registry_key_for(stanza)


def unwrap_sops_data_key(stanzas: Sequence[Stanza], unsupported: Sequence[str] = ()) -> bytes:
    """Try each entry, cheapest (local) first; one error listing every attempt if none opens.

    Unwrapped keys share sealfile's per-process cache (``sealfile.forget_data_keys`` empties it).
    """
    placeholders = [Stanza(kind, {}, "") for kind in unsupported]
    return unwrap_data_key([*stanzas, *placeholders], key_for=key_for)
