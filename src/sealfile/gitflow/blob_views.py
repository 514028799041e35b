"""The texts a committed file holds, each decoded once, for every leak check to search.

A decrypted copy or a credential escapes a check that reads a blob as UTF-8 text once it is encoded: UTF-16 or
UTF-32 (what Windows tools write), base64 (a Kubernetes Secret's ``data``, ``kubectl create secret
--from-file``, ``base64 prod.yaml``), gzip, zip or tar members (a ``backup.tar.gz``, a ``.docx``, a ``.jar``), a
Jupyter notebook's cells and outputs, JSON string escapes (``\\u0070assword``) or URL percent-encoding,
hex, markup (a ``.docx``'s runs joined), quoted-printable, bzip2 or xz (7z and PDF are named as not checked).
:func:`views` gives each such text as a :class:`View` named for the message (``base64 in data.prod.yaml``,
``member app/.env of backup.tar.gz``), and the checks judge every view as they judge a file.

A committed file is written by whoever pushes it: what is expanded is bounded (:data:`MAX_DEPTH` archives deep,
:data:`MAX_MEMBERS` members, :data:`MAX_VIEWS` views, :func:`~sealfile.files.io.max_file_bytes` decoded bytes in
all, as much again as the file itself may hold); past a bound, what is left is named as not read, never expanded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import chain

from sealfile.files.io import max_file_bytes
from sealfile.gitflow.base32_words import from_base32
from sealfile.gitflow.embedded_texts import MAX_TEXTS, embedded_texts
from sealfile.gitflow.java_escapes import properties_values
from sealfile.gitflow.json_records import joined_records
from sealfile.gitflow.text_encodings import (
    MAX_FOUND,
    MAX_WORDS,
    base64_runs,
    decode,
    escaped,
    from_base64,
    hex_runs,
    markup_text,
    quoted_printable,
)
from sealfile.gitflow.yaml_quoted import quoted_values

MAX_DEPTH = 3
"""Archives (or encodings) inside one another that are opened: a backup's gzip of a tar of a zip of a text."""
MAX_MEMBERS = 1000
"""Members of one archive that are read; an archive with more is not opened at all."""
MAX_VIEWS = 1000
"""Texts one file gives: a Kubernetes Secret of a thousand keys is read whole."""
ARCHIVES = (".zip", ".gz", ".tgz", ".tar", ".bz2", ".tbz2", ".xz", ".txz", ".7z", ".pdf", ".jar",
            ".war", ".docx", ".xlsx", ".pptx", ".odt", ".ods", ".ipynb")
"""Names of files that hold others (or a notebook's cells): one too large to open is said to be unread."""
LFS_POINTER = "version https://git-lfs.github.com/spec/v1"


@dataclass(frozen=True)
class View:
    """One text of a file: ``where`` says how it was found (``""``: the file itself, as UTF-8); ``name`` is the file
    name whose syntax it likely has (a member's, a Secret key's such as ``prod.yaml``), ``None`` if nothing says."""

    where: str
    name: str | None
    text: str = field(repr=False)
    as_written: bool = False
    """Lines of the file as they are (a block scalar, a here-document): its credentials are the file's own."""


@dataclass
class Views:
    found: list[View] = field(default_factory=list)
    not_read: list[str] = field(default_factory=list)
    """What was not expanded, and why: attention, since it was not checked."""
    left: int = 0


def views(path: str, data: bytes) -> Views:
    """Every text of the file ``path`` (its bytes ``data``), the file itself first when it is UTF-8 text."""
    out = Views(left=max_file_bytes())
    _expand(out, path, "", data, 0)
    out.not_read = [note.removeprefix(f"{path}: ") for note in out.not_read]  # the caller names the file
    return out


def _expand(out: Views, name: str | None, where: str, data: bytes, depth: int) -> None:
    if depth > MAX_DEPTH:
        out.not_read.append(f"{where}: more than {MAX_DEPTH} archives or encodings deep: not opened")
        return
    if data[:2] == b"\x1f\x8b":
        _gunzip(out, name, where, data, depth)
    elif data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        _unzip(out, name, where, data, depth)
    elif data[257:262] == b"ustar":
        _untar(out, name, where, data, depth)
    elif data[:3] == b"BZh" or data[:6] == b"\xfd7zXZ\x00":
        _decompress(out, name, where, data, depth)
    elif data[:6] == b"7z\xbc\xaf\x27\x1c":
        out.not_read.append(f"{_inside(where, name)}: a 7z archive: not opened (no reader without a dependency), "
                            "so nothing in it was checked")
    elif data[:5] == b"%PDF-":
        out.not_read.append(f"{_inside(where, name)}: a PDF: its text is not read, so nothing in it was checked")
    else:
        _text(out, name, where, data, depth)


def _add(out: Views, where: str, name: str | None, text: str, as_written: bool = False) -> bool:
    if len(out.found) >= MAX_VIEWS:
        out.not_read.append(f"{where or 'the file'}: more than {MAX_VIEWS} encoded texts: the rest not read")
        return False
    out.found.append(View(where, name, text, as_written))
    return True


def _spend(out: Views, where: str, size: int) -> bool:
    """Whether ``size`` more decoded bytes fit the file's bound (counted once they do)."""
    if size > out.left:
        out.not_read.append(f"{where}: expands past {max_file_bytes() / (1024 * 1024):g} MiB (SEALFILE_MAX_FILE_MB): "
                            "not opened")
        out.left = 0
        return False
    out.left -= size
    return True


def _inside(where: str, name: str | None) -> str:
    return where or (name or "the file")


def _gunzip(out: Views, name: str | None, where: str, data: bytes, depth: int) -> None:
    import zlib

    label = f"gzip of {_inside(where, name)}"
    try:
        unpacked = zlib.decompressobj(wbits=31)
        plain = unpacked.decompress(data, out.left + 1)  # never more than the bound, however much it would expand
    except zlib.error:
        out.not_read.append(f"{label}: damaged: not read")
        return
    if not _spend(out, label, len(plain)):
        return
    inner = None if name is None else re.sub(r"\.t?gz$", "", name, flags=re.IGNORECASE) + (
        ".tar" if name.lower().endswith(".tgz") else "")
    _expand(out, inner, label, plain, depth + 1)


def _decompress(out: Views, name: str | None, where: str, data: bytes, depth: int) -> None:
    """bzip2 or xz, read as gzip is: never more than the bound, however much it would expand."""
    import bz2
    import lzma

    bzip2 = data[:3] == b"BZh"
    label = f"{'bzip2' if bzip2 else 'xz'} of {_inside(where, name)}"
    try:
        unpacked = bz2.BZ2Decompressor() if bzip2 else lzma.LZMADecompressor()
        plain = unpacked.decompress(data, out.left + 1)
    except (OSError, EOFError, ValueError, lzma.LZMAError):
        out.not_read.append(f"{label}: damaged: not read")
        return
    if not _spend(out, label, len(plain)):
        return
    inner = None if name is None else re.sub(r"\.(?:bz2|xz)$", "", re.sub(r"\.t(?:bz2|xz)$", ".tar", name, flags=re.I),
                                             flags=re.IGNORECASE)
    _expand(out, inner, label, plain, depth + 1)


def _unzip(out: Views, name: str | None, where: str, data: bytes, depth: int) -> None:
    import io
    import zipfile

    label = _inside(where, name)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if not _members_fit(out, label, len(members), sum(m.file_size for m in members)):
                return
            for member in members:
                with archive.open(member) as opened:
                    content = opened.read(out.left + 1)  # a member's declared size may lie
                if not _spend(out, f"member {member.filename} of {label}", len(content)):
                    return
                _expand(out, member.filename, f"member {member.filename} of {label}", content, depth + 1)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError, ValueError):
        out.not_read.append(f"{label}: a zip archive that does not open (damaged, encrypted): not read")


def _untar(out: Views, name: str | None, where: str, data: bytes, depth: int) -> None:
    import io
    import tarfile

    label = _inside(where, name)
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
            members = [m for m in archive.getmembers()[:MAX_MEMBERS + 1] if m.isfile()]
            if not _members_fit(out, label, len(members), sum(m.size for m in members)):
                return
            for member in members:
                opened = archive.extractfile(member)
                content = opened.read() if opened is not None else b""
                if not _spend(out, f"member {member.name} of {label}", len(content)):
                    return
                _expand(out, member.name, f"member {member.name} of {label}", content, depth + 1)
    except (tarfile.TarError, OSError, EOFError, ValueError):
        out.not_read.append(f"{label}: a tar archive that does not open (damaged): not read")


def _members_fit(out: Views, label: str, count: int, size: int) -> bool:
    if count > MAX_MEMBERS:
        out.not_read.append(f"{label}: an archive of more than {MAX_MEMBERS} files: not opened")
        return False
    if size > out.left:
        return _spend(out, label, size)
    return True


def _text(out: Views, name: str | None, where: str, data: bytes, depth: int) -> None:
    decoded = decode(data)
    if decoded is None:
        return  # binary: no text to search
    text, encoding = decoded
    if text.startswith(LFS_POINTER):
        out.not_read.append(f"{_inside(where, name)}: a Git LFS pointer: the file's content is not in this "
                            "repository, and was not checked for secrets")
        return
    label = where if encoding == "UTF-8" else f"{encoding} text of {_inside(where, name)}" if where else \
        f"{encoding} text"
    if not _add(out, label, name, text):
        return
    if name is not None and name.lower().endswith(".ipynb"):
        _notebook(out, label or "the notebook", text)
    _decoded_texts(out, label, text, depth, name)


def _notebook(out: Views, where: str, text: str) -> None:
    import json

    try:
        cells = json.loads(text).get("cells", [])
    except (ValueError, AttributeError, RecursionError):  # nested past Python's stack: json.loads raises that
        # its text was read, but not its cells, where a copy's lines are one string each
        out.not_read.append(f"{where}: does not read as a notebook (damaged, or nested too deep): its cells "
                            "were not read")
        return
    for number, cell in enumerate(cells if isinstance(cells, list) else [], 1):
        if not isinstance(cell, dict):
            continue
        parts = [("source", cell.get("source"))] + [
            ("output", o.get("text", (o.get("data") or {}).get("text/plain")))
            for o in cell.get("outputs") or [] if isinstance(o, dict)]
        for kind, part in parts:
            joined = "".join(part) if isinstance(part, list) else part
            if isinstance(joined, str) and joined.strip() and not _add(out, f"{kind} of cell {number} of {where}",
                                                                       None, joined):
                return


def _decoded_texts(out: Views, where: str, text: str, depth: int, name: str | None = None) -> None:
    """The escaped, percent-encoded, markup and quoted-printable texts within ``text``, and the base64 and hex
    bytes, each expanded in turn; past a bound on what one text gives, the rest is named as not read."""
    escapes, runs, hexes, embedded = escaped(text), base64_runs(text), hex_runs(text), embedded_texts(text)
    if name is not None and name.lower().endswith(".properties"):
        escapes += properties_values(text, MAX_FOUND - len(escapes))
    elif name is not None and name.lower().endswith((".yaml", ".yml")):
        quoted, undecoded = quoted_values(text, MAX_FOUND - len(escapes))
        escapes += quoted
        out.not_read += [f"{where}: {note}" if where else note for note in undecoded]
    for many, bound, kind in ((escapes, MAX_FOUND, "escaped or URL-encoded texts"), (runs, MAX_WORDS, "base64 words"),
                              (hexes, MAX_FOUND, "hex runs"), (embedded, MAX_TEXTS, "block scalars or here-documents")):
        if len(many) > bound:
            out.not_read.append(f"{where or 'the file'}: more than {bound:,} {kind}: the rest not read")
    whole = [(f"text of {where or 'the markup'}", None, markup_text(text)),
             (f"quoted-printable text{' of ' + where if where else ''}", None, quoted_printable(text)),
             (f"records of {where or 'the JSON lines'} joined", None, joined_records(text))]
    for label, name, decoded in [*escapes, *((label, name, found) for label, name, found in whole if found)]:
        named = f"{label} in {where}" if where and not label.startswith(("text of", "quoted", "records")) else label
        if not _spend(out, where or "the file", len(decoded)) or not _add(out, named, name, decoded):
            return
    for label, name, lines in embedded:
        if not _spend(out, where or "the file", len(lines)) or not _add(
                out, f"{label} in {where}" if where else label, name, lines, as_written=True):
            return
    for label, name, found in chain((_from_base64_or_32(label, name, run) for label, name, run in runs), hexes):
        if found is None or not _spend(out, where or "the file", len(found)):
            continue
        _expand(out, name, f"{label} in {where}" if where else label, found, depth + 1)
        if not out.left or len(out.found) >= MAX_VIEWS:
            return


def _from_base64_or_32(label: str, name: str | None, run: str) -> tuple[str, str | None, bytes | None]:
    """A run's bytes as base64, else as base32 (its label then says so)."""
    found = from_base64(run)
    if found is None and (found := from_base32(run)) is not None:
        label = label.replace("base64", "base32", 1)
    return label, name, found
