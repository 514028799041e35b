"""What sealfile tells a user about SOPS files: it reads them, but they are weaker than sealed files.

SOPS's MAC hashes the values alone, in order: no key names, and nothing at all for empty
values, nulls and comments (docs/sops-compat.md §5). An encrypted value is bound to its path by
AES-GCM, but a plaintext value can be renamed or moved, and empty values added, removed or
renamed, by anyone who can write the file, and both SOPS and sealfile accept the result.
"""

from __future__ import annotations

from sealfile.errors import FormatError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any

SOPS_MARKER = "ENC[AES256_GCM,"
"""In every file SOPS writes (its MAC, at least): without it, no SOPS reader is imported."""

WEAKER = ("SOPS files are weaker than sealed files: their MAC covers neither key names nor empty values, so "
          "whoever can write one can rename plaintext values and add, remove or rename empty ones undetected "
          "(docs/sops-compat.md)")
IMPORTED = ("the sealed result is only as trustworthy as the SOPS file it came from (its MAC covers neither key "
            "names nor empty values, and whoever could write it chose them): check its recipients, keys and values "
            "before you rely on it")

SPLIT = ("'import-sops' converts one YAML document: keep it in SOPS, or split it into one SOPS file per "
         "document ('sops edit') and import each")


def is_sops_text(text: str, path: str | None = None) -> bool:
    """Whether ``text`` is a file SOPS wrote: :func:`sops_kind` names a store (one that does not read, no)."""
    try:
        return sops_kind(text, path) is not None
    except FormatError:
        return False


def refuse_to_write(text: str, path: str | None = None) -> None:
    """Writers change sealed files only: a SOPS file is converted once, with ``import-sops``."""
    kind = sops_kind(text, path)
    if kind is not None:
        label = "a SOPS binary file: sealfile reads it (decrypt)" if kind == "binary" else \
            "a SOPS file: sealfile reads SOPS files"
        raise FormatError(f"{label} but changes only sealed files; "
                          f"{conversion(kind, path or 'FILE', documents(text, kind))}")


def documents(text: str, kind: str) -> int:
    """How many documents a SOPS file holds (several only in YAML); 1 if it cannot be read."""
    from sealfile import sops

    try:
        return len(sops.parse(text, "yaml")[0]) if kind == "yaml" else 1
    except FormatError:
        return 1  # the conversion then names its own error


def conversion(kind: str, file: str, count: int = 1) -> str:
    """How a SOPS file of store ``kind`` (and ``count`` documents) becomes a sealed one; a binary file (its store
    picked by its name, as SOPS picks it) cannot, nor one of several documents as it is."""
    import shlex  # only in an error's hint

    if count > 1:
        return SPLIT
    if kind == "binary":
        return ("'import-sops' cannot convert it (it holds no keys and values to seal one by one): keep it in "
                "SOPS, or seal its content as one value of a sealed file")
    if kind == "ini":  # no sealed INI syntax: the data goes to a sealed YAML file beside it
        from sealfile.stores import ini_alternative

        return (f"convert it first with 'sealfile import-sops {shlex.quote(file)} -o "
                f"{shlex.quote(ini_alternative(file))}' ('decrypt -o NAME.ini' prints that file as INI)")
    return f"convert it first with 'sealfile import-sops -i {shlex.quote(file)}'"


def sops_kind(text: str, path: str | None = None, input_type: str | None = None) -> Any:
    """The SOPS store (``yaml``, ``json``, ``dotenv``, ``ini``, ``binary``) of a SOPS file, else ``None``."""
    if SOPS_MARKER not in text:  # every SOPS file holds one (its MAC); skip importing the reader
        return None
    from sealfile import sops

    return sops.detect(text, path, input_type)
