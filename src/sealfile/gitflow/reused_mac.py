"""A sealed file whose ``mac`` line is another version's over other content, told without any key.

The MAC is a keyed hash of the keyless seal digest (docs/format.md §7): one ``mac`` line over two
different digests belongs to one of them at most. git makes such a file when it merges a sealed file
as text where no sealfile merge driver ran (a clone without ``sealfile git install``) and ``-X
ours``/``-X theirs`` settles the conflicting ``mac`` line: one side's ``mac`` over both sides'
values, a commit git calls clean that nobody can open. Without a key (CI, a reviewer) the MAC itself
cannot be checked, so ``check`` compares each file with the versions it came from: ``HEAD``, the
parents of ``HEAD`` (a merge commit) and the commits a merge in progress brings.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sealfile.errors import SealfileError
from sealfile.gitflow.gitcli import STORED_TEXT, git, toplevel
from sealfile.gitflow.path_lists import entries_of, git_for_paths
from sealfile.gitflow.sealed import keyless_read
from sealfile.gitflow.staged import blob_ids, merged_heads, path_in_repo, read_blobs
from sealfile.ops.document import SealedDocument
from sealfile.stores import store_for

if TYPE_CHECKING:
    from sealfile.ops.signatures import TrustPolicy

Earlier = dict[str, list[tuple[str, bytes | None]]]
"""File (as given) -> ``(revision, content)`` of each version it came from."""


def earlier_versions(files: Sequence[str | os.PathLike[str]], cwd: str | os.PathLike[str] = ".") -> Earlier:
    """The versions of ``files`` at ``HEAD``, at its parents and at the commits being merged; empty outside
    a work tree or before the first commit."""
    if not files:
        return {}
    try:
        top = toplevel(cwd)
        listed = git(["rev-list", "--parents", "-n", "1", "HEAD", "--"], top, ok=(0, 128)).split()
        heads = merged_heads(top)
    except (SealfileError, OSError):
        return {}
    revisions = [("HEAD", "HEAD")] + [(f"HEAD^{n}", c) for n, c in enumerate(listed[1:], 1)] + \
        [(f"the merged commit {c[:12]}", c) for c in heads]
    inside = ((path_in_repo(f, top), os.fspath(f)) for f in files)  # a file of another repository has none here
    named = {relative: given for relative, given in inside if relative != ".." and not relative.startswith("../")}
    found: Earlier = {}
    for name, commit in revisions if listed and named else []:
        ids = blob_ids(entries_of(["ls-tree", "-r", "-z", "--full-tree", commit], list(named), top))
        paths = [p for p in named if p in ids]
        for path, content in zip(paths, read_blobs([ids[p] for p in paths], top), strict=True):
            found.setdefault(named[path], []).append((name, content))
    return found


def reused_mac(text: str, file: str, earlier: list[tuple[str, bytes | None]]) -> str | None:
    """The revision (of ``earlier``) whose ``mac`` line ``text`` (a version of ``file``) carries over other
    content, so that it cannot open; ``None`` if there is none."""
    current = _document(text.encode("utf-8"), file)
    if current is None or not current.metadata.mac:
        return None
    for revision, content in earlier:
        other = _document(content, file)
        if other is not None and other.metadata.mac == current.metadata.mac and other.digest() != current.digest():
            return revision
    return None


def other_mac(text: str, file: str, earlier: list[tuple[str, bytes | None]]) -> str | None:
    """The revision (of ``earlier``) whose version has ``text``'s content, recipients' stanzas included (so its
    data key), under another ``mac`` line: the MAC is a function of the two, so ``text`` cannot open. A new
    ``mac`` line kept over the old values: 'git add -p' staging it alone, 'git checkout -p' dropping the value."""
    current = _document(text.encode("utf-8"), file)
    if current is None or not current.metadata.mac:
        return None
    seals = {revision: (d.digest(), d.metadata.mac) for revision, content in earlier
             if (d := _document(content, file)) is not None}
    for revision, (digest, mac) in seals.items():
        if mac == current.metadata.mac or digest != current.digest():
            continue
        # a version the others show broken (a hand edit committed) proves nothing about this one
        if not any(_clash((digest, mac), seal) for other, seal in seals.items() if other != revision):
            return revision
    return None


def _clash(a: tuple[bytes, str], b: tuple[bytes, str]) -> bool:
    """One of two versions cannot open: one ``mac`` line over two contents, or two over one."""
    return (a[1] == b[1]) != (a[0] == b[0])


FILES_PER_SEARCH = 100
"""``mac`` lines one ``git log`` searches for (review): its processes grow with the change by this step only."""


def reused_in_range(versions: dict[str, str], base: str, head: str, cwd: str | os.PathLike[str]) -> dict[str, str]:
    """For ``review``: path -> the commit between ``base`` and ``head`` whose version of the file has the ``mac``
    line of ``versions[path]`` (its head version) over other content. It finds a text merge settled by ``-X
    ours`` (whose ``mac`` is one parent's) also under later commits that left the file alone, which ``check``
    (``HEAD`` and its parents) does not see. One ``git log`` per :data:`FILES_PER_SEARCH` files, and one blob
    reader per commit found."""
    from sealfile.gitflow.blobs import Blobs
    from sealfile.gitflow.returned_keys import commits_per_name

    documents = {path: opened for path, text in versions.items()
                 if (opened := _document(text.encode("utf-8"), path)) is not None and opened.metadata.mac}
    sources: dict[str, list[str]] = {}  # commit -> paths whose version there is to compare
    names = list(documents)
    for start in range(0, len(names), FILES_PER_SEARCH):
        part = names[start:start + FILES_PER_SEARCH]
        pattern = "|".join(documents[path].metadata.mac.replace("+", "\\+") for path in part)  # base64's ERE one
        try:  # -S: the commits whose version holds a mac line a different number of times than their parent's
            out = git_for_paths(["log", *STORED_TEXT, "-z", "--pickaxe-regex", f"-S{pattern}", "--format=%H",
                                 "--name-only", "--no-renames", f"{base}..{head}"], part, cwd)
        except SealfileError:
            return {}  # a shallow clone or an unknown base: nothing to compare with
        for path, commits in commits_per_name(out, part).items():
            for commit in commits:
                sources.setdefault(commit, []).append(path)
    found: dict[str, str] = {}
    for commit, paths in sources.items():
        with Blobs(commit, cwd) as blobs:
            for path in paths:
                try:
                    content = blobs.read(path)
                except SealfileError:  # past the size limit: not compared
                    continue
                other = _document(None if content is None else content.encode("utf-8"), path)
                current = documents[path]
                if other is not None and other.metadata.mac == current.metadata.mac \
                        and other.digest() != current.digest():
                    found.setdefault(path, f"commit {commit[:12]}")
    return found


def reused_message(came_from: str, *, merge: bool | None = None) -> str:
    """Why a version carrying ``came_from``'s ``mac`` line cannot open, and what to do; ``merge``: whether
    it was made by a merge (``None``: not known)."""
    text_merge = ("git merged it as text where no sealfile merge driver ran, and -X ours or -X theirs settled the "
                  "'mac' line")
    if merge is False:  # one parent: the file was changed and committed without sealfile, no hook stopping it
        return (f"its 'mac' line is that of the version in {came_from}, over other content: nobody can open it "
                "(edited by hand, or committed in part with 'git add -p', where no hook ran): go back to a version "
                "that opens and make the change with 'sealfile set' or 'sealfile edit'")
    cause = text_merge if merge else f"{text_merge}, or it was edited by hand"
    return (f"its 'mac' line is that of the version in {came_from}, over other content: nobody can open it "
            f"({cause}): redo that merge after 'sealfile git install', or go back to a version that opens")


def broken_signature(text: str, file: str, policy: TrustPolicy) -> str | None:
    """What ``policy`` says of a signature of ``text`` that does not verify, ``None`` for any other: a
    signature kept with another version's ``mac`` line covers that version's content, so it fails for the
    same cause, which :func:`reused_message` names (said once, not as a second problem)."""
    document = _document(text.encode("utf-8"), file)
    if document is None or policy.check(document).status != "invalid":
        return None
    return policy.problem(document)


def _document(content: bytes | None, file: str) -> SealedDocument | None:
    if content is None:
        return None
    try:
        return keyless_read(content.decode("utf-8"), store_for(file))
    except (SealfileError, UnicodeDecodeError):
        return None
