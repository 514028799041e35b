"""A pull-request summary of sealed-file changes that a reviewer (or CI) reads without keys.

Policy violations (the review fails, exit status 3):
- a file matching the ``sealed_files`` patterns that is not a valid sealed file (e.g. plaintext);
- a value stored in plaintext where the file's rule requires encryption;
- a key named like a secret (password, token, api_key...) that this change leaves in plaintext:
  newly added unencrypted, or sealed before and plaintext now (e.g. through a rule change);
- where trusted signers are configured (or a creation rule requires a signature): a new version
  that readers would refuse for its seal (unsigned, an unknown signer, a broken signature), and
  in particular a **data key replaced** by anyone but a trusted signer (:mod:`sealfile.gitflow.seals`);
- a sealed file edited by hand, which no reader opens: a token copied to another key path, a
  ``mac`` line that cannot match the content (:mod:`sealfile.gitflow.tampering`);
- with ``fail_on_recipient_change``: any recipient added or removed, and any change to ``signers:``.
Flagged for attention but not failing by default: recipients added or removed and trusted signers
added or removed (shown first: a contributor adding their own key is the attack to catch), data
keys replaced, rule and format-version changes, values that were sealed before and are plaintext
now, values set back to an older ciphertext (a replay), and changes to ``.sealfile.yaml``. Every
file's line says who sealed each side.
The ``sealed_files`` patterns of both revisions (and of the checkout) apply, so a change cannot
hide a plaintext file by narrowing them.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

from sealfile.errors import FormatError, one_line
from sealfile.gitflow.blobs import Blobs
from sealfile.gitflow.check import check_text
from sealfile.gitflow.gitcli import Change, changed_files, fork_point, revisions_root
from sealfile.gitflow.leaks import added_comments, review_unsealed
from sealfile.gitflow.patterns import at_revision, in_worktree, moves_between_sealed_paths, union
from sealfile.gitflow.returned_keys import returned_keys
from sealfile.gitflow.sealed import fenced, keypath, looks_secret, markdown_text, view
from sealfile.gitflow.seals import creation_recipient_changes, policy_at, review_seal, signer_changes
from sealfile.gitflow.semantic_diff import FileDiff, diff_texts, render_text
from sealfile.gitflow.tampering import Locations, hand_edits, token_locations
from sealfile.kms.trust import offline
from sealfile.model.scalars import is_sealed
from sealfile.ops.config_files import CONFIG_NAME
from sealfile.ops.signatures import NO_POLICY, TrustPolicy
from sealfile.stores import store_for

LINK_SHOWN = 200
"""Characters of a symbolic link's target shown (git stores any blob as one)."""


@dataclass
class FileReview:
    path: str
    diff: FileDiff
    violations: list[str] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)
    sealed_by: str = ""
    data_key_replaced: bool = False
    key_returned_from: str = ""
    """The commit that last replaced the data key this version brings back (:mod:`~sealfile.gitflow.returned_keys`)."""


@dataclass
class Review:
    base: str
    head: str
    files: list[FileReview] = field(default_factory=list)
    fork: str | None = None
    """Where ``head`` forked from ``base``, if not at ``base`` itself: the changes are counted from there."""
    fail_on_recipient_change: bool = False
    config_changed: bool = False
    """``.sealfile.yaml`` changed: creation rules decide who can open future files."""
    signer_changes: list[str] = field(default_factory=list)
    """Trusted signers added to or removed from a ``.sealfile.yaml``."""
    rule_recipient_changes: list[str] = field(default_factory=list)
    """Recipients added to or removed from the creation rules of a ``.sealfile.yaml``."""
    plaintext: list[str] = field(default_factory=list)
    """Decrypted copies of sealed files among the change's other files (:mod:`sealfile.gitflow.leaks`)."""
    plaintext_notes: list[str] = field(default_factory=list)
    """Keys named like secrets in plaintext in the change's other files."""

    @property
    def violations(self) -> list[str]:
        found = [f"{f.path}: {v}" for f in self.files for v in f.violations] + self.plaintext
        if self.fail_on_recipient_change:
            found += [f"{f.path}: recipients changed" for f in self.files if f.diff.recipients_changed]
            found += self.signer_changes + self.rule_recipient_changes
        return found

    @property
    def key_replacements(self) -> list[str]:
        return [f"{f.path}: data key replaced, {f.sealed_by}" for f in self.files if f.data_key_replaced] + [
            f"{f.path}: data key set back to one this file had until {f.key_returned_from[:12]} (a rotation "
            "reverted?): whoever could open it before can open every value set now; run 'sealfile rotate'"
            for f in self.files if f.key_returned_from]

    @property
    def recipient_changes(self) -> list[str]:
        lines = []
        for f in self.files:
            lines += [f"{f.path}: ADDED {r}" for r in f.diff.recipients_added]
            rotation = "data key rotated" if f.diff.data_key_rotated else "data key NOT rotated: run 'sealfile rotate'"
            lines += [f"{f.path}: removed {r} ({rotation})" for r in f.diff.recipients_removed]
        return lines + self.rule_recipient_changes


def review(base: str, head: str, cwd: str | os.PathLike[str] | None = None, *,
           fail_on_recipient_change: bool = False) -> Review:
    """Needs no key and contacts no network service: it works from the files alone (offline, so a
    key that would need a service cannot be used even by mistake)."""
    with offline():
        return _review(base, head, cwd, fail_on_recipient_change)


def _review(base: str, head: str, cwd: str | os.PathLike[str] | None, fail_on_recipient_change: bool) -> Review:
    root, work_tree = revisions_root(cwd)
    fork = fork_point(base, head, root)  # a branch behind base: its own changes, not base's undone
    with Blobs(fork, root) as old_blobs, Blobs(head, root) as new_blobs, Blobs(base, root) as trusted:
        result = _review_versions(old_blobs, new_blobs, trusted, root, fail_on_recipient_change, work_tree)
    result.base, result.fork = base, (fork if fork != base else None)
    return result


def _review_versions(old_blobs: Blobs, new_blobs: Blobs, trusted: Blobs, root: Path, fail_on_recipient_change: bool,
                     work_tree: bool) -> Review:
    """``old_blobs`` to ``new_blobs`` is the change; ``trusted`` (the base's tip) says whose seals to trust."""
    base, head = old_blobs.rev, new_blobs.rev
    # A change must not escape review by narrowing sealed_files: the patterns of every side count.
    patterns = union(*([in_worktree(root)] if work_tree else []),
                     *(at_revision(rev, root) for rev in dict.fromkeys([base, trusted.rev, head])))
    result = Review(base, head, fail_on_recipient_change=fail_on_recipient_change)
    changes = changed_files(base, head, [], root)
    moved_out = {c.old_path: c.path for c in changes
                 if c.old_path is not None and patterns.matches(c.old_path) and not patterns.matches(c.path)}
    sealed: list[tuple[Change, str | None, str | None]] = []
    outside: list[str] = []
    for change in moves_between_sealed_paths(changes, patterns.matches):
        if PurePosixPath(change.path).name == CONFIG_NAME:
            result.config_changed = True
            old_config, new_config = old_blobs.read(change.path), new_blobs.read(change.path)
            result.signer_changes += signer_changes(change.path, old_config, new_config)
            result.rule_recipient_changes += creation_recipient_changes(change.path, old_config, new_config, root)
        if not patterns.matches(change.path):
            outside += [change.path] if change.status != "D" else []
            continue
        if change.link and change.status != "D":
            target = (new_blobs.read(change.path) or "")[:LINK_SHOWN]
            link = f"a symbolic link (to {target}), not a sealed file: git stores the link; nothing sealed is reviewed"
            status = "added" if change.status == "A" else "modified"
            result.files.append(FileReview(change.path, FileDiff(change.path, status, problem=link), violations=[link]))
            continue
        try:
            sealed.append((change, old_blobs.read(change.old_path or change.path), new_blobs.read(change.path)))
        except FormatError as err:  # a blob too large to read is a finding, not a crash
            unreadable = FileDiff(change.path, "modified", problem=err.message)
            result.files.append(FileReview(change.path, unreadable, violations=[err.message]))
    # every token of the change, to tell one copied from another key path, of any file
    locations = token_locations(version for change, old, new in sealed
                                for version in ((change.old_path or change.path, old), (change.path, new)))
    for change, old, new in sealed:
        entry = review_file(change.path, old, new, policy_at(trusted, change.path, root),
                            renamed_from=change.old_path, locations=locations)
        if change.path in moved_out:
            entry.attention.append(f"moved to {moved_out[change.path]}, which the sealed_files patterns do not "
                                   "cover: nothing checks that it stays sealed")
        result.files.append(entry)
    news = {change.path: new for change, _, new in sealed if new is not None}
    returned = returned_keys({f.path: news[f.path] for f in result.files if f.data_key_replaced}, base, root)
    for entry in result.files:
        entry.key_returned_from = returned.get(entry.path, "")
    result.plaintext, result.plaintext_notes = review_unsealed(
        head, outside, {change.path: new for change, _, new in sealed}, root, patterns.matches)
    return result


def review_file(path: str, old: str | None, new: str | None, policy: TrustPolicy = NO_POLICY, *,
                renamed_from: str | None = None, locations: Locations | None = None) -> FileReview:
    """Diff one file and apply the policy to its new version (``policy``: whose seal it must carry;
    ``locations``: the tokens of the whole change, default this file's two versions)."""
    entry = FileReview(path, diff_texts(path, old, new, renamed_from=renamed_from))
    if new is None:
        return entry
    entry.violations += [f.message if not f.keypath else f"{f.keypath}: {f.message}"
                         for f in check_text(new, path) if f.error]
    _review_seal(entry, old, new, policy)
    if locations is None:
        locations = token_locations([(renamed_from or path, old), (path, new)])
    hand_violations, hand_attention = hand_edits(path, old, new, locations, old_file=renamed_from)
    entry.violations += hand_violations
    entry.attention += hand_attention
    if store_for(path).name != "json":  # a comment is plaintext no rule seals: a value moved there shows
        entry.attention += added_comments(old, new)
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
    before = seal.before
    if seal.problem is None and before is not None and before.verified and before.fingerprint != seal.after.fingerprint:
        # no trusted signers to fail it, but whoever signed before vouches for this version no longer
        now = "unsigned now" if seal.after.status == "unsigned" else f"signed by {seal.after.signer} now"
        entry.attention.append(f"{now}, no longer by {before.signer}")


def render(result: Review, fmt: str = "text") -> str:
    """The review as text for a terminal, Markdown for a pull-request comment, or JSON.

    Paths, key names, recipients and messages come from the change under review, so they are
    shown, never interpreted: every invisible or control character as an escape (a newline, a
    terminal escape sequence, a bidirectional override), and in Markdown every punctuation
    character backslash-escaped (no ``<!--`` can hide what follows) and the diff in a fence longer
    than any run of backticks it holds."""
    if fmt == "json":
        return json.dumps(_as_json(result), indent=2) + "\n"
    markdown = fmt == "markdown"
    shown = markdown_text if markdown else one_line

    def items(lines: list[str]) -> list[str]:
        return [f"- {shown(line)}" if markdown else f"  {shown(line)}" for line in lines]

    out: list[str] = []
    title = f"sealfile review {shown(result.base)}..{shown(result.head)}"
    out.append(f"## {title}" if markdown else title)
    if result.fork:
        out.append(f"(changes made since {shown(result.head)} forked from {shown(result.base)} at {result.fork[:12]})")
    out.append(f"{len(result.files)} sealed file(s) changed, {len(result.violations)} policy violation(s).")
    for title, text_title, advice, lines in (
        ("Recipients changed", "!!! RECIPIENTS CHANGED !!!",
         "Check that every added key belongs to someone who should read these secrets.", result.recipient_changes),
        ("Signers changed", "!!! SIGNERS CHANGED !!!",
         "Check that every added key belongs to someone who may seal these secrets.", result.signer_changes),
        ("Data key replaced", "!!! DATA KEY REPLACED !!!",
         "Whoever sealed a new data key can read every value set later: it must be a rotation by a trusted "
         "signer.", result.key_replacements),
    ):
        if lines:
            out += ["", f"### :warning: {title}" if markdown else text_title, advice, *items(lines)]
    if result.violations:
        out += ["", "### :x: Policy violations" if markdown else "POLICY VIOLATIONS:", *items(result.violations)]
    attention = [f"{f.path}: {a}" for f in result.files for a in f.attention] + result.plaintext_notes
    if result.config_changed:
        attention.insert(0, f"{CONFIG_NAME}: changed (creation rules choose the recipients of new files; "
                            "sealed_files chooses what must be sealed)")
    if attention:
        out += ["", "### Needs attention" if markdown else "NEEDS ATTENTION:", *items(attention)]
    if result.files:
        out += ["", "### Changes" if markdown else "CHANGES:"]
        changes = [line for f in result.files
                   for line in [*render_text(f.diff), *([one_line(f"  @ {f.sealed_by}")] if f.sealed_by else [])]]
        out += fenced(changes, "diff") if markdown else changes
        out.append("(ENC#... is a fingerprint of a sealed value: a new fingerprint means a new value)")
    return "\n".join(out) + "\n"


def _as_json(result: Review) -> dict[str, object]:
    return {
        "base": result.base,
        "head": result.head,
        "fork": result.fork,
        "ok": not result.violations,
        "violations": result.violations,
        "recipient_changes": result.recipient_changes,
        "config_changed": result.config_changed,
        "signer_changes": result.signer_changes,
        "plaintext_notes": result.plaintext_notes,
        "data_key_replaced": result.key_replacements,
        "files": [asdict(f) for f in result.files],
    }
