"""Unwrapping a SOPS file's data key with sealfile's own providers.

SOPS stores the same 32-byte data key wrapped once per recipient, exactly as we do (an age
entry's ``enc`` is an armored age file, a KMS entry's the ciphertext blob...), and splits it
between key groups as we do (:mod:`sealfile.envelope.shamir`). So an entry becomes a sealfile
stanza (see :mod:`sealfile.sops.format`), the matching provider unwraps it, and any
``shamir_threshold`` groups open the file. The age provider looks for identities where SOPS
does too (:mod:`sealfile.kms.age_identities`), the SSH one in SOPS's SSH key file too.
"""

from __future__ import annotations

from sealfile.envelope.datakey import unwrap_data_key, unwrap_grouped
from sealfile.errors import ConfigError
from sealfile.kms.base import MasterKey
from sealfile.kms.registry import key_for as registry_key_for
from sealfile.model.metadata import Stanza
from sealfile.sops.cipher import mac_opens
from sealfile.sops.format import SopsMetadata


def unwrap_sops_data_key(meta: SopsMetadata) -> bytes:
    """Try the entries, cheapest (local) first; one error listing every attempt if too few open.

    Unwrapped keys share sealfile's per-process cache (``sealfile.forget_data_keys`` empties it).
    """

    def key_for(stanza: Stanza) -> MasterKey:
        if stanza.type in meta.unsupported:
            raise ConfigError(f"sealfile does not read SOPS {stanza.type} keys")
        return registry_key_for(stanza)

    if len(meta.groups) > 1:  # SOPS combines at least two parts (one is refused, whatever the threshold says)
        return unwrap_grouped(meta.groups, max(meta.threshold, 2), key_for=key_for,
                              opens=lambda data_key: mac_opens(data_key, meta.mac, meta.lastmodified))
    return unwrap_data_key(meta.groups[0], key_for=key_for)
