"""Each version of a file read as the sealed or SOPS file it is, and a file that stopped (or started) being one in
place: a sealed file committed decrypted (``sealfile decrypt`` or ``sops decrypt -i`` written over it), or a
plaintext file sealed where it lies. One answer for ``diff`` and ``review``: whom it was sealed for, each a
recipient removed, since anyone who reads the repository reads it now; whom it is sealed for now, each a recipient
added, as for a file added sealed. Neither side's values are told: the plaintext side holds the secrets."""

from __future__ import annotations

from dataclasses import dataclass

from sealfile.errors import FormatError, NotSealedError
from sealfile.gitflow.sealed import SealedView, view
from sealfile.gitflow.sops_view import SopsView
from sealfile.gitflow.unguarded import is_sealed_text, may_be_sealed
from sealfile.ops.sops_files import sops_kind
from sealfile.stores import Store, store_for

NO_LONGER_SEALED = "no longer sealed: committed in plaintext, which anyone who reads the repository reads"
NOW_SEALED = "now sealed: the version before was plaintext, which the repository's history still holds"


@dataclass(frozen=True)
class SealingChange:
    """A file sealed or unsealed in place: the line that says so, and the recipients it names."""

    line: str
    added: list[str]
    """Whom the new version is sealed for (with their key group, as :attr:`SealedView.recipients` names them)."""
    removed: list[str]
    """Whom the old version was sealed for (as :attr:`SealedView.keys` names them)."""


def any_view(text: str, store: Store, path: str) -> SealedView | SopsView:
    """A sealed file's keyless view, or a SOPS file's (:class:`~sealfile.gitflow.sops_view.SopsView`)."""
    kind = sops_kind(text, path)
    return view(text, store) if kind is None else SopsView.of(text, kind)


def sealing_change(path: str, old: str | None, new: str | None, old_path: str | None = None) -> SealingChange | None:
    """How ``new`` (the version of ``path``) changed from ``old`` (of ``old_path``, default ``path``), when one
    is a sealed or SOPS file and the other is plaintext; ``None`` when both or neither are, or a side is missing.
    A sealed file no reader opens (a broken metadata block or token, conflict markers, a dotenv layout refused) is
    neither: no one was shown its values and its recipients were not changed, only not read, so its own problem is
    the one thing to tell."""
    if old is None or new is None:
        return None
    old_path = old_path or path
    was, now = is_sealed_text(old_path, old), is_sealed_text(path, new)
    if was and not now and _plaintext(path, new):
        return SealingChange(NO_LONGER_SEALED, [], unsealed_for(old_path, old))
    if now and _plaintext(old_path, old):
        return SealingChange(NOW_SEALED, _sealed_for(path, new), [])
    return None


def _plaintext(path: str, text: str) -> bool:
    """Whether ``text`` is no sealed or SOPS file at all, rather than a broken one: it holds neither's marker
    (a file ``sops decrypt -i`` left in a syntax sealfile does not seal, INI or binary, included), or it reads as
    a document without metadata."""
    if not may_be_sealed(text):
        return True
    try:
        any_view(text, store_for(path), path)
    except NotSealedError:
        return True
    except FormatError:
        return False
    return False


def unsealed_for(old_path: str, old: str | None) -> list[str]:
    """Whom ``old`` (a sealed or SOPS file's version) was sealed for, when the version after it is that file in
    plaintext (decrypted in place): each a recipient removed, since anyone who reads the repository reads it now."""
    if old is None or not is_sealed_text(old_path, old):
        return []
    try:
        return any_view(old, store_for(old_path), old_path).keys
    except FormatError:
        return []


def _sealed_for(path: str, new: str) -> list[str]:
    try:
        return any_view(new, store_for(path), path).recipients
    except FormatError:
        return []
