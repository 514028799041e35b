"""Reading and writing the files sealfile works on: size limits, clear errors, atomic writes.

Every command reads its whole input through :func:`read_text` (bounded, so a hostile or
mistaken input cannot exhaust memory) and writes only through :func:`write_output`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sealfile.errors import FormatError, SealfileError
from sealfile.files.atomic import atomic_write
from sealfile.files.locking import locked


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


STDIO = "-"
"""The file name meaning standard input (read) or standard output (write), as Unix tools use it."""


def is_stdio(path: str | os.PathLike[str]) -> bool:
    return os.fspath(path) == STDIO


def read_text(path: str | os.PathLike[str]) -> str:
    if is_stdio(path):
        return _read_stdin()
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


def _read_stdin() -> str:
    """Standard input, within the same size limit as a file."""
    limit = max_file_bytes()
    raw = sys.stdin.buffer.read(limit + 1)
    if len(raw) > limit:
        raise FormatError(f"input is larger than {limit / (1024 * 1024):g} MiB (see {MAX_FILE_MB_ENV})", file=STDIO)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError("not UTF-8 text (binary input?)", file=STDIO) from None


def write_output(path: str | os.PathLike[str], text: str | bytes, *, private: bool) -> None:
    """Write ``text`` to ``path`` atomically (``-``: standard output). Plaintext output is 0600 (an
    existing file keeps only its owner bits); sealed output keeps the target's mode."""
    if is_stdio(path):
        if isinstance(text, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(text)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
        return
    atomic_write(path, text, private=private)



def rewrite(path: str | os.PathLike[str], transform: Callable[[str], str]) -> bool:
    """Apply ``transform`` to a sealed file under its lock; write (atomically) only if the text changed."""
    if is_stdio(path):
        raise SealfileError("this command changes a file in place: name the file, not -", file=STDIO)
    with about(path), locked(path):
        text = read_text(path)
        new_text = transform(text)
        if new_text == text:
            return False
        write_output(path, new_text, private=False)
        return True
