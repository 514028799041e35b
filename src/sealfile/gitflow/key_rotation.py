"""Whether the data key changed between two versions of a sealed or SOPS file, told without it: what ``diff`` and
``review`` say of a recipient removed (whoever kept the old key reads values set later, unless it was rotated)."""

from __future__ import annotations

from sealfile.envelope.token_shape import token_times
from sealfile.errors import FormatError, SealfileError
from sealfile.gitflow.sealed import SealedView
from sealfile.gitflow.seals import key_replaced
from sealfile.gitflow.sops_view import SopsView
from sealfile.kms.groups import KeyGroups


def data_key_rotated(before: SealedView | SopsView, after: SealedView | SopsView) -> bool:
    """Whether the data key changed, told without it: a recipient change alone keeps every other wrapped
    stanza and every value's ciphertext; a rotation re-wraps every stanza and re-encrypts every value.
    Two sealed versions are judged as ``review`` judges them (:func:`~sealfile.gitflow.seals.key_replaced`), but a
    change of key groups, which wraps every stanza again with the same key, counts as a rotation only if a value
    shows it: told from every value set anew, a leaver's key would be called gone while it still opens the file."""
    old_tokens = {value for value in before.leaves.values() if before.is_token(value)}
    new_tokens = (value for value in after.leaves.values() if after.is_token(value))
    if isinstance(before, SealedView) and isinstance(after, SealedView):
        if not key_replaced(before.meta, after.meta, old_tokens, new_tokens):
            return False
        return not _split_afresh(before, after) or _reencrypted(before, after)
    kept_stanza = any(stanza in before.stanzas for stanza in after.stanzas)
    return not kept_stanza and not any(token in old_tokens for token in new_tokens)


def _split_afresh(before: SealedView, after: SealedView) -> bool:
    """Whether a writer that kept the data key would still have wrapped every stanza again: the key groups
    changed, so the same key was split afresh (docs/format.md §3.1) and no stanza survives to tell."""
    if not (before.meta.grouped or after.meta.grouped):
        return False
    try:
        return not KeyGroups.from_stanzas(before.meta.groups, before.meta.threshold).same_as(
            KeyGroups.from_stanzas(after.meta.groups, after.meta.threshold))
    except SealfileError:
        return True


def _reencrypted(before: SealedView, after: SealedView) -> bool:
    """Whether some value was sealed again keeping when it was set, as only a rotation does (a value set anew
    gets a new time): with no stanza left to tell, the one sign that the data key changed, not every value."""
    pairs = [(path, before.leaves[path], token) for path, token in after.leaves.items()
             if after.is_token(token) and before.is_token(before.leaves.get(path)) and before.leaves[path] != token]
    try:
        old = token_times((path, token) for path, token, _ in pairs)
        new = token_times((path, token) for path, _, token in pairs)
    except FormatError:
        return False
    return any(a == b for a, b in zip(old, new, strict=True))
