"""``load_secrets`` and ``load_env``: the calls an application makes at start-up.

Reads with the C-backed YAML 1.2 parser, unwraps the data key (cached per process), verifies
the file MAC before decrypting anything, and returns the values. Nothing is written.

What ``load_secrets`` returns (a deliberate choice): by default a :class:`sealfile.Secrets`,
which *is* a ``dict`` (so code written for the plain-dict return keeps working: indexing,
``.get``, iteration, ``==``, ``json.dumps``, ``isinstance(x, dict)``) but whose ``repr`` and
``str`` show key names only, so ``print(secrets)`` or a crash report never shows a value.
``redacted=False`` returns plain ``dict``/``list`` instead; ``secrets.to_dict()`` converts later.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any

from sealfile.errors import ConfigError, raises_detached, warn_caller
from sealfile.files.io import about, read_text
from sealfile.model.keypath_syntax import parse_keypath
from sealfile.ops.config import trust_near
from sealfile.ops.read import get_path
from sealfile.ops.reader import read_document
from sealfile.ops.signatures import TrustPolicy, for_application
from sealfile.ops.sops_files import SOPS_MARKER
from sealfile.runtime.environment import allowed_names, export, variables_for
from sealfile.runtime.flatten import check_prefix, within
from sealfile.runtime.merge import OverriddenSecretWarning, Override, merge_trees
from sealfile.runtime.view import Secrets
from sealfile.runtime.view import redacted as redacted_view
from sealfile.stores import check_type_name, store_for
from sealfile.stores.yaml.basics import gc_paused

if TYPE_CHECKING:  # secret ages (and datetime) load only when a max_age asks for them
    import datetime as dt

    from sealfile.ops.signatures import AllowedSignersSource
    from sealfile.runtime.freshness import OnStale

FilePath = str | os.PathLike[str]
Files = FilePath | bytes | os.PathLike[bytes] | Iterable[FilePath | bytes | os.PathLike[bytes]]
"""One file (a name as ``open`` takes it), or several merged in order (:mod:`sealfile.runtime.merge`)."""


def file_names(path: object) -> str | list[str]:
    """What the loaders were given, as file names: one, or a list of several (any ordered iterable of them,
    e.g. ``sorted(glob(...))``). Anything else is a ``TypeError`` that says so: a ``bytes`` name was read as
    many files, an ``int`` as an iterable, a ``set`` merged in an order that changes from run to run."""
    if isinstance(path, (str, bytes, os.PathLike)):
        return _file_name(path)
    if isinstance(path, AbstractSet):
        raise TypeError(f"a {type(path).__name__} has no order, and a later file's values replace an earlier "
                        "one's: give the files as a list (e.g. sorted)")
    if isinstance(path, Iterable):
        return [_file_name(one) for one in path]
    raise TypeError(f"expected a file name (str, bytes or os.PathLike) or an iterable of them, "
                    f"not {type(path).__name__}")


def _file_name(path: object) -> str:
    if isinstance(path, (str, bytes, os.PathLike)):
        return os.fsdecode(path)
    raise TypeError(f"expected a file name (str, bytes or os.PathLike), not {type(path).__name__}")


@raises_detached
def load_secrets(
    path: Files,
    *,
    extract: str | None = None,
    redacted: bool = True,
    env: bool = False,
    env_prefix: str = "",
    env_override: bool = False,
    env_allow: Collection[str] = (),
    max_age: dt.timedelta | str | None = None,
    on_stale: OnStale = "warn",
    file_type: str | None = None,
    allowed_signers: AllowedSignersSource = None,
) -> Any:
    """Decrypt a sealed file in memory.

    Returns the values as a :class:`Secrets` mapping (a ``dict`` that never prints a value;
    ``redacted=False`` for plain dicts), or with ``extract="database"`` that subtree or value.

    ``path`` may be a list of files: each is read and verified as one file is, and their values
    merged in order, a later file's value replacing an earlier one's (mappings merge key by key).
    Each replaced value that differs is reported with :class:`sealfile.OverriddenSecretWarning`
    (the key path and both files; never a value).

    ``env=True`` also sets one environment variable per value with the names of
    :mod:`sealfile.runtime.flatten` (``DATABASE_PASSWORD``), ``env_prefix`` in front; variables already
    set are kept unless ``env_override=True``. A name that changes how programs start or where
    they connect (``LD_PRELOAD``, ``BASH_ENV``, ``PATH``...: :mod:`sealfile.runtime.environment`) is
    refused unless a prefix is given or ``env_allow`` names it; nothing is set then.

    ``max_age`` (``timedelta`` or ``"90d"``; units s, m, h, d, w): if any value was last set
    longer ago, warn with :class:`sealfile.SecretAgeWarning`, or raise
    :class:`sealfile.StaleSecretError` when ``on_stale="raise"``. The check uses the time
    recorded in each value's token (authenticated with the file); a SOPS file records none, and is refused.

    The syntax (YAML, JSON, dotenv) comes from the file name unless ``file_type`` names it.

    ``allowed_signers`` (an OpenSSH ``allowed_signers`` file; default ``$SEALFILE_ALLOWED_SIGNERS``,
    else the ``signers:`` and ``require_signature`` of the ``.sealfile.yaml`` governing the file, as
    for ``sealfile decrypt``): only a file signed by one of them is read; one unsigned, signed by
    another key, or whose signature does not verify raises :class:`sealfile.UntrustedSealError`
    naming the signer found, before any key is used. Pin the signers outside the repository (the
    variable or this argument) where a push must not be able to change whom the application trusts.

    Raises a :class:`sealfile.SealfileError` subclass if the file is missing, malformed,
    tampered with, or no recipient key is usable here; the message names the file and never
    a value.
    """
    path = file_names(path)
    _check_arguments(path, extract, env_prefix if env else "", env_allow if env else (), max_age, on_stale,
                     file_type)
    tree = _open_all(path, extract=extract, max_age=max_age, on_stale=on_stale, file_type=file_type,
                     allowed_signers=allowed_signers)
    if env:
        with about(_name(path)), within(extract):
            export(os.environ, variables_for(tree, check_prefix(env_prefix), env_allow), override=env_override)
    return redacted_view(tree) if redacted else tree


@raises_detached
def load_env(
    path: Files,
    *,
    extract: str | None = None,
    prefix: str = "",
    override: bool = False,
    allow_env: Collection[str] = (),
    max_age: dt.timedelta | str | None = None,
    on_stale: OnStale = "warn",
    file_type: str | None = None,
    allowed_signers: AllowedSignersSource = None,
) -> Secrets:
    """Put every value of a sealed file into ``os.environ`` (names as ``DATABASE_PASSWORD``).

    Variables already set keep their value unless ``override=True``, so the deployment can
    override a file. A name that changes how programs start or where they connect (``LD_PRELOAD``,
    ``BASH_ENV``, ``PATH``...: :mod:`sealfile.runtime.environment`) is refused, and nothing set,
    unless ``prefix`` is given or ``allow_env`` names it. Returns, for each name the file gives, the value
    ``os.environ`` now holds (as a :class:`Secrets`, which does not print its values): the file's where it was
    set, the environment's own where it was kept, so the mapping is what the process runs with. ``allowed_signers``
    as for :func:`load_secrets`.
    """
    path = file_names(path)
    _check_arguments(path, extract, prefix, allow_env, max_age, on_stale, file_type)
    tree = _open_all(path, extract=extract, max_age=max_age, on_stale=on_stale, file_type=file_type,
                     allowed_signers=allowed_signers)
    with about(_name(path)), within(extract):
        names = variables_for(tree, check_prefix(prefix), allow_env)
    return Secrets(export(os.environ, names, override=override))


def _check_arguments(path: str | list[str], extract: object, prefix: str, allow: Collection[str],
                     max_age: dt.timedelta | str | None, on_stale: OnStale, file_type: str | None) -> None:
    """Caller mistakes, found before any file is read or key unwrapped (a KMS call, a passphrase prompt),
    and whatever the file holds: a SOPS file records no ages, so a wrong ``max_age`` would pass unnoticed."""
    if extract is not None and not isinstance(extract, str):
        raise TypeError(f"extract is a key path such as 'database.password', not {type(extract).__name__}")
    allowed_names(allow)
    with about(_name(path)):
        if file_type is not None:
            check_type_name(file_type)
        if extract is not None:
            parse_keypath(extract)
        check_prefix(prefix)
        if max_age is not None or on_stale != "warn":  # secret ages load only when asked for
            from sealfile.runtime.freshness import check_on_stale, parse_age

            check_on_stale(on_stale)
            if max_age is not None:
                parse_age(max_age)


def _open_all(
    path: str | list[str],
    *,
    extract: str | None,
    max_age: dt.timedelta | str | None,
    on_stale: OnStale,
    file_type: str | None,
    allowed_signers: AllowedSignersSource,
) -> Any:
    """One file's values, or several files' merged (overrides warned about, at the caller's caller)."""
    if isinstance(path, (str, os.PathLike)):
        return _open(path, extract=extract, max_age=max_age, on_stale=on_stale, file_type=file_type,
                     allowed_signers=allowed_signers)
    trees, overrides = merged_files(path, max_age=max_age, on_stale=on_stale, file_type=file_type,
                                    allowed_signers=allowed_signers)
    for override in overrides:
        warn_caller(str(override), OverriddenSecretWarning)
    if extract is None:
        return trees
    with about(_name(path)):
        return get_path(trees, extract)


def merged_files(
    paths: Sequence[FilePath],
    *,
    max_age: dt.timedelta | str | None = None,
    on_stale: OnStale = "warn",
    file_type: str | None = None,
    allowed_signers: AllowedSignersSource = None,
) -> tuple[Any, list[Override]]:
    """Every file read (verified) and merged in order: the merged values and the overrides."""
    if not paths:
        raise ConfigError("no file to read")
    return merge_trees([(os.fspath(p), _open(p, extract=None, max_age=max_age, on_stale=on_stale,
                                             file_type=file_type, allowed_signers=allowed_signers)) for p in paths])


def _name(path: str | list[str]) -> str:
    """How errors name the input: the file, or the files joined."""
    return os.fspath(path) if isinstance(path, (str, os.PathLike)) else " + ".join(os.fspath(p) for p in path)


def _open(
    path: FilePath,
    *,
    extract: str | None,
    max_age: dt.timedelta | str | None,
    on_stale: OnStale,
    file_type: str | None = None,
    allowed_signers: AllowedSignersSource = None,
) -> Any:
    with about(path), trust_near(path):
        policy = for_application(allowed_signers, path)
        return opened_values(read_text(path), path, policy, extract=extract, max_age=max_age, on_stale=on_stale,
                             file_type=file_type)


def opened_values(text: str, path: FilePath, policy: TrustPolicy, *, extract: str | None = None,
                  max_age: dt.timedelta | str | None = None, on_stale: OnStale = "warn",
                  file_type: str | None = None) -> Any:
    """The values of a file whose ``text`` the caller has read (a pipe reads once): verified under ``policy``,
    a SOPS file natively, then decrypted (``extract``: that value or subtree)."""
    with gc_paused():  # one pause for parse, open and fill: see gc_paused
        sops_data = _open_if_sops(text, os.fspath(path), file_type, policy, ages=max_age is not None)
        if sops_data is not _NOT_SOPS:
            return sops_data if extract is None else get_path(sops_data, extract)
        document = read_document(text, store_for(path, file_type))
        policy.enforce(document)
        opened = document.open()  # verified first: a stale verdict on a forged file would mislead
        tree = opened.untagged_data(() if extract is None else opened.locate(extract)[0])
        if max_age is not None:
            from sealfile.runtime.freshness import enforce

            enforce(os.fspath(path), document.set_times(), max_age, on_stale)
        del document, opened  # the parse goes now, by reference counting: collection would walk it all again
        return tree


_NOT_SOPS = object()


def _open_if_sops(text: str, path: str, file_type: str | None, policy: TrustPolicy, *, ages: bool = False) -> Any:
    """A file written by SOPS 3.x opens natively (see sealfile.sops); ``_NOT_SOPS`` for others. ``ages``: the
    caller checks when values were set, which a SOPS file does not record: refused before any key is used,
    as ``status --older-than`` refuses it (a check asked for and not made would pass every value)."""
    if SOPS_MARKER not in text:  # every SOPS file holds one (its MAC); skip importing the reader
        return _NOT_SOPS
    from sealfile import sops

    kind = sops.detect(text, path, file_type)
    if kind is None:
        return _NOT_SOPS
    policy.enforce_unsignable("a SOPS file")
    if ages:
        raise ConfigError("max_age needs per-value times, which SOPS files do not record (sealfile import-sops "
                          "converts the file)")
    return sops.load(text, kind)
