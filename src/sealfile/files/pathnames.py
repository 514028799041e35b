"""Path names as pathlib spells and tests them, without importing pathlib: for code every command runs.

Importing pathlib costs each start of the command line about 4 ms (it imports ``urllib.parse`` and
``ipaddress``), as much as the rest of ``sealfile status`` on a small file. Click hands a command's
body ``Path`` objects, the fast path (:mod:`sealfile.cli.fast`) plain strings; both must name, print
and find files alike, so each function here answers as the pathlib call it names does, errors
included (``tests/files/test_pathnames.py`` compares them on many names). On Windows, where drives,
shares and both slashes make the spelling rules longer, the spelling functions ask pathlib itself.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Iterator

from sealfile.errors import NoHomeDirectory

PathName = str | os.PathLike[str]
"""A path as the commands' bodies take it: a ``Path`` from click, a ``str`` from the fast path."""

_WINDOWS = sys.platform == "win32"
_LOOP_CHECKED_BY_RESOLVE = sys.version_info < (3, 13)
"""Before Python 3.13, ``Path.resolve`` stats its result and turns a symlink loop into a RuntimeError."""


def spelled(name: PathName) -> str:
    """``str(Path(name))``: empty and ``.`` parts and a trailing slash dropped, ``..`` kept; a leading
    ``//`` kept only if exactly two slashes (POSIX leaves their meaning to the system)."""
    text = os.fspath(name)
    if _WINDOWS:
        from pathlib import Path

        return str(Path(text))
    root = "//" if text.startswith("//") and not text.startswith("///") else "/" if text.startswith("/") else ""
    return root + "/".join(part for part in text.split("/") if part not in ("", ".")) or "."


def expanded(name: PathName) -> str:
    """``str(Path(name).expanduser())``: a leading ``~`` or ``~user`` replaced by that home directory
    (:class:`NoHomeDirectory`, also the RuntimeError pathlib raises, naming ``name`` where it cannot be found).
    Every file name a user or a variable gives goes through here, never ``Path.expanduser``: its bare
    RuntimeError, 'Could not determine home directory.', reached users as an internal error."""
    text = spelled(name)
    if _WINDOWS:
        from pathlib import Path

        return str(Path(text).expanduser())
    if not text.startswith("~"):
        return text
    first, _, rest = text.partition("/")
    home = os.path.expanduser(first)
    if home.startswith("~"):
        raise NoHomeDirectory(f"{text}: no home directory for {first} (HOME is not set, or no such user)")
    return spelled(os.path.join(home, rest) if rest else home)


def home() -> str:
    """``str(Path.home())`` (a RuntimeError where there is none)."""
    return expanded("~")


def resolved(name: PathName) -> str:
    """``str(Path(name).resolve())``: absolute, every symlink followed; a loop is a RuntimeError before
    Python 3.13, as pathlib raises it there."""
    real = spelled(os.path.realpath(spelled(name)))
    if _LOOP_CHECKED_BY_RESOLVE:
        try:
            os.stat(real)
        except OSError as err:
            if err.errno == errno.ELOOP or getattr(err, "winerror", 0) == 1921:
                raise RuntimeError(f"Symlink loop from {err.filename!r}") from None
    return real


def absolute(name: PathName) -> str:
    """``os.path.abspath(name)``, but a relative name is joined to the working directory as the shell
    names it (``$PWD``, when that is the working directory: as Go's ``os.Getwd``, so SOPS, reads it), not
    with its symbolic links resolved: after ``cd prod`` (a link in the repository), ``x.enc.yaml`` is
    ``REPO/prod/x.enc.yaml``, as ``prod/x.enc.yaml`` is from the top, and gets the same creation rule and
    signers. A name that climbs (``..``) goes up from the real directory, as the system opens it."""
    text = os.fspath(name)
    if _WINDOWS or os.path.isabs(text):
        return os.path.abspath(text)
    real, shell = os.getcwd(), os.environ.get("PWD", "")
    if shell == real or not shell.startswith("/") or os.pardir in text.split("/"):
        return os.path.abspath(text)
    try:
        same = os.path.samestat(os.stat(shell), os.stat(real))
    except (OSError, ValueError):
        same = False
    return os.path.normpath(os.path.join(shell if same else real, text))


def parents(directory: str) -> Iterator[str]:
    """``directory`` (absolute, as :func:`resolved` spells it), then each directory above it to the root,
    as ``(Path(directory), *Path(directory).parents)`` lists them."""
    while True:
        yield directory
        above = os.path.dirname(directory)
        if above == directory:
            return
        directory = above


def _stat(name: PathName) -> os.stat_result | None:
    """``os.stat`` of the name as pathlib spells it; ``None`` where it cannot be had.

    Unlike pathlib, which raises for errors other than "not there" (permission denied, a name too
    long), the tests here then answer False: each asks whether a config, a clone or a key file is
    there, and the command's own opening of the file it names reports why it cannot, in one line."""
    try:
        return os.stat(spelled(name))
    except (OSError, ValueError):  # ValueError: a name the system cannot take (a NUL in it)
        return None


def is_dir(name: PathName) -> bool:
    """``Path(name).is_dir()``."""
    found = _stat(name)
    return found is not None and stat.S_ISDIR(found.st_mode)


def is_file(name: PathName) -> bool:
    """``Path(name).is_file()``."""
    found = _stat(name)
    return found is not None and stat.S_ISREG(found.st_mode)


def exists(name: PathName) -> bool:
    """``Path(name).exists()``."""
    return _stat(name) is not None
