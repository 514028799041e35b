"""Editing plaintext in a private workspace that is wiped on every way out.

Where the workspace is, per platform (the README documents it):

- Linux: a RAM-backed filesystem (``$XDG_RUNTIME_DIR`` or ``/dev/shm``, checked to be tmpfs), so
  the plaintext never reaches a disk. Without one, ``edit`` refuses unless ``--allow-disk``: on
  Linux its absence means an unusual environment (a container), not the platform's norm.
- macOS and Windows have no RAM-backed directory by default; refusing would make ``edit`` unusable
  there, so the workspace is a private per-user directory on disk (:mod:`sealfile.files.userdirs`:
  0700, or on Windows an access list for the user alone), with a one-line note saying so.

Either way the workspace is a fresh 0700 directory holding the 0600 plaintext only while the
editor runs. Ctrl-C and Ctrl-\\ pressed while it runs are the editor's (vim and nano use them): the
edit stops at them only when the editor dies of one. On every way out (saved, invalid text, an
editor that fails, Ctrl-C, SIGTERM/SIGHUP) every file in it is overwritten with zeros and removed:
the plaintext and whatever the editor left beside it (``FILE~``, ``.FILE.swp``, ``#FILE#``,
``4913``...). A workspace holds a lock while in use;
one whose lock is free belongs to an ``edit`` that was killed (``kill -9`` skips every cleanup) and
the next ``edit`` wipes it.
"""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sealfile.errors import FormatError, SealfileError
from sealfile.files.io import not_utf8
from sealfile.files.process_tree import kill_with_descendants
from sealfile.files.termination import (
    TERMINAL_KEYS,
    Terminated,
    held_back,
    in_main_thread,
    ready_or_signalled,
    terminal_keys_to_child,
    unwinding_on,
    woken_by_signals,
)
from sealfile.files.userdirs import private_directory
from sealfile.files.workspace import private_workspace

RAM_FILESYSTEMS = {"tmpfs", "ramfs"}
T = TypeVar("T")


def _filesystem_type(path: Path) -> str | None:
    """The type of the filesystem holding ``path``, from the longest matching mount point."""
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return None
    resolved = str(path.resolve())
    best, best_type = "", None
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        mount_point = fields[1].replace("\\040", " ")
        inside = resolved == mount_point or resolved.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, best_type = mount_point, fields[2]
    return best_type


def ram_directory() -> Path | None:
    candidates = [os.environ.get("XDG_RUNTIME_DIR"), "/dev/shm"]
    for candidate in candidates:
        if not candidate:
            continue
        path = Path(candidate)
        if path.is_dir() and os.access(path, os.W_OK) and _filesystem_type(path) in RAM_FILESYSTEMS:
            return path
    return None


def workspace_base(allow_disk: bool) -> tuple[Path, str | None]:
    """Where workspaces go on this platform, and a note to show when that is on a disk."""
    ram = ram_directory()
    if ram is not None:
        return ram, None
    if sys.platform not in ("darwin", "win32") and not allow_disk:
        raise SealfileError(
            "no RAM-backed directory ($XDG_RUNTIME_DIR or /dev/shm on tmpfs) for the plaintext; "
            "pass --allow-disk to use a private directory on disk instead"
        )
    base = Path(private_directory("edit"))
    return base, (f"no RAM-backed directory here: the plaintext is on disk in {base} (private to you) while "
                  "the editor runs, then overwritten and removed")


def _editor_setting() -> tuple[str, str]:
    """The variable that names the editor and its value: ``$VISUAL``, else ``$EDITOR``, else ``vi`` (a blank one
    counts as unset: split, it names no program, and the file itself would be run)."""
    return next(((name, value) for name in ("VISUAL", "EDITOR") if (value := os.environ.get(name, "")).strip()),
                ("", "vi"))


_WAIT_OPTIONS = {"code": ("--wait", "-w"), "code-insiders": ("--wait", "-w"), "codium": ("--wait", "-w"),
                 "cursor": ("--wait", "-w"), "subl": ("--wait", "-w"), "atom": ("--wait", "-w"),
                 "zed": ("--wait", "-w"), "mate": ("--wait", "-w"), "gvim": ("--nofork", "-f")}
"""Editors that hand the file to a window and return at once, and the options that make them wait for it."""


def wait_hint() -> str:
    """`` (NAME returned before you could edit: set VAR='NAME ... --wait' ...)`` when the editor is one that
    returns at once without its wait option (the edit then finds no change); else nothing."""
    name, editor = _editor_setting()
    try:
        words = shlex.split(editor)
    except ValueError:
        return ""
    program = os.path.basename(words[0]) if words else ""
    options = _WAIT_OPTIONS.get(program)
    if not name or options is None or any(word in options for word in words[1:]):
        return ""
    return (f" ({program} returned before you could edit: set {name}='{shlex.join([*words, options[0]])}' so it "
            "waits for its window to close)")


def editor_command() -> list[str]:
    """``$VISUAL``, else ``$EDITOR``, else ``vi``, split into words as a shell splits them."""
    name, editor = _editor_setting()
    try:
        return shlex.split(editor)
    except ValueError as err:  # an unbalanced quote
        raise SealfileError(f"cannot read the editor command in {name} ({err}); nothing was changed") from None


def _write_workspace(target: Path, plaintext: str) -> None:
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(plaintext)
    except OSError as err:  # a full tmpfs, a quota
        raise SealfileError(f"cannot write the plaintext for the editor in {target.parent.parent} "
                            f"({err.strerror or type(err).__name__}); nothing was changed") from None


def _editor_status(command: list[str]) -> int:
    """The editor's exit status; a signal that ends the edit kills it first, and what it started, even one that
    comes while it starts (:func:`held_back`)."""
    process = None
    try:
        with held_back():
            process = subprocess.Popen(command)
        return _waited(process)
    except BaseException:
        if process is not None:
            kill_with_descendants(process)
        raise


def _waited(process: subprocess.Popen[bytes]) -> int:
    """``process.wait()``, which a signal ends at any moment: a ``waitpid`` that had not started when the
    signal's handler ran waited on for the editor, plaintext open, until the user closed it."""
    pidfd_open = getattr(os, "pidfd_open", None)  # Linux: a descriptor readable once the process ends
    if pidfd_open is None or not in_main_thread():
        return process.wait()
    with woken_by_signals() as wake:
        try:
            ended = pidfd_open(process.pid)
        except OSError:  # a kernel before 5.3
            return process.wait()
        try:
            while not ready_or_signalled([ended], wake):
                pass
        finally:
            os.close(ended)
    return process.wait()


_VIM_KEEPS_NOTHING = ["-n", "-i", "NONE", "-c", "set noundofile nobackup nowritebackup"]
"""vim's and neovim's copies of a file outside its directory (the workspace, wiped): no swap file, no
viminfo or shada (registers, history), no undo file, no backup, whatever the user's vimrc says."""


def private_editor_command(command: list[str]) -> list[str]:
    """``command`` with the options that keep vim-family editors from copying the text outside the workspace
    (gopass does the same); other editors leave theirs beside the file, in the workspace."""
    if not command:
        return command
    import shutil

    program = shutil.which(command[0])
    name = os.path.basename(os.path.realpath(program)) if program else ""
    if name.split(".")[0] in ("vim", "nvim", "gvim"):  # vim.basic, vim.gtk3...; not busybox or nvi vi
        return [command[0], *_VIM_KEEPS_NOTHING, *command[1:]]
    return command


def _run_editor(target: Path) -> None:
    command = private_editor_command(editor_command())
    try:
        with terminal_keys_to_child():
            status = _editor_status([*command, str(target)])
    except OSError as err:
        raise SealfileError(f"cannot run the editor {command[0] if command else '(empty)'} "
                            f"({err.strerror or type(err).__name__}); set VISUAL or EDITOR") from None
    if -status in TERMINAL_KEYS:  # the editor stopped at Ctrl-C or Ctrl-\\: so does the edit (nothing changed)
        raise KeyboardInterrupt(-status)
    if status < 0:
        raise SealfileError(f"the editor was killed by signal {-status}; nothing was changed")
    if status != 0:
        raise SealfileError(f"the editor exited with status {status}; nothing was changed")


def _read_edited(target: Path, given: str) -> str:
    """The text the editor saved: a :class:`FormatError` (so the user may fix it) unless it is gone, not a file
    (a pipe would be waited on for ever), or emptied of what it was ``given``: as git takes an empty commit
    message, an empty save is giving up, never 'remove every value' (an editor that truncates the file and
    fails to write it leaves nothing, too)."""
    try:
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise SealfileError("the editor left something other than a file to read back; nothing was changed")
            raw = handle.read()
    except OSError as err:  # the editor removed or renamed it
        raise SealfileError(f"the editor left no file to read back ({err.strerror or type(err).__name__}); "
                            "nothing was changed") from None
    if not raw.strip() and given.strip():
        raise SealfileError("the editor left the file empty; nothing was changed (to remove every value, save a "
                            "comment line, or {} in JSON)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise FormatError(not_utf8(raw, err)) from None


def edit_plaintext(
    plaintext: str,
    accept: Callable[[str], T],
    *,
    allow_disk: bool = False,
    reopen: Callable[[FormatError], bool] = lambda err: False,
    name: str = "secrets.yaml",
    note: Callable[[str], None] = lambda text: None,
) -> T:
    """Let the user edit ``plaintext``; ``accept`` turns the result into T or raises FormatError.

    On FormatError, ``reopen(err)`` decides whether to reopen the editor (the user's text is kept)
    or give up (the error propagates and nothing was written). ``note`` is told, once, when the
    workspace is on a disk.
    """
    base, disk_note = workspace_base(allow_disk)
    if disk_note:
        note(disk_note)
    try:
        # the command has this handler already (sealfile.cli); a program using the library may not
        with private_workspace(base) as workspace, unwinding_on(Terminated):
            target = workspace / name
            _write_workspace(target, plaintext)
            while True:
                _run_editor(target)
                try:
                    return accept(_read_edited(target, plaintext))
                except FormatError as err:
                    if not reopen(err):
                        raise FormatError(f"edited text: {err.message}; the sealed file was not changed",
                                          keypath=err.keypath) from None
    except Terminated:  # SIGTERM/SIGHUP while editing: unwound through the cleanup, as Ctrl-C is
        raise SealfileError("terminated by a signal; nothing was changed") from None
