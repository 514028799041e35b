"""The ``signers:`` section of ``.sealfile.yaml``: each trusted signer's name and SSH public key(s).

::

    signers:
      alice: ssh-ed25519 AAAAC3Nza... alice@laptop
      bob:                                  # one name, several keys
        - ssh-ed25519 AAAAC3Nza... bob@desktop
        - ecdsa-sha2-nistp256 AAAAE2Vj... bob@ci

The result is the same :class:`AllowedSigners` an ``allowed_signers`` file gives, each key allowed
for the ``sealfile`` namespace only, so one trust check serves both (and
:func:`allowed_signers_text` writes the file ``ssh-keygen -Y verify -f`` reads).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sealfile.errors import ConfigError, one_line
from sealfile.model.lazy_pattern import compiled_when_used

if TYPE_CHECKING:  # the SSH modules load when a config has signers: every CLI start reads the config
    from sealfile.envelope.allowed_signers import AllowedSigners

SIGNERS_KEY = "signers"
# A literal principal as allowed_signers and `ssh-keygen -Y verify -I` take it: no pattern characters.


_principal = compiled_when_used(r"[^\s,\"'*?!#]+")


def signers_from_config(raw: Any, source: str) -> AllowedSigners | None:
    """The ``signers:`` mapping of a parsed config (``None`` when there is none)."""
    if raw is None:
        return None
    from sealfile.envelope.allowed_signers import AllowedSigner, AllowedSigners
    from sealfile.envelope.ssh_keys import SshPublicKey
    from sealfile.envelope.sshsig import SEALFILE_NAMESPACE

    if not isinstance(raw, Mapping) or not raw:
        raise ConfigError("must map each signer's name to an SSH public key or a list of them",
                          keypath=SIGNERS_KEY)
    signers = []
    for name, keys in raw.items():
        where = f"{SIGNERS_KEY}.{name}"
        # printed as who sealed a file (verify, status, review): no escape sequence or bidi override in it
        if not isinstance(name, str) or not _principal().fullmatch(name) or not name.isprintable():
            raise ConfigError("a signer's name must be one word without quotes, commas or * ? ! #, in printable "
                              "characters", keypath=one_line(where))
        for line in keys if isinstance(keys, list) else [keys]:
            if not isinstance(line, str):
                raise ConfigError("expected an SSH public key line ('ssh-ed25519 AAAA... comment')", keypath=where)
            try:
                key = SshPublicKey.from_line(line)
            except ConfigError as err:
                raise ConfigError(err.message, keypath=where) from None
            signers.append(AllowedSigner(name, key, namespaces=SEALFILE_NAMESPACE))
    if not signers:  # every read would fail as sealed by no trusted signer, naming no cause
        raise ConfigError("lists no SSH public key, so no file could be trusted: give each signer's key",
                          keypath=SIGNERS_KEY)
    return AllowedSigners(signers, source=source)


def allowed_signers_text(signers: AllowedSigners) -> str:
    """The same signers as an OpenSSH ``allowed_signers`` file."""
    return "".join(signer.to_line() + "\n" for signer in signers.signers)
