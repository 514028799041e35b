"""Reading sealed files: decrypt (layout kept), one value, verify (a keyless reader: :mod:`sealfile.ops.keyless`).

Every function takes the file's text and its store; a SOPS file is read natively. Errors carry
no file name (callers attach it with :func:`sealfile.files.io.about`). Readers go through a
:class:`~sealfile.ops.signatures.TrustPolicy` (default: ``SEALFILE_ALLOWED_SIGNERS``, if set).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from sealfile.errors import SealfileError
from sealfile.model.metadata import Metadata
from sealfile.model.paths import get_at, resolve
from sealfile.model.scalars import printed_alone, scalar_text
from sealfile.ops.signatures import TrustPolicy, from_environment
from sealfile.ops.sops_files import sops_kind as sops_kind  # for the readers that detect a SOPS file here
from sealfile.stores import Store, get_store


def decrypt_text(
    text: str, *, store: Store | None = None, extract: str | None = None, output: Store | None = None,
    path: str | None = None, policy: TrustPolicy | None = None, portable_output: bool = False,
    keys: list[Any] | None = None,
) -> str:
    """The plaintext with the original layout (in ``output``'s syntax if given), or with
    ``extract`` one value (as a shell wants it) or subtree. A SOPS file is read natively
    (``path`` picks its store, as in SOPS).

    A YAML file comes back as it was written, byte for byte. With ``portable``, YAML output is
    :func:`~sealfile.stores.yaml.portable.portable` instead: YAML 1.1 readers (PyYAML, Go's yaml.v2)
    read the same data from it as ``load_secrets`` returns. ``keys``, if given, receives the top-level keys
    of a sealed file (not a SOPS file's), read while it is open."""
    policy = policy or from_environment()
    kind = sops_kind(text, path)
    if kind is not None:
        policy.enforce_unsignable("a SOPS file")
    sops_plaintext = None if kind is None else decrypt_sops(text, kind, extract=extract)
    if sops_plaintext is not None:
        return sops_plaintext
    document = policy.open(text, store or get_store("yaml"))
    if keys is not None:
        keys += document.top_keys()
    respell = _portable if portable_output and (output or document.store).name == "yaml" else _as_is
    if extract is None:
        return respell(document.plaintext(output))
    where, container = document.locate(extract)
    if container:
        return respell(document.subtree_text(where))
    return extracted_scalar(document.untagged_data(where, "as one value"))


def _as_is(text: str) -> str:
    return text


def _portable(text: str) -> str:
    from sealfile.stores.yaml.portable import portable

    return portable(text)


def decrypt_sops(text: str, kind: str, *, extract: str | None = None, output_type: str | None = None) -> str:
    """What ``sops decrypt [--extract] [--output-type]`` prints for a SOPS file of store ``kind``
    (a binary file's bytes kept as surrogate escapes)."""
    from sealfile import sops
    from sealfile.sops import output

    return output.decrypt(text, sops.checked_kind(kind), extract=extract, output_type=output_type)


def verify_sops(text: str, kind: str) -> None:
    """Open a SOPS file (data key, every value, MAC) as ``decrypt`` would; raise if anything fails."""
    from sealfile import sops

    opened = sops.open_text(text, sops.checked_kind(kind))
    if opened.kind in ("yaml", "json"):
        with sops.about(opened.kind):
            opened.documents_data()


def get_path(tree: Any, keypath: str) -> Any:
    """The value at a user's key path in a decrypted tree."""
    return get_at(tree, resolve(tree, keypath))


def extracted_scalar(value: Any) -> str:
    """What ``decrypt --extract`` prints for one value, whatever the output syntax: as SOPS prints it
    (:func:`~sealfile.model.scalars.printed_alone`)."""
    return printed_alone(scalar_text(value), isinstance(value, str))


def verify_text(text: str, store: Store | None = None, policy: TrustPolicy | None = None) -> Metadata:
    """Enforce the signature policy, unwrap, check the MAC and authenticate every value; returns the metadata."""
    document = (policy or from_environment()).open(text, store or get_store("yaml"))
    document.verify()
    return document.metadata


def refuse_sealed_output(output: str | os.PathLike[str] | None, sources: Sequence[str | os.PathLike[str]]) -> None:
    """Refuse ``decrypt -o`` over another sealed or SOPS file: written there, the plaintext would take the
    place of its sealed values, under a name that hooks and readers take for a sealed file."""
    if names_other_sealed_file(output, sources):
        raise SealfileError("-o names a sealed file: written there, the plaintext would replace its sealed values; "
                            "nothing was written (remove it first, or write to another name)",
                            file=os.fspath(output or ""))


def refuse_sealing_over(output: str | os.PathLike[str] | None, previous: str | os.PathLike[str] | None) -> None:
    """Refuse ``encrypt -o`` over a sealed or SOPS file other than ``--previous``: its values and recipients
    would be replaced by the new file's, and a slip of the name loses them for every recipient."""
    if names_other_sealed_file(output, () if previous is None else (previous,)):
        raise SealfileError(f"-o names a sealed file: sealing over it would replace its values and recipients; "
                            f"nothing was written (to reseal it keeping its data key, add --previous {output}; "
                            f"to replace it, remove it first)", file=os.fspath(output or ""))


def names_other_sealed_file(output: str | os.PathLike[str] | None, sources: Sequence[str | os.PathLike[str]]) -> bool:
    """Whether ``output`` is an existing sealed or SOPS file that opens, other than one of ``sources``."""
    from sealfile.files.io import is_stdio, read_text, same_file
    from sealfile.model.metadata import METADATA_KEY
    from sealfile.ops.reader import read_document
    from sealfile.stores import store_for

    if output is None or is_stdio(output) or not os.path.isfile(output) or any(
            same_file(output, source) for source in sources):
        return False  # the file the text comes from: io.emit and -i handle it in their own words
    try:
        text = read_text(output)
        if sops_kind(text, os.fspath(output)) is None:
            if METADATA_KEY not in text:
                return False
            read_document(text, store_for(output))
    except (OSError, SealfileError):
        return False  # not a sealed file that opens: an ordinary output to replace
    return True


def ini_plaintext(values: Any, shape: Any = None) -> str:
    """Sealed data as INI text, as ``sops decrypt --output-type ini`` prints it (sealfile seals no INI syntax:
    a team that read INI from a SOPS file reads it so from the sealed file it imported); ``shape`` (the YAML
    text read as SOPS reads it) gives its comments, where go-ini keeps them."""
    from sealfile.errors import FormatError
    from sealfile.ops.export_sops import Notes, go_tree
    from sealfile.sops.initree import ini_comments
    from sealfile.sops.render import ini_text

    if not isinstance(values, dict):
        raise FormatError("an INI file holds only sections (mappings) at the top, not one value")
    return ini_text(ini_comments(go_tree(values, shape, "ini", Notes({}))))


def sealed_ini(text: str, store: Store, policy: TrustPolicy) -> str:
    """A sealed file as INI text (:func:`ini_plaintext`), with its comments: a SOPS INI file's, which
    ``import-sops`` wrote as YAML comments, come back where ``sops decrypt`` printed them."""
    from sealfile.errors import FormatError
    from sealfile.sops.yamltree import read_yaml

    document = policy.open(text, store)
    values, shape = document.untagged_data(), None
    if document.store.name == "yaml" and isinstance(values, dict):
        try:
            shape = next(iter(read_yaml(document.plaintext(), comments=True, keys_as_text=True)), None)
        except FormatError:  # what SOPS's reader cannot read (its budgets): the data alone, as before
            shape = None
    return ini_plaintext(values, shape)
