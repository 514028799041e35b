"""Which files must be sealed: the ``sealed_files`` patterns of every ``.sealfile.yaml``, at any depth.

A config names patterns for the files under its own directory, with gitattributes' meaning: a
pattern without ``/`` matches a file name at any depth below that directory, one with ``/`` a
path relative to it. Every config between a file and the top applies (a nested config adds
patterns for its subtree; none narrows another's, so a config cannot hide a file from ``check``);
without a config at the top, the defaults apply there. ``check`` (and so the pre-commit hook),
``review``, ``sealfile diff --git`` and the ``.gitattributes`` block of ``git install`` (diff and
merge drivers) all decide through :class:`SealedPatterns`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sealfile.errors import SealfileError
from sealfile.gitflow.blobs import show_many
from sealfile.gitflow.gitcli import Change, git, show
from sealfile.gitflow.sealed import matches_patterns
from sealfile.ops.config import DEFAULT_SEALED_PATTERNS, read_config, read_configs, sealed_patterns
from sealfile.ops.config_files import CONFIG_NAME, governing_files, named_path
from sealfile.stores.yaml.reader import load_fast

_GLOB_SPECIAL = re.compile(r"[][*?\\]")

TOP = ""
"""The directory of a scope that covers every path."""
MAX_CONFIGS = 1_000
"""More ``.sealfile.yaml`` files than a project has: every review and check reads each of them (a change
could add a hundred thousand), so more are refused (the review fails) rather than read."""


@dataclass(frozen=True)
class SealedPatterns:
    scopes: tuple[tuple[str, tuple[str, ...]], ...]
    """``(directory, patterns)``: ``/``-separated directory (``""`` for the top) and its globs."""

    def matches(self, path: str | os.PathLike[str]) -> bool:
        """Whether ``path`` (in the scopes' coordinates: absolute, or relative to the top) must be sealed."""
        text = PurePosixPath(Path(path).as_posix()).as_posix()
        for directory, patterns in self.scopes:
            if directory == TOP:
                relative = text
            elif text.startswith(directory.rstrip("/") + "/"):
                relative = text[len(directory.rstrip("/")) + 1:]
            else:
                continue
            if matches_patterns(relative, patterns):
                return True
        return False

    def attribute_patterns(self) -> list[str]:
        """The same set as patterns for one ``.gitattributes`` at the top (``dir/**/NAME`` for a nested scope)."""
        found: list[str] = []
        for directory, patterns in self.scopes:
            for pattern in patterns:
                # A directory's name is literal: a '[' or '*' in it must not turn into a glob git expands.
                literal = _GLOB_SPECIAL.sub(r"\\\g<0>", directory)
                if directory == TOP:
                    line = pattern
                elif "/" in pattern:  # a directory's pattern (ending in '/') stays one: git matches no file by it
                    line = f"{literal}/{pattern.removeprefix('/')}"
                else:
                    line = f"{literal}/**/{pattern}"
                if line not in found:
                    found.append(line)
        return found


def _with_top_default(scopes: Mapping[str, tuple[str, ...]]) -> SealedPatterns:
    ordered = dict(scopes) if TOP in scopes else {TOP: DEFAULT_SEALED_PATTERNS, **scopes}
    return SealedPatterns(tuple(sorted(ordered.items())))


def for_file(file: str | os.PathLike[str]) -> SealedPatterns:
    """The patterns that govern ``file`` in the working tree, in the coordinates of
    :func:`~sealfile.ops.config_files.named_path` (match it with that: links above the repository
    resolved, as the configs' own paths are)."""
    scopes = {config.root.as_posix(): config.sealed_patterns for config in read_configs(governing_files(file))}
    top = _repository_root(Path(named_path(file)))
    if top is not None and top.as_posix() in scopes:
        return SealedPatterns(tuple(sorted(scopes.items())))
    return _with_top_default(scopes)


UNGUARDED = ("sealed, but no sealed_files pattern names it: git merges it as text (leaving a file nobody can open) "
             "and check would let it be committed decrypted; name it like *.enc.yaml, or add it to sealed_files in "
             ".sealfile.yaml, then run 'sealfile git install'")
UNGUARDED_SOPS = ("a SOPS file, and no sealed_files pattern names it: git merges it as text (leaving a file nobody can "
                  "open) and check would let it be committed decrypted; convert it with 'sealfile import-sops' to a "
                  "name like *.enc.yaml (docs/sops-compat.md §8)")


def unguarded(file: str | os.PathLike[str]) -> bool:
    """Whether a sealed file just written is in a Git work tree whose patterns do not name it (:data:`UNGUARDED`)."""
    named = named_path(file)
    return _repository_root(Path(named)) is not None and not for_file(file).matches(named)


def _repository_root(path: Path) -> Path | None:
    return next((d for d in path.parents if (d / ".git").exists()), None)


def sealed_files(files: Iterable[Path]) -> list[Path]:
    """The files (of those given) that some config's patterns say must be sealed."""
    by_directory: dict[str, SealedPatterns] = {}
    chosen = []
    for file in files:
        named = named_path(file)
        if os.path.dirname(named) not in by_directory:
            by_directory[os.path.dirname(named)] = for_file(file)
        if by_directory[os.path.dirname(named)].matches(named):
            chosen.append(file)
    return chosen


def in_worktree(root: Path) -> SealedPatterns:
    """Every config in the repository at ``root`` (tracked or not, unless ignored), top-relative. One git
    tracks but the work tree lacks (a sparse checkout leaving its directory out) is read as staged: its
    patterns still hold for the files it governs, and ``install`` must not drop them from the
    ``.gitattributes`` every clone shares."""
    listed = git(["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--",
                  f":(glob)**/{CONFIG_NAME}"], root)
    scopes = {}
    for name in _bounded(sorted({n for n in listed.split("\0") if n}), "the work tree"):
        config = root / name
        if config.is_file():
            scopes[_directory_of(name)] = read_config(config).sealed_patterns
        elif not config.exists():
            scopes[_directory_of(name)] = _lenient_patterns(show("", name, root))
    return _with_top_default(scopes)


def configs_not_checked_out(root: Path) -> list[str]:
    """The configs git tracks at ``root`` that are not in the work tree (a sparse checkout leaving their
    directory out, a file deleted by hand): what they say (signers, patterns) goes unread there."""
    listed = git(["ls-files", "-z", "--cached", "--", f":(glob)**/{CONFIG_NAME}"], root)
    return [n for n in sorted({n for n in listed.split("\0") if n}) if not (root / n).is_file()]


def at_revision(rev: str, root: Path) -> SealedPatterns:
    """Every config as committed at ``rev`` (top-relative). A config that does not parse counts with
    the defaults: a review must not lose its patterns to a broken file."""
    listed = git(["ls-tree", "-r", "-z", "--name-only", rev], root, ok=(0, 128))
    names = _bounded([n for n in listed.split("\0") if n == CONFIG_NAME or n.endswith(f"/{CONFIG_NAME}")], rev)
    return _with_top_default({_directory_of(name): _lenient_patterns(text)
                              for name, text in show_many(rev, names, root).items()})


UNCOVERED_SHOWN = 20
"""Files named one by one that a change to ``sealed_files`` leaves uncovered; past them, how many more."""


def left_uncovered(rev: str, root: Path, before: SealedPatterns, after: SealedPatterns) -> list[str]:
    """A violation for each file of ``rev`` that ``before``'s patterns covered and ``after``'s (those of ``rev``)
    do not: a ``.sealfile.yaml`` change that drops a file from ``sealed_files`` lets the next change commit it
    decrypted past ``check`` and a review (which then compares with these patterns), and git merge it as text."""
    listed = git(["ls-tree", "-r", "-z", "--name-only", rev], root).split("\0")
    gone = [name for name in listed if name and before.matches(name) and not after.matches(name)]
    return [f"{name}: no sealed_files pattern covers it after this change: nothing checks that it stays sealed, "
            "and git merges it as text" for name in gone[:UNCOVERED_SHOWN]] + (
        [f"... and {len(gone) - UNCOVERED_SHOWN} more files no sealed_files pattern covers after this change"]
        if len(gone) > UNCOVERED_SHOWN else [])


def _bounded(names: list[str], where: str) -> list[str]:
    if len(names) > MAX_CONFIGS:
        raise SealfileError(f"{where}: {len(names):,} {CONFIG_NAME} files, more than the {MAX_CONFIGS:,} sealfile "
                            "reads (every review and check reads each one)")
    return names


def _lenient_patterns(text: str | None) -> tuple[str, ...]:
    try:
        raw = load_fast(text or "") or {}
        return sealed_patterns(raw) if isinstance(raw, Mapping) else DEFAULT_SEALED_PATTERNS
    except SealfileError:
        return DEFAULT_SEALED_PATTERNS


def _directory_of(name: str) -> str:
    parent = PurePosixPath(name).parent.as_posix()
    return TOP if parent == "." else parent


def union(*sets: SealedPatterns) -> SealedPatterns:
    """Every scope of every set: a file any of them covers is covered."""
    merged: dict[str, list[str]] = {}
    for patterns in sets:
        for directory, globs in patterns.scopes:
            merged.setdefault(directory, [])
            merged[directory] += [g for g in globs if g not in merged[directory]]
    return SealedPatterns(tuple(sorted((d, tuple(g)) for d, g in merged.items())))


def moves_between_sealed_paths(changes: list[Change], sealed: Callable[[str], bool]) -> list[Change]:
    """Renames kept whole only from a sealed path to a sealed path (reviewed as one file that moved,
    its recipients and values compared with where it came from); any other, a config file's among
    them, is reviewed as the delete and the add it also is, so leaving the patterns hides nothing."""
    kept: list[Change] = []
    for change in changes:
        paths = [change.path, change.old_path or change.path]
        whole = all(sealed(p) and PurePosixPath(p).name != CONFIG_NAME for p in paths)
        kept += [change] if whole else change.split()
    return kept
