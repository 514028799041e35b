"""A pull-request summary of sealed-file changes that a reviewer (or CI) reads without keys.

Policy violations (the review fails, exit status 1):
- a file matching the ``sealed_files`` patterns that is not a valid sealed file (e.g. plaintext);
- a value stored in plaintext where the file's rule requires encryption;
- a key named like a secret (password, token, api_key...) that this change leaves in plaintext:
  newly added unencrypted, or sealed before and plaintext now (e.g. through a rule change);
- where trusted signers are configured (or a creation rule requires a signature): a new version
  that readers would refuse for its seal (unsigned, an unknown signer, a broken signature), and
  in particular a **data key replaced** by anyone but a trusted signer (:mod:`sealfile.gitflow.seals`);
- with ``fail_on_recipient_change``: any recipient added or removed, and any change to ``signers:``.
Flagged for attention but not failing by default: recipients added or removed and trusted signers
added or removed (shown first: a contributor adding their own key is the attack to catch), data
keys replaced, rule and format-version changes, values that were sealed before and are plaintext
now, and changes to ``.sealfile.yaml``. Every file's line says who sealed each side.
The ``sealed_files`` patterns of both revisions (and of the checkout) apply, so a change cannot
hide a plaintext file by narrowing them.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import PurePosixPath

from sealfile.errors import FormatError
from sealfile.gitflow.check import check_text
from sealfile.gitflow.gitcli import changed_files, show, toplevel
from sealfile.gitflow.patterns import at_revision, in_worktree, union
from sealfile.gitflow.sealed import keypath, looks_secret, view
from sealfile.gitflow.seals import policy_at, review_seal, signer_changes
from sealfile.gitflow.semantic_diff import FileDiff, diff_texts, render_text
from sealfile.model.scalars import is_sealed
from sealfile.ops.config import CONFIG_NAME
from sealfile.ops.signatures import NO_POLICY, TrustPolicy


@dataclass
class FileReview:
    path: str
    diff: FileDiff
    violations: list[str] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)
    sealed_by: str = ""
    data_key_replaced: bool = False


@dataclass
class Review:
    base: str
    head: str
    files: list[FileReview] = field(default_factory=list)
    fail_on_recipient_change: bool = False
    config_changed: bool = False
    """``.sealfile.yaml`` changed: creation rules decide who can open future files."""
    signer_changes: list[str] = field(default_factory=list)
    """Trusted signers added to or removed from a ``.sealfile.yaml``."""

    @property
    def violations(self) -> list[str]:
        found = [f"{f.path}: {v}" for f in self.files for v in f.violations]
        if self.fail_on_recipient_change:
            found += [f"{f.path}: recipients changed" for f in self.files if f.diff.recipients_changed]
            found += self.signer_changes
        return found

    @property
    def key_replacements(self) -> list[str]:
        return [f"{f.path}: data key replaced, {f.sealed_by}" for f in self.files if f.data_key_replaced]

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
        if PurePosixPath(change.path).name == CONFIG_NAME:
            result.config_changed = True
            result.signer_changes += signer_changes(change.path, show(base, change.path, root),
                                                    show(head, change.path, root))
        if not patterns.matches(change.path):
            continue
        old, new = show(base, change.path, root), show(head, change.path, root)
        result.files.append(review_file(change.path, old, new, policy_at(base, change.path, root)))
    return result


def review_file(path: str, old: str | None, new: str | None, policy: TrustPolicy = NO_POLICY) -> FileReview:
    """Diff one file and apply the policy to its new version (``policy``: whose seal it must carry)."""
    entry = FileReview(path, diff_texts(path, old, new))
    if new is None:
        return entry
    entry.violations += [f.message if not f.keypath else f"{f.keypath}: {f.message}"
                         for f in check_text(new, path) if f.error]
    _review_seal(entry, old, new, policy)
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


def _review_seal(entry: FileReview, old: str | None, new: str, policy: TrustPolicy) -> None:
    seal = review_seal(entry.path, old, new, policy)
    if seal is None:
        return
    entry.sealed_by, entry.data_key_replaced = seal.sealed_by(), seal.data_key_replaced
    if seal.problem is not None:
        entry.violations.append(f"data key replaced: {seal.problem}" if seal.data_key_replaced else seal.problem)
    elif seal.data_key_replaced and not policy.required:
        entry.attention.append("data key replaced, and no trusted signers are configured: a rotation and a file "
                               "forged by someone who can push look the same (see 'signers:' in .sealfile.yaml)")


def _section(out: list[str], markdown: bool, title: str, text_title: str, advice: str, lines: list[str]) -> None:
    if lines:
        out += ["", f"### :warning: {title}" if markdown else text_title, advice]
        out += [f"- {line}" if markdown else f"  {line}" for line in lines]


def render(result: Review, fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps(_as_json(result), indent=2) + "\n"
    markdown = fmt == "markdown"
    out: list[str] = []
    title = f"sealfile review {result.base}..{result.head}"
    out.append(f"## {title}" if markdown else title)
    out.append(f"{len(result.files)} sealed file(s) changed, {len(result.violations)} policy violation(s).")
    _section(out, markdown, "Recipients changed", "!!! RECIPIENTS CHANGED !!!",
             "Check that every added key belongs to someone who should read these secrets.", result.recipient_changes)
    _section(out, markdown, "Signers changed", "!!! SIGNERS CHANGED !!!",
             "Check that every added key belongs to someone who may seal these secrets.", result.signer_changes)
    _section(out, markdown, "Data key replaced", "!!! DATA KEY REPLACED !!!",
             "Whoever sealed a new data key can read every value set later: it must be a rotation by a trusted "
             "signer.", result.key_replacements)
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
            if f.sealed_by:
                out.append(f"  @ {f.sealed_by}")
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
        "signer_changes": result.signer_changes,
        "data_key_replaced": result.key_replacements,
        "files": [asdict(f) for f in result.files],
    }
