"""Stopping a program sealfile started together with what it started in turn.

An editor is often a wrapper: ``EDITOR="sh -c 'vim \\"$1\\"' sh"``, a script that runs ``code --wait``, a
flatpak or snap launcher. Killing the program sealfile waits on leaves its children running, holding
the plaintext in memory and the terminal, after the edit has ended. Where ``/proc`` lists processes
(Linux), the program is stopped first, so that nothing under it is reaped and its pid given to an
unrelated process, then every process under it is killed with it. Elsewhere the program alone is.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

_PROC = Path("/proc")


def kill_with_descendants(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL ``process`` and every process under it that ``/proc`` shows, then reap ``process``."""
    if sys.platform == "win32":
        process.kill()
    else:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGSTOP)  # it cannot reap a child (freeing its pid) or start another
        for pid in [process.pid, *descendants(process.pid)]:
            # gone already, or changed its user (sudo, setuid)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
    process.wait()


def descendants(pid: int) -> list[int]:
    """Every live process under ``pid``, children before their own children; none where ``/proc`` is missing."""
    children: dict[int, list[int]] = {}
    for child, parent in _parents():
        children.setdefault(parent, []).append(child)
    found: list[int] = []
    waiting = [pid]
    while waiting:
        below = children.get(waiting.pop(), [])
        found.extend(below)
        waiting.extend(below)
    return found


def _parents() -> list[tuple[int, int]]:
    try:
        entries = [entry for entry in os.listdir(_PROC) if entry.isdigit()]
    except OSError:
        return []
    pairs = []
    for entry in entries:
        try:
            stat = (_PROC / entry / "stat").read_bytes()
        except OSError:  # exited meanwhile
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ')'
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 1:
            pairs.append((int(entry), int(fields[1])))
    return pairs
