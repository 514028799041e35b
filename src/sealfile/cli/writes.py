"""How every command that changes a sealed file writes it: under its lock, atomically, only if changed."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from sealfile.errors import SealfileError
from sealfile.files import io
from sealfile.files.locking import locked
from sealfile.files.pathnames import PathName
from sealfile.ops import sops_files
from sealfile.ops.config import trust_near


def read_sealed(file: PathName) -> str:
    """The text a writer changes; a SOPS file is refused, in one line that names its conversion."""
    text = io.read_text(file)
    if sops_files.is_sops_text(text):
        sops_files.refuse_to_write(text, str(file))
    return text


Undo = Callable[[], None]
Follow = Callable[[str, str], Undo]


def rewrite(file: PathName, transform: Callable[[str], str], follow: Follow | None = None) -> bool:
    """Apply ``transform`` to a sealed file under its lock; write (atomically) only if it changed. ``follow`` is
    told the text before and after first, still under the lock, and returns what undoes its own change: what can
    fail (git) fails before the file is replaced, and a write that fails puts it back, so a failing command leaves
    every file as it was."""
    if io.is_stdio(file):
        raise SealfileError("this command changes a file in place: name the file, not -", file=io.STDIO)
    with io.about(file), trust_near(file), locked(file):
        text = read_sealed(file)
        new_text = transform(text)
        if new_text == text:
            return False
        write_following(file, new_text, text, follow)
        return True


def write_following(file: PathName, text: str, replacing: str | None, follow: Follow | None) -> None:
    """Write ``text`` over ``replacing`` once ``follow`` (see :func:`rewrite`) has done its part; undone if the
    write fails."""
    undo = follow(replacing, text) if follow is not None and replacing is not None else _nothing
    try:
        io.write_output(file, text, private=False, replacing=replacing)
    except Exception:
        undo()
        raise


def _nothing() -> None:
    return None


def follow_moves(file: PathName, mover: str, *args: Any) -> Follow:
    """A ``follow`` for :func:`rewrite`: the record of a merge conflict in ``file`` follows the values in dispute
    that the write sealed again elsewhere, changed or removed (``moved_by_MOVER(file, before, after, *args)`` of
    :mod:`sealfile.gitflow.conflicts_leaves` says which), asked only where a record may exist (no git otherwise)."""

    def follow(before: str, after: str) -> Undo:
        from sealfile.gitflow.conflicts_seen import may_be_recorded

        if may_be_recorded(file):
            from pathlib import Path

            from sealfile.gitflow import conflicts, conflicts_leaves

            if moves := getattr(conflicts_leaves, f"moved_by_{mover}")(file, before, after, *args):
                return conflicts.carried(Path(file), moves)
        return _nothing

    return follow


def keep_aside(file: PathName, sealed: str, directory: str | None = None) -> str:
    """Write ``sealed`` (never plaintext) next to ``file`` (or in ``directory``) under a new name of the same
    syntax, when ``file`` cannot take it: another program changed it meanwhile. The name written."""
    import os

    from sealfile.errors import ChangedMeanwhile
    from sealfile.stores import aside_name

    place = file if directory is None else os.path.join(directory, os.path.basename(file))
    for attempt in range(1, 100):
        aside = aside_name(place, "edited" if attempt == 1 else f"edited-{attempt}")
        try:
            io.write_output(aside, sealed, private=False, replacing=None)  # never over an existing file
        except ChangedMeanwhile:
            continue
        return aside
    raise SealfileError("no free name to keep the edit aside; nothing was written", file=str(file))


def kept_anywhere(file: PathName, sealed: str, *, beside: bool = True) -> str | None:
    """:func:`keep_aside` where ``file`` could not be written (a full disk, a file system gone read-only while
    an editor was open): beside it (unless not ``beside``), else in a directory of the user's own, else in RAM,
    which a full disk leaves room in (gone at reboot). Where it was kept, or None if nowhere could take it."""
    for directory in _keeping_places()[0 if beside else 1:]:
        try:
            return keep_aside(file, sealed, directory)
        except (SealfileError, OSError):
            continue
    return None


def _keeping_places() -> list[str | None]:
    from sealfile.files.editor import ram_directory
    from sealfile.files.userdirs import private_directory

    places: list[str | None] = [None]  # beside the file
    with contextlib.suppress(OSError):  # a home on the same full disk
        places.append(private_directory("kept"))
    ram = ram_directory()
    return places if ram is None else [*places, str(ram)]


def refuse_missing(command: str, file: PathName, keypath: str, value_given: bool = False) -> None:
    """A FILE that does not exist, refused before a value is read from stdin or asked for at a terminal (typed
    for nothing). KEYPATH naming a file that does means the two came the other way round: the error says how
    to type them (never the value)."""
    import os
    import shlex

    from sealfile.errors import one_line

    if io.is_stdio(file):
        return
    try:
        os.stat(file)
    except FileNotFoundError:
        pass
    except OSError:  # permission denied, a name too long...: the read words it
        return
    else:
        return
    swapped = os.path.isfile(keypath) and not io.is_stdio(keypath)
    meant = f"sealfile {command} {shlex.quote(keypath)} {shlex.quote(str(file))}{' VALUE' if value_given else ''}"
    raise SealfileError(f"no such file (the file comes first: {one_line(meant)})" if swapped else "no such file",
                        file=str(file))


def refuse_dash_value(file: PathName, keypath: str, value: str | None) -> None:
    """``printf s | sealfile set FILE KEYPATH -``: ``-`` is standard input to every other command, but VALUE is
    the text itself, so the secret piped in was dropped and ``-`` sealed in its place, said as set. Refused
    when standard input is not a terminal (something may be waiting there); the error says both spellings."""
    import sys

    if value == "-" and (sys.stdin is None or not sys.stdin.isatty()):
        raise SealfileError("VALUE - is the text '-', not standard input: nothing was set (leave VALUE out to read "
                            "it from standard input, or give --type yaml '\"-\"' to set '-')", file=str(file),
                            keypath=keypath)


def tell_aliases(file: PathName, keypath: str, told: list[str]) -> None:
    """Name the key paths a change of ``keypath`` also changed through YAML aliases or merge keys
    (:mod:`sealfile.ops.alias_effects`): right as YAML, and easy to miss."""
    if told:
        from sealfile.cli.boundary import say
        from sealfile.errors import one_line

        say(f"sealfile: warning: {one_line(str(file))}: {one_line(keypath)}: also changed where YAML aliases or merge "
            f"keys (<<) read it: {one_line(', '.join(told))}")


def tell_plain(file: PathName, told: list[str]) -> None:
    """The lines :func:`sealfile.ops.plain_secrets.guard` gave (key paths written in plaintext, named like
    secrets), once each, on stderr naming ``file``."""
    from sealfile.cli.boundary import say
    from sealfile.errors import one_line

    for line in dict.fromkeys(told):
        say(f"sealfile: warning: {one_line(str(file))}: {line}")


def read_value(value_type: str, file: PathName, keypath: str) -> str:
    """``set``'s value from stdin (not a terminal): one trailing newline dropped unless it is YAML. Read as
    every input is, within the size limit: read whole, ``yes | sealfile set`` grew without end (a 200 MB
    value took 4 GB and minutes before the result was refused as too large). Nothing at all is refused:
    ``vault read ... | sealfile set`` whose producer failed would blank the secret."""
    from sealfile.files import io

    # as sys.stdin decodes: bytes that are not UTF-8 become lone surrogates, which set refuses by name
    value = io.read_bytes(io.STDIO).decode("utf-8", "surrogateescape")
    if not value:
        raise SealfileError("standard input is empty (did the command before the pipe fail?): nothing was set; to "
                            "set an empty string, give '' as VALUE", file=str(file), keypath=keypath)
    return value[:-1] if value.endswith("\n") and value_type != "yaml" else value
