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
- with ``fail_on_recipient_change``: any recipient added or removed, any change to ``signers:`` or ``trust:``.
Flagged for attention but not failing by default: recipients added or removed, trusted signers and
trusted hosts, roles and profiles added or removed (shown first: a contributor adding their own key
is the attack to catch), data keys replaced, rule and format-version changes, values that were
sealed before and are plaintext now, values set back to an older ciphertext (a replay), and changes
to each ``.sealfile.yaml``. Every file's line says who sealed each side.
The ``sealed_files`` patterns of both revisions (and of the checkout) apply, so a change cannot
hide a plaintext file by narrowing them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from sealfile.errors import FormatError
from sealfile.gitflow import seals
from sealfile.gitflow.attributes_at import drivers_dropped
from sealfile.gitflow.blobs import Blobs
from sealfile.gitflow.changed_paths import case_collisions, not_directories
from sealfile.gitflow.check import check_text
from sealfile.gitflow.committed_keys import review_keys
from sealfile.gitflow.file_review import FileReview, flag_replayed
from sealfile.gitflow.gitcli import LINK_SHOWN, Change, changed_files, fork_point, is_shallow, revisions_root
from sealfile.gitflow.leaks import added_comments, review_unsealed
from sealfile.gitflow.partial_clone import fetch_searched
from sealfile.gitflow.patterns import UNGUARDED, at_revision, in_worktree, moves_between_sealed_paths, union
from sealfile.gitflow.read_otherwise import re_spelled
from sealfile.gitflow.returned_keys import returned_keys
from sealfile.gitflow.reused_mac import broken_signature, reused_in_range, reused_message
from sealfile.gitflow.review_budget import ReadBudget
from sealfile.gitflow.review_render import render as render
from sealfile.gitflow.sealed import keypath, view
from sealfile.gitflow.secret_names import looks_secret
from sealfile.gitflow.secret_values import credential_in
from sealfile.gitflow.semantic_diff import FileDiff, any_view, diff_texts
from sealfile.gitflow.tampering import Locations, hand_edits, token_locations
from sealfile.gitflow.unguarded import sealed_outside
from sealfile.kms.trust import offline
from sealfile.model.scalars import is_sealed
from sealfile.ops.config_files import CONFIG_NAME
from sealfile.ops.signatures import NO_POLICY, TrustPolicy
from sealfile.stores import store_for


@dataclass
class Review:
    base: str
    head: str
    files: list[FileReview] = field(default_factory=list)
    fork: str | None = None
    """Where ``head`` forked from ``base``, if not at ``base`` itself: the changes are counted from there."""
    fail_on_recipient_change: bool = False
    configs_changed: list[str] = field(default_factory=list)
    """Each ``.sealfile.yaml`` changed (at any depth): creation rules decide who can open future files."""
    signer_changes: list[str] = field(default_factory=list)
    """Trusted signers added to or removed from a ``.sealfile.yaml``."""
    trust_changes: list[str] = field(default_factory=list)
    """Hosts, roles and profiles added to or removed from the ``trust:`` of a ``.sealfile.yaml``."""
    rule_recipient_changes: list[str] = field(default_factory=list)
    """Recipients added to or removed from the creation rules of a ``.sealfile.yaml``."""
    plaintext: list[str] = field(default_factory=list)
    """Decrypted copies of sealed files among the change's other files (:mod:`sealfile.gitflow.leaks`)."""
    plaintext_notes: list[str] = field(default_factory=list)
    """Keys named like secrets in plaintext in the change's other files."""
    collisions: list[str] = field(default_factory=list)
    """Paths a case-insensitive file system would merge with others (:mod:`sealfile.gitflow.changed_paths`)."""
    linked_configs: list[str] = field(default_factory=list)
    """Each ``.sealfile.yaml`` made a symbolic link: readers refuse it, and its text here is only a name."""
    drivers_dropped: list[str] = field(default_factory=list)
    """Sealed files a ``.gitattributes`` change takes from sealfile's drivers (:mod:`~.attributes_at`)."""
    history_cut: bool = False
    """A shallow clone: the searches of the history for older ciphertexts and keys stop at its cut."""

    @property
    def violations(self) -> list[str]:
        found = [f"{f.path}: {v}" for f in self.files for v in f.violations] + self.plaintext + self.collisions
        found += self.linked_configs
        if self.fail_on_recipient_change:
            found += [f"{f.path}: recipients changed" for f in self.files if f.diff.recipients_changed]
            found += self.signer_changes + self.trust_changes + self.rule_recipient_changes
        return found

    @property
    def key_replacements(self) -> list[str]:
        return [f"{f.path}: data key replaced, {f.sealed_by}" for f in self.files if f.data_key_replaced] + [
            f"{f.path}: data key set back to one this file had until {f.key_returned_from[:12]} (a rotation "
            "reverted?): whoever could open it before can open every value set now; run 'sealfile rotate'"
            for f in self.files if f.key_returned_from and not f.key_copied_from] + [
            f"{f.path}: a copy of {f.key_copied_from} (its data key, as of {f.key_returned_from[:12]}): it holds "
            f"that file's values, recipients and signature, which readers accept at any path"
            for f in self.files if f.key_copied_from]

    @property
    def recipient_changes(self) -> list[str]:
        lines = []
        for f in self.files:
            lines += [f"{f.path}: ADDED {r}" for r in f.diff.recipients_added]
            rotation = ("data key rotated" if f.diff.data_key_rotated else
                        "data key NOT rotated: run 'sealfile rotate'" if f.diff.old_key_exposed else
                        "no one needs more key groups than before")
            lines += [f"{f.path}: removed {r} ({rotation})" for r in f.diff.recipients_removed]
            if f.diff.groups_change:
                before, after = f.diff.groups_change
                lines.append(f"{f.path}: key groups changed from {before} to {after} ({rotation})")
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
    result.history_cut = is_shallow(root)
    return result


def _review_versions(old_blobs: Blobs, new_blobs: Blobs, trusted: Blobs, root: Path, fail_on_recipient_change: bool,
                     work_tree: bool) -> Review:
    """``old_blobs`` to ``new_blobs`` is the change; ``trusted`` (the base's tip) says whose seals to trust."""
    base, head = old_blobs.rev, new_blobs.rev
    # A change must not escape review by narrowing sealed_files: the patterns of every side count.
    patterns = union(*([in_worktree(root)] if work_tree else []),
                     *(at_revision(rev, root) for rev in dict.fromkeys([base, trusted.rev, head])))
    fetch_searched(base, head, patterns.matches, root)  # a partial clone: at once, not a fetch per commit searched
    result = Review(base, head, fail_on_recipient_change=fail_on_recipient_change)
    changes = changed_files(base, head, [], root)
    result.collisions = case_collisions(head, root, [c.path for c in changes if c.status != "D"])
    if any(PurePosixPath(c.path).name == ".gitattributes" for c in changes):
        result.drivers_dropped = drivers_dropped(base, head, root, patterns.matches)
    moved_out = {c.old_path: c.path for c in changes
                 if c.old_path is not None and patterns.matches(c.old_path) and not patterns.matches(c.path)}
    sealed: list[tuple[Change, str | None, str | None]] = []
    budget = ReadBudget()
    outside: list[str] = []
    reviewed = moves_between_sealed_paths(changes, patterns.matches)
    unguarded = {change.path for change in sealed_outside(reviewed, new_blobs, patterns.matches, budget)}
    for change in reviewed:
        if PurePosixPath(change.path).name == CONFIG_NAME:
            result.configs_changed.append(change.path)
            if change.link and change.status != "D":
                target = (new_blobs.read(change.path) or "")[:LINK_SHOWN]
                result.linked_configs.append(f"{change.path}: a symbolic link (to {target}), not a config: readers "
                                             "read the file it leads to, which this review does not show")
            old_config, new_config = old_blobs.read(change.path), new_blobs.read(change.path)
            result.signer_changes += seals.signer_changes(change.path, old_config, new_config, new_blobs)
            rules = seals.rule_changes(change.path, old_config, new_config, root)
            result.signer_changes += rules.requirements
            result.trust_changes += rules.trust
            result.rule_recipient_changes += rules.recipients
        if not patterns.matches(change.path) and change.path not in unguarded:
            outside += [change.path] if change.status != "D" else []
            continue
        not_a_file = change.not_a_file(new_blobs.read(change.path) if change.link else None)
        if not_a_file is not None:
            result.files.append(FileReview(change.path, FileDiff(change.path, change.shown_status, problem=not_a_file),
                                           violations=[not_a_file]))
            continue
        try:
            old, new = old_blobs.read(change.old_path or change.path), new_blobs.read(change.path)
            budget.charge(old, new)
            sealed.append((change, old, new))
        except FormatError as err:  # a blob too large to read, or past the budget, is a finding, not a crash
            unreadable = FileDiff(change.path, "modified", problem=err.message)
            result.files.append(FileReview(change.path, unreadable, violations=[err.message]))
    # every token of the change, to tell one copied from another key path, of any file
    locations = token_locations(version for change, old, new in sealed
                                for version in ((change.old_path or change.path, old), (change.path, new)))
    replacing = not_directories(changes, new_blobs)
    policies: dict[str, TrustPolicy] = {}
    for change, old, new in sealed:
        policies[change.path] = policy = seals.policy_at(trusted, change.path, root)
        entry = review_file(change.path, old, new, policy,
                            renamed_from=change.old_path, locations=locations)
        gone = change.path if new is None else change.old_path  # readers of that path now read what replaced it
        entry.violations += [f"replaced by {what}" for top, what in replacing.items()
                             if gone is not None and gone.startswith(f"{top}/")]
        entry.attention += [UNGUARDED] if change.path in unguarded else []
        if change.path in moved_out:
            entry.attention.append(f"moved to {moved_out[change.path]}, which the sealed_files patterns do not "
                                   "cover: nothing checks that it stays sealed")
        result.files.append(entry)
    news = {change.path: new for change, _, new in sealed if new is not None}
    broken = {f.path: broken_signature(news[f.path], f.path, policies[f.path])
              for f in result.files if f.path in news and f.violations}
    reused = reused_in_range({f.path: news[f.path] for f in result.files
                              if f.path in news and all(v == broken[f.path] for v in f.violations)}, base, head, root)
    for entry in result.files:  # a signature kept with another version's 'mac' line fails for that cause: said once
        if entry.path in reused:
            entry.violations = [reused_message(reused[entry.path]),
                                *(v for v in entry.violations if v != broken[entry.path])]
    returned = returned_keys({f.path: news[f.path] for f in result.files if f.data_key_replaced}, base, root,
                             patterns.matches)
    flag_replayed(result.files, sealed, base, root, patterns.matches)
    for entry in result.files:
        if entry.path in returned:
            entry.key_returned_from = returned[entry.path].commit
            came_from = returned[entry.path].source  # the file itself, where it was before a move, or another
            entry.key_copied_from = "" if came_from in (entry.path, entry.diff.renamed_from) else came_from
    result.plaintext, result.plaintext_notes = review_unsealed(
        head, outside, {change.path: new for change, _, new in sealed}, root, patterns.matches)
    keys, key_notes = review_keys(base, head, root, {change.path: new for change, _, new in sealed}, patterns.matches)
    result.plaintext, result.plaintext_notes = result.plaintext + keys, result.plaintext_notes + key_notes
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
    entry.attention += re_spelled(store_for(path), old, new)
    try:
        after = view(new, store_for(path))
    except FormatError:
        return entry
    try:  # the version before may be the SOPS file this one was converted from
        before = any_view(old, store_for(path), renamed_from or path).leaves if old is not None else {}
    except FormatError:
        before = {}
    for p in after.unencrypted():
        if after.encrypts(p):
            continue  # already a violation above
        was_sealed = is_sealed(before.get(p))
        if looks_secret(p) and (p not in before or was_sealed):
            entry.violations.append(f"{keypath(p)}: named like a secret and left unencrypted by this change")
        elif was_sealed:
            entry.attention.append(f"{keypath(p)}: was sealed, now stored in plaintext")
        held = credential_in(after.leaves[p]) if after.leaves[p] != before.get(p) else None
        entry.attention += [f"{keypath(p)}: holds {held}, left unencrypted by the file's rule"] if held else []
    diff = entry.diff
    if diff.rules_change:
        entry.attention.append(f"encryption rule changed: {diff.rules_change[0]} -> {diff.rules_change[1]}")
    if diff.version_change:
        entry.attention.append(f"format version changed: {diff.version_change[0]} -> {diff.version_change[1]}")
    return entry


def _review_seal(entry: FileReview, old: str | None, new: str, policy: TrustPolicy) -> None:
    seal = seals.review_seal(entry.path, old, new, policy)
    if seal is None:
        return
    entry.sealed_by, entry.data_key_replaced = seal.sealed_by(), seal.data_key_replaced
    if seal.problem is not None:  # check_text names a broken signature too: said once, as the seal's problem
        entry.violations = [v for v in entry.violations if v != seal.problem]
        entry.violations.append(f"data key replaced: {seal.problem}" if seal.data_key_replaced else seal.problem)
    elif seal.data_key_replaced and not policy.required:
        entry.attention.append("data key replaced, and no trusted signers are configured: a rotation and a file "
                               "forged by someone who can push look the same (see 'signers:' in .sealfile.yaml)")
    before = seal.before
    if seal.problem is None and before is not None and before.verified and before.fingerprint != seal.after.fingerprint:
        # no trusted signers to fail it, but whoever signed before vouches for this version no longer
        now = "unsigned now" if seal.after.status == "unsigned" else f"signed by {seal.after.signer} now"
        entry.attention.append(f"{now}, no longer by {before.signer}")
