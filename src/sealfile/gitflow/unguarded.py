"""Sealed files a change commits under names no ``sealed_files`` pattern covers: a file kept under its SOPS name
by ``import-sops -i``, one sealed with ``encrypt -o config.yaml``, or one an attacker adds for an application to
load. ``review`` shows each as the sealed file it is (who can open it, who sealed it, what changed), with the
line that says nothing guards it: git merges it as text and ``check`` does not hold it to being sealed.
"""

from __future__ import annotations

from collections.abc import Callable

from sealfile.errors import FormatError, SealfileError
from sealfile.gitflow.blobs import Blobs
from sealfile.gitflow.gitcli import SUBMODULE_MODE, Change
from sealfile.gitflow.plaintext_copies import data_store
from sealfile.gitflow.review_budget import ReadBudget
from sealfile.gitflow.sealed import view
from sealfile.model.metadata import METADATA_KEY


def sealed_outside(changes: list[Change], blobs: Blobs, covered: Callable[[str], bool],
                   budget: ReadBudget) -> list[Change]:
    """The changes (of files that are there after them) outside the patterns whose new version, at ``blobs``, is a
    sealed file. A SOPS file there is a team's half-way state (a clone still on ``sops``): the leak check reads it,
    its ciphertext no plaintext. Each file parsed counts against the review's ``budget``; one past it is taken
    for a sealed file, which the review then fails as "not reviewed" rather than pass unread."""
    return [change for change in changes if change.status != "D" and not covered(change.path)
            and not change.link and change.mode != SUBMODULE_MODE and _sealed(change.path, blobs, budget)]


def _sealed(path: str, blobs: Blobs, budget: ReadBudget) -> bool:
    store = data_store(path)
    if store is None:
        return False
    text = blobs.read_or_none(path)
    if text is None or METADATA_KEY not in text:  # most data files: no parse
        return False
    try:
        budget.charge(text)
    except FormatError:
        return True
    try:
        view(text, store)
    except SealfileError:
        return False
    return True
