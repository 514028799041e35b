"""Plaintext a change commits next to its sealed files, found without any key.

What the ``sealed_files`` patterns do not cover, nothing else checks, so ``review`` looks at the
data files of the change outside them (YAML, JSON, dotenv by name, ``.env.*`` too):

- **a decrypted copy** of a sealed file (``sealfile decrypt -o prod.yaml``, a ``.env`` next to
  ``.env.enc``, a Kubernetes Secret from ``--output-type k8s-secret``): every key path of a sealed file with
  two or more sealed values, in plaintext;
- a key **named like a secret**, or held in a Kubernetes Secret, with a plaintext value
  (:mod:`.plaintext_copies`, which reads every document of a file).

Every file of the change outside the patterns is read as committed and as each text it encodes
(:mod:`.blob_views`: UTF-16, base64, archive members, a notebook's outputs...), each judged as a data file is,
so a copy encoded passes no more than one written out.

In the sealed files themselves, a comment is plaintext that no rule seals: every comment line a
change adds is shown, so a value moved into a comment is seen.
"""

from __future__ import annotations

import os
import pathlib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from sealfile.errors import FormatError, SealfileError
from sealfile.files.io import max_file_bytes, read_text
from sealfile.gitflow.blob_views import ARCHIVES, Views, views
from sealfile.gitflow.blobs import Blobs, show_many
from sealfile.gitflow.copy_index import SealedCopies
from sealfile.gitflow.plaintext_copies import (
    COMMITTED_COPY,
    data_documents,
    data_store,
    decoded_findings,
    plaintext_findings,
)
from sealfile.gitflow.sealed import view
from sealfile.gitflow.sealed_tree import add_sealed_tree
from sealfile.gitflow.secret_values import credential_lines, may_hold_credential
from sealfile.kms.found_keys import holds_marker
from sealfile.model.paths import Path
from sealfile.stores import store_for
from sealfile.stores.dotenv import HEADER as DOTENV_HEADER

SHOWN_CHARS = 160
"""A comment longer than this is cut where it is shown (a line of megabytes would bury the review)."""


def added_comments(old: str | None, new: str) -> list[str]:
    """Comment lines (whole-line, or after a value) that ``new`` has and ``old`` did not."""
    before = Counter(_comments(old or ""))
    found = []
    for comment in _comments(new):
        if before[comment]:
            before[comment] -= 1
            continue
        shown = comment if len(comment) <= SHOWN_CHARS else (
            f"{comment[:SHOWN_CHARS]}... ({len(comment) - SHOWN_CHARS} more characters)")
        if holds_marker(comment):  # shown in CI logs and PR comments: the key is named (committed_keys), never shown
            shown = "(not shown: it holds a private key's text)"
        found.append(f"comment added: {shown}")
    return found


def _comments(text: str) -> list[str]:
    found = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped == DOTENV_HEADER.strip():  # sealfile's own line above a dotenv file's metadata
            continue
        if stripped.startswith("#"):
            found.append(stripped)
        elif "ENC[" in line:  # a comment after a token (ENC[...] holds no '#' nor ']')
            rest = line[line.find("]", line.index("ENC[")) + 1:]
            if "#" in rest:
                found.append(rest[rest.index("#"):].strip())
    return found


def review_unsealed(head: str, paths: list[str], sealed: Mapping[str, str | None], root: str | os.PathLike[str],
                    covered: Callable[[str], bool],
                    judge_keys: Callable[[Views], tuple[list[str], list[str]]] | None = None,
                    base: str | None = None) -> tuple[list[str], list[str]]:
    """``(violations, attention)``, each ``"PATH: ..."``, for the files of a change that the patterns do not
    cover (``paths``), each read as committed and as each text it encodes (:mod:`.blob_views`), compared with the
    change's sealed files (``sealed``: path -> head text) and every sealed file at ``head``
    (:mod:`.sealed_tree`); ``judge_keys``: the private keys in a file's decoded texts
    (:func:`.committed_keys.encoded_keys`); a credential line ``base`` already held is not named again."""
    violations: list[str] = []
    attention: list[str] = []
    leaves = {path: sealed_leaves(path, text) for path, text in sealed.items()}
    copies = SealedCopies()
    for path, held in leaves.items():
        copies.add(path, held)
    judged: list[Judged] = []
    with Blobs(head, root) as blobs:  # one git process, not one per file
        for path in paths:
            found = _views_at(blobs, path)
            if found is None:
                attention += [f"{path}: {line}" for line in _not_read(path)]
                continue
            judged += _to_judge(path, found)
    # every sealed file at the head, those of the directories holding a file to judge first, read before any is
    # judged: a copy is found whatever the order of the change's files, and wherever it was put
    if judged:
        near = {PurePosixPath(path).parent.as_posix() for path, *_ in judged}
        attention += add_sealed_tree(head, root, covered, leaves, copies, near, sealed_leaves)
    lined = [path for path, _, text, direct in judged if by_lines(text, direct)]
    before = show_many(base, lined, root) if base is not None and lined else {}
    for path, found, text, direct in judged:
        copied, noted = judge_file(path, found, text, direct, copies, COMMITTED_COPY, before.get(path))
        keys, key_notes = judge_keys(found) if judge_keys is not None else ([], [])
        violations += [f"{path}: {v}" for v in copied + keys]
        attention += [f"{path}: {n}" for n in noted + key_notes]
    return violations, attention


Judged = tuple[str, Views, "str | None", bool]
"""A file to judge: its name, its texts, its own text as UTF-8 (if it is), whether it reads as data."""


def _to_judge(path: str, found: Views) -> list[Judged]:
    """``path`` as a file to judge, if anything in it may be found: it reads as data, it encodes texts, something in
    it was not read, or a line of it has a credential's shape."""
    store, text = data_store(path), _as_committed(found)
    direct = store is not None and text is not None and bool(data_documents(text, store))
    if direct or any(view.where for view in found.found) or found.not_read or by_lines(text, direct):
        return [(path, found, text, direct)]
    return []


def by_lines(text: str | None, direct: bool) -> bool:
    """Whether a file's own text is read line by line for credentials: it is no data read by key path (a script,
    ``.npmrc``, a Helm template) and a line has a credential's shape."""
    return text is not None and not direct and may_hold_credential(text)


def judge_file(path: str, found: Views, text: str | None, direct: bool, copies: SealedCopies, fix: str,
               before: str | None = None) -> tuple[list[str], list[str]]:
    """``(copies, attention)`` for one file outside the patterns, the one judgment ``review`` and ``check`` make:
    a decrypted copy in it or in a text it encodes; values secret by their names or shapes; credential lines of a
    file of no data syntax (but those ``before``, its earlier version, held); what was not read."""
    copied, noted = plaintext_findings(path, text, copies, fix) if direct and text is not None else ([], [])
    decoded, decoded_notes = decoded_findings(found, copies, fix, said=frozenset(noted))
    lines = [line for line in credential_lines(path, text, before) if "private key" not in line] \
        if text is not None and by_lines(text, direct) else []  # a key is judged for whose it is (committed_keys)
    # a kind a decoded text of the file was named for, more precisely (a notebook's cell, whose JSON is the line)
    decoded_kinds = {note.rsplit(": ", 1)[-1] for note in decoded_notes}
    lines = [line for line in lines if line.split(": ", 1)[1] not in decoded_kinds]
    return copied + decoded, noted + decoded_notes + lines


def _views_at(blobs: Blobs, path: str) -> Views | None:
    """The texts of ``path`` at the revision, ``None`` if it is too large to read; a file absent (a submodule)
    has none."""
    try:
        data = blobs.read_bytes(path)
    except FormatError:
        return None
    return views(path, data) if data is not None else Views()


def _as_committed(found: Views) -> str | None:
    """The file's own text, as UTF-8: what the checks of data files by name read."""
    return found.found[0].text if found.found and not found.found[0].where else None


def _not_read(path: str) -> list[str]:
    """Attention for a file too large to read whose name says it holds others: a secret in it was not looked for."""
    if not path.lower().endswith(ARCHIVES):
        return []
    return [f"larger than {max_file_bytes() / (1024 * 1024):g} MiB (SEALFILE_MAX_FILE_MB): not opened, so nothing "
            "in it was checked for secrets"]


def sealed_leaves(path: str, text: str | None) -> dict[Path, Any]:
    """The leaves of a sealed file (tokens as ``ENC[...]``); empty if ``text`` is none or not sealed."""
    if text is None:
        return {}
    try:
        return dict(view(text, store_for(path)).leaves)
    except SealfileError:
        return {}


def copies_in_worktree(versions: Mapping[str, bytes], sealed: Sequence[str], fix: Callable[[str], str],
                       judge_keys: Callable[[str, Views], tuple[list[str], list[str]]] | None = None,
                       ) -> dict[str, tuple[list[str], list[str]]]:
    """For ``check``: file -> ``(errors, warnings)`` for each of ``versions`` (files the patterns do not cover,
    name -> content) that is, or encodes (:mod:`.blob_views`), a decrypted copy of one of ``sealed`` (the sealed
    files checked with it), of a sealed file in its own directory, or of any sealed file at ``HEAD``: the commit a
    pre-commit hook stops, where ``review`` would find it in CI once pushed; and all else ``review`` says of such a
    file (:func:`judge_file`, the one judgment: credentials, what was not read; ``judge_keys``: the private keys in
    its texts). ``fix``: what to do about the named file."""
    judged: list[Judged] = []
    for name, content in versions.items():
        judged += _to_judge(name, views(name, content))
    leaves: dict[str, dict[Path, Any]] = {}
    copies = SealedCopies()
    bounded: list[str] = []
    if judged:  # the sealed files checked with them, and those of their directories, all read before any is judged
        leaves.update((file, _leaves_of(file)) for file in sealed)
        for file, found_leaves in leaves.items():
            copies.add(file, found_leaves)
        for directory in sorted({os.path.dirname(name) for name, *_ in judged}):
            _add_neighbours(directory, leaves, copies)
        bounded = _add_committed({os.path.dirname(name) for name, *_ in judged}, leaves, copies)
    found: dict[str, tuple[list[str], list[str]]] = {}
    for name, seen, text, direct in judged:
        copied, notes = judge_file(name, seen, text, direct, copies, fix(name))
        keys, key_notes = judge_keys(name, seen) if judge_keys is not None else ([], [])
        if copied + keys + notes + key_notes:
            found[name] = (copied[:1] + keys, notes + key_notes)
    if judged and bounded:  # said of the first file judged: the hook names files, and these were not compared
        first = judged[0][0]
        errors, warnings = found.get(first, ([], []))
        found[first] = (errors, warnings + bounded)
    return found


def _add_committed(directories: set[str], leaves: dict[str, dict[Path, Any]], copies: SealedCopies) -> list[str]:
    """Every sealed file of the repository at ``HEAD`` (:mod:`.sealed_tree`, as ``review`` reads them, bounded the
    same way), as files a copy may be of: a decrypted copy put anywhere of a sealed file the commit leaves as it was
    (``sealfile decrypt prod.enc.yaml -o tmp/prod.yaml``, then ``git add tmp``) is stopped before it is committed.
    Outside a repository or before its first commit there are none; attention lines for what the bound left."""
    from sealfile.gitflow.gitcli import git
    from sealfile.gitflow.patterns import in_worktree

    try:
        top = git(["rev-parse", "--show-toplevel"], ".").rstrip("\n")
        prefix = git(["rev-parse", "--show-prefix"], ".").rstrip("\n")
        if git(["rev-parse", "--verify", "-q", "HEAD^{commit}"], ".", ok=(0, 1)).strip() == "":
            return []
        covered = in_worktree(pathlib.Path(top)).matches
    except SealfileError:
        return []
    near = {os.path.normpath(prefix + directory).replace(os.sep, "/") for directory in directories}
    named = {os.path.relpath(os.path.abspath(name), top).replace(os.sep, "/"): held for name, held in leaves.items()}
    return add_sealed_tree("HEAD", top, covered, named, copies, near, sealed_leaves)


def _add_neighbours(directory: str, leaves: dict[str, dict[Path, Any]], copies: SealedCopies) -> None:
    """The sealed files of ``directory`` in the working tree, each read once, as files a copy may be of."""
    from sealfile.gitflow.patterns import sealed_files

    entries = [pathlib.Path(directory, entry) for entry in _entries(directory)]
    for neighbour in map(str, sealed_files(p for p in entries if p.is_file())):
        if neighbour not in leaves:
            leaves[neighbour] = _leaves_of(neighbour)
            copies.add(neighbour, leaves[neighbour])


def _entries(directory: str) -> list[str]:
    try:
        return sorted(os.listdir(directory or "."))
    except OSError:
        return []


def _leaves_of(file: str) -> dict[Path, Any]:
    try:
        return sealed_leaves(file, read_text(file))
    except SealfileError:
        return {}
