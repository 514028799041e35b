"""Plaintext a change commits next to its sealed files, found without any key.

What the ``sealed_files`` patterns do not cover, nothing else checks, so ``review`` looks at the
data files of the change outside them (YAML, JSON, dotenv by name, ``.env.*`` too):

- **a decrypted copy** of a sealed file (``sealfile decrypt -o prod.yaml``, a ``.env`` next to
  ``.env.enc``, a Kubernetes Secret from ``--output-type k8s-secret``): every key path of a sealed file with
  two or more sealed values, in plaintext;
- a key **named like a secret** holding a plaintext value.

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

from sealfile.errors import SealfileError
from sealfile.files.io import read_text
from sealfile.gitflow.blobs import show_many
from sealfile.gitflow.gitcli import git
from sealfile.gitflow.sealed import keypath, looks_secret, view
from sealfile.model.metadata import METADATA_KEY
from sealfile.model.paths import Path, iter_leaves
from sealfile.model.scalars import is_sealed
from sealfile.ops.sops_files import sops_kind
from sealfile.sops.cipher import is_encrypted
from sealfile.stores import Store, get_store, named_store, store_for
from sealfile.stores.base import SUFFIXES
from sealfile.stores.dotenv import HEADER as DOTENV_HEADER

SHOWN_CHARS = 160
"""A comment longer than this is cut where it is shown (a line of megabytes would bury the review)."""


def data_store(path: str) -> Store | None:
    """The store that reads ``path`` if its name says it holds data, else ``None``: the one every command
    reads and writes it with (``.env.yaml`` is YAML: ``decrypt -o .env.yaml`` writes YAML there), else,
    for a name that says data in another case or ``.env.*``, the one that reads what it likely holds
    (``PROD.JSON``: YAML, which ``decrypt -o`` writes there and which reads JSON too; ``.env.local``,
    ``.ENV``: dotenv)."""
    name = PurePosixPath(path).name
    exact = named_store(name)
    if exact is not None:
        return exact
    lowered = name.lower()
    if lowered == ".env" or lowered.startswith(".env.") or lowered.endswith(SUFFIXES["dotenv"]):
        return get_store("dotenv")
    return store_for(name) if named_store(lowered) is not None else None


def leaf_paths(text: str, store: Store) -> dict[Path, Any] | None:
    """Every leaf of a plaintext data file, or of a SOPS file (without its metadata; the values SOPS
    encrypted are its ``ENC[AES256_GCM,...]`` tokens); ``None`` if it is neither: unreadable, or sealed.
    Read in ``store``, else as YAML: ``decrypt -o prod.json`` writes the sealed file's own syntax, whatever
    the name, unless told ``--output-type``."""
    found = _leaves(text, store)
    if found is None and store.name != "yaml":
        found = _leaves(text, get_store("yaml"))
    return found


def _leaves(text: str, store: Store) -> dict[Path, Any] | None:
    try:
        kind = sops_kind(text, input_type=store.name)
        data = store.load_fast(text) if kind is None else _sops_data(text, kind)
    except SealfileError:
        return None
    except Exception:  # a file a syntax's parser refuses in its own way: not data this check reads
        return None
    if not isinstance(data, dict) or METADATA_KEY in data:
        return None
    return dict(iter_leaves(data))


def _sops_data(text: str, kind: Any) -> Any:
    from sealfile import sops
    from sealfile.sops.data import to_data

    documents, _ = sops.parse(text, kind)
    return to_data(documents[0], "json" if kind == "json" else "yaml") if documents else {}


COMMITTED_COPY = "remove it from the history and rotate its values"
"""What to do about a decrypted copy a commit holds."""


def plaintext_findings(path: str, text: str, sealed: Mapping[str, dict[Path, Any]],
                       fix: str = COMMITTED_COPY) -> tuple[list[str], list[str]]:
    """``(violations, attention)`` for a changed file outside the patterns; ``sealed``: the leaves of
    sealed files it may copy (file -> key path -> value, tokens as ``ENC[...]``); ``fix``: what to do
    about a decrypted copy."""
    store = data_store(path)
    leaves = leaf_paths(text, store) if store is not None else None
    if not leaves:
        return [], []
    for source, sealed_leaves in sealed.items():
        if _copied(sealed_leaves, leaves):
            return [f"holds every key path of {source} in plaintext: a decrypted copy ('sealfile decrypt -o')? "
                    f"{fix}"], []
    named = [p for p, value in leaves.items() if looks_secret(p) and _filled(value) and not _token(value)]
    return [], [f"{keypath(p)}: named like a secret, in plaintext in a file no sealed_files pattern covers"
                for p in named]


def _copied(sealed: dict[Path, Any], leaves: dict[Path, Any]) -> bool:
    """``leaves`` hold every key path of ``sealed`` (two sealed values or more) in plaintext: as written, or
    as the variable names ``decrypt --output-type dotenv`` and ``k8s-secret`` give them (``DATABASE_PASSWORD``),
    under any ``--prefix``, at the top or in any one mapping (a Kubernetes Secret's ``data``, a compose file's
    ``environment``)."""
    if sum(map(_token, sealed.values())) < 2:
        return False
    if sealed.keys() <= leaves.keys():  # the subset test stops at the first key path missing
        return all(_plain(leaves[p]) for p in sealed)
    from sealfile.runtime.flatten import env_name  # only here: a data file that is no copy as written

    wanted = [env_name(p) for p in sealed]
    return any(_holds_variables(variables, wanted) for variables in _mappings(leaves, len(wanted)))


def _mappings(leaves: dict[Path, Any], at_least: int) -> list[dict[str, Any]]:
    """The leaves of each mapping with string keys, by name, that holds ``at_least`` of them."""
    found: dict[Path, dict[str, Any]] = {}
    for path, value in leaves.items():
        if path and isinstance(path[-1], str):
            found.setdefault(path[:-1], {})[path[-1]] = value
    return [names for names in found.values() if len(names) >= at_least]


def _holds_variables(variables: dict[str, Any], wanted: list[str]) -> bool:
    for prefix in {name[:-len(wanted[0])] for name in variables if name.endswith(wanted[0])}:
        if all(prefix + name in variables and _plain(variables[prefix + name]) for name in wanted):
            return True
    return False


def _token(value: Any) -> bool:
    """A sealfile token or a SOPS one: ciphertext, whichever tool wrote it."""
    return isinstance(value, str) and (is_sealed(value) or is_encrypted(value))


def _filled(value: Any) -> bool:
    """A string that may be a secret: not empty, not a reference (``${DB_PASSWORD}``, ``{{ .token }}``)."""
    return isinstance(value, str) and bool(value.strip()) and not _reference(value)


def _plain(value: Any) -> bool:
    """What a copy holds for a value: neither ciphertext nor a reference to where the value comes from."""
    return not _token(value) and not _reference(value)


def _reference(value: Any) -> bool:
    """``${DB_PASSWORD}``, ``{{ .token }}``: a template's stand-in (a compose file, a chart), not a value."""
    text = value.strip() if isinstance(value, str) else ""
    return (text.startswith("${") and text.endswith("}")) or (text.startswith("{{") and text.endswith("}}"))


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
                    covered: Callable[[str], bool]) -> tuple[list[str], list[str]]:
    """``(violations, attention)``, each ``"PATH: ..."``, for the data files of a change that the
    patterns do not cover (``paths``), compared with the change's sealed files (``sealed``: path ->
    head text) and the sealed files in their own directories at ``head``."""
    violations: list[str] = []
    attention: list[str] = []
    leaves = {path: sealed_leaves(path, text) for path, text in sealed.items()}
    directories: set[str] = set()
    candidates = [path for path in paths if data_store(path) is not None]
    texts = show_many(head, candidates, root)  # one git process, not one per file
    for path in candidates:
        store, text = data_store(path), texts[path]
        if store is None or text is None or not leaf_paths(text, store):
            continue
        directory = PurePosixPath(path).parent.as_posix()
        if directory not in directories:  # each directory's sealed files read once
            directories.add(directory)
            neighbours = [n for n in _files_in(head, directory, root) if covered(n) and n not in leaves]
            for neighbour, neighbour_text in show_many(head, neighbours, root).items():
                leaves[neighbour] = sealed_leaves(neighbour, neighbour_text)
        found, noted = plaintext_findings(path, text, {p: v for p, v in leaves.items() if v})
        violations += [f"{path}: {v}" for v in found]
        attention += [f"{path}: {n}" for n in noted]
    return violations, attention


def sealed_leaves(path: str, text: str | None) -> dict[Path, Any]:
    """The leaves of a sealed file (tokens as ``ENC[...]``); empty if ``text`` is none or not sealed."""
    if text is None:
        return {}
    try:
        return dict(view(text, store_for(path)).leaves)
    except SealfileError:
        return {}


def copies_in_worktree(versions: Mapping[str, str], sealed: Sequence[str],
                       fix: Callable[[str], str]) -> dict[str, str]:
    """For ``check``: data file -> why it must not be committed, for each of ``versions`` (data files the
    patterns do not cover, name -> text) that is a decrypted copy of one of ``sealed`` (the sealed files
    checked with it) or of a sealed file in its own directory: the commit a pre-commit hook stops, where
    ``review`` would find it in CI once pushed. ``fix``: what to do about the named file."""
    from sealfile.gitflow.patterns import sealed_files

    leaves: dict[str, dict[Path, Any]] = {}
    found: dict[str, str] = {}
    listed: set[str] = set()
    for name, text in versions.items():
        store = data_store(name)
        if store is None or not leaf_paths(text, store):
            continue
        if not listed:  # the sealed files checked with it are read once there is a data file to compare
            leaves.update((file, _leaves_of(file)) for file in sealed)
        directory = os.path.dirname(name)
        if directory not in listed:  # each directory's sealed files read once
            listed.add(directory)
            entries = [pathlib.Path(directory, entry) for entry in _entries(directory)]
            for neighbour in map(str, sealed_files(p for p in entries if p.is_file())):
                leaves.setdefault(neighbour, _leaves_of(neighbour))
        copied, _ = plaintext_findings(name, text, {f: v for f, v in leaves.items() if v}, fix(name))
        if copied:
            found[name] = copied[0]
    return found


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


def _files_in(rev: str, directory: str, root: str | os.PathLike[str]) -> list[str]:
    """The files directly in ``directory`` at ``rev`` (toplevel-relative paths)."""
    where = [] if directory == "." else ["--", f"{directory}/"]
    return [name for name in git(["ls-tree", "-z", "--name-only", rev, *where], root).split("\0") if name]
