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
- a sealed file taken from sealfile's git drivers (a ``.gitattributes`` change), or moved to a name no pattern
  covers, or left to no pattern by a ``sealed_files`` change: git merges it as text from then on;
- what the change's own commits wrote and later ones changed again (:mod:`~sealfile.gitflow.range_versions`):
  any of the above, or a recipient added; whoever fetches the branch gets every commit;
- a key or file named with characters that read as another's (:mod:`~sealfile.gitflow.look_alike`);
- without trusted signers, key groups or a threshold that let keys open a file which needed more key groups
  before (:meth:`~sealfile.kms.groups.KeyGroups.looser_than`): whoever split it so holds its data key;
- a CI workflow or commit hook file that ran ``sealfile review`` or ``check`` and no longer does
  (:mod:`~sealfile.gitflow.safety_net`), or whose changed trigger or condition proves it never runs for the sealed
  files (:mod:`~sealfile.gitflow.guard_conditions`: other such changes are flagged for attention);
- with ``fail_on_recipient_change``: any recipient added or removed, any change to ``signers:`` or ``trust:``.
Flagged for attention but not failing by default: recipients added or removed, trusted signers and
trusted hosts, roles and profiles added or removed (shown first: a contributor adding their own key
is the attack to catch), data keys replaced, rule and format-version changes, values that were
sealed before and are plaintext now, values set back to an older ciphertext (a replay), and changes
to each ``.sealfile.yaml``. Every file's line says who sealed each side.
The ``sealed_files`` patterns of both revisions (and of the checkout) apply, so a change cannot
hide a plaintext file by narrowing them; a sealed or SOPS file outside them, told by its content
(:mod:`~sealfile.gitflow.unguarded`), is reviewed as well, whatever its name.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path, PurePosixPath

from sealfile.errors import FormatError
from sealfile.gitflow import seals
from sealfile.gitflow.attributes_at import drivers_dropped
from sealfile.gitflow.blobs import Blobs
from sealfile.gitflow.changed_paths import case_collisions, not_directories
from sealfile.gitflow.committed_keys import encoded_keys, known_at, review_keys
from sealfile.gitflow.file_review import FileReview, decrypted_in_place, flag_replayed
from sealfile.gitflow.file_review import review_file as review_file
from sealfile.gitflow.gitcli import (
    LINK_SHOWN,
    SUBMODULE_MODE,
    SUBMODULE_UNCHECKED,
    Change,
    changed_files,
    fork_point,
    is_shallow,
    revisions_root,
)
from sealfile.gitflow.guard_conditions import conditions_changed, sealed_paths
from sealfile.gitflow.leaks import review_unsealed
from sealfile.gitflow.look_alike import disguised_file
from sealfile.gitflow.partial_clone import fetch_searched
from sealfile.gitflow.patterns import (
    SealedPatterns,
    at_revision,
    in_worktree,
    left_uncovered,
    moves_between_sealed_paths,
    union,
)
from sealfile.gitflow.range_versions import EMPTY_TREE, in_commit, transient_versions, unread_violations
from sealfile.gitflow.returned_keys import NOT_COMPARED, returned_keys
from sealfile.gitflow.reused_mac import broken_signature, reused_in_range, reused_message
from sealfile.gitflow.review_budget import ReadBudget
from sealfile.gitflow.review_render import render as render
from sealfile.gitflow.review_result import Review as Review
from sealfile.gitflow.safety_net import guards_removed
from sealfile.gitflow.semantic_diff import FileDiff
from sealfile.gitflow.tampering import token_locations
from sealfile.gitflow.unguarded import sealed_outside, unguarded_line
from sealfile.gitflow.value_rules import in_force, rules_moved, secrets_unsealed
from sealfile.kms.trust import offline
from sealfile.ops.config_files import CONFIG_NAME
from sealfile.ops.signatures import TrustPolicy
from sealfile.ops.sops_files import sops_kind


def review(base: str, head: str, cwd: str | os.PathLike[str] | None = None, *,
           fail_on_recipient_change: bool = False) -> Review:
    """Needs no key and contacts no network service: it works from the files alone (offline, so a
    key that would need a service cannot be used even by mistake)."""
    with offline():
        return _review(base, head, cwd, fail_on_recipient_change)


def _review(base: str, head: str, cwd: str | os.PathLike[str] | None, fail_on_recipient_change: bool) -> Review:
    root, work_tree = revisions_root(cwd)
    fork = fork_point(base, head, root)  # a branch behind base: its own changes, not base's undone
    budget = ReadBudget()
    _patterns_at.cache_clear()
    with Blobs(fork, root) as old_blobs, Blobs(head, root) as new_blobs, Blobs(base, root) as trusted:
        result = _review_versions(old_blobs, new_blobs, trusted, root, budget, work_tree=work_tree)
        _review_commits(result, trusted, root, budget)
    result.base, result.fork = base, (fork if fork != base else None)
    result.fail_on_recipient_change = fail_on_recipient_change
    result.history_cut = is_shallow(root)
    return result


def _review_commits(result: Review, trusted: Blobs, root: Path, budget: ReadBudget) -> None:
    """What the change's own commits wrote and a later one changed again (:mod:`~sealfile.gitflow.range_versions`):
    each such commit reviewed for those files, what it finds that the two ends do not named with the commit."""
    transients, unread = transient_versions(result.base, result.head, root)
    said = set(result.violations)
    result.history += unread_violations(unread, result.base, result.head)
    for commit in transients:
        with Blobs(commit.parent or EMPTY_TREE, root) as before, Blobs(commit.commit, root) as after:
            found = _review_versions(before, after, trusted, root, budget, only=set(commit.paths))
        result.history_recipients += [in_commit(commit, f"{f.path}: ADDED {r}") for f in found.files
                                      for r in f.diff.recipients_added]
        result.history += [in_commit(commit, line) for line in found.violations if line not in said]
        result.history_notes += [in_commit(commit, line) for line in found.plaintext_notes] + [
            in_commit(commit, f"{f.path}: {line}") for f in found.files for line in f.attention
            if line.startswith("comment added")]


def _review_versions(old_blobs: Blobs, new_blobs: Blobs, trusted: Blobs, root: Path, budget: ReadBudget, *,
                     work_tree: bool = False, only: set[str] | None = None) -> Review:
    """``old_blobs`` to ``new_blobs`` is the change; ``trusted`` (the base's tip) says whose seals to trust.
    ``only``: the files of one commit of the change to review, without the searches of the history (those of the
    whole change cover its commits)."""
    base, head = old_blobs.rev, new_blobs.rev
    # A change must not escape review by narrowing sealed_files: the patterns of every side count.
    patterns = union(*([in_worktree(root)] if work_tree else []),
                     *(_patterns_at(rev, root) for rev in dict.fromkeys([base, trusted.rev, head])))
    if only is None:
        fetch_searched(base, head, patterns.matches, root)  # a partial clone: at once, not a fetch per commit searched
    result = Review(base, head)
    changes = [c for c in changed_files(base, head, [], root) if only is None or c.path in only]
    # a checkout reads the change's head, which the review of the two ends judged; a collision is found against
    # the whole tree, which a commit of the change (up to range_versions.MAX_COMMITS of them) must not list again
    result.collisions = case_collisions(head, root, [c.path for c in changes if c.status != "D"]) if only is None \
        else []
    if only is None:
        result.guards_removed = guards_removed(changes, old_blobs, new_blobs)
        dead, result.guard_conditions = conditions_changed(changes, old_blobs, new_blobs,
                                                           lambda: sealed_paths(head, root, patterns.matches))
        result.guards_removed += dead
    if any(PurePosixPath(c.path).name == ".gitattributes" for c in changes):
        result.drivers_dropped = drivers_dropped(base, head, root, patterns.matches)
    moved_out = {c.old_path: c.path for c in changes
                 if c.old_path is not None and patterns.matches(c.old_path) and not patterns.matches(c.path)}
    sealed: list[tuple[Change, str | None, str | None]] = []
    outside: list[str] = []
    submodules: list[str] = []
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
            result.rule_recipient_changes += rules.recipients + rules.values
            was = in_force(change.path, rules.configs[0], old_config, old_blobs, root)
            now = in_force(change.path, rules.configs[1], new_config, new_blobs, root)
            if now is not None and rules_moved(was, now):
                unsealed, loosened = secrets_unsealed(change.path, was, now, new_blobs, result.head, root,
                                                      patterns.matches)
                result.rule_unsealed += unsealed
                result.plaintext_notes += loosened
        if not patterns.matches(change.path) and change.path not in unguarded:
            outside += [change.path] if change.status != "D" else []
            if change.mode == SUBMODULE_MODE and change.status != "D":  # its files are another repository's
                submodules.append(f"{change.path}: {SUBMODULE_UNCHECKED}")
            result.files += decrypted_in_place(change, old_blobs.read_or_none(change.old_path or change.path),
                                               new_blobs.read_or_none(change.path))
            disguise = disguised_file(change.path, patterns.matches)[0] if change.status != "D" else None
            result.plaintext += [disguise] if disguise else []
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
        entry = review_file(change.path, old, new, policy, renamed_from=change.old_path, locations=locations,
                            guarded=change.path not in unguarded)
        gone = change.path if new is None else change.old_path  # readers of that path now read what replaced it
        entry.violations += [f"replaced by {what}" for top, what in replacing.items()
                             if gone is not None and gone.startswith(f"{top}/")]
        entry.attention += [unguarded_line(change.path, new)] if change.path in unguarded else []
        disguise = disguised_file(change.path, patterns.matches)[1] if new is not None else None
        entry.attention += [disguise] if disguise else []
        if change.path in moved_out:  # git merges it as text from now on, and no check holds it to being sealed
            entry.violations.append(f"moved to {moved_out[change.path]}, which the sealed_files patterns do not "
                                   "cover: nothing checks that it stays sealed")
        result.files.append(entry)
    # a SOPS file's plaintext leaves are checked as any data file's are, its ciphertext counted as such
    outside += [c.path for c, _, new in sealed if c.path in unguarded and new and sops_kind(new, c.path)]
    news = {change.path: new for change, _, new in sealed}
    # a sealed file the change deletes is compared as it was: its plaintext added under another name (git pairs
    # the two as a rename only when their texts are alike, which a sealed file and its plaintext never are)
    held = {change.path: old if new is None else new for change, old, new in sealed}
    unsealed, notes = review_unsealed(head, outside, held, root, patterns.matches,
                                      lambda found: encoded_keys(found, lambda texts: known_at(
                                          head, root, news, patterns.matches, texts)), base)
    result.plaintext_notes = submodules + notes + result.plaintext_notes  # and the rules loosened, above
    if result.configs_changed and only is None:  # judged by the patterns in force before, not by the union
        before = union(*(_patterns_at(rev, root) for rev in dict.fromkeys([base, trusted.rev])))
        result.uncovered = left_uncovered(head, root, before, _patterns_at(head, root))
    result.plaintext += unsealed
    if only is None:
        _search_history(result, sealed, policies, root, patterns.matches)
    return result


@lru_cache(maxsize=8)
def _patterns_at(rev: str, root: Path) -> SealedPatterns:
    """:func:`at_revision`, once per revision in one review (cleared as each starts): a change's commits each name
    their parent, and all the base, and each such listing reads the whole tree."""
    return at_revision(rev, root)


def _search_history(result: Review, sealed: list[tuple[Change, str | None, str | None]],
                    policies: dict[str, TrustPolicy], root: Path, is_sealed: Callable[[str], bool]) -> None:
    """What the history up to the base, and the change's own commits, say of its sealed files' new versions."""
    base, head = result.base, result.head
    news = {change.path: new for change, _, new in sealed if new is not None}
    broken = {f.path: broken_signature(news[f.path], f.path, policies[f.path])
              for f in result.files if f.path in news and f.violations}
    reused = reused_in_range({f.path: news[f.path] for f in result.files
                              if f.path in news and all(v == broken[f.path] for v in f.violations)}, base, head, root)
    for entry in result.files:  # a signature kept with another version's 'mac' line fails for that cause: said once
        if entry.path in reused:
            entry.violations = [reused_message(reused[entry.path]),
                                *(v for v in entry.violations if v != broken[entry.path])]
    returned, unread = returned_keys({f.path: news[f.path] for f in result.files if f.data_key_replaced}, base, root,
                                     is_sealed)
    flag_replayed(result.files, sealed, base, root, is_sealed)
    for entry in result.files:
        if entry.path in unread:
            entry.attention.append(NOT_COMPARED)
        if entry.path in returned:
            entry.key_returned_from = returned[entry.path].commit
            came_from = returned[entry.path].source  # the file itself, where it was before a move, or another
            entry.key_copied_from = "" if came_from in (entry.path, entry.diff.renamed_from) else came_from
    keys, key_notes = review_keys(base, head, root, {change.path: new for change, _, new in sealed}, is_sealed)
    result.plaintext, result.plaintext_notes = result.plaintext + keys, result.plaintext_notes + key_notes
