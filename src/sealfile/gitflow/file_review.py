"""One file's part of a ``review``: its diff, its findings, who sealed it, and what its history says of the data
key and the values it brings back."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sealfile.errors import FormatError
from sealfile.gitflow import seals
from sealfile.gitflow.check import check_text
from sealfile.gitflow.gitcli import Change
from sealfile.gitflow.leaks import added_comments
from sealfile.gitflow.look_alike import look_alike_keys
from sealfile.gitflow.read_otherwise import re_spelled
from sealfile.gitflow.returned_keys import replayed_tokens, sealed_at
from sealfile.gitflow.sealed import keypath, view
from sealfile.gitflow.sealing_change import any_view, sealing_change, unsealed_for
from sealfile.gitflow.secret_names import looks_secret
from sealfile.gitflow.secret_values import credential_in
from sealfile.gitflow.semantic_diff import FileDiff, diff_texts
from sealfile.gitflow.sops_view import SopsView
from sealfile.gitflow.tampering import Locations, hand_edits, set_tokens, token_locations
from sealfile.gitflow.unguarded import unguarded_line
from sealfile.model.scalars import is_sealed
from sealfile.ops.signatures import NO_POLICY, TrustPolicy
from sealfile.ops.sops_files import sops_kind
from sealfile.stores import store_for


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
    key_copied_from: str = ""
    """Another file whose history held that data key: this version is a copy of it (values, signature and all)."""



def flag_replayed(files: list[FileReview], sealed: list[tuple[Change, str | None, str | None]], base: str,
                  root: Path, is_sealed: Callable[[str], bool]) -> None:
    """Flag each token the change set that history already held (:func:`~sealfile.gitflow.returned_keys.
    replayed_tokens`), where the token's time did not already tell (a file under its old data key: a new one's
    every token is new, or its return is named). Another file's history counts too (``is_sealed`` names the
    files at ``base``): a file sharing this one's data key (a copy of it, since changed) holds tokens that
    open here at the same key paths, each signed by whoever signed that file."""
    entries = {f.path: f for f in files if not f.data_key_replaced and not f.violations}
    set_now = {change.path: set_tokens(change.path, old, new, old_file=change.old_path)
               for change, old, new in sealed if change.path in entries and new is not None}
    paths = [p for change, _, _ in sealed if change.path in set_now for p in (change.old_path, change.path) if p]
    if set_now:
        paths += sealed_at(base, root, is_sealed, set(paths))
    replayed, unread = replayed_tokens(set_now, base, root, dict.fromkeys(paths))
    for file, count in Counter(file for file, _ in unread).items():
        entries[file].attention.append(f"{count} value(s) set here not compared "
                                       "with the ciphertexts its history held: more versions matched than one "
                                       "review reads (a value replayed from history would not be named)")
    for (file, path), held in replayed.items():
        entry, where = entries[file], keypath(path)
        if held.source not in (file, entry.diff.renamed_from):
            entry.attention.append(f"{where}: a ciphertext copied from {held.source} (held there as of commit "
                                   f"{held.commit[:12]}): that file's value, which opens here under the same data key")
            continue
        if any(line.startswith(f"{where}: set back to an older ciphertext") for line in entry.attention):
            continue
        entry.attention.append(f"{where}: set back to a ciphertext this file held before (commit "
                               f"{held.commit[:12]}): a value replayed from history?")


def sops_plaintext(text: str, kind: Any) -> list[str]:
    """Each value of a SOPS file in plaintext where its own rule encrypts: written by hand, not by ``sops``."""
    try:
        after = SopsView.of(text, kind)
    except FormatError as err:
        return [f"not a readable SOPS file: {err.message}"]
    return [f"{keypath(p)}: plaintext value where the file's SOPS rule requires encryption"
            for p, value in after.leaves.items()
            if after.encrypts(p) and not after.is_token(value) and value not in ("", None)]


def review_seal(entry: FileReview, old: str | None, new: str, policy: TrustPolicy) -> None:
    """Who sealed ``new`` (and ``old``), and what that means under ``policy``: a violation, or a line to check."""
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


def review_file(path: str, old: str | None, new: str | None, policy: TrustPolicy = NO_POLICY, *,
                renamed_from: str | None = None, locations: Locations | None = None,
                guarded: bool = True) -> FileReview:
    """Diff one file and apply the policy to its new version (``policy``: whose seal it must carry;
    ``locations``: the tokens of the whole change, default this file's two versions; ``guarded``: a
    ``sealed_files`` pattern covers it, so it must be a sealed file, not a SOPS one)."""
    entry = FileReview(path, diff_texts(path, old, new, renamed_from=renamed_from))
    if new is None:
        return entry
    sops_file = None if guarded else sops_kind(new, path)
    if sops_file is not None:  # a team's half-way state: read as SOPS reads it, not held to being sealed
        entry.violations += sops_plaintext(new, sops_file)
        return _setting_changes(entry)
    entry.violations += [f.message if not f.keypath else f"{f.keypath}: {f.message}"
                         for f in check_text(new, path) if f.error]
    review_seal(entry, old, new, policy)
    if entry.diff.access_loosened and policy.signers is None:  # a signer's seal says who chose the split
        entry.violations.append(f"key groups loosened: {entry.diff.access_loosened} open it now, which the version "
                                "before needed more key groups for; without trusted signers anyone who can push "
                                "could have split it so, holding its data key")
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
    named_as, named_like = look_alike_keys(before, after.leaves)
    entry.violations, entry.attention = entry.violations + named_as, entry.attention + named_like
    for p in after.unencrypted():
        if after.encrypts(p):
            continue  # already a violation above
        was_sealed = is_sealed(before.get(p))
        if looks_secret(p) and (p not in before or was_sealed):
            entry.violations.append(f"{keypath(p)}: named like a secret and left unencrypted by this change")
        elif looks_secret(p) and after.leaves[p] != before.get(p):  # a forged 'changeme' the next set replaced
            entry.violations.append(f"{keypath(p)}: named like a secret, a new value written in plaintext by this "
                                    "change")
        elif was_sealed:
            entry.attention.append(f"{keypath(p)}: was sealed, now stored in plaintext")
        held = credential_in(after.leaves[p]) if after.leaves[p] != before.get(p) else None
        entry.attention += [f"{keypath(p)}: holds {held}, left unencrypted by the file's rule"] if held else []
    return _setting_changes(entry)


def _setting_changes(entry: FileReview) -> FileReview:
    """``entry`` with a line for each change of the file's encryption rule and format version."""
    diff = entry.diff
    if diff.rules_change:
        entry.attention.append(f"encryption rule changed: {diff.rules_change[0]} -> {diff.rules_change[1]}")
    if diff.version_change:
        entry.attention.append(f"format version changed: {diff.version_change[0]} -> {diff.version_change[1]}")
    return entry


def decrypted_in_place(change: Change, old: str | None, new: str | None) -> list[FileReview]:
    """A sealed or SOPS file no pattern covers, left in plaintext by ``change`` (``sops decrypt -i``; ``old``, ``new``:
    its versions): whom it was sealed for, each a recipient removed, as for a file the patterns cover
    (:func:`~sealfile.gitflow.sealing_change.unsealed_for`). The plaintext itself is the decrypted copy
    :mod:`~sealfile.gitflow.plaintext_copies` reports. Left a sealed file no reader opens, it is reviewed as one,
    as a file the patterns cover is: its problem fails the review, and no one is named removed (no one read it)."""
    if change.status == "D" or change.link or new is None:
        return []
    sealing = sealing_change(change.path, old, new, change.old_path)
    if sealing is not None:
        keys = sealing.removed
        return [FileReview(change.path, FileDiff(change.path, "modified", recipients_removed=keys, keys_removed=keys,
                                                 renamed_from=change.old_path, sealing=sealing.line))] if keys else []
    if not unsealed_for(change.old_path or change.path, old):
        return []
    entry = review_file(change.path, old, new, renamed_from=change.old_path, guarded=False)
    entry.attention.append(unguarded_line(change.path, new))
    return [entry]
