"""Unwrapping a SOPS file's data key with sealfile's own providers.

SOPS stores the same 32-byte data key wrapped once per recipient, exactly as we do (an age
entry's ``enc`` is an armored age file, a KMS entry's the ciphertext blob...), and splits it
between key groups as we do (:mod:`sealfile.envelope.shamir`). So an entry becomes a sealfile
stanza (see :mod:`sealfile.sops.format`), the matching provider unwraps it, and any
``shamir_threshold`` groups open the file. The age provider looks for identities where SOPS
does too (:mod:`sealfile.kms.age_identities`), the SSH one in SOPS's SSH key file too.
"""

from __future__ import annotations

from contextlib import suppress

from sealfile.envelope.datakey import unwrap_data_key, unwrap_grouped
from sealfile.errors import ConfigError, UnwrapError
from sealfile.kms.age import AgeKey, age_decrypt
from sealfile.kms.age_identities import file_identities
from sealfile.kms.base import MasterKey
from sealfile.kms.registry import key_for as registry_key_for
from sealfile.kms.trust import mark_named_by_file
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
        key = registry_key_for(stanza)
        if type(key) is not AgeKey or key.plugin or key.matching_identities(file_identities()):
            return key
        return mark_named_by_file(LabelledAgeKey(key.recipient))

    if len(meta.groups) > 1:  # SOPS combines at least two parts (one is refused, whatever the threshold says)
        return unwrap_grouped(meta.groups, max(meta.threshold, 2), key_for=key_for,
                              opens=lambda data_key: mac_opens(data_key, meta.mac, meta.lastmodified))
    return unwrap_data_key(meta.groups[0], key_for=key_for)


class LabelledAgeKey(AgeKey):
    """A SOPS file's age entry that no held identity matches. sops opens its key with every identity it holds:
    the entry's ``recipient`` is a label outside the MAC, so one edited, or spelled otherwise, still opens. So
    every X25519 identity is tried here (a sealed file's recipients are signed: there the label must match)."""

    __slots__ = ()

    cost = AgeKey.cost + 1
    """Tried after the entries a held identity matches: one of those opens the key, and this one is not tried."""

    def _unwrap(self, wrapped: str) -> bytes:
        from sealfile.kms.age_identities import is_plugin_identity

        held = [identity for identity in file_identities() if not is_plugin_identity(identity)]
        if held:
            with suppress(UnwrapError):
                return age_decrypt(self, wrapped, held)
        return super()._unwrap(wrapped)  # no identity matches the label: it says so, and where it looked
