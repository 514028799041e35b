"""A pull-request summary of sealed-file changes that a reviewer (or CI) reads without keys.

Policy violations (the review fails, exit status 1):
- a file matching the ``sealed_files`` patterns that is not a valid sealed file (e.g. plaintext);
- a value stored in plaintext where the file's rule requires encryption;
- a key named like a secret (password, token, api_key...) that this change leaves in plaintext:
  newly added unencrypted, or sealed before and plaintext now (e.g. through a rule change);
- with ``fail_on_recipient_change``: any recipient added or removed.
Flagged for attention but not failing by default: recipients added or removed (shown first: a
contributor adding their own key is the attack to catch), rule and format-version changes,
values that were sealed before and are plaintext now, and changes to ``.sealfile.yaml``.
The ``sealed_files`` patterns of both revisions (and of the checkout) apply, so a change cannot
hide a plaintext file by narrowing them.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

from sealfile.errors import FormatError
from sealfile.gitflow.check import check_text
from sealfile.gitflow.gitcli import changed_files, show, toplevel
from sealfile.gitflow.patterns import at_revision, in_worktree, union
from sealfile.gitflow.sealed import keypath, looks_secret, view
from sealfile.gitflow.semantic_diff import FileDiff, diff_texts, render_text
from sealfile.model.scalars import is_sealed
from sealfile.ops.config import CONFIG_NAME


@dataclass
class FileReview:
    path: str
    diff: FileDiff
    violations: list[str] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)


@dataclass
class Review:
    base: str
    head: str
    files: list[FileReview] = field(default_factory=list)
    fail_on_recipient_change: bool = False
    config_changed: bool = False
    """``.sealfile.yaml`` changed: creation rules decide who can open future files."""

    @property
    def violations(self) -> list[str]:
        found = [f"{f.path}: {v}" for f in self.files for v in f.violations]
        if self.fail_on_recipient_change:
            found += [f"{f.path}: recipients changed" for f in self.files if f.diff.recipients_changed]
        return found

    @property
    def recipient_changes(self) -> list[str]:
        lines = []
        for f in self.files:
            lines += [f"{f.path}: ADDED {r}" for r in f.diff.recipients_added]
            rotation = "data key rotated" if f.diff.data_key_rotated else "data key NOT rotated: run 'sealfile rotate'"
            lines += [f"{f.path}: removed {r} ({rotation})" for r in f.diff.recipients_removed]
        return lines


def review(base: str, head: str, cwd: str | os.PathLike[str] | None = None, *,
           fail_on_recipient_change: bool = False) -> Review:
    root = toplevel(cwd)
    # A change must not escape review by narrowing sealed_files: the patterns of both sides count.
    patterns = union(in_worktree(root), at_revision(base, root), at_revision(head, root))
    result = Review(base, head, fail_on_recipient_change=fail_on_recipient_change)
    for change in changed_files(base, head, [], root):
        if change.path == CONFIG_NAME or change.path.endswith(f"/{CONFIG_NAME}"):
            result.config_changed = True
        if not patterns.matches(change.path):
            continue
        old, new = show(base, change.path, root), show(head, change.path, root)
        result.files.append(review_file(change.path, old, new))
    return result


def review_file(path: str, old: str | None, new: str | None) -> FileReview:
    """Diff one file and apply the policy to its new version."""
    entry = FileReview(path, diff_texts(path, old, new))
    if new is None:
        return entry
    entry.violations += [f.message if not f.keypath else f"{f.keypath}: {f.message}"
                         for f in check_text(new, path) if f.error]
    try:
        after = view(new)
    except FormatError:
        return entry
    try:
        before = view(old).leaves if old is not None else {}
    except FormatError:
        before = {}
    for p in after.unencrypted():
        if after.meta.rules.encrypts(p):
            continue  # already a violation above
        was_sealed = is_sealed(before.get(p))
        if looks_secret(p) and (p not in before or was_sealed):
            entry.violations.append(f"{keypath(p)}: named like a secret and left unencrypted by this change")
        elif was_sealed:
            entry.attention.append(f"{keypath(p)}: was sealed, now stored in plaintext")
    diff = entry.diff
    if diff.rules_change:
        entry.attention.append(f"encryption rule changed: {diff.rules_change[0]} -> {diff.rules_change[1]}")
    if diff.version_change:
        entry.attention.append(f"format version changed: {diff.version_change[0]} -> {diff.version_change[1]}")
    return entry


def render(result: Review, fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps(_as_json(result), indent=2) + "\n"
    markdown = fmt == "markdown"
    out: list[str] = []
    title = f"sealfile review {result.base}..{result.head}"
    out.append(f"## {title}" if markdown else title)
    out.append(f"{len(result.files)} sealed file(s) changed, {len(result.violations)} policy violation(s).")
    if result.recipient_changes:
        out += ["", "### :warning: Recipients changed" if markdown else "!!! RECIPIENTS CHANGED !!!",
                "Check that every added key belongs to someone who should read these secrets."]
        out += [f"- {line}" if markdown else f"  {line}" for line in result.recipient_changes]
    if result.violations:
        out += ["", "### :x: Policy violations" if markdown else "POLICY VIOLATIONS:"]
        out += [f"- {line}" if markdown else f"  {line}" for line in result.violations]
    attention = [f"{f.path}: {a}" for f in result.files for a in f.attention]
    if result.config_changed:
        attention.insert(0, f"{CONFIG_NAME}: changed (creation rules choose the recipients of new files; "
                            "sealed_files chooses what must be sealed)")
    if attention:
        out += ["", "### Needs attention" if markdown else "NEEDS ATTENTION:"]
        out += [f"- {line}" if markdown else f"  {line}" for line in attention]
    if result.files:
        out += ["", "### Changes" if markdown else "CHANGES:"]
        if markdown:
            out.append("```diff")
        for f in result.files:
            out += render_text(f.diff)
        if markdown:
            out.append("```")
        out.append("(ENC#... is a fingerprint of a sealed value: a new fingerprint means a new value)")
    return "\n".join(out) + "\n"


def _as_json(result: Review) -> dict[str, object]:
    return {
        "base": result.base,
        "head": result.head,
        "ok": not result.violations,
        "violations": result.violations,
        "recipient_changes": result.recipient_changes,
        "config_changed": result.config_changed,
        "files": [asdict(f) for f in result.files],
    }
