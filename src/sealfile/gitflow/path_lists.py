"""Git commands over a list of paths that no single command line may hold.

A list that grows with the repository (every sealed file ``check`` reads, every conflict a merge left, every file
a change touched) and paths of up to 4,096 bytes exceed what the OS lets one command line hold: ``exec`` fails
with E2BIG ("Argument list too long") past 2 MiB with the environment on Linux, 1 MiB on macOS, 32,767
characters on Windows. Where git reads the list on its input, it is given there (``--stdin``, ``cat-file
--batch``, ``check-attr --stdin``, ``log --stdin`` after ``--``). ``ls-files``, ``ls-tree``, ``diff``,
``diff-files`` and ``grep`` have no such form (git 2.39 reads ``--pathspec-from-file`` in ``add``, ``checkout``,
``commit``, ``reset``, ``restore``, ``rm`` and ``stash`` only): :func:`git_for_paths` runs them once per part of
the list that fits, and gives their outputs one after the other; :func:`entries_of` finds a long list of files in
the whole index or tree instead, which costs git far less than that many pathspecs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

from sealfile.gitflow.gitcli import git

ARGV_BYTES = 24 * 1024
"""Bytes of listed arguments one git run is given, each counted with 3 more (a NUL; on Windows, quotes and a
space): under Windows' 32,767 characters, with room for the command's own arguments (a ``-S`` pattern)."""


def argv_parts(listed: Sequence[str], limit: int = ARGV_BYTES) -> Iterator[list[str]]:
    """``listed`` in order, cut into consecutive parts of at most ``limit`` bytes (a longer item alone)."""
    part: list[str] = []
    size = 0
    for item in listed:
        cost = len(item.encode("utf-8", "surrogateescape")) + 3
        if part and size + cost > limit:
            yield part
            part, size = [], 0
        part.append(item)
        size += cost
    if part:
        yield part


def git_for_paths(args: list[str], paths: Sequence[str], cwd: str | os.PathLike[str], *, ok: tuple[int, ...] = (0,),
                  literal: bool = True) -> str:
    """The output of ``git ARGS -- PATHS``, run once per part of ``paths`` that fits on a command line, each
    run's output after the previous one's: for a command whose output is one entry per path (or per commit
    and path) that is the output of one run, whatever the parts. ``""`` for no paths: an empty pathspec would
    mean every path. ``literal`` (``--literal-pathspecs``): a path holding ``*`` or starting ``:(`` names
    that file only; ``False`` for pathspecs a user gave."""
    start = ["--literal-pathspecs"] if literal else []
    return "".join(git([*start, *args, "--", *part], cwd, ok=ok) for part in argv_parts(paths, ARGV_BYTES))


def entries_of(args: list[str], paths: Sequence[str], cwd: str | os.PathLike[str]) -> str:
    """The entries (``INFO<TAB>PATH``, each ending in NUL) of ``git ARGS`` (``ls-files -z`` or ``ls-tree -r -z``)
    for the files ``paths`` name. Paths that fit one command line are git's pathspecs (a large index or tree is
    not listed whole for a hook's few files); more are found in git's listing of every file: git matches each
    entry with each pathspec, so 25,000 paths in parts took 10 s where the whole listing took 0.1 s."""
    if sum(len(path.encode("utf-8", "surrogateescape")) + 3 for path in paths) <= ARGV_BYTES:
        return git_for_paths(args, paths, cwd)
    wanted = set(paths)
    return "".join(f"{entry}\0" for entry in git(args, cwd).split("\0") if entry.partition("\t")[2] in wanted)
