"""OpenPGP keys through the user's own ``gpg`` (python-gnupg): SOPS's ``pgp`` recipients.

The data key is encrypted to the key's fingerprint as an ASCII-armored OpenPGP message, so
``gpg --decrypt`` opens it too. gpg runs with the user's keyring, configuration and agent
(``GNUPGHOME``, else ``~/.gnupg``): a passphrase-protected key is unlocked by gpg-agent (its
pinentry asks, or the passphrase is already cached); sealfile never asks for or handles one.

A stanza holds only the fingerprint, checked to be 40 or 64 hex digits, so nothing a sealed
file says reaches gpg's command line but that; the options are fixed here. The message itself
comes from the file: gpg runs on it only when it is encrypted to the stanza's key alone, a key
whose secret part the keyring holds (:mod:`sealfile.kms.pgp_packets`), so a file cannot make
gpg-agent ask for a passphrase it chose (a message encrypted to a passphrase) or for the user's
other keys; gpg's output is capped (no decompression bomb), keys are never fetched from the
network on its account, and a message that some other key of the user's keyring opens is refused,
as an age recipient refuses another identity's stanza.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from sealfile.errors import ConfigError, ProviderDown, ProviderError, ProviderUnavailable
from sealfile.files.io import file_state
from sealfile.files.programs import absolute_program
from sealfile.kms import pgp_packets
from sealfile.kms.base import MasterKey, import_sdk
from sealfile.kms.passphrase import PROMPT_TIMEOUT_ENV, prompt_timeout

_FINGERPRINT = re.compile(r"(?:[0-9A-F]{40}|[0-9A-F]{64})\Z")
_DECRYPTION_KEY = re.compile(r"^\[GNUPG:\] DECRYPTION_KEY ([0-9A-F]+) ([0-9A-F]+)", re.MULTILINE)
_KEY_CONSIDERED = re.compile(r"^\[GNUPG:\] KEY_CONSIDERED ([0-9A-F]+) ", re.MULTILINE)
MAX_OUTPUT = 1024
"""Bytes gpg may write when opening a wrapped key (a data key is 32)."""
WRAP_OPTIONS = ["--no-auto-key-locate", "--no-encrypt-to"]
UNWRAP_OPTIONS = ["--max-output", str(MAX_OUTPUT), "--no-auto-key-retrieve"]
_T = TypeVar("_T")
_run = threading.local()
"""The calling thread's last gpg run: whether it was stopped for taking too long (python-gnupg starts gpg in
the caller's thread)."""


def normalize_fingerprint(text: str) -> str:
    """Upper-case hex without spaces or a ``0x`` prefix; :class:`ConfigError` unless a full fingerprint."""
    compact = "".join(text.split()).upper()
    compact = compact[2:] if compact.startswith("0X") else compact
    if not _FINGERPRINT.match(compact):
        raise ConfigError(f"not an OpenPGP fingerprint (40 or 64 hex digits): {text!r}")
    return compact


@cache
def _gpg() -> Any:
    """One python-gnupg handle per process (creating one runs ``gpg --version``)."""
    gnupg = import_sdk("gnupg", extra="pgp", what="a pgp recipient")
    program = absolute_program("gpg")  # a file's pgp stanza makes it run: never one a clone planted
    try:
        if program is None:
            raise OSError("gpg not found")
        handle = gnupg.GPG(gpgbinary=program)
    except OSError:
        raise ProviderUnavailable("a pgp recipient needs GnuPG: install the 'gpg' program (GnuPG 2.2 or later) "
                                  "and put it on PATH") from None
    started = handle._open_subprocess

    def open_bounded(args: Any, passphrase: bool = False) -> Any:
        seconds = prompt_timeout()  # gpg-agent's pinentry may ask; a bad setting is refused before gpg starts
        process = started(args, passphrase)
        _run.stopped = threading.Event()
        threading.Thread(target=_stop_after, args=(process, seconds, _run.stopped), daemon=True).start()
        return process

    handle._open_subprocess = open_bounded
    return handle


def _stop_after(process: Any, seconds: float, stopped: threading.Event) -> None:
    """Kill ``process`` (one gpg run) unless it ends within ``seconds``: python-gnupg waits for gpg for ever,
    and gpg for gpg-agent, which waits for its pinentry."""
    import subprocess

    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        stopped.set()
        process.kill()


def _bounded(call: Callable[[], _T]) -> _T:
    """``call()``, one python-gnupg call; :class:`ProviderDown` when its gpg run was stopped (its output, cut
    short, would read as a missing key or a corrupt message)."""
    _run.stopped = None
    result = call()
    stopped = getattr(_run, "stopped", None)
    if stopped is not None and stopped.is_set():
        raise ProviderDown(f"gpg gave no answer within {prompt_timeout():g} s ({PROMPT_TIMEOUT_ENV}): gpg-agent is "
                           "most likely waiting at a passphrase prompt nobody sees (a desktop's pinentry while you "
                           "work over ssh); unlock the key with gpg where its prompt shows, or restart the agent "
                           "('gpgconf --kill gpg-agent')")
    return result


@dataclass(frozen=True, repr=False)
class PgpKey(MasterKey):
    fingerprint: str

    type_id = "pgp"
    config_fields = frozenset({"fingerprint"})
    cost = 30
    """Local, but gpg-agent may ask for a passphrase: after age and the OS keyring, before cloud KMS."""
    local = True  # gpg and its agent on this machine; a file never makes gpg fetch a key

    def __post_init__(self) -> None:
        object.__setattr__(self, "fingerprint", normalize_fingerprint(self.fingerprint))

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PgpKey:
        fingerprint = config.get("fingerprint")
        if not isinstance(fingerprint, str):
            raise ConfigError("a pgp recipient needs 'fingerprint: <40 hex digits>'")
        return cls(fingerprint)

    @classmethod
    def from_cli(cls, value: str) -> PgpKey:
        return cls(value)

    def to_config(self) -> dict[str, Any]:
        return {"fingerprint": self.fingerprint}

    @property
    def key_id(self) -> str:
        return self.fingerprint

    def _wrap(self, data_key: bytes) -> str:
        result = _bounded(lambda: _gpg().encrypt(data_key, [self.fingerprint], armor=True, always_trust=True,
                                                 extra_args=WRAP_OPTIONS))
        if not result.ok:
            raise ProviderError(_wrap_failure(str(result.status), str(result.stderr)))
        primary = _KEY_CONSIDERED.findall(str(result.stderr))
        if primary and self.fingerprint not in primary:
            # readers find the secret key by its primary fingerprint: a subkey's would open for nobody, and
            # the same key under two fingerprints would count twice toward a key-group threshold
            raise ProviderError(f"this is a subkey of the OpenPGP key {primary[0]}: name that key's fingerprint "
                                "(gpg encrypts to its encryption subkey)")
        return str(result)

    def _unwrap(self, wrapped: str) -> bytes:
        # gpg decrypts with whatever it has or can ask for: it runs only on a message for this key alone
        addressed = set(pgp_packets.recipient_key_ids(wrapped))
        mine = secret_keys().get(self.fingerprint, {})
        if not mine:
            raise self.unwrap_error("no secret key for it in the gpg keyring (GNUPGHOME or ~/.gnupg)")
        if not addressed <= mine.keys():
            raise self.unwrap_error("the wrapped data key was not made for this OpenPGP key alone")
        result = _bounded(lambda: _gpg().decrypt(wrapped, extra_args=UNWRAP_OPTIONS))
        if not result.ok:
            where = {mine[key_id] for key_id in addressed}
            raise self.unwrap_error(_unwrap_failure(str(result.status), str(result.stderr), where))
        opened_by = _DECRYPTION_KEY.search(str(result.stderr))
        if opened_by and self.fingerprint not in opened_by.groups():
            raise self.unwrap_error("the wrapped data key was made for another OpenPGP key")
        return bytes(result.data)


SecretKeys = dict[str, dict[str, str]]
"""Primary fingerprint -> {key ID of the key or a subkey: where its secret is}: gpg's token field, a smartcard's
serial number, ``#`` for a stub whose secret is elsewhere, empty or ``+`` for a secret key on disk."""
_listed: list[tuple[tuple[object, ...], SecretKeys]] = []


def secret_keys() -> SecretKeys:
    """The user's secret keys, listed by one gpg run per process and again only when the keyring changes: a
    file names the fingerprints, and one gpg run per stanza (64 for a file naming 64 keys) was its choice."""
    state = _keyring_state()
    if not _listed or _listed[0][0] != state:
        found: SecretKeys = {}
        listed = _bounded(lambda: _gpg().list_keys(secret=True))
        said = str(getattr(listed, "stderr", "") or "")
        if not listed and _NO_AGENT.search(said):  # gpg lists no secret key it cannot reach: not "no secret key"
            raise ProviderDown(f"gpg could not reach gpg-agent, which holds the secret keys (gpg said: "
                               f"{_last_gpg_line(said)}); check that gpg-agent is installed and can start")
        for key in listed:
            info = key.get("subkey_info", {})
            found[str(key.get("fingerprint", "")).upper()] = {
                str(key.get("keyid", "")).upper(): str(key.get("token") or ""),
                **{str(sub[0]).upper(): str(info.get(sub[0], {}).get("token") or "") for sub in key.get("subkeys", ())
                   if sub},
            }
        _listed[:] = [(state, found)]
    return _listed[0][1]


def _keyring_state() -> tuple[object, ...]:
    """What changes when a secret key is added, removed or moved to a card (stat calls only, no gpg run)."""
    home = Path(os.environ.get("GNUPGHOME") or Path.home() / ".gnupg")
    state: list[object] = [str(home)]
    for name in ("private-keys-v1.d", "pubring.kbx", "public-keys.d", "pubring.gpg", "secring.gpg"):  # 2.4: keyboxd
        try:
            state.append(file_state(home / name))
        except OSError:
            state.append(None)
    return tuple(state)


_INVALID_RECIPIENT = re.compile(r"^\[GNUPG:\] INV_RECP (\d+) ", re.MULTILINE)
_NOT_FOUND = "1"  # gpg's INV_RECP reasons: 1 no such key; 0 (unusable: expired, revoked, signing only), 3-13 others


def _wrap_failure(status: str, stderr: str) -> str:
    invalid = _INVALID_RECIPIENT.search(stderr)
    if invalid is not None and invalid.group(1) == _NOT_FOUND:
        return "gpg has no public key with this fingerprint (import it with 'gpg --import')"
    if invalid is not None or status == "invalid recipient":
        return ("gpg has this public key but cannot encrypt to it: it is expired, revoked or disabled, or has no "
                "encryption subkey ('gpg --list-keys FINGERPRINT' shows which)")
    return f"gpg could not encrypt ({_last_gpg_line(stderr) or status})"


_NO_AGENT = re.compile(r"^gpg: can't connect to the agent", re.MULTILINE)
_PUBKEY_FAILURE = re.compile(r"^gpg: public key decryption failed: (.*)$", re.MULTILINE)


def _unwrap_failure(status: str, stderr: str, where: Collection[str] = ()) -> str:
    """Why gpg did not decrypt: its reason is on the 'public key decryption failed' line (the last line only
    says 'No secret key'); ``where`` holds the token fields of the keys the message is for."""
    reason = _PUBKEY_FAILURE.search(stderr)
    said = reason.group(1).strip()[:200] if reason else _last_gpg_line(stderr) or status
    cards = sorted(token for token in where if token not in ("", "+", "#"))
    if cards:
        return (f"its secret key is on a smartcard (serial {cards[0]}) that gpg could not use: insert the card, or "
                f"check scdaemon (gpg said: {said})")
    if "#" in where:
        return f"the gpg keyring holds only a stub of its secret key (the secret part is elsewhere; gpg said: {said})"
    if "No pinentry" in stderr or "Bad passphrase" in stderr or "Operation cancelled" in stderr:
        return ("the secret key is protected by a passphrase that gpg-agent did not get; unlock it (e.g. decrypt "
                "anything with gpg in a terminal) and try again")
    if status == "no secret key" or "NO_SECKEY" in stderr:
        return "no secret key for it in the gpg keyring (GNUPGHOME or ~/.gnupg)"
    if status == "no data was provided" or "NODATA" in stderr:
        return "the wrapped data key is not an OpenPGP message"
    if reason:
        return f"gpg could not use its secret key ({said})"
    return f"gpg could not decrypt the wrapped data key, which may be corrupt ({said})"


def _last_gpg_line(stderr: str) -> str:
    """gpg's last human-readable message (status lines are for programs)."""
    lines = [line for line in stderr.splitlines() if line.startswith("gpg: ")]
    return lines[-1][len("gpg: "):].strip()[:200] if lines else ""
