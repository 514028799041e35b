"""File-level verbs shared by the CLI and the library: read, seal, open, verify, describe.

Each reads the whole input first and writes only through :func:`atomic_write`, so a failure
leaves every file as it was. Errors carry the file name (``err.in_file``).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from sealfile.envelope.cipher import token_time
from sealfile.envelope.core import split_metadata, unseal
from sealfile.errors import FormatError, SealfileError
from sealfile.kms.registry import key_from_config
from sealfile.model.metadata import Metadata
from sealfile.model.paths import format_keypath, iter_leaves, parse_keypath, resolve
from sealfile.model.rules import EncryptionRules
from sealfile.model.scalars import is_sealed
from sealfile.stores import Store, get_store

YAML = get_store("yaml")
SOPS_MARKER = "ENC[AES256_GCM,"


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
        from sealfile.ops.splice import decrypt_text as spliced  # fast path: the file's own text, edited

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
        from sealfile.ops.fastread import verify  # fast path; None when the file needs the general one

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
