"""Files at one revision, read through one ``git cat-file --batch`` kept open.

A review reads the old and the new version of every changed file and the nearest ``.sealfile.yaml``
of each: one ``git`` process per revision for all of them, not several per file (a 300-file
rotation ran 1,500 processes). A blob is read with the size limit of any file, as
:func:`~sealfile.gitflow.gitcli.show` reads it.
"""

from __future__ import annotations

import os
import subprocess
from contextlib import suppress
from types import TracebackType
from typing import IO

from sealfile.errors import FormatError
from sealfile.files.io import max_file_bytes
from sealfile.gitflow.gitcli import git_env, refuse_unfetched, show, too_large
from sealfile.kms.found_keys import stream_holds_marker


def show_many(rev: str, paths: list[str], cwd: str | os.PathLike[str]) -> dict[str, str | None]:
    """:func:`~sealfile.gitflow.gitcli.show` of many files through one ``git`` process; a file that is
    absent, not a blob or too large reads as ``None``."""
    with Blobs(rev, cwd) as blobs:
        return {path: blobs.read_or_none(path) for path in paths}


class Blobs:
    """What :func:`~sealfile.gitflow.gitcli.show` gives for each path at ``rev``, each read once."""

    def __init__(self, rev: str, cwd: str | os.PathLike[str]) -> None:
        self.rev, self._cwd = rev, cwd
        self._batch: subprocess.Popen[bytes] | None = None
        self._said: IO[bytes] | None = None  # the batch's stderr: why an object is "missing"
        self._read: dict[str, bytes | None] = {}
        self._limit = max_file_bytes()

    def __enter__(self) -> Blobs:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._batch is not None:
            batch, self._batch = self._batch, None
            assert batch.stdin is not None and batch.stdout is not None
            with suppress(OSError):  # killed: its end of the pipe is gone
                batch.stdin.close()
            batch.stdout.close()
            batch.wait()
        if self._said is not None:
            self._said.close()
            self._said = None

    def read(self, path: str) -> str | None:
        """The file at this revision, ``None`` if it is absent or not a file; :class:`FormatError` if
        it is larger than a secrets file can be."""
        data = self.read_bytes(path)
        return None if data is None else data.decode("utf-8", "replace")

    def read_bytes(self, path: str) -> bytes | None:
        """:meth:`read`'s bytes, as committed (UTF-16 text, an archive: :mod:`.blob_views` decodes them)."""
        if path not in self._read:
            # a name's line break ends the request, and a carriage return before it is taken for a CR LF ending:
            # ``keys.txt\r`` would be asked as ``keys.txt`` (absent, or another file)
            if "\n" in path or "\r" in path:
                shown = show(self.rev, path, self._cwd)
                self._read[path] = None if shown is None else shown.encode("utf-8", "surrogateescape")
            else:
                self._read[path] = self._ask(path)
        return self._read[path]

    def read_or_none(self, path: str) -> str | None:
        """:meth:`read`, with ``None`` for a file too large to read."""
        try:
            return self.read(path)
        except FormatError:
            return None

    def _ask(self, path: str) -> bytes | None:
        if self._batch is None:
            import tempfile

            self._said = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the batch; close() ends both)
            self._batch = subprocess.Popen(["git", "cat-file", "--batch"], cwd=self._cwd, stdin=subprocess.PIPE,
                                           stdout=subprocess.PIPE, stderr=self._said, env=git_env())
        assert self._batch.stdin is not None and self._batch.stdout is not None
        # one name, then its whole answer (git flushes each): no pipe fills up unread
        try:
            self._batch.stdin.write(f"{self.rev}:{path}\n".encode("utf-8", "surrogateescape"))
            self._batch.stdin.flush()
            header = self._batch.stdout.readline().split()
        except BrokenPipeError:  # not ours to end the command with: the command line takes it for its stdout's
            header = []
        if not header:  # git ended without a word (not a repository, killed): what git says of this name alone
            self._batch.kill()
            self.close()
            shown = show(self.rev, path, self._cwd)
            return None if shown is None else shown.encode("utf-8", "surrogateescape")
        if len(header) != 3 or not header[2].isdigit():  # "<name> missing" (the name may hold spaces)
            assert self._said is not None
            self._said.seek(0)  # a partial clone that could not fetch it says so: not a file that is absent
            refuse_unfetched(self._said.read().decode("utf-8", "replace"), self._cwd)
            return None
        kind, size = header[1], int(header[2])
        if size > self._limit:  # never read through: the process goes, and the next name starts another
            self._batch.kill()
            self.close()
            if kind == b"blob":
                raise too_large(self.rev, path, self._limit)
            return None
        data = _answer(self._batch.stdout, size)
        return data if kind == b"blob" else None


def _answer(stream: IO[bytes], size: int) -> bytes:
    """The ``size`` bytes of an object, and the line break after them read too."""
    data = stream.read(size + 1)
    return data[:size]


def blob_holds_marker(rev: str, path: str, cwd: str | os.PathLike[str]) -> bool:
    """Whether the file at ``rev``, too large to read whole, holds a private key's marker (read in chunks)."""
    with subprocess.Popen(["git", "cat-file", "blob", f"{rev}:{path}"], cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, env=git_env()) as done:
        assert done.stdout is not None
        found = stream_holds_marker(done.stdout)
        done.kill()
    return found


def read_at(rev: str, paths: list[str], cwd: str | os.PathLike[str]) -> tuple[dict[str, str | None], list[str]]:
    """Each file at ``rev`` (``None``: absent, not a file) through one ``git`` process, and those too large to
    read (whose marker :func:`blob_holds_marker` looks for)."""
    texts: dict[str, str | None] = {}
    large = []
    with Blobs(rev, cwd) as blobs:
        for path in paths:
            try:
                texts[path] = blobs.read(path)
            except FormatError:
                texts[path] = None
                large.append(path)
    return texts, large
