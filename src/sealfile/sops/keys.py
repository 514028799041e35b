"""Unwrapping a SOPS file's data key with sealfile's own providers.

SOPS stores the same 32-byte data key wrapped once per recipient, exactly as we do (an age
entry's ``enc`` is an armored age file, a KMS entry's the ciphertext blob...), and splits it
between key groups as we do (:mod:`sealfile.envelope.shamir`). So an entry becomes a sealfile
stanza (see :mod:`sealfile.sops.format`), the matching provider unwraps it, and any
``shamir_threshold`` groups open the file. The age provider looks for identities where SOPS
does too (:mod:`sealfile.kms.age_identities`), the SSH one in SOPS's SSH key file too.

An age entry's ``recipient`` is a label outside the MAC: sops opens every entry with every identity it holds
(X25519 and SSH), whatever the label says, or when it is empty or no key at all. So here the key the label names
is tried first (it may ask a passphrase or run the plug-in it names, as for a sealed file), then every held
X25519 identity and SSH key that needs no passphrase: never a prompt, a plug-in or a network call for a label.
"""

from __future__ import annotations

import base64
import binascii
import re
from contextlib import suppress
from typing import Any

from sealfile.envelope.datakey import unwrap_data_key, unwrap_grouped
from sealfile.errors import ConfigError, FormatError, SealfileError, UnwrapError
from sealfile.kms.age import AgeKey, age_decrypt
from sealfile.kms.age_identities import file_identities
from sealfile.kms.base import MasterKey
from sealfile.kms.pgp import PgpKey
from sealfile.kms.registry import key_for as registry_key_for
from sealfile.kms.ssh import SshKey
from sealfile.kms.trust import mark_named_by_file
from sealfile.model.metadata import Stanza
from sealfile.model.record import Record
from sealfile.sops.cipher import mac_opens
from sealfile.sops.format import SopsMetadata


def unwrap_sops_data_key(meta: SopsMetadata) -> bytes:
    """Try the entries, cheapest (local) first; one error listing every attempt if too few open.

    Unwrapped keys share sealfile's per-process cache (``sealfile.forget_data_keys`` empties it).
    """
    numbers = {id(stanza): number for number, stanza in enumerate((s for g in meta.groups for s in g), 1)}

    def key_for(stanza: Stanza) -> MasterKey:
        if stanza.type in meta.unsupported:
            raise ConfigError(f"sealfile does not read SOPS {stanza.type} keys")
        if not stanza.wrapped.strip():  # sops reads such an entry too, and fails on trying it
            raise ConfigError(f"this SOPS {stanza.type} entry holds no wrapped key (its 'enc' is empty)")
        number = numbers.get(id(stanza), 0)
        if stanza.type == "pgp":
            return mark_named_by_file(SopsPgpEntry(stanza.fields.get("fingerprint", ""), number))
        if stanza.type not in ("age", "ssh"):
            return registry_key_for(stanza)
        return mark_named_by_file(age_entry_key(stanza.fields.get("recipient", ""), number))

    if len(meta.groups) > 1:  # SOPS combines at least two parts (one is refused, whatever the threshold says)
        needed = meta.threshold if meta.threshold_stated else 2
        return unwrap_grouped(meta.groups, max(needed, 2), key_for=key_for,
                              opens=lambda data_key: mac_opens(data_key, meta.mac, meta.lastmodified))
    return unwrap_data_key(meta.groups[0], key_for=key_for)


def age_entry_key(label: str, number: int) -> MasterKey:
    """The key for a SOPS ``age`` entry: the one its label names, falling back to every held identity."""
    try:
        key = registry_key_for(Stanza("ssh" if label.startswith(("ssh-", "ecdsa-", "sk-")) else "age",
                                      {"recipient": label}, ""))
    except ConfigError:
        return UnlabelledAgeEntry(label, number)
    if isinstance(key, SshKey):
        return SopsSshKey(key.recipient)
    assert isinstance(key, AgeKey)
    if key.plugin or key.matching_identities(_readable_identities()):
        return SopsAgeKey(key.recipient)
    return LabelledAgeKey(key.recipient)


def _readable_identities() -> list[Any]:
    """The held identities, or none when an identity file cannot be read: the unwrap reads it again and its
    error then names the SOPS file, the entry and the identity file, as a sealed file's does."""
    try:
        return file_identities()
    except OSError:
        return []


def held_identities() -> list[Any]:
    """Every identity sops would try on an age entry that needs nothing asked or run: the X25519 ones and the
    SSH keys without a passphrase (an SSH key file that cannot be used is left out, as it is when it is named)."""
    from sealfile.kms.age_identities import is_plugin_identity
    from sealfile.kms.ssh_identities import SshIdentity, find_identities

    held = [identity for identity in file_identities() if not is_plugin_identity(identity)]
    with suppress(SealfileError, OSError):
        held += [key.identity for key in find_identities()[0] if isinstance(key, SshIdentity)]
    return held


_STANZA = re.compile(rb"^-> (?:X25519|ssh-ed25519|ssh-rsa) ", re.MULTILINE)


def for_one_recipient(wrapped: str) -> bool:
    """An armored age file for one recipient (a grease stanza aside), as sops writes each entry: the only kind
    tried with identities its label does not name, so a file of 64 entries of crafted stanzas cannot make every
    held key work through each (an RSA stanza costs about 10 ms)."""
    lines = wrapped.strip().splitlines()
    try:
        raw = base64.b64decode("".join(line.strip() for line in lines[1:-1]), validate=True)
    except (binascii.Error, ValueError):
        return False
    return len(_STANZA.findall(raw.split(b"\n---", 1)[0])) == 1


class _OpenedByAnyIdentity(MasterKey):
    """The label's own key first (its error is the one shown), then every held identity, as sops tries them."""

    def _unwrap(self, wrapped: str) -> bytes:
        try:
            return super()._unwrap(wrapped)  # type: ignore[safe-super]
        except UnwrapError as err:
            failure = err
        held = held_identities() if for_one_recipient(wrapped) else []
        if held:
            with suppress(UnwrapError):
                return age_decrypt(self, wrapped, held)
        raise failure


class SopsAgeKey(_OpenedByAnyIdentity, AgeKey):
    """An entry whose label a held identity (or a plug-in) answers to."""

    __slots__ = ()


class LabelledAgeKey(_OpenedByAnyIdentity, AgeKey):
    """An entry whose label is an X25519 recipient no held identity answers to: edited, or spelled otherwise."""

    __slots__ = ()

    cost = AgeKey.cost + 1
    """Tried after the entries a held identity matches: one of those opens the key, and this one is not tried."""


class SopsSshKey(_OpenedByAnyIdentity, SshKey):
    """An entry labelled with an SSH public key."""

    __slots__ = ()


class UnlabelledAgeEntry(Record, MasterKey):
    """An entry whose label is no key at all (empty, missing, mangled): only the held identities can open it.
    Known by its position among the file's entries, since several may share a label and hold different keys."""

    _fields = ("label", "number")
    label: str
    number: int

    type_id = "age"
    cost = AgeKey.cost + 1
    local = True
    __repr__ = MasterKey.__repr__

    def __init__(self, label: str, number: int) -> None:
        self._fill(label, number)

    @classmethod
    def from_config(cls, config: Any) -> UnlabelledAgeEntry:
        raise ConfigError("a SOPS age entry without a recipient is only read")

    @classmethod
    def from_cli(cls, value: str) -> UnlabelledAgeEntry:
        raise ConfigError("a SOPS age entry without a recipient is only read")

    def to_config(self) -> dict[str, Any]:
        return {"recipient": self.label}

    @property
    def key_id(self) -> str:
        return f"entry {self.number} (recipient {self.label!r} is not a key)"

    def _wrap(self, data_key: bytes) -> str:
        raise ConfigError("a SOPS age entry without a recipient is only read")

    def _unwrap(self, wrapped: str) -> bytes:
        if not for_one_recipient(wrapped):
            raise self.unwrap_error("not tried: the entry is not an age file for one recipient, as sops writes one")
        held = held_identities()
        if not held:
            from sealfile.kms.age_identities import looked_in

            raise self.unwrap_error(f"no identity to try (looked in {looked_in()})")
        return age_decrypt(self, wrapped, held)


class SopsPgpEntry(Record, MasterKey):
    """A SOPS ``pgp`` entry. Its ``fp`` is a label outside the MAC too: sops runs gpg on the message, which opens
    with the secret key the message is addressed to. So the entry is the one held key the message is addressed to
    (whatever the label names), else the key its label names (:class:`PgpKey` runs gpg only on a message for that
    key alone)."""

    _fields = ("label", "number")
    label: str
    number: int

    type_id = "pgp"
    cost = PgpKey.cost
    local = True
    __repr__ = MasterKey.__repr__

    def __init__(self, label: str, number: int) -> None:
        self._fill(label, number)

    @classmethod
    def from_config(cls, config: Any) -> SopsPgpEntry:
        raise ConfigError("a SOPS pgp entry is only read")

    from_cli = from_config  # type: ignore[assignment]

    def to_config(self) -> dict[str, Any]:
        return {"fingerprint": self.label}

    @property
    def key_id(self) -> str:
        named = self._named()
        return named.fingerprint if named else f"entry {self.number} (fp {self.label!r} is not a fingerprint)"

    def _named(self) -> PgpKey | None:
        try:
            return PgpKey(self.label)
        except ConfigError:
            return None

    def _wrap(self, data_key: bytes) -> str:
        raise ConfigError("a SOPS pgp entry is only read")

    def _unwrap(self, wrapped: str) -> bytes:
        from sealfile.kms import pgp_packets
        from sealfile.kms.pgp import secret_keys

        named, held = self._named(), secret_keys()
        # the message decides, not the label: one naming another held key opens as sops's gpg opens it
        with suppress(FormatError):
            addressed = set(pgp_packets.recipient_key_ids(wrapped))
            for_it = [fingerprint for fingerprint, ids in held.items() if addressed and addressed <= ids.keys()]
            if len(for_it) == 1:
                return PgpKey(for_it[0])._unwrap(wrapped)
        if named is None:
            raise self.unwrap_error("no secret key in the gpg keyring is one the message is for")
        return named._unwrap(wrapped)
