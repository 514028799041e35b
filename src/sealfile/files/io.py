"""Reading and writing the files sealfile works on: size limits, clear errors, atomic writes.

Every command reads its whole input through :func:`read_text` (bounded, so a hostile or
mistaken input cannot exhaust memory) and writes only through :func:`write_output`.
"""

from __future__ import annotations

import codecs
import errno
import functools
import os
import stat
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sealfile.errors import FormatError, SealfileError
from sealfile.files.settings import positive_setting
from sealfile.model.lines import line_number

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any, Literal


@contextmanager
def about(file: str | os.PathLike[str]) -> Iterator[None]:
    """Attach ``file`` to any sealfile error raised inside."""
    try:
        yield
    except SealfileError as err:
        raise err.in_file(os.fspath(file)) from None


MAX_FILE_MB_ENV = "SEALFILE_MAX_FILE_MB"
DEFAULT_MAX_FILE_MB = 8
# Opening a FIFO that has no writer blocks, and opening a terminal may make it ours: neither here.
_NONBLOCKING = getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | _NONBLOCKING


def max_file_bytes() -> int:
    """Largest file sealfile reads: 8 MiB (about 50,000 values) unless ``SEALFILE_MAX_FILE_MB`` says.

    Structural edits re-parse with a pure-Python reader (a few seconds per MB), so a bound keeps
    every command's time and memory in check against a hostile or mistaken input."""
    megabytes = positive_setting(MAX_FILE_MB_ENV, float(DEFAULT_MAX_FILE_MB), unit="megabytes", kind=float)
    return int(max(megabytes, 0.001) * 1024 * 1024)


STDIO = "-"
"""The file name meaning standard input (read) or standard output (write), as Unix tools use it."""


FileState = tuple[int, int, int, int, int, int]


def file_state(path: str | os.PathLike[str]) -> FileState:
    """What a cache of a file's contents is keyed on, from one ``stat`` (following links): device, inode,
    size, mode, modification and status-change times. The modification time alone is not enough: it can be
    set back (``cp -p``, ``tar -x``, ``touch -d``) and repeats within one clock tick, so a key rotated in
    place or a ``chmod`` would be missed; the status-change time cannot be set and moves on every write,
    ``chmod`` and rename. Raises ``OSError`` as ``os.stat`` does."""
    found = os.stat(path)
    return (found.st_dev, found.st_ino, found.st_size, found.st_mode, found.st_mtime_ns, found.st_ctime_ns)


def is_stdio(path: str | os.PathLike[str]) -> bool:
    return os.fspath(path) == STDIO


def names_a_file(path: str | os.PathLike[str] | None) -> bool:
    """Whether an output ``path`` is a file's name, which can say its syntax (``x.json``): not ``-``, and
    not a device, pipe or socket (``/dev/stdout``, ``>(cmd)``), whose name says nothing of what it wants."""
    if path is None or is_stdio(path):
        return False
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True  # not there yet (or not reachable): a file will be made under that name


def read_text(path: str | os.PathLike[str]) -> str:
    """The whole file (``-``: standard input) as UTF-8 text (see :func:`read_bytes`)."""
    raw = read_bytes(path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise FormatError(not_utf8(raw, err), file=os.fspath(path)) from None


def read_quietly(path: str | os.PathLike[str]) -> str | None:
    """A file beside the sealed ones that a check only looks into (``.gitattributes``, a hook, the pre-commit
    configuration), read as :func:`read_bytes` reads (bounded; a device refused: whoever can push commits a
    symlink to ``/dev/zero`` there) but a regular file only (a link to ``/dev/stdin`` would take the value
    piped to ``set``) and decoded leniently; ``None`` when it cannot be read so: ``-`` too, standard input's name."""
    if is_stdio(path):
        return None
    try:
        return read_bytes(path, regular_only=True).decode("utf-8", "replace")
    except SealfileError:
        return None


_WIDE_ENCODINGS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
                   (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))
"""Byte-order marks of text in other Unicode encodings (UTF-32's first: its little-endian mark begins with
UTF-16's), as Windows editors and PowerShell's ``>`` write it."""


def not_utf8(raw: bytes, err: UnicodeDecodeError) -> str:
    """Why ``raw`` is no UTF-8 text, in words one can act on: where, never which bytes (they may be a
    secret's); text in another Unicode encoding is named with the command that converts it."""
    for mark, encoding in _WIDE_ENCODINGS:
        if raw.startswith(mark):
            return f"{encoding} text, not UTF-8 (convert it: iconv -f {encoding} -t UTF-8)"
    line = line_number(raw[:err.start].decode("latin-1"), err.start)
    return f"not UTF-8 text (line {line}, byte {err.start + 1}; a binary file, or another encoding such as Latin-1?)"


class FileAccessError(SealfileError, OSError):
    """A file could not be read (missing, not allowed, a directory, a failed read); also the ``OSError`` that
    ``open`` raises, with ``errno`` and ``filename``, so ``except OSError`` treats it as it treats ``open``'s."""

    def __init__(self, message: str, *, file: str, code: int | None = None) -> None:
        super().__init__(message, file=file)
        self.errno, self.filename = code, file

    def __reduce__(self) -> tuple[Any, ...]:  # pickled by a process pool: errno is kept outside __dict__
        return functools.partial(type(self), file=self.file or "", code=self.errno), (self.message,), vars(self)


class NoSuchFileError(FileAccessError, FileNotFoundError):
    """A missing file: ``except FileNotFoundError`` (an optional file) catches it, as for ``open``."""


def read_bytes(path: str | os.PathLike[str], *, regular_only: bool = False) -> bytes:
    """The whole file (``-``: standard input), at most :func:`max_file_bytes` of it.

    Only regular files and pipes are read (``<(cmd)`` and ``/dev/stdin`` from a pipe work; not a pipe with
    ``regular_only``): a device, named or reached through a symlink (``/dev/zero``, ``/dev/tty``,
    ``/dev/sda``), is refused before a byte is read. The file is opened non-blocking, so a FIFO with no
    writer reads as empty instead of hanging. A read that fails (``/proc/self/mem``) is a
    :class:`FileAccessError` naming the file, as a failed open is."""
    if is_stdio(path):
        return _read_stdin()
    limit = max_file_bytes()
    name = os.fspath(path)
    too_big = f"larger than {limit / (1024 * 1024):g} MiB; not a secrets file? (see {MAX_FILE_MB_ENV})"
    try:
        _refuse_device(os.stat(name).st_mode, name)  # before opening: opening a device can act (a tape rewinds)
        descriptor = os.open(name, _READ_FLAGS)
    except FileNotFoundError:
        raise NoSuchFileError("no such file", file=name, code=errno.ENOENT) from None
    except PermissionError as err:
        raise FileAccessError("permission denied", file=name, code=err.errno) from None
    except OSError as err:  # a socket (ENXIO), a name too long, a loop of symlinks...
        raise FileAccessError(f"cannot open: {err.strerror or type(err).__name__}", file=name,
                              code=err.errno) from None
    info = os.fstat(descriptor)
    if stat.S_ISDIR(info.st_mode):
        os.close(descriptor)
        raise FileAccessError("is a directory", file=name, code=errno.EISDIR)
    with os.fdopen(descriptor, "rb") as handle:
        _refuse_device(info.st_mode, name)  # again: it may have been swapped since
        if regular_only and not stat.S_ISREG(info.st_mode):
            raise SealfileError("not a regular file", file=name)
        if stat.S_ISREG(info.st_mode) and info.st_size > limit:
            raise FormatError(f"file is {too_big}", file=name)
        if _NONBLOCKING:
            os.set_blocking(descriptor, True)
        try:
            raw = handle.read(limit + 1)
        except OSError as err:
            raise FileAccessError(f"reading failed: {err.strerror or type(err).__name__}", file=name,
                                  code=err.errno) from None
        if len(raw) > limit:  # a pipe: its size was unknown until now
            raise FormatError(f"input is {too_big}", file=name)
    return raw


def _write_stdout(payload: bytes) -> None:
    """``payload`` on standard output; closed (``>&-``) or failing (``>/dev/full``), one line saying so."""
    if sys.stdout is None:
        raise SealfileError("standard output is closed; nothing was written", file=STDIO)
    try:
        sys.stdout.flush()
        sys.stdout.buffer.write(payload)
        sys.stdout.buffer.flush()
    except BrokenPipeError:  # piped into head: the reader had what it wanted
        raise
    except OSError as err:
        raise SealfileError(f"cannot write to standard output ({err.strerror or type(err).__name__})",
                            file=STDIO) from None


def _is_pipe(path: str | os.PathLike[str]) -> bool:
    try:
        return stat.S_ISFIFO(os.stat(path).st_mode)
    except OSError:
        return False


def _refuse_device(mode: int, name: str) -> None:
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise FormatError("is a device, not a file (sealfile reads regular files and pipes)", file=name)


def _read_stdin() -> bytes:
    """Standard input, within the same size limit as a file."""
    limit = max_file_bytes()
    raw = sys.stdin.buffer.read(limit + 1)
    if len(raw) > limit:
        raise FormatError(f"input is larger than {limit / (1024 * 1024):g} MiB (see {MAX_FILE_MB_ENV})", file=STDIO)
    return raw


def emit(text: str, output: str | os.PathLike[str] | None, *, private: bool,
         sources: Sequence[str | os.PathLike[str]], replacing: str | None = None) -> None:
    """``text`` on stdout (``output`` None or ``-``), or written atomically to ``output``: plaintext
    (``private``) 0600, and never over one of ``sources``, the files it comes from (``decrypt F -o F`` would
    leave no sealed file); ``replacing``: what was read from ``output``, refused if another program changed it."""
    try:
        raw = text.encode("utf-8", "surrogateescape")  # a SOPS binary file's bytes come as surrogate escapes
    except UnicodeEncodeError:  # a value sealed with a lone surrogate: say so, print nothing of it
        raise SealfileError("the output would hold a lone surrogate, which is not UTF-8 text; nothing was written",
                            file=os.fspath(sources[0])) from None
    target = output or STDIO
    if private and not is_stdio(target) and any(same_file(target, source) for source in sources):
        raise SealfileError("-o names the file the plaintext comes from: written there, it would replace the sealed "
                            "file; nothing was written (write to another name)", file=os.fspath(target))
    write_output(target, raw, private=private, replacing=False if replacing is None else replacing)


def same_file(one: str | os.PathLike[str], other: str | os.PathLike[str]) -> bool:
    """Whether two names are one existing file (``-`` is never a file)."""
    try:
        return not is_stdio(other) and os.path.samefile(one, other)
    except (OSError, ValueError):  # either missing: not the same file
        return False


def write_output(path: str | os.PathLike[str], text: str | bytes, *, private: bool,
                 replacing: str | Literal[False] | None = False, lock: bool = True) -> None:
    """Write ``text`` to ``path`` atomically (``-``: standard output). Plaintext output is 0600 (an
    existing file keeps only its owner bits); sealed output keeps the target's mode, and is written under the
    file's lock unless ``lock`` is False (a file no other command can name: git's temporary copy in a merge).
    ``replacing``: the text read from ``path`` (None: it did not exist; False: not read), refused if another
    program changed it since.

    A sealed or SOPS file (not ``private``) larger than :func:`max_file_bytes` is refused: no reader
    would open it (sealing makes a file about twice as large as its plaintext)."""
    payload = text.encode("utf-8") if isinstance(text, str) else text
    if not private and len(payload) > max_file_bytes():
        raise FormatError(f"the result would be {len(payload) / (1024 * 1024):.3g} MiB, larger than the "
                          f"{max_file_bytes() / (1024 * 1024):g} MiB any sealfile command reads; nothing was "
                          f"written (see {MAX_FILE_MB_ENV})", file=os.fspath(path))
    if is_stdio(path):
        _write_stdout(payload)
        return
    from sealfile.files.atomic import atomic_write, refuse_link

    if private:  # plaintext goes where the user named, never where a link in a clone sends it
        refuse_link(path)
    if replacing is False and _is_pipe(path):  # a named pipe, or /dev/stdout into a pipe: streamed, as to stdout
        # (never a pipe the command read, ``rotate /dev/stdin``: its result would go back into the pipe, lost)
        try:
            with open(path, "wb") as stream:
                stream.write(payload)
        except OSError as err:  # the reader went away (EPIPE)...
            raise SealfileError(f"cannot write ({err.strerror or type(err).__name__})", file=os.fspath(path)) from None
        return
    if private or not lock:
        atomic_write(path, payload, private=private, replacing=_encoded(replacing))
        return
    from sealfile.files.locking import locked

    # A sealed file is written under its lock, which every sealfile writer of it holds from its read to its
    # write: ``encrypt -o F`` landing between a ``set F``'s last check and its rename was lost without a word.
    with locked(path):
        atomic_write(path, payload, private=False, replacing=_encoded(replacing))


def _encoded(replacing: str | Literal[False] | None) -> bytes | Literal[False] | None:
    return replacing.encode("utf-8") if isinstance(replacing, str) else replacing
