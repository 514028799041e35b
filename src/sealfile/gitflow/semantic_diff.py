"""What changed between two versions of a sealed file, by key path rather than by line.

Redacted by default: a sealed value shows as ``ENC#<fingerprint>``, so a reader without keys
still sees which values changed. ``reveal=True`` decrypts both sides (keys needed) and shows
plaintext. Plaintext values that the rules say to encrypt are never shown, even redacted.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sealfile.envelope.mac import leaf_bytes
from sealfile.errors import FormatError, one_line
from sealfile.gitflow.key_rotation import data_key_rotated
from sealfile.gitflow.sealed import SealedView, fingerprint, keypath
from sealfile.gitflow.sealing_change import any_view, sealing_change
from sealfile.gitflow.secret_values import credential_in
from sealfile.gitflow.sops_view import SopsView
from sealfile.model.paths import Path, encode_path, iter_leaves
from sealfile.model.scalars import scalar_text
from sealfile.ops.signatures import TrustPolicy, from_environment
from sealfile.stores import Store, store_for

HIDDEN = "<plaintext, hidden>"


@dataclass(frozen=True)
class ValueChange:
    keypath: str
    kind: str
    """``added``, ``removed``, ``changed``, or ``tag`` (a node's YAML tag changed; ``None`` for none)."""
    old: str | None
    new: str | None

    @property
    def symbol(self) -> str:
        return {"added": "+", "removed": "-", "changed": "~", "tag": "~"}[self.kind]


@dataclass
class FileDiff:
    path: str
    status: str
    """``added``, ``deleted``, ``modified`` or ``unchanged``."""
    values: list[ValueChange] = field(default_factory=list)
    recipients_added: list[str] = field(default_factory=list)
    recipients_removed: list[str] = field(default_factory=list)
    rules_change: tuple[str, str] | None = None
    version_change: tuple[object, object] | None = None
    problem: str | None = None
    """Why a side could not be read as a sealed file (then only the problem is reported)."""
    sealing: str | None = None
    """The line that says the file was sealed, or unsealed, in place (:mod:`~sealfile.gitflow.sealing_change`):
    then its recipients are those named, and no value is compared."""
    data_key_rotated: bool = False
    """Read without a key: no wrapped data key and no ciphertext of the old version survives."""
    renamed_from: str | None = None
    """The path the old version had, when the file moved."""
    keys_removed: list[str] = field(default_factory=list)
    """Recipients no group lists any more."""
    access_narrowed: bool = False
    """Keys that stay need more key groups than before (a file given groups, a threshold raised)."""
    access_loosened: str | None = None
    """Keys that open the new version, as messages name them, that the old one's groups held to more (a threshold
    lowered, a key moved so that one group suffices): :meth:`SealedView.opened_with_less`."""
    seal_change: tuple[str, str] | None = None
    """Who signed each side, where that changed (``unsigned``, or the key a signature names, unverified)."""
    groups_change: tuple[str, str] | None = None
    """Each side's key groups (:attr:`SealedView.layout`), where keys that stay moved or the threshold changed."""

    @property
    def recipients_changed(self) -> bool:
        return bool(self.recipients_added or self.recipients_removed or self.groups_change)

    @property
    def old_key_exposed(self) -> str | None:
        """Why someone who could open the old version can read values set later, if the data key stayed."""
        if self.data_key_rotated:
            return None
        if self.keys_removed:
            return "a removed recipient who kept it can read values set later"
        if self.access_narrowed:
            return "a recipient who now needs more key groups kept it and can read values set later alone"
        return None


def diff_texts(path: str, old: str | None, new: str | None, *, reveal: bool = False,
               renamed_from: str | None = None, policy: TrustPolicy | None = None) -> FileDiff:
    """Compare two versions (``None`` = the file does not exist on that side; ``renamed_from``: the old
    version's path, if the file moved). ``reveal`` decrypts only sides whose seal ``policy`` (default:
    ``SEALFILE_ALLOWED_SIGNERS``) accepts, as every reader does."""
    status = "added" if old is None else "deleted" if new is None else "modified"
    result = FileDiff(path, status, renamed_from=renamed_from)
    store = store_for(path)
    try:
        before = any_view(old, store, path) if old is not None else None
        after = any_view(new, store, path) if new is not None else None
    except FormatError as err:
        result.problem = f"not a readable sealed file: {err}"
        sealing = sealing_change(path, old, new, renamed_from)
        if sealing is not None:  # the plaintext side's values are the secrets: only whom the sealed side names
            result.recipients_added, result.recipients_removed = sealing.added, sealing.removed
            result.keys_removed = sealing.removed
            result.problem, result.sealing = None, sealing.line
        return result
    policy = (policy or from_environment()) if reveal else policy
    old_leaves = _shown(before, old, reveal, store, policy)
    new_leaves = _shown(after, new, reveal, store, policy)
    for p in _ordered(old_leaves, new_leaves):
        a, b = old_leaves.get(p), new_leaves.get(p)
        if a is None and b is not None:
            result.values.append(ValueChange(keypath(p), "added", None, b[1]))
        elif b is None and a is not None:
            result.values.append(ValueChange(keypath(p), "removed", a[1], None))
        elif a is not None and b is not None and a[0] != b[0]:
            result.values.append(ValueChange(keypath(p), "changed", a[1], b[1]))
    if before and after:  # counted: a second stanza for a key already listed is a recipient added too
        result.values += _retagged(before.tags, after.tags)
        added, removed = _more(after.keys, before.keys), _more(before.keys, after.keys)
        result.recipients_added, result.recipients_removed = _placed(after, added), removed
        if isinstance(before, SealedView) and isinstance(after, SealedView):
            result.groups_change = _regrouped(before, after, added, removed)
        if before.rule_key != after.rule_key:
            result.rules_change = (before.rule, after.rule)
        if before.version != after.version:
            result.version_change = (before.version, after.version)
        result.data_key_rotated = data_key_rotated(before, after)
        result.keys_removed = removed
        result.access_narrowed = before.opened_with_less(after) is not None
        result.access_loosened = after.opened_with_less(before)
        if before.seal != after.seal:
            result.seal_change = (before.seal, after.seal)
    elif after:
        result.recipients_added = after.recipients
    # A deleted file changes no one's access to anything set later: its recipients are not "removed".
    if status == "modified" and not (result.values or result.recipients_changed or result.rules_change
                                     or result.seal_change):
        result.status = "unchanged"
    return result


def _retagged(old: dict[Path, str], new: dict[Path, str]) -> list[ValueChange]:
    """A line per node whose application tag (docs/format.md §1.3) was added, removed or changed: the seal covers
    tags, so a re-seal changing only a tag changes the file as a value would."""
    return [ValueChange(keypath(p), "tag", old.get(p), new.get(p)) for p in _ordered(old, new)
            if old.get(p) != new.get(p)]


def _placed(side: SealedView | SopsView, keys: list[str]) -> list[str]:
    """``keys`` (as :attr:`SealedView.keys` names them) as :attr:`SealedView.recipients` does: with their key group."""
    wanted, placed = Counter(keys), []
    for recipient, key in zip(side.recipients, side.keys, strict=True):
        if wanted[key]:
            wanted[key] -= 1
            placed.append(recipient)
    return placed


def _regrouped(before: SealedView, after: SealedView, added: list[str], removed: list[str]) -> tuple[str, str] | None:
    """Each side's key groups, when the keys that stay moved between groups or the threshold changed: told apart
    from keys added and removed, which are not also named as moved."""
    def staying(side: SealedView, leaving: list[str]) -> Counter[str]:
        return Counter(side.recipients) - Counter(_placed(side, leaving))

    if staying(before, removed) == staying(after, added):
        return None
    return before.layout, after.layout


def _more(these: list[str], than: list[str]) -> list[str]:
    """Each of ``these`` beyond as many times as ``than`` lists it, in order."""
    left = Counter(than)
    kept = []
    for name in these:
        if left[name]:
            left[name] -= 1
        else:
            kept.append(name)
    return kept


def _ordered(first: dict[Path, Any], second: dict[Path, Any]) -> list[Path]:
    """Paths of the new version in its order, then paths only the old version had."""
    return [*second, *(p for p in first if p not in second)]


def _shown(
    side: SealedView | SopsView | None, text: str | None, reveal: bool, store: Store, policy: TrustPolicy | None
) -> dict[Path, tuple[bytes, str]]:
    """Per leaf: (what equality compares, what a reader is shown)."""
    if side is None or text is None:
        return {}
    if reveal:
        return {p: (leaf_bytes(v), _plain(v)) for p, v in iter_leaves(side.revealed(text, store, policy))}
    shown: dict[Path, tuple[bytes, str]] = {}
    sources = side.sources
    for p, v in side.leaves.items():
        if side.is_token(v):
            shown[p] = (leaf_bytes(v), f"ENC#{fingerprint(v)}")
        elif not isinstance(v, (dict, list)) and side.encrypts(p):
            shown[p] = (leaf_bytes(v), HIDDEN)
        elif credential_in(v) is not None:  # plaintext in the file, but a review is read in CI logs and PRs too
            shown[p] = (leaf_bytes(v), f"(plaintext holding {credential_in(v)}: not shown)")
        else:
            shown[p] = (leaf_bytes(v), _plain(v))
        source = sources.get(p)
        if source is not None:  # an alias re-pointed shows, even to an equal value
            compared, text = shown[p]
            shown[p] = (compared + b"\0" + encode_path(source), f"{text} (as {keypath(source)})")
    return shown


def _plain(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return scalar_text(value)


def render_text(diff: FileDiff, *, seal_shown: bool = False) -> list[str]:
    """Lines for a terminal: ``!`` marks what a reviewer must look at (recipients, rules). Paths, keys
    and values are the change's text: each line is :func:`~sealfile.errors.one_line`, so none can break
    or forge a line. ``seal_shown``: the caller shows each side's verified signer itself (``review``)."""
    return [one_line(line) for line in _lines(diff, seal_shown)]


def _lines(diff: FileDiff, seal_shown: bool) -> list[str]:
    moved = f", renamed from {diff.renamed_from}" if diff.renamed_from else ""
    lines = [f"{diff.path} ({diff.status}{moved})"]
    if diff.problem:
        return [*lines, f"  ! {diff.problem}"]
    lines += [f"  ! {diff.sealing}"] if diff.sealing else []
    lines += [f"  ! recipient added: {r}" for r in diff.recipients_added]
    lines += [f"  ! recipient removed: {r}" for r in diff.recipients_removed]
    if diff.groups_change:
        lines.append(f"  ! key groups: {diff.groups_change[0]} -> {diff.groups_change[1]}")
    if diff.old_key_exposed:
        lines.append(f"  ! data key NOT rotated: {diff.old_key_exposed}")
    elif diff.data_key_rotated:
        lines.append("  ! data key rotated: every value re-encrypted")
    if diff.rules_change:
        lines.append(f"  ! rule changed: {diff.rules_change[0]} -> {diff.rules_change[1]}")
    if diff.version_change:
        lines.append(f"  ! format version: {diff.version_change[0]} -> {diff.version_change[1]}")
    if diff.seal_change and not seal_shown:
        lines.append(f"  ! seal: {diff.seal_change[0]} -> {diff.seal_change[1]}")
    for change in diff.values:
        if change.kind == "changed":
            lines.append(f"  ~ {change.keypath}: {change.old} -> {change.new}")
        elif change.kind == "tag":
            lines.append(f"  ~ {change.keypath}: tag {change.old or '(none)'} -> {change.new or '(none)'}")
        else:
            lines.append(f"  {change.symbol} {change.keypath}: {change.old if change.new is None else change.new}")
    return lines
