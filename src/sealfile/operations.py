"""File-level verbs shared by the CLI and the library: read, seal, open, verify, describe.

Each reads the whole input first and writes only through :func:`atomic_write`, so a failure
leaves every file as it was. Errors carry the file name (``err.in_file``).
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sealfile.atomic import atomic_write
from sealfile.envelope import (
    METADATA_KEY,
    EncryptionRules,
    Metadata,
    Reuse,
    open_data_key,
    reuse_from,
    seal,
    split_metadata,
    unseal,
)
from sealfile.envelope.paths import format_keypath, iter_leaves, parse_keypath, resolve
from sealfile.envelope.values import is_sealed, token_time
from sealfile.errors import FormatError, SealfileError
from sealfile.kms.base import MasterKey
from sealfile.kms.registry import key_from_config
from sealfile.stores import Store, get_store

YAML = get_store("yaml")
SOPS_MARKER = "ENC[AES256_GCM,"


@contextmanager
def about(file: str | os.PathLike[str]) -> Iterator[None]:
    """Attach ``file`` to any sealfile error raised inside."""
    try:
        yield
    except SealfileError as err:
        raise err.in_file(os.fspath(file)) from None


MAX_FILE_MB_ENV = "SEALFILE_MAX_FILE_MB"
DEFAULT_MAX_FILE_MB = 8


def max_file_bytes() -> int:
    """Largest file sealfile reads: 8 MiB (about 50,000 values) unless ``SEALFILE_MAX_FILE_MB`` says.

    Structural edits re-parse with a pure-Python reader (a few seconds per MB), so a bound keeps
    every command's time and memory in check against a hostile or mistaken input."""
    raw = os.environ.get(MAX_FILE_MB_ENV, "").strip()
    try:
        megabytes = float(raw) if raw else DEFAULT_MAX_FILE_MB
    except ValueError:
        megabytes = DEFAULT_MAX_FILE_MB
    return int(max(megabytes, 0.001) * 1024 * 1024)


def read_text(path: str | os.PathLike[str]) -> str:
    limit = max_file_bytes()
    try:
        with open(path, "rb") as handle:
            too_big = f"larger than {limit / (1024 * 1024):g} MiB; not a secrets file? (see {MAX_FILE_MB_ENV})"
            if os.fstat(handle.fileno()).st_size > limit:
                raise FormatError(f"file is {too_big}", file=os.fspath(path))
            raw = handle.read(limit + 1)
            if len(raw) > limit:  # not a regular file (a pipe, /dev/zero): its size was unknown
                raise FormatError(f"input is {too_big}", file=os.fspath(path))
    except FileNotFoundError:
        raise SealfileError("no such file", file=os.fspath(path)) from None
    except IsADirectoryError:
        raise SealfileError("is a directory", file=os.fspath(path)) from None
    except PermissionError:
        raise SealfileError("permission denied", file=os.fspath(path)) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError("not UTF-8 text (binary file?)", file=os.fspath(path)) from None


def attach_metadata(document: Any, meta: Metadata, store: Store | None = None) -> None:
    mapping = meta.to_mapping()
    for stanza in mapping["recipients"]:
        stanza["wrapped"] = (store or YAML).metadata_text(stanza["wrapped"])
    document[METADATA_KEY] = mapping


def seal_text(
    plaintext: str,
    keys: Iterable[MasterKey],
    rules: EncryptionRules | None = None,
    *,
    previous: str | None = None,
    clock: Callable[[], int] | None = None,
    store: Store | None = None,
    previous_store: Store | None = None,
    output: Store | None = None,
) -> str:
    """Seal a plaintext document (YAML unless ``store`` says otherwise). With ``previous`` (the
    same file sealed earlier), keep its data key, rules and every unchanged ciphertext, and its
    recipients unless ``keys`` names the recipients to use instead."""
    store = store or YAML
    document = store.load_editable(plaintext)
    reuse: Reuse | None = None
    if previous is not None:
        old, old_meta = open_sealed_fast(previous, previous_store or store)
        reuse = reuse_from(old, old_meta, open_data_key(old, old_meta))
        rules = rules or old_meta.rules
    meta = seal(document, keys, rules or EncryptionRules(), reuse=reuse, clock=clock)
    output = output or store
    attach_metadata(document, meta, output)
    return output.dump(document, like=plaintext if output is store else None)


def open_sealed_fast(text: str, store: Store | None = None) -> tuple[dict[Any, Any], Metadata]:
    """Parse a sealed file for reading (the fastest reader the syntax has) and split off its metadata."""
    document = (store or YAML).load_fast(text)
    if not isinstance(document, dict):
        raise FormatError("not a sealed file (the top level is not a mapping)")
    return document, split_metadata(document)


def open_sealed_editable(text: str, store: Store | None = None) -> tuple[dict[Any, Any], Metadata]:
    """Parse a sealed file keeping its layout (comments, quoting) and split off its metadata."""
    document = (store or YAML).load_editable(text)
    if not isinstance(document, dict):
        raise FormatError("not a sealed file (the top level is not a mapping)")
    return document, split_metadata(document)


def decrypt_text(
    text: str, *, extract: str | None = None, store: Store | None = None, output: Store | None = None,
    path: str | None = None,
) -> str:
    """The plaintext with the original layout (in ``output`` syntax if given), or one value or
    subtree with ``extract``. A SOPS file is read natively (``path`` picks its store, as in SOPS)."""
    sops_plaintext = _decrypt_if_sops(text, extract=extract, path=path)
    if sops_plaintext is not None:
        return sops_plaintext
    if (store is None or store.name == "yaml") and output is None:
        from sealfile.splice import decrypt_text as spliced  # fast path: the file's own text, edited

        fast = spliced(text, extract)
        if fast is not None:
            return fast
    store = store or YAML
    document, meta = open_sealed_editable(text, store)
    unseal(document, meta, styler=(output or store).styled)
    like = text if output is None or output is store else None
    node = document if extract is None else get_path(document, extract)
    if isinstance(node, (dict, list)):
        return (output or store).dump(node, like=like)
    text = scalar_text(node)
    return text if text.endswith("\n") else text + "\n"


def _decrypt_if_sops(text: str, *, extract: str | None, path: str | None) -> str | None:
    """What ``sops decrypt`` prints for a SOPS file (a binary file's bytes escaped as text)."""
    if SOPS_MARKER not in text:  # every SOPS file holds one (its MAC); skip importing the reader
        return None
    from sealfile import sops
    from sealfile.sops import output

    kind = sops.detect(text, path)
    if kind is None:
        return None
    opened = sops.open_text(text, kind, comments=kind == "yaml" and extract is None)
    if extract is not None:
        return output.extract(opened, extract)
    shown = output.plaintext(opened)
    return shown.decode("utf-8", "surrogateescape") if isinstance(shown, bytes) else shown


def get_path(tree: Any, keypath: str) -> Any:
    node = tree
    for segment in resolve(tree, parse_keypath(keypath), keypath=keypath):
        node = node[segment]
    return node


def scalar_text(value: Any) -> str:
    """A scalar as a shell would want it: strings raw, YAML spelling for the rest."""
    if isinstance(value, str):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes):

        return base64.b64encode(value).decode()
    return str(value)


def verify_text(text: str, store: Store | None = None) -> Metadata:
    """Unwrap, check the MAC and authenticate every value; returns the metadata."""
    if store is None or store.name == "yaml":
        from sealfile.reading import verify  # fast path; None when the file needs the general one

        fast = verify(text)
        if fast is not None:
            return fast
    document, meta = open_sealed_fast(text, store)
    unseal(document, meta)
    return meta


@dataclass(frozen=True)
class Status:
    version: int
    recipients: list[tuple[str, str]]
    rules: EncryptionRules
    values: int
    encrypted: int
    set_at: dict[str, int]
    """key path -> Unix time the value was last set (from its token; no key needed)."""


def describe(text: str, store: Store | None = None) -> Status:
    """What a reader without keys can learn: recipients, format, counts, when values were set."""
    document, meta = open_sealed_fast(text, store)
    recipients = []
    for stanza in meta.recipients:
        try:
            recipients.append((stanza["type"], key_from_config(stanza).key_id))
        except SealfileError:
            recipients.append((str(stanza["type"]), "?"))
    leaves = [(p, v) for p, v in iter_leaves(document) if not isinstance(v, (dict, list))]
    set_at: dict[str, int] = {}
    for path, value in leaves:
        if is_sealed(value):
            try:
                set_at[format_keypath(path)] = token_time(value)
            except FormatError as err:
                err.keypath = format_keypath(path)
                raise
    return Status(meta.version, recipients, meta.rules, len(leaves), len(set_at), set_at)


def write_output(path: str | os.PathLike[str], text: str, *, private: bool) -> None:
    """Plaintext output is 0600 (an existing file keeps only its owner bits); sealed output keeps the
    target's mode."""
    atomic_write(path, text, private=private)

