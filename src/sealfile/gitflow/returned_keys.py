"""A data key coming back: a change that seals a file again under a key its history already held, its
own or another file's.

``rotate`` keeps each value's time, so the tokens of a rotation reverted (``git revert``, or a merge or
checkout that takes an older side's file) look as new as the rotation's, and ``review`` told the
change apart from a rotation only by its new stanzas. But the data key that comes back is the one
whoever was shut out by the rotation may still hold: every value set afterwards is theirs to read.
A wrapped key is random per wrap (age, SSH, PGP and every KMS wrap fresh each time), so a line of a
new stanza found in the file's own history is that older key. Found in another file's, the file was
copied from that one whole: its values, recipients and signature, which verifies anywhere (a signature
does not cover a file's path, docs/format.md §11), so review names where it came from. One ``git log``
for the whole change finds them all; it reads history git already has and runs no key provider.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from sealfile.errors import FormatError, SealfileError
from sealfile.gitflow.gitcli import STORED_TEXT, git, show
from sealfile.gitflow.sealed import view
from sealfile.model.paths import Path as KeyPath
from sealfile.stores import store_for

_WRAP_LINE = re.compile(r"[A-Za-z0-9+/=_-]{32,}")
"""A line of a wrapped key (base64, armoured or not) long enough to belong to one wrap only; the
first 80 characters of it are searched for (a file's text, not a git argument, decides its length)."""
_MARKERS_PER_FILE, _MARKERS = 2, 400
"""Markers of one file; markers one ``git log`` searches for (a change with more is searched in parts of that many:
every file and token is compared, however many the change re-seals)."""
_TOKEN_SKIP = 12
"""A token's marker: 64 characters of its base64 after the first 12 (the version byte and the time, which many
tokens share), so the random IV and the ciphertext."""
_Key = TypeVar("_Key", bound=Hashable)
_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def _markers(text: str, path: str) -> list[str]:
    """Lines of the wrapped keys of ``text`` long enough to belong to one wrap only."""
    try:
        meta = view(text, store_for(path)).meta
    except FormatError:
        return []
    lines = (line.strip() for group in meta.groups for stanza in group for line in stanza.wrapped.splitlines())
    return [line[:80] for line in lines if _WRAP_LINE.fullmatch(line)][:_MARKERS_PER_FILE]


@dataclass(frozen=True)
class Returned:
    commit: str
    """The last commit (up to the base) that added or removed one of the wrapped keys in ``source``."""
    source: str
    """The file whose history held the key: the file itself (a rotation reverted), or another (a copy)."""


_READS, _READS_PER_KEY = 50, 2
"""Versions read to tell which file held a wrapped key (each commit ``git log`` lists, newest first), for a part of
the change's files or tokens: so many, and so many more for each (a key that history held is found in the version
of the commit that removed it, or added it). Text the change writes chooses the markers, so their matches are
bounded; the files or tokens still unresolved past the bound are said not compared, never passed."""
NOT_COMPARED = ("data key not compared with the keys its history held: more versions matched than one review "
                "reads (a rotation reverted, or a copy of another file, would not be named here)")


def returned_keys(new_texts: dict[str, str], base: str, cwd: str | os.PathLike[str],
                  sealed: Callable[[str], bool]) -> tuple[dict[str, Returned], list[str]]:
    """Path -> where its new version's data key was before, for each file of ``new_texts`` (path -> new text,
    data key replaced) whose history, or that of another file ``sealed`` names at ``base``, held one of its
    wrapped keys up to ``base``; and the files not compared (past the versions one review reads)."""
    if not new_texts:
        return {}, []
    return held_before({path: found for path, text in new_texts.items() if (found := _markers(text, path))},
                       base, cwd, [*new_texts, *sealed_at(base, cwd, sealed, new_texts)])


def sealed_at(base: str, cwd: str | os.PathLike[str], sealed: Callable[[str], bool],
              besides: Collection[str]) -> list[str]:
    """The files ``sealed`` names at ``base``, other than ``besides`` (none for an unknown base)."""
    try:
        listed = git(["ls-tree", "-r", "-z", "--name-only", base], cwd).split("\0")
    except SealfileError:
        return []  # an unknown base: nothing to compare with
    return [name for name in listed if name and name not in besides and sealed(name)]


def replayed_tokens(set_now: dict[str, list[tuple[KeyPath, str]]], base: str, cwd: str | os.PathLike[str],
                    paths: Iterable[str]) -> tuple[dict[tuple[str, KeyPath], Returned], list[tuple[str, KeyPath]]]:
    """``(file, key path)`` -> where a token this change set there was before, for each token (file -> its
    ``(key path, token)`` pairs the change set) that the history of ``paths`` (the files, where they were, and
    the other sealed files) up to ``base`` already held. sealfile seals a changed value now, with a random IV,
    so a token seen before was taken from history (a value set back) or from another file under the same data
    key (a copy of its value, which opens at the same key path): told by its bytes, whatever time it carries
    (a value set back within the second, or re-added once deleted). And the tokens not compared (past the versions
    one review reads)."""
    return held_before({(file, path): [token[4 + _TOKEN_SKIP:4 + _TOKEN_SKIP + 64]] for file, pairs in set_now.items()
                        for path, token in pairs if len(token) > 4 + _TOKEN_SKIP + 64}, base, cwd, list(paths))


def held_before(markers: dict[_Key, list[str]], base: str, cwd: str | os.PathLike[str],
                paths: list[str]) -> tuple[dict[_Key, Returned], list[_Key]]:
    """Each key of ``markers`` (-> text unique to one seal) whose text the history of one of ``paths`` up to
    ``base`` held: the newest commit that added or removed it there, and that file; and the keys not compared
    (more versions matched than :data:`_READS` let one review read). Searched :data:`_MARKERS` at a time."""
    held: dict[_Key, Returned] = {}
    unread: list[_Key] = []
    part: dict[_Key, list[str]] = {}
    keys = [key for key, found in markers.items() if found]
    for at, key in enumerate(keys):
        part[key] = markers[key][:_MARKERS]
        if at + 1 == len(keys) or sum(map(len, part.values())) + len(markers[keys[at + 1]]) > _MARKERS:
            found, left = _held_in(part, base, cwd, paths)
            held, unread, part = held | found, unread + left, {}
    return held, unread


def _held_in(markers: dict[_Key, list[str]], base: str, cwd: str | os.PathLike[str],
             paths: list[str]) -> tuple[dict[_Key, Returned], list[_Key]]:
    """:func:`held_before` for up to :data:`_MARKERS` markers: one ``git log``."""
    chosen = [marker for found in markers.values() for marker in found]
    if not chosen or not paths:
        return {}, []
    pattern = "|".join(marker.replace("+", "\\+") for marker in chosen)  # the one ERE character base64 has
    # the paths on git's input, a line each: tens of thousands of them exceed the OS bound on one command line;
    # a name a line cannot carry (a line break in it, a carriage return at its end) goes on the command line
    aside = [path for path in paths if "\n" in path or path.endswith("\r")]
    on_input = "".join(f"{path}\n" for path in paths if "\n" not in path and not path.endswith("\r"))
    try:  # -S counts the pattern in each version: a commit that added or removed a marker is listed
        out = git(["--literal-pathspecs", "log", *STORED_TEXT, "-z", "--pickaxe-regex", f"-S{pattern}",
                   "--format=%H", "--name-only", "--no-renames", "--stdin", base, "--", *aside], cwd,
                  stdin=f"--\n{on_input}")
    except SealfileError:
        return {}, []  # a shallow clone or an unknown base: nothing to compare with, as before
    held: dict[_Key, Returned] = {}
    for read, (commit, name) in enumerate(_listed(out)):
        pending = {key: lines for key, lines in markers.items() if key not in held}
        if not pending:
            break
        if read == _READS + _READS_PER_KEY * len(markers):
            return held, list(pending)
        text = _version(commit, name, cwd)  # holds the marker after the commit, or before it (then removed there)
        for key, lines in pending.items():
            if any(line in text for line in lines):
                held[key] = Returned(commit, name)
    return held, []


def _listed(out: str) -> Iterator[tuple[str, str]]:
    """``(commit, name)`` of ``git log -z --format=%H --name-only``, newest first."""
    commit = ""
    for field in out.split("\0"):
        if _COMMIT.fullmatch(field):
            commit = field
        elif commit and field.strip("\n"):
            yield commit, field[1:] if field.startswith("\n") else field


def _version(commit: str, name: str, cwd: str | os.PathLike[str]) -> str:
    """The file at ``commit`` and at its parent, one after the other (``""`` where absent or too large)."""
    texts = []
    for rev in (commit, f"{commit}^"):
        try:
            texts.append(show(rev, name, cwd) or "")
        except FormatError:
            continue
    return "\n".join(texts)


def commits_per_name(out: str, paths: Collection[str]) -> dict[str, list[str]]:
    """``git log -z --format=%H --name-only``: each commit is ``HASH NUL LF name NUL name NUL ...``; the
    commits that name each of ``paths``, newest first."""
    found: dict[str, list[str]] = {}
    for commit, name in _listed(out):
        if name in paths:
            found.setdefault(name, []).append(commit)
    return found
