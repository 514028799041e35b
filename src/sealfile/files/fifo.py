"""Plaintext handed to a program as a file path that is a named pipe, never a file (``exec-file``).

The pipe sits in a new directory only the user can enter, and what goes through it is never on disk.
A process of its own writes the plaintext to the first reader, once, as ``sops exec-file`` does (a
second open would meet a reader still holding the first, and read the text twice), then removes the
directory. It is detached (its own session, no terminal, nobody's child to reap) so that the command
can take this process's place with ``exec``: its exit status and signals stay its own. When the
command ends without opening the pipe, the server sees it gone and cleans up too.
"""

from __future__ import annotations

import errno
import os
import tempfile
import time
from contextlib import suppress

POLL_SECONDS = 0.02
"""How often the server looks for a reader, and whether the command still runs, until one opens."""


def serve_once(content: bytes, name: str, watched_pid: int) -> str:
    """The path of a named pipe called ``name`` that gives ``content`` to its first reader, served by a
    detached process until then or until process ``watched_pid`` is gone."""
    directory = tempfile.mkdtemp(prefix=".sealfile-")  # 0700: no one else can open what is in it
    path = os.path.join(directory, name)
    try:
        os.mkfifo(path, 0o600)
    except OSError:
        os.rmdir(directory)
        raise
    child = os.fork()
    if child == 0:
        try:
            if os.fork() == 0:
                _serve(path, directory, content, watched_pid)
        finally:
            os._exit(0)  # no Python clean-up in a forked copy: it would run the parent's
    os.waitpid(child, 0)
    return path


def _serve(path: str, directory: str, content: bytes, watched_pid: int) -> None:
    fd = -1
    try:
        os.setsid()  # a Ctrl-C at the terminal is the command's to handle, not the server's
        quiet = os.open(os.devnull, os.O_RDWR)
        for stream in (0, 1, 2):  # a pipe reading the command's output must end when the command does
            os.dup2(quiet, stream)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # nor hold any other file of this process open
        fd = _wait_for_reader(path, watched_pid)
        if fd >= 0:
            os.set_blocking(fd, True)
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view):]
    except OSError:  # the reader went away (EPIPE), or the directory did: nothing left to do
        pass
    finally:
        if fd >= 0:
            os.close(fd)
        with suppress(OSError):
            os.unlink(path)
        with suppress(OSError):
            os.rmdir(directory)
        os._exit(0)


def _wait_for_reader(path: str, watched_pid: int) -> int:
    """The pipe opened for writing once a reader has it open; -1 if the watched process ends first."""
    while True:
        try:
            return os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as err:
            if err.errno != errno.ENXIO:  # ENXIO: no reader yet
                raise
        if not _running(watched_pid):
            return -1
        time.sleep(POLL_SECONDS)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
