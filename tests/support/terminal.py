"""A program run on a pseudo-terminal, as a person at a terminal runs it: the terminal is its
controlling terminal (``/dev/tty``) and its stdin, stdout and stderr, and the test types answers."""

from __future__ import annotations

import os
import pty
import select
import signal
import time
from collections.abc import Sequence

CTRL_C = "\x03"
CTRL_D = "\x04"
KEYS = (CTRL_C, CTRL_D)  # typed alone, as a person presses them: no Enter after


def run_on_terminal(args: Sequence[str], env: dict[str, str], answers: dict[bytes, str],
                    timeout: float = 60) -> tuple[int, str]:
    """Run ``args`` (the program's path first) on a new pseudo-terminal; each time a key of
    ``answers`` first appears in what it writes, type that answer and Enter (a key of ``KEYS`` alone). Returns the exit
    status and everything the terminal showed (input is echoed unless the program turned echo off)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the pty is already its controlling terminal and standard streams
        try:
            os.execve(args[0], list(args), env)
        finally:
            os._exit(127)
    shown = b""
    waiting = dict(answers)
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                raise AssertionError(f"no end within {timeout} s; the terminal showed: {shown!r}")
            if not select.select([fd], [], [], left)[0]:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the program exited and closed the terminal
                break
            if not chunk:
                break
            shown += chunk
            for prompt in [prompt for prompt in waiting if prompt in shown]:
                typed = waiting.pop(prompt)
                os.write(fd, typed.encode("utf-8", "surrogateescape") + (b"" if typed in KEYS else b"\n"))
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown.decode("utf-8", "replace")
