"""Trusted signers, in OpenSSH's ``allowed_signers`` format (ssh-keygen(1), "ALLOWED SIGNERS").

Each line is ``PRINCIPALS [OPTIONS] KEYTYPE BASE64 [COMMENT]``: comma-separated principal patterns
(``*``, ``?``, ``!`` as in ssh_config PATTERNS), then options ``namespaces="..."``, ``valid-after=
"..."`` and ``valid-before="..."``. The same file works with ``ssh-keygen -Y verify`` and with git's
``gpg.ssh.allowedSignersFile``, and means the same there: a line OpenSSH would skip (a time it cannot
read, a quote it reads on past) or through which no principal verifies (``!alice`` alone) is refused here,
never read otherwise. ``cert-authority`` lines are refused: SSH certificates are not
supported, so every signer's own key is listed. Any malformed line is an error naming the line;
nothing is skipped silently. Times are checked against an injectable clock.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sealfile.envelope import sshsig
from sealfile.envelope.ssh_keys import SshPublicKey
from sealfile.errors import ConfigError, UntrustedSignerError
from sealfile.files.io import read_text
from sealfile.model.utc_time import utc_stamp

Clock = Callable[[], float]
"""Seconds since the epoch, like :func:`time.time`."""

_OPTION_NAME = re.compile(r"[A-Za-z-]+")
_TIME_FORMATS = {8: "%Y%m%d", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}
_UTC_SUFFIXES = ("z", "utc")  # OpenSSH's parse_absolute_time, any case


@dataclass(frozen=True)
class SignerInfo:
    """Who made a signature that verifies and is allowed: the principals as written, and the key."""

    principal: str
    fingerprint: str
    key_type: str


@dataclass(frozen=True)
class AllowedSigner:
    """One line of the file."""

    principals: str
    key: SshPublicKey
    namespaces: str | None = None
    valid_after: float | None = None
    valid_before: float | None = None
    line: int = 0

    def allows_namespace(self, namespace: str) -> bool:
        return self.namespaces is None or matches_pattern_list(namespace, self.namespaces)

    def valid_at(self, now: float) -> bool:
        return (self.valid_after is None or now >= self.valid_after) and (
            self.valid_before is None or now <= self.valid_before)

    def to_line(self) -> str:
        """This signer as a line that :func:`parse_line` and OpenSSH read back as the same signer."""
        needs_quotes = self.principals.startswith("#") or any(char in self.principals for char in " \t")
        namespaces = (self.namespaces or "").replace('"', '\\"')  # opt_dequote reads \" as a quote
        options = [f'namespaces="{namespaces}"'] if self.namespaces else []
        options += [f'{name}="{utc_stamp(moment, "%Y%m%d%H%M%SZ")}"' for name, moment in (
            ("valid-after", self.valid_after), ("valid-before", self.valid_before)) if moment is not None]
        principals = f'"{self.principals}"' if needs_quotes else self.principals
        return " ".join([principals, *([",".join(options)] if options else []), self.key.to_line()])


def matches_pattern_list(value: str, patterns: str) -> bool:
    """OpenSSH's ``match_pattern_list``: some pattern matches and no ``!``-negated one does."""
    matched = False
    for pattern in patterns.split(","):
        negated = pattern.startswith("!")
        body = pattern[1:] if negated else pattern
        regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in body)
        if re.fullmatch(regex, value, re.DOTALL):
            if negated:
                return False
            matched = True
    return matched


class AllowedSigners:
    """The signers a deployment trusts; :meth:`verify` says who signed, or refuses."""

    def __init__(self, signers: Sequence[AllowedSigner], *, source: str = "allowed signers",
                 clock: Clock = time.time):
        self.signers = tuple(signers)
        self.source = source
        self._clock = clock

    @classmethod
    def from_text(cls, text: str, *, source: str = "allowed signers", clock: Clock = time.time) -> AllowedSigners:
        signers = []
        for number, line in enumerate(text.split("\n"), 1):  # OpenSSH's lines (getline), not splitlines()'s
            try:
                signer = parse_line(line, number)
            except ConfigError as err:
                raise ConfigError(f"line {number}: {err.message}", file=source) from None
            if signer is not None:
                signers.append(signer)
        return cls(signers, source=source, clock=clock)

    @classmethod
    def from_file(cls, path: Path, *, clock: Clock = time.time) -> AllowedSigners:
        return cls.from_text(read_text(path), source=str(path), clock=clock)

    def __len__(self) -> int:
        return len(self.signers)

    def principal_for(self, public_key: SshPublicKey, namespace: str | None = None) -> str | None:
        """The principals of the first line listing this key, valid now (and for ``namespace``, if given)."""
        return self._principal_at(public_key, namespace, self._clock())

    def _principal_at(self, public_key: SshPublicKey, namespace: str | None, now: float) -> str | None:
        for signer in self.signers:
            if signer.key == public_key and signer.valid_at(now) and (
                    namespace is None or signer.allows_namespace(namespace)):
                return signer.principals
        return None

    def verify(self, message: bytes, armored_signature: str, namespace: str) -> SignerInfo:
        """Who signed ``message`` under ``namespace``, if the signature verifies and its key is allowed.

        A signature that does not verify raises the opaque :class:`SignatureError`; one that verifies
        with a key not allowed here (unknown, other namespaces, outside its validity) raises
        :class:`UntrustedSignerError` naming the key's fingerprint.
        """
        key = sshsig.verify(message, armored_signature, namespace)
        now = self._clock()
        principal = self._principal_at(key, namespace, now)
        if principal is None:
            raise UntrustedSignerError(self._refusal(key, namespace, now), fingerprint=key.fingerprint)
        return SignerInfo(principal, key.fingerprint, key.key_type)

    def _refusal(self, key: SshPublicKey, namespace: str, now: float) -> str:
        listed = [signer for signer in self.signers if signer.key == key]
        if not listed:
            return f"signed by {key.fingerprint}, a key not in {self.source}"
        who = f"signed by {listed[0].principals} ({key.fingerprint})"
        usable = [signer for signer in listed if signer.allows_namespace(namespace)]
        if not usable:
            return f"{who}, whose key {self.source} does not allow for namespace {namespace!r}"
        signer = usable[0]
        if signer.valid_before is not None and now > signer.valid_before:
            return f"{who}, whose key expired on {utc_stamp(signer.valid_before)} in {self.source}"
        return f"{who}, whose key is not valid before {utc_stamp(signer.valid_after or now)} in {self.source}"


def parse_line(line: str, number: int = 0) -> AllowedSigner | None:
    """One line, or ``None`` for a blank or comment line; :class:`ConfigError` says what is wrong."""
    rest = line.rstrip(" \t\r").lstrip(" \t")  # a CRLF line's CR; OpenSSH before 9.7 skips no CR at the start
    if not rest or rest.startswith("#"):
        return None
    other = next((char for char in rest if char.isspace() and char not in " \t"), None)
    if other is not None:  # Python's split() and strip() would read fields apart where OpenSSH reads one
        raise ConfigError(f"a space character other than space or tab (U+{ord(other):04X}), which OpenSSH does not "
                          "read as a separator")
    principals, rest = _take_principals(rest)
    options: dict[str, str] = {}
    if _starts_with_options(rest):
        options, rest = _take_options(rest)
    if not rest:
        raise ConfigError("missing public key")
    namespaces = options.get("namespaces")
    if namespaces is not None and not namespaces:
        raise ConfigError('empty namespaces=""')
    after, before = _time_option(options, "valid-after"), _time_option(options, "valid-before")
    if after is not None and before is not None and before <= after:
        raise ConfigError("valid-before is not after valid-after")
    return AllowedSigner(principals, SshPublicKey.from_line(rest), namespaces, after, before, number)


def _take_principals(text: str) -> tuple[str, str]:
    if text.startswith('"'):
        end = text.find('"', 1)
        if end < 0:
            raise ConfigError("unterminated quoted principals")
        principals, rest = text[1:end], text[end + 1:]
        if rest and not rest[0].isspace():
            raise ConfigError("no space after the quoted principals")
    else:
        principals, _, rest = text.replace("\t", " ").partition(" ")
        if '"' in principals:  # OpenSSH drops the quote and reads on to the next one, spaces included
            raise ConfigError("a quote inside the principals (quote them whole: \"alice,bob\")")
    if not all(principals.split(",")):
        raise ConfigError("empty principals" if not principals else f"an empty principal in {principals!r}")
    if not any(matches_pattern_list(name, principals) for name in principals.split(",")):
        # git asks `ssh-keygen -Y verify -I NAME` for each NAME find-principals lists: none passes here
        raise ConfigError(f"principals {principals!r} let no name through (a '!' pattern excludes a name, it does "
                          "not revoke a key): OpenSSH and git accept no signature by this line's key")
    if not rest.strip():
        raise ConfigError("missing public key")
    return principals, rest.strip()


def _starts_with_options(text: str) -> bool:
    first = text.split(maxsplit=1)[0]
    return "=" in first or first.split(",", 1)[0].lower() == "cert-authority"


def _take_options(text: str) -> tuple[dict[str, str], str]:
    """``name="value"`` or flag options joined by commas, up to the first space outside quotes."""
    options: dict[str, str] = {}
    position = 0
    while True:
        match = _OPTION_NAME.match(text, position)
        if match is None:
            raise ConfigError("malformed options")
        name, position = match.group().lower(), match.end()
        value = None
        if text.startswith('="', position):
            value, position = _dequote(text, position + 2)
        _check_option(name, value, options)
        options[name] = value or ""
        if position == len(text) or text[position].isspace():
            return options, text[position:].strip()
        if text[position] != ",":
            raise ConfigError(f"malformed option {name!r}")
        position += 1


def _dequote(text: str, start: int) -> tuple[str, int]:
    """The value of a quoted option from ``start`` (past its opening quote) and the position after its
    closing quote, read as OpenSSH's ``opt_dequote`` reads it: ``\\"`` is a quote, any other backslash is
    itself (so ``"a\\\\"`` has not ended: OpenSSH reads on to the next quote)."""
    value = []
    position = start
    while position < len(text) and text[position] != '"':
        if text.startswith('\\"', position):
            position += 1
        value.append(text[position])
        position += 1
    if position == len(text):
        raise ConfigError("an option's quoted value has no closing quote")
    return "".join(value), position + 1


def _check_option(name: str, value: str | None, seen: dict[str, str]) -> None:
    if name == "cert-authority":
        raise ConfigError("cert-authority is not supported (SSH certificates are not); list each signer's own key")
    if name not in ("namespaces", "valid-after", "valid-before"):
        raise ConfigError(f"unknown option {name!r}")
    if value is None:
        raise ConfigError(f'option {name} needs a quoted value ({name}="...")')
    if name in seen:
        raise ConfigError(f"option {name} given twice")


def _time_option(options: dict[str, str], name: str) -> float | None:
    """``YYYYMMDD[HHMM[SS]]``, local time unless it ends in ``Z`` or ``UTC`` (UTC), as OpenSSH reads it:
    local time as C's ``mktime`` reads a time with ``tm_isdst`` 0 (standard time, also in summer), and
    nothing at or before 1970-01-01 00:00:00 UTC (OpenSSH skips such a line)."""
    text = options.get(name)
    if text is None:
        return None
    suffix = next((end for end in _UTC_SUFFIXES if text.lower().endswith(end) and len(text) > len(end)), "")
    digits = text[:len(text) - len(suffix)]
    fmt = _TIME_FORMATS.get(len(digits))
    try:
        if fmt is None or not (digits.isascii() and digits.isdigit()):
            raise ValueError(text)
        moment = datetime.strptime(digits, fmt)
        local = (*moment.timetuple()[:6], 0, 0, 0)
        seconds = moment.replace(tzinfo=UTC).timestamp() if suffix else time.mktime(local)
    except (ValueError, OverflowError):
        raise ConfigError(f"{name}={text!r} is not YYYYMMDD[HHMM[SS]][Z]") from None
    if seconds <= 0:
        raise ConfigError(f"{name}={text!r} is not after 1970-01-01 00:00:00 UTC, which OpenSSH does not accept")
    return seconds
