"""A line typed at the terminal, read so that Ctrl-C always ends the wait.

Python runs a signal's handler between bytecodes, and a read from the terminal is one blocking ``read()``
(``getpass``, ``input()``): a Ctrl-C whose handler runs after the last check but before ``read()`` starts
(the process preempted just then, as on a loaded machine) is seen only when the read returns, which it
never does, and the prompt waits with Ctrl-C seemingly ignored. Here the only wait is ``select()`` on the
terminal and on the signal wake-up pipe, which the handler writes: a signal that comes at any moment after
the wait is set up ends it (:func:`sealfile.files.termination.ready_or_signalled`)."""

from __future__ import annotations

import os
import sys

from sealfile.errors import SealfileError
from sealfile.files.termination import in_main_thread, ready_or_signalled, woken_by_signals


def read_line(prompt: str, *, echo: bool) -> str | None:
    """The line typed after ``prompt`` at the controlling terminal, without its newline (``echo``: shown as
    typed, else hidden, and the newline the user's Enter did not show is written). ``EOFError`` on end of
    input (Ctrl-D); ``None`` if there is no terminal to read from, or it cannot be set, or this is not the main
    thread (the caller asks as it otherwise would)."""
    if not in_main_thread():  # only the main thread runs signal handlers (and may set the wake-up pipe)
        return None
    try:
        import termios

        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)  # nonblocking: a read never waits
    except (ImportError, OSError):
        return None
    try:
        with woken_by_signals() as wake:
            try:
                before = termios.tcgetattr(fd)
            except termios.error:  # not a terminal it can set: the caller asks its own way
                return None
            typed: bytes | None = None
            try:  # echo turned off inside: a Ctrl-C the moment it is set still finds it turned back on
                if not echo:
                    hidden = before[:]
                    hidden[3] &= ~termios.ECHO
                    termios.tcsetattr(fd, termios.TCSAFLUSH, hidden)  # keys typed ahead are not the answer
                _write_all(fd, prompt.encode(sys.stdin.encoding or "utf-8", "replace"))
                typed = _typed_line(fd, wake)
            finally:
                termios.tcsetattr(fd, termios.TCSAFLUSH, before)
                if not echo or typed is None:  # the Enter that ends a line was not shown, or never came
                    _write_all(fd, b"\n")
    finally:
        os.close(fd)
    encoding = sys.stdin.encoding or "utf-8"
    try:
        return typed.decode(encoding)
    except UnicodeDecodeError:  # its message quotes a byte of what was typed, and where: none of it is shown
        raise SealfileError(f"the typed text is not {encoding.upper().replace('UTF8', 'UTF-8')} text") from None


def _typed_line(fd: int, wake: int) -> bytes:
    """The terminal is in line mode: each read returns what was typed up to Enter, or nothing at Ctrl-D."""
    typed = b""
    while not typed.endswith(b"\n"):
        if not ready_or_signalled([fd], wake):
            continue
        try:
            chunk = os.read(fd, 4096)
        except BlockingIOError:  # what was typed is gone (Ctrl-C discards it): wait again
            continue
        if not chunk:
            if typed:
                return typed  # Ctrl-D after some text ends that text, as a line does
            raise EOFError
        typed += chunk
    return typed[:-1]


def _write_all(fd: int, data: bytes) -> None:
    import select

    while data:
        try:
            data = data[os.write(fd, data):]
        except BlockingIOError:  # the terminal's output is paused (Ctrl-S): wait until it takes more
            select.select([], [fd], [])
