"""Asking the user for a private key's passphrase, the way OpenSSH's ``ssh`` and ``ssh-add`` ask.

Two ways, both OpenSSH's (``readpass.c``), chosen by the same variables, so a set-up that unlocks
keys for ``ssh-add`` unlocks them for sealfile too:

- **the terminal**: a hidden prompt on ``/dev/tty`` (the console on Windows), only when standard
  input or standard error is a terminal, so a job under cron, CI or a test runner never stops on a
  terminal it merely inherited;
- **an askpass program**: ``SSH_ASKPASS``, run with the prompt as its one argument; the passphrase
  is the first line it prints, and a non-zero exit means the user cancelled. It is used when there
  is no terminal and a display is set (``DISPLAY`` or ``WAYLAND_DISPLAY``); before the terminal
  with ``SSH_ASKPASS_REQUIRE=prefer`` (and a display); always with ``SSH_ASKPASS_REQUIRE=force``
  (headless CI: a two-line script that prints the passphrase from the CI's secret store); never
  with ``SSH_ASKPASS_REQUIRE=never``. Unlike OpenSSH there is no built-in default program:
  ``SSH_ASKPASS`` must name one.

Never from a variable that holds the passphrase itself: the environment is inherited by every
child process (``sealfile exec`` starts one), is readable in ``/proc/PID/environ`` and lands in CI
debug dumps, and OpenSSH has no such setting either. A file holding the passphrase needs no
setting of its own: a script that runs ``cat /run/secrets/ssh-passphrase`` is the askpass program
for it. The program comes only from the user's environment, never from a sealed file
(whose values cannot set ``SSH_ASKPASS*``: :mod:`sealfile.runtime.environment`), and neither what
it prints nor what is typed is ever shown or kept.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable
from functools import partial

from sealfile.errors import ProviderError
from sealfile.files.settings import positive_setting

ASKPASS_ENV = "SSH_ASKPASS"
ASKPASS_REQUIRE_ENV = "SSH_ASKPASS_REQUIRE"
MAX_PASSPHRASE_BYTES = 1023
"""What ``readpass.c`` reads of an askpass program's output at most."""
PROMPT_TIMEOUT_ENV = "SEALFILE_PROMPT_TIMEOUT"
DEFAULT_PROMPT_TIMEOUT = 60.0
"""Seconds a program that asks for a passphrase (an askpass program, gpg and its agent's pinentry) may take: time
to type one at a prompt that shows, not for ever at one that does not (a desktop's, while the user works over
ssh, or on a locked screen). A prompt on sealfile's own terminal is not bounded: the user is there."""
HOW_TO_PROVIDE = (f"run sealfile on a terminal, or set {ASKPASS_ENV} to a program that prints the passphrase "
                  f"and {ASKPASS_REQUIRE_ENV}=force")


class PassphraseError(ProviderError):
    """The user was asked and gave no passphrase: cancelled, empty, or the askpass program failed."""


class NoWayToAsk(PassphraseError):
    """Nothing can ask the user: no terminal, and no askpass program to use."""


def ask(prompt: str) -> bytes:
    """The passphrase the user gives for ``prompt`` (which must hold nothing from a sealed file)."""
    asker = _choose()
    if asker is None:
        raise NoWayToAsk(f"there is no terminal to ask for it on; {HOW_TO_PROVIDE}")
    answer = asker(prompt)
    if not answer:
        raise PassphraseError("no passphrase was given")
    return answer


def _choose() -> Callable[[str], bytes] | None:
    """How to ask, as ``readpass.c`` decides it from ``SSH_ASKPASS_REQUIRE``, a display and a terminal."""
    program = os.environ.get(ASKPASS_ENV, "")
    require = os.environ.get(ASKPASS_REQUIRE_ENV, "").strip().lower()
    if require == "force":
        if not program:
            raise NoWayToAsk(f"{ASKPASS_REQUIRE_ENV}=force but {ASKPASS_ENV} names no program")
        return partial(_from_askpass, program)
    display = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    askpass = partial(_from_askpass, program) if program and display and require != "never" else None
    if require == "prefer" and askpass is not None:
        return askpass
    return _from_terminal if terminal_present() else askpass


def terminal_present() -> bool:
    """A person is at a terminal: standard input or error is one, and it can be opened to ask on."""
    if not (os.isatty(0) or os.isatty(2)):
        return False
    if os.name == "nt":  # getpass reads the console itself there
        return True
    try:
        os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
    except OSError:
        return False
    return True


def _from_terminal(prompt: str) -> bytes:
    typed = read_hidden(prompt)
    if typed is None:
        raise NoWayToAsk(f"the terminal cannot hide what is typed; {HOW_TO_PROVIDE}")
    return typed.encode("utf-8")


def read_hidden(prompt: str) -> str | None:
    """What is typed on the terminal after ``prompt``, not echoed ("" at end of input); ``None`` when
    the terminal cannot hide it. Call only when :func:`terminal_present`."""
    from sealfile.files.terminal import read_line

    try:
        typed = read_line(prompt, echo=False)  # Ctrl-C ends it at any moment, as getpass's read may not
    except EOFError:
        return ""
    return typed if typed is not None else _from_getpass(prompt)


def _from_getpass(prompt: str) -> str | None:
    """Where :func:`read_line` cannot read (Windows, a worker thread)."""
    import getpass  # only when asking: it loads termios

    try:
        with warnings.catch_warnings():
            # getpass warns, then reads with echo on, when it cannot hide input: refuse instead
            warnings.simplefilter("error", getpass.GetPassWarning)
            return getpass.getpass(prompt)
    except EOFError:
        return ""
    except getpass.GetPassWarning:
        return None


def prompt_timeout() -> float:
    return positive_setting(PROMPT_TIMEOUT_ENV, DEFAULT_PROMPT_TIMEOUT, unit="seconds", kind=float, maximum=3600.0)


def _from_askpass(program: str, prompt: str) -> bytes:
    import subprocess  # only when an askpass program is configured

    seconds = prompt_timeout()
    try:
        # stdin is not the askpass program's: it may be the data sealfile is reading
        done = subprocess.run([program, prompt], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, check=False,
                              timeout=seconds)
    except OSError as err:
        raise PassphraseError(f"the {ASKPASS_ENV} program {program} could not be run ({err.strerror})") from None
    except subprocess.TimeoutExpired:
        raise PassphraseError(f"the {ASKPASS_ENV} program {program} gave no passphrase within {seconds:g} s "
                              f"({PROMPT_TIMEOUT_ENV}): its prompt may be where nobody sees it") from None
    if done.returncode != 0:
        raise PassphraseError(f"the {ASKPASS_ENV} program {program} exited with status {done.returncode}")
    # the passphrase ends at the first line break, as readpass.c reads it
    return re.split(rb"[\r\n]", done.stdout[:MAX_PASSPHRASE_BYTES], maxsplit=1)[0]
