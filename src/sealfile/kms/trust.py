"""What a sealed file may make sealfile contact: only hosts, roles and profiles the user trusts.

A sealed file is attacker-controlled input (docs/security.md §1). A recipient stanza can name a
host (an Azure Key Vault URL), an AWS role to assume or an AWS profile whose credentials to use;
used as written, it would let anyone who can write to the repository send the reader's requests
and credentials where they like. So every provider lists what its key would use
(:meth:`~sealfile.kms.base.MasterKey.targets`), and a key built from a stanza read from a file
(:func:`mark_named_by_file`, done by the registry) is used, to wrap or unwrap, only when every
target is trusted:

- by the provider itself (``Target.builtin``: the Key Vault hosts of Azure's public and
  sovereign clouds);
- by the environment: ``SEALFILE_TRUSTED_HOSTS``, ``SEALFILE_TRUSTED_ROLES``,
  ``SEALFILE_TRUSTED_PROFILES``, each a comma-separated list of patterns (``*`` and ``?``;
  hosts are compared without case, ``HOST`` or ``HOST:PORT``);
- by the ``.sealfile.yaml`` that governs the file (its ``trust:`` section and the keys its
  creation rules name), made known with :func:`configured` by whoever opens a file by path.

Keys the user names (command-line flags, creation rules, library code) are the user's to use.

:func:`offline` marks work that must never reach a network service (git's textconv, ``review``):
inside it only keys that work on this machine alone (``MasterKey.local``) are tried.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from sealfile.errors import ConfigError, ProviderDown, SealfileError
from sealfile.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any, TypeVar

    from sealfile.kms.base import MasterKey

TARGET_KINDS = ("hosts", "roles", "profiles")
"""What a stanza can name, as spelt in ``trust:`` and after ``SEALFILE_TRUSTED_``."""


def environment_variable(kind: str) -> str:
    return f"SEALFILE_TRUSTED_{kind.upper()}"


class Target(Record):
    """One thing a key would use: ``kind`` is one of :data:`TARGET_KINDS`."""

    _fields = ("kind", "value", "builtin")
    kind: str
    value: str
    builtin: tuple[str, ...]
    """Patterns the provider trusts without any configuration."""

    def __init__(self, kind: str, value: str, builtin: tuple[str, ...] = ()) -> None:
        if kind not in TARGET_KINDS:
            raise ValueError(f"unknown target kind {kind!r}")
        self._fill(kind, value, builtin)

    def matches(self, pattern: str) -> bool:
        import fnmatch  # only a key that reaches a service has targets to match

        if self.kind == "hosts":
            return fnmatch.fnmatchcase(self.value.lower(), pattern.lower())
        return fnmatch.fnmatchcase(self.value, pattern)


class Trusted(Record):
    """Patterns per target kind."""

    _fields = ("patterns",)
    patterns: Mapping[str, tuple[str, ...]]

    def __init__(self, patterns: Mapping[str, tuple[str, ...]] | None = None) -> None:
        self._fill({} if patterns is None else patterns)

    def allows(self, target: Target) -> bool:
        return any(target.matches(p) for p in self.patterns.get(target.kind, ()))

    def merged(self, other: Trusted) -> Trusted:
        kinds = {*self.patterns, *other.patterns}
        return Trusted({k: (*self.patterns.get(k, ()), *other.patterns.get(k, ())) for k in kinds})

    @classmethod
    def exactly(cls, targets: Iterable[Target]) -> Trusted:
        """These very targets (no pattern characters), e.g. those a creation rule names."""
        found: dict[str, tuple[str, ...]] = {}
        for target in targets:
            found[target.kind] = (*found.get(target.kind, ()), literal_pattern(target.value))
        return cls(found)

    @classmethod
    def from_mapping(cls, raw: Any) -> Trusted:
        """The ``trust:`` section of ``.sealfile.yaml``: ``{hosts: [...], roles: [...], profiles: [...]}``."""
        if raw is None:
            return cls()
        if not isinstance(raw, Mapping):
            raise ConfigError("trust must be a mapping of hosts, roles and profiles to lists", keypath="trust")
        unknown = sorted(str(k) for k in raw if k not in TARGET_KINDS)
        if unknown:
            raise ConfigError(f"unknown field(s) {', '.join(unknown)} (known: {', '.join(TARGET_KINDS)})",
                              keypath="trust")
        found: dict[str, tuple[str, ...]] = {}
        for kind, value in raw.items():
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not all(isinstance(item, str) and item.strip() for item in items):
                raise ConfigError("must be a list of patterns", keypath=f"trust.{kind}")
            found[str(kind)] = tuple(item.strip() for item in items)
        return cls(found)

    @classmethod
    def from_environment(cls) -> Trusted:
        found: dict[str, tuple[str, ...]] = {}
        for kind in TARGET_KINDS:
            raw = os.environ.get(environment_variable(kind), "")
            found[kind] = tuple(part.strip() for part in raw.split(",") if part.strip())
        return cls(found)


def literal_pattern(value: str) -> str:
    """A trust pattern that matches ``value`` only (its ``*``, ``?`` and ``[`` taken literally)."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in value)


class UntrustedTargetError(ConfigError):
    """A key read from a file names a host, role or profile the user's configuration does not trust."""


_config: ContextVar[Callable[[], Trusted] | None] = ContextVar("sealfile_trust_config", default=None)
_offline: ContextVar[bool] = ContextVar("sealfile_offline", default=False)
if TYPE_CHECKING:  # a string bound compiles its text when made (~1 ms of a start)
    _K = TypeVar("_K", bound="MasterKey")


@contextmanager
def configured(source: Callable[[], Trusted]) -> Iterator[None]:
    """Inside, ``source()`` (called at most once, when a target needs it) adds to what is trusted."""
    loaded: list[Trusted] = []

    def once() -> Trusted:
        if not loaded:
            loaded.append(source())
        return loaded[0]

    token = _config.set(once)
    try:
        yield
    finally:
        _config.reset(token)


_unusable: ContextVar[dict[tuple[str, ...], str] | None] = ContextVar("sealfile_unusable", default=None)


@contextmanager
def one_run() -> Iterator[None]:
    """Inside, a cause that concerns every key of a credential scope (:meth:`MasterKey.credential_scope`: the
    OS keyring locked, no credentials) is met once for every file opened, not once per file: a command over
    many files asked a locked keyring to unlock (a dialog the user cancels) for each."""
    token = _unusable.set({})
    try:
        yield
    finally:
        _unusable.reset(token)


def unusable_scopes() -> dict[tuple[str, ...], str] | None:
    """The causes met so far in this :func:`one_run` (shared by its threads), or ``None`` outside one."""
    return _unusable.get()


@contextmanager
def offline() -> Iterator[None]:
    """Inside, no key that needs a network service is tried (see :func:`check_use`)."""
    token = _offline.set(True)
    try:
        yield
    finally:
        _offline.reset(token)


def mark_named_by_file(key: _K) -> _K:
    """Record that ``key`` was built from a stanza some file holds (keys are otherwise immutable)."""
    object.__setattr__(key, "named_by_file", True)
    return key


def check_use(key: MasterKey) -> None:
    """Raise unless ``key`` may be used here and now (called before every wrap and unwrap)."""
    if _offline.get() and not key.local:
        raise ProviderDown("not tried: this command works offline, and this key needs a network service")
    if not key.named_by_file:
        return
    untrusted = [t for t in key.targets() if not _trusted(t)]
    if untrusted:
        first = untrusted[0]
        raise UntrustedTargetError(
            f"the file names {first.kind[:-1]} {first.value!r}, which is not trusted here; if it is yours, "
            f"add it to {environment_variable(first.kind)} or to 'trust: {{{first.kind}: [...]}}' in .sealfile.yaml"
        )


def _trusted(target: Target) -> bool:
    if any(target.matches(pattern) for pattern in target.builtin):
        return True
    if Trusted.from_environment().allows(target):
        return True
    source = _config.get()
    if source is None:
        return False
    try:
        return source().allows(target)
    except SealfileError as err:
        raise ConfigError(f"cannot read the trust settings ({err})") from None
