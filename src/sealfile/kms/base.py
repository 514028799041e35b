"""The one interface every master-key provider implements.

Template method (as in aws-encryption-sdk's key providers): the public :meth:`MasterKey.wrap`
and :meth:`MasterKey.unwrap` hold the checks and the error handling once; a provider implements
``_wrap``/``_unwrap`` (which just call its SDK and let its exceptions rise), :meth:`explain` (one
line a user can act on, per SDK exception), ``from_config``/``to_config``, ``from_cli`` and
``key_id``. A key is an immutable value: :meth:`wrap` returns a new :class:`Recipient` and never
changes the key, so what a wrap learns (a key version) goes into the recipient it returns.

A provider whose key names a host, an endpoint, a role or a profile returns them from
:meth:`MasterKey.targets`: the base refuses to use a key read from a file unless the user trusts
each of them (:mod:`sealfile.kms.trust`), so no provider decides that on its own. A key that
works on this machine alone (no network service) says so with ``local = True``.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from types import ModuleType

from sealfile.errors import ConfigError, ProviderDown, ProviderUnavailable, SealfileError, UnwrapError, WrapError
from sealfile.files.settings import positive_setting
from sealfile.kms import trust
from sealfile.kms.trust import Target
from sealfile.model.metadata import Stanza
from sealfile.model.record import Record

KMS_TIMEOUT_ENV = "SEALFILE_KMS_TIMEOUT"
DEFAULT_KMS_TIMEOUT = 10.0
DATA_KEY_BYTES = 32
"""A data key is 32 random bytes: the raw form of a Fernet key (see docs/format.md §3)."""
MAX_WRAPPED_CHARS = 16 * 1024
"""Longest wrapped data key a provider is given (a real one is under 2 KiB: an age file for many
recipients, or for one with thousands of stanzas, would cost a trial decryption per stanza)."""
SHARE_BYTES = DATA_KEY_BYTES + 1
"""A key group's part of a split data key: 32 Shamir values and the share's x (docs/format.md §3)."""

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:  # a string bound compiles its text when made (the first compile of a start: ~1 ms)
    from typing import Any, ClassVar, Literal, TypeVar
    _K = TypeVar("_K", bound="MasterKey")
    Operation = Literal["wrap", "unwrap"]
else:  # the names importers take; annotations are strings at run time
    Operation = str


class MasterKey(ABC):
    """One master key that can wrap and unwrap data keys.

    ``type_id`` is at once the metadata ``type``, the registry name and the creation-rule key.
    ``cost`` orders unwrap attempts: local keys (cheap, offline) before cloud calls.
    """

    type_id: ClassVar[str]
    cost: ClassVar[int] = 50
    local: ClassVar[bool] = False
    """Works on this machine alone (no network service): tried even where work must stay offline."""
    named_by_file: ClassVar[bool] = False
    """Set on keys built from a stanza read from a file (:func:`sealfile.kms.trust.mark_named_by_file`)."""
    config_fields: ClassVar[frozenset[str] | None] = None
    """Every field ``from_config`` reads: a stanza or creation-rule entry with another is refused (by the
    registry), so nothing a file adds (an endpoint, a tenant) is ignored silently. ``None``: unchecked."""

    @classmethod
    @abstractmethod
    def from_config(cls: type[_K], config: Mapping[str, Any]) -> _K:
        """Build from stored metadata fields or a creation-rule entry (``type``/``wrapped`` removed)."""

    @classmethod
    @abstractmethod
    def from_cli(cls: type[_K], value: str) -> _K:
        """Build from the text given on the command line (``--recipient KIND:VALUE`` or the kind's flag)."""

    @classmethod
    def from_text(cls: type[_K], value: str) -> _K:
        """Build from a creation rule's text (``age: age1...`` in ``.sealfile.yaml``): what :meth:`from_cli`
        takes, except a file the text names, which is never read. Anyone who can push writes the config,
        and every reader below it reads it: a path there would read the reader's files (``/dev/zero``,
        ``/proc/self/environ``) and quote them in an error."""
        return cls.from_cli(value)

    @abstractmethod
    def to_config(self) -> dict[str, Any]:
        """The fields that name this key in the metadata (everything but ``type`` and ``wrapped``)."""

    @property
    @abstractmethod
    def key_id(self) -> str:
        """A stable, human-readable identity (recipient, ARN, resource name): no secret in it."""

    def wrap_version(self, wrapped: str) -> str | None:
        """Which version of the master key wrapped ``wrapped``, where the provider keeps versions apart
        (``status`` shows it: which files still need an old version before it is disabled); default none."""
        return None

    @abstractmethod
    def _wrap(self, data_key: bytes) -> str | Recipient:
        """The wrapped data key as text, or a :class:`Recipient` when the wrap learnt more about the key."""

    @abstractmethod
    def _unwrap(self, wrapped: str) -> bytes:
        """The data key; raise :meth:`unwrap_error` for a cause the provider itself detects."""

    def explain(self, error: Exception, operation: Operation) -> str:
        """One line saying why an SDK call failed; providers map their SDK's exceptions here."""
        return describe_exception(error)

    def credential_scope(self) -> tuple[str, ...]:
        """The keys a cause that is not this key's own concerns too (no credentials, the OS keyring locked:
        :class:`~sealfile.errors.ProviderDown`, :meth:`concerns_every_key`): after it, a file's other keys of
        the same scope are not tried. Default: every key of the kind."""
        return (self.type_id,)

    def concerns_every_key(self, error: Exception) -> bool:
        """Whether an SDK's ``error`` concerns every key of :meth:`credential_scope` (no credentials found)."""
        return False

    def targets(self) -> tuple[Target, ...]:
        """Every host, endpoint, role or profile this key would use, for :mod:`sealfile.kms.trust`."""
        return ()

    def wrap(self, data_key: bytes) -> Recipient:
        """Wrap a data key, or a key group's part of one (:data:`SHARE_BYTES`)."""
        if len(data_key) not in (DATA_KEY_BYTES, SHARE_BYTES):
            raise ValueError("a data key is 32 bytes (a key group's part of one, 33)")
        try:
            trust.check_use(self)
            result = self._wrap(data_key)
        except WrapError:
            raise
        except ProviderUnavailable as err:  # still an ImportError, now naming the key the command needed
            raise ProviderUnavailable(f"{self.type_id} {self.key_id}: {err.message}") from None
        except SealfileError as err:
            raise self.wrap_error(err.message) from None
        except Exception as err:  # an SDK's error: the provider explains it, never with a key in it
            raise self.wrap_error(self.explain(err, "wrap")) from None
        return result if isinstance(result, Recipient) else Recipient(self, result)

    def unwrap(self, wrapped: str) -> bytes:
        try:
            trust.check_use(self)
            if len(wrapped) > MAX_WRAPPED_CHARS:
                raise self.unwrap_error(f"the wrapped data key is longer than {MAX_WRAPPED_CHARS} characters")
            data_key = self._unwrap(wrapped)
        except (UnwrapError, ProviderUnavailable):
            raise
        except SealfileError as err:
            raise self.unwrap_error(err.message, kind_wide=isinstance(err, ProviderDown)) from None
        except Exception as err:
            raise self.unwrap_error(self.explain(err, "unwrap"), kind_wide=self.concerns_every_key(err)) from None
        if len(data_key) not in (DATA_KEY_BYTES, SHARE_BYTES):
            raise self.unwrap_error("the unwrapped data key has the wrong length")
        return data_key

    def wrap_error(self, cause: str) -> WrapError:
        return WrapError(cause, type_id=self.type_id, key_id=self.key_id)

    def unwrap_error(self, cause: str, *, kind_wide: bool = False) -> UnwrapError:
        return UnwrapError(cause, type_id=self.type_id, key_id=self.key_id, kind_wide=kind_wide)

    @property
    def opens_only_its_own(self) -> bool:
        """Whether only this very key opens a stanza naming it (a key service decrypts with the key named; an
        identity is matched to the recipient): only then does a stanza that opened show its key is held here. An
        age plugin opens with any identity it has for the plugin, whatever recipient the stanza names."""
        return True

    def same_key(self, other: MasterKey) -> bool:
        return (self.type_id, self.key_id) == (other.type_id, other.key_id)

    def settings(self) -> tuple[Any, ...]:
        """What a stanza records besides the key's identity that changes how the key is used (an AWS key's
        role, profile and encryption context): one key with other settings is the same recipient, differently
        used, so its stanza is written again."""
        return ()

    def same_recipient(self, other: MasterKey) -> bool:
        return self.same_key(other) and self.settings() == other.settings()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.key_id}>"


def one_field(config: Mapping[str, Any], *names: str, kind: str) -> Any:
    """The value of whichever of ``names`` (spellings of one field: ``key`` and ``url``) ``config`` gives, or
    ``None``; :class:`ConfigError` when two are given and differ, rather than one ignored silently."""
    given = {name: config[name] for name in names if config.get(name) is not None}
    if len({repr(value) for value in given.values()}) > 1:
        raise ConfigError(f"{kind} recipient: {' and '.join(given)} differ; give one")
    return next(iter(given.values()), None)


def describe_exception(err: BaseException, limit: int = 300) -> str:
    """An exception's text on one line, shortened; its type name when it has no text. An operating-system
    error is worded as every other file error is, ``FILE: cause``, not Python's ``[Errno 13] ...: 'FILE'``."""
    if isinstance(err, OSError) and err.strerror:
        text = f"{err.filename}: {err.strerror}" if err.filename is not None else err.strerror
    else:
        text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Recipient(Record):
    """A master key together with the data key it wrapped: one entry of ``sealfile.recipients``."""

    _fields = ("key", "wrapped")
    _hidden = frozenset({"wrapped"})
    key: MasterKey
    wrapped: str

    def __init__(self, key: MasterKey, wrapped: str) -> None:
        self._fill(key, wrapped)

    @property
    def stanza(self) -> Stanza:
        return Stanza(self.key.type_id, self.key.to_config(), self.wrapped)


def import_sdk(module: str, *, extra: str, what: str) -> ModuleType:
    """Import a provider's SDK on first use, turning a missing install into a clear hint."""
    try:
        import importlib  # only for an SDK

        return importlib.import_module(module)
    except ImportError:
        raise ProviderUnavailable(
            f"{what} needs the '{module}' package; install it with: pip install 'sealfile[{extra}]'"
        ) from None


def forgotten_in_children(forget: Callable[[], None]) -> None:
    """Call ``forget`` in every child this process forks (``multiprocessing``, a pre-fork server's workers).
    A network client the parent made keeps its connection open: shared, two processes write their requests
    on one socket and read each other's answers (a TLS session breaks at once). A lock a thread of the parent
    held at the fork stays held in the child for ever. So a child makes its own clients and locks."""
    register = getattr(os, "register_at_fork", None)  # Windows does not fork
    if register is not None:
        register(after_in_child=forget)


def kms_timeout() -> float:
    """Seconds one cloud KMS request may take to connect and to answer (``SEALFILE_KMS_TIMEOUT``).

    Shared by every cloud provider so one setting bounds how long an unreachable service can
    hold up a load; retries are bounded separately by each provider.
    """
    return positive_setting(KMS_TIMEOUT_ENV, DEFAULT_KMS_TIMEOUT, unit="seconds", kind=float, maximum=600.0)


def describe_keys(keys: Iterable[MasterKey]) -> str:
    """``age age1..., awskms arn:...``: keys as messages name them (kind and id, never a secret)."""
    return ", ".join(f"{key.type_id} {key.key_id}" for key in keys)
