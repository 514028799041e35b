"""``check``'s searches of the files it is given outside the ``sealed_files`` patterns: decrypted copies
(:mod:`.leaks`) and private keys (:mod:`.committed_keys` judges them), in each file as written, as staged, and in
the texts it encodes (:mod:`.blob_views`), the decoding ``review`` reads a change with, so the pre-commit hook
stops what CI would fail."""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from sealfile.errors import FormatError, SealfileError
from sealfile.gitflow.blob_views import Views
from sealfile.gitflow.check import Finding
from sealfile.gitflow.committed_keys import (
    Recipients,
    encoded_keys,
    key_findings,
    opens_unknown,
    recipients_of,
    too_large_with_key,
)
from sealfile.gitflow.gitcli import git
from sealfile.kms.found_keys import MARKERS, found_keys, stream_holds_marker


def known_in_worktree(files: Iterable[str], sealed: Iterable[Path]) -> Callable[[Iterable[str]], Recipients]:
    """The recipients keys in texts are compared with: of ``sealed`` (checked with ``files``) and of the creation
    rules governing each of ``files``, and, for a key that opens none of them, of every tracked sealed file."""
    from sealfile.ops.config_files import governing_files

    configs: dict[str, str | None] = {}
    for name in files:
        for config in governing_files(name):  # every config above it, as its writers' rule is chosen among them
            if str(config) not in configs:
                configs[str(config)] = _read_or_none(config)
    sealed_texts = {str(file): _read_or_none(file) for file in sealed}

    def known(texts: Iterable[str]) -> Recipients:
        found = recipients_of(sealed_texts, configs)
        if not opens_unknown(texts, found):
            return found
        from sealfile.gitflow.patterns import sealed_files

        tracked = sealed_files(Path(p) for p in git(["ls-files", "-z"], ".").split("\0") if p)
        return {**recipients_of({str(f): _read_or_none(f) for f in tracked if str(f) not in sealed_texts}, {}),
                **found}
    return known


def encoded_keys_in(found: Views, name: str, sealed: Iterable[Path]) -> tuple[list[str], list[str]]:
    """The private keys in the texts ``found`` decoded from the file ``name``, judged as ``review`` judges them."""
    return encoded_keys(found, known_in_worktree([name], sealed))


def decrypted_copies(files: Sequence[Path], sealed: Sequence[Path]) -> dict[str, list[Finding]]:
    """Errors for those of ``files`` (none of which the patterns name) that hold every key path of a sealed
    file in plaintext: of ``sealed`` (checked with them), of one in their own directory or of any committed one
    (as ``review`` compares them); and what ``review``
    finds in the texts each encodes (a private key: an error; credentials, what was not read: warnings). The
    working copy is read, and the staged version too where it differs (what the commit takes)."""
    from sealfile.files.io import read_bytes
    from sealfile.gitflow.leaks import copies_in_worktree
    from sealfile.gitflow.staged import staged_versions

    working: dict[str, bytes] = {}
    for path in files:  # every file, whatever its name: a copy may be encoded (UTF-16, base64, an archive)
        if str(path) == "-":
            continue
        try:
            working[str(path)] = read_bytes(path, regular_only=True)
        except SealfileError:
            continue  # not a file this check reads (too large, a device): nor a decrypted copy it can tell
    staged = {str(f): content for f, content in staged_versions(list(working)).items() if content is not None}
    found: dict[str, list[Finding]] = {}
    for versions, label in ((working, ""), (staged, " (staged version)")):
        judged = copies_in_worktree(versions, [str(s) for s in sealed], _keep_out,
                                    lambda name, seen: encoded_keys_in(seen, name, sealed))
        for name, (errors, warnings) in judged.items():
            said = {finding.message for finding in found.get(name, ()) if not finding.error}
            # a warning the working copy gave is said once: the staged version differs elsewhere
            found.setdefault(name, []).extend([Finding(name + label, why) for why in errors] +
                                              [Finding(name + label, why, error=False) for why in warnings
                                               if why not in said])
    return found


def _keep_out(file: str) -> str:
    return (f"keep it out of git: git rm --cached {shlex.quote(file)}, and list it in .gitignore (once committed: "
            "remove it from the history and rotate its values)")


def files_with_keys(files: Iterable[Path], sealed: Iterable[Path], *, tracked: bool) -> dict[str, list[Finding]]:
    """For ``check``: file -> an error or warning per private key in it, for each of ``files``, judged against
    the recipients of ``sealed`` (checked with them) and of the creation rules governing each. ``tracked``: the
    files are all of git's, which ``git grep`` searches at once; else each is read (bounded)."""
    from sealfile.files.io import read_bytes

    files = list(files)
    if tracked:
        # -a: a file git takes for binary (a NUL, a 'binary' or '-diff' attribute) may hold a key all the same
        hits = {Path(p) for p in git(["grep", "-z", "-l", "-a", "-i", "-F", *(f"-e{m}" for m in MARKERS), "--", "."],
                                     ".", ok=(0, 1)).split("\0") if p}
        candidates = [f for f in files if f in hits]
    else:
        candidates = list(files)
    texts: dict[str, str] = {}
    large: dict[str, list[Finding]] = {}
    for file in candidates:
        try:  # a key's text is ASCII: other bytes (a NUL, Latin-1 in a comment) do not hide it
            text = read_bytes(file).decode("utf-8", "replace")
        except FormatError:
            if _file_holds_marker(file):
                large[str(file)] = [Finding(str(file), too_large_with_key())]
            continue
        except SealfileError:
            continue  # unreadable, a directory, a device
        if found_keys(text):
            texts[str(file)] = text
    staged = _staged_with_markers(files, large)
    if not texts and not staged:
        return large
    known = known_in_worktree(list(texts), sealed)([*texts.values(), *staged.values()])
    found = large
    for name, text in texts.items():
        errors, notes = key_findings(text, known)
        found[name] = [Finding(name, error) for error in errors] + [Finding(name, note, error=False) for note in notes]
    for name, text in staged.items():  # what the commit takes: the keys its working copy no longer holds
        errors, notes = key_findings(text, known, texts.get(name) or _read_or_none(Path(name)))
        found.setdefault(name, []).extend([Finding(name, f"as staged: {error}") for error in errors] +
                                          [Finding(name, f"as staged: {note}", error=False) for note in notes])
    return found


def _staged_with_markers(files: Iterable[Path], large: dict[str, list[Finding]]) -> dict[str, str]:
    """The staged version of each of ``files`` whose index entry holds a private key's marker and differs from its
    working copy (``git add keys.txt``, then the file deleted or emptied: the commit takes the key); one too large to
    read is added to ``large``."""
    from sealfile.gitflow.staged import staged_versions

    try:
        cached = {Path(p) for p in git(["grep", "--cached", "-z", "-l", "-a", "-i", "-F",
                                        *(f"-e{m}" for m in MARKERS), "--", "."], ".", ok=(0, 1)).split("\0") if p}
    except SealfileError:  # not in a work tree: nothing is staged
        return {}
    staged: dict[str, str] = {}
    for name, content in staged_versions([f for f in files if f in cached]).items():
        if content is None:
            large.setdefault(str(name), []).append(Finding(str(name), f"as staged: {too_large_with_key()}"))
        else:
            staged[str(name)] = content.decode("utf-8", "replace")
    return staged


def _read_or_none(file: Path) -> str | None:
    from sealfile.files.io import read_text

    try:
        return read_text(file)
    except SealfileError:
        return None


def _file_holds_marker(file: Path) -> bool:
    """Whether a regular file too large to read whole holds a private key's marker (read in chunks)."""
    try:
        if not os.path.isfile(file):
            return False
        with open(file, "rb") as handle:
            return stream_holds_marker(handle)
    except OSError:
        return False
