"""Which files are sealed: by their content, as the git drivers read them, whatever their names or the
``sealed_files`` patterns say. One answer for ``review``, ``diff --git`` and ``check``.

A sealed file under a name no pattern covers is a file kept under its SOPS name by ``import-sops -i``, one sealed
with ``encrypt -o config.yaml``, or one an attacker adds for an application to load; a SOPS file there is a team's
half-way state (a clone still on ``sops``). ``review`` shows each as the sealed file it is (who can open it, who
sealed it, what changed), with the line that says nothing guards it: git merges it as text and ``check`` does not
hold it to being sealed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sealfile.errors import FormatError, SealfileError
from sealfile.gitflow.blobs import Blobs
from sealfile.gitflow.gitcli import SUBMODULE_MODE, Change, show, version_in_worktree
from sealfile.gitflow.patterns import UNGUARDED, UNGUARDED_SOPS
from sealfile.gitflow.plaintext_copies import data_store
from sealfile.gitflow.review_budget import ReadBudget
from sealfile.gitflow.sealed import view
from sealfile.model.metadata import METADATA_KEY
from sealfile.ops.sops_files import SOPS_MARKER, sops_kind
from sealfile.stores import get_store


def sealed_outside(changes: list[Change], blobs: Blobs, covered: Callable[[str], bool],
                   budget: ReadBudget) -> list[Change]:
    """The changes (of files that are there after them) outside the patterns whose new version, at ``blobs``, is a
    sealed or SOPS file. Each file parsed counts against the review's ``budget``; one past it is taken for a
    sealed file, which the review then fails as "not reviewed" rather than pass unread."""
    return [change for change in changes if change.status != "D" and not covered(change.path)
            and not change.link and change.mode != SUBMODULE_MODE and _sealed(change.path, blobs, budget)]


def _sealed(path: str, blobs: Blobs, budget: ReadBudget) -> bool:
    text = blobs.read_or_none(path)
    if text is None or not may_be_sealed(text):  # most files: no parse
        return False
    try:
        budget.charge(text)
    except FormatError:
        return True
    return is_sealed_text(path, text)


def unguarded_line(path: str, text: str | None) -> str:
    """What to tell of a sealed or SOPS file no pattern covers: a SOPS file is converted, not renamed (a SOPS
    file under the patterns is a violation)."""
    return UNGUARDED_SOPS if text is not None and sops_kind(text, path) is not None else UNGUARDED


def may_be_sealed(text: str) -> bool:
    """The cheap test: every sealed file names its metadata key, every SOPS file holds its MAC's marker."""
    return METADATA_KEY in text or SOPS_MARKER in text


def is_sealed_text(path: str, text: str) -> bool:
    """Whether ``text`` (the version of ``path``) is a sealed file or a SOPS file that its reader opens the
    metadata of, naming at least one recipient: a file that only holds the markers (a document quoting them) is
    not. The name picks a SOPS
    file's store, as for ``sops`` and the textconv driver; a sealed file is read in the store its name says, else
    as YAML (which reads sealed JSON too), as ``diff=sealfile`` reads any file it is given."""
    if not may_be_sealed(text):
        return False
    try:
        kind = sops_kind(text, path)
        if kind is not None:
            from sealfile.gitflow.sops_view import SopsView

            return bool(SopsView.of(text, kind).recipients)  # no key group: a file no one can open, not sealed
        view(text, data_store(path) or get_store("yaml"))
    except SealfileError:
        return False
    return True


def sealed_either_side(change: Change, base: str, head: str | None, root: Path) -> bool:
    """Whether either version of ``change`` (``head`` ``None``: the work tree's) is a sealed or SOPS file: ``diff
    --git`` shows such a file whatever the patterns say, each version bounded as every reader bounds it."""
    if change.link or change.mode == SUBMODULE_MODE:
        return False
    sides: list[tuple[str | None, str]] = [] if change.status == "A" else [(base, change.old_path or change.path)]
    sides += [] if change.status == "D" else [(head, change.path)]
    for rev, path in sides:
        try:
            text = show(rev, path, root) if rev is not None else version_in_worktree(root / path)
        except SealfileError:
            continue
        if text is not None and is_sealed_text(path, text):
            return True
    return False
