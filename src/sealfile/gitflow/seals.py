"""What ``review`` says about seals, without any key: who signed each side of a change, whether the
data key was replaced, and changes to the trusted signers.

**Data key replaced**, told without the key: re-wrapping the *same* data key for a recipient the
file already had never happens (``recipients add``, ``updatekeys`` and the merge driver keep the
stanzas of recipients already present byte for byte), so a recipient present on both sides whose
stanza changed means a new data key: a ``rotate``, or a file sealed afresh by someone else. When no
recipient is on both sides, the key counts as replaced unless some stanza or ciphertext survives.
A rotation and a forgery look the same here; the signature tells them apart, so with trusted
signers configured a replaced key not sealed by one of them fails the review.

Trust is judged by the signers in force *before* the change (the base revision's
``.sealfile.yaml`` files, or ``SEALFILE_ALLOWED_SIGNERS``): a change cannot vouch for itself by adding
its author to ``signers:`` (which is flagged as prominently as a recipient change).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sealfile.errors import SealfileError
from sealfile.gitflow.sealed import keyless_read
from sealfile.gitflow.value_rules import value_rule_entries
from sealfile.kms import trust
from sealfile.model.metadata import Metadata, Stanza
from sealfile.model.scalars import is_sealed
from sealfile.ops.config import ProjectConfig, config_from_text, parsed_config, within_budget
from sealfile.ops.config_files import config_paths_above
from sealfile.ops.document import SealedDocument
from sealfile.ops.signatures import SignatureCheck, TrustPolicy, from_environment, governing
from sealfile.ops.signers import SIGNERS_KEY, signers_from_config
from sealfile.stores import store_for

if TYPE_CHECKING:
    from sealfile.envelope.allowed_signers import AllowedSigner
    from sealfile.gitflow.blobs import Blobs


@dataclass(frozen=True)
class SealReview:
    before: SignatureCheck | None
    """The old version's signature (``None`` when the file is new)."""
    after: SignatureCheck
    data_key_replaced: bool
    problem: str | None
    """Why readers under the policy would refuse the new version (or its signature is broken)."""

    def sealed_by(self) -> str:
        after = f"sealed by {self.after.signer}" if self.after.status != "unsigned" else "unsigned"
        if self.before is None:
            return after
        before = self.before.signer if self.before.status != "unsigned" else "unsigned"
        return f"{after} (before: {before})"


def review_seal(path: str, old: str | None, new: str, policy: TrustPolicy) -> SealReview | None:
    """The seal findings for one changed file (``None`` if a side is not a readable sealed file)."""
    store = store_for(path)
    try:
        after = keyless_read(new, store)
        before = keyless_read(old, store) if old is not None else None
    except SealfileError:
        return None
    replaced = before is not None and data_key_replaced(before, after)
    return SealReview(policy.check(before) if before is not None else None, policy.check(after), replaced,
                      policy.problem(after))


def _by_identity(stanzas: Iterable[Stanza]) -> dict[str, set[Stanza]]:
    found: dict[str, set[Stanza]] = {}
    for stanza in stanzas:
        found.setdefault(_identity(stanza), set()).add(stanza)
    return found


def _identity(stanza: Stanza) -> str:
    """A recipient without its wrapped key: the same master key on both sides of a change."""
    return json.dumps({"type": stanza.type, **stanza.fields}, sort_keys=True, default=str)


def data_key_replaced(before: SealedDocument, after: SealedDocument) -> bool:
    """Whether ``after`` is sealed under another data key than ``before`` (see the module docstring)."""
    return key_replaced(before.metadata, after.metadata, {value for _, value in before.leaves() if is_sealed(value)},
                        (value for _, value in after.leaves() if is_sealed(value)))


def key_replaced(before: Metadata, after: Metadata, old_tokens: Collection[str], new_tokens: Iterable[str]) -> bool:
    """:func:`data_key_replaced` from each side's metadata and tokens (the one rule ``diff`` and ``review`` apply).
    With key groups a kept recipient's stanza says nothing: a change to the groups splits the same data key
    afresh and wraps every part again (docs/format.md §3.1), so only a surviving stanza or token tells."""
    if not (before.grouped or after.grouped):
        old, new = _by_identity(before.recipients), _by_identity(after.recipients)
        kept = old.keys() & new.keys()
        if kept:  # a recipient listed twice (by hand: check fails it) keeps its key if either stanza survives
            return any(not old[i] & new[i] for i in kept)
    shares_stanza = bool(set(before.recipients) & set(after.recipients))
    return not shares_stanza and not any(token in old_tokens for token in new_tokens)


def policy_at(revision: Blobs, path: str, root: Path) -> TrustPolicy:
    """The signature policy for ``path`` as of ``revision``: ``SEALFILE_ALLOWED_SIGNERS`` if set,
    else that of every ``.sealfile.yaml`` between it and the top there (:func:`governing`)."""
    texts: list[tuple[str, Path]] = []
    for config_path in config_paths_above(path):
        text = revision.read(config_path)
        if text is not None:
            texts.append((text, root / config_path))
            within_budget(texts)
    return governing(from_environment(), [config_from_text(text, path) for text, path in texts], root / path)


def committed_policy(path: str, top: str | os.PathLike[str], rev: str = "HEAD",
                     named: str | None = None) -> TrustPolicy:
    """:func:`policy_at` ``rev`` for ``path`` (relative to the work tree's top ``top``), its signers named as
    committed there (at ``named``, if given, in messages): the merge driver's second judge, when the work
    tree's configs may hold the very change being merged (see :func:`~sealfile.gitflow.merge.merge_texts`)."""
    from sealfile.envelope.allowed_signers import AllowedSigners
    from sealfile.gitflow.blobs import Blobs

    with Blobs(rev, top) as revision:
        policy = policy_at(revision, path, Path(os.path.abspath(top)))
    if policy.signers is None or from_environment().signers is not None:  # a pin is the same pin at any revision
        return policy
    signers = AllowedSigners(policy.signers.signers, source=f"{policy.signers.source} as committed at {named or rev}")
    return TrustPolicy(signers, policy.require_signature)


def signer_changes(config_path: str, old: str | None, new: str | None, revision: Blobs | None = None) -> list[str]:
    """``signers:`` entries added to or removed from one ``.sealfile.yaml`` (by name and key). With the
    ``revision`` it is added at, an added name that a config above gives another key says so: below it,
    ``verify`` would call that other key's seals that name's."""
    before = _signer_entries(old, config_path)
    lines = _added_and_removed(config_path, "signer", before, _signer_entries(new, config_path))
    if revision is None:
        return lines
    above = _names_above(revision, config_path)
    for signer in _signers(new, config_path):
        entry = _entry(signer)
        others = [f"{name} in {where} is {fingerprint}" for name in signer.principals.split(",")
                  for fingerprint, where in above.get(name, []) if fingerprint != signer.key.fingerprint]
        if entry not in before and others:
            added = f"{config_path}: signer ADDED {entry}"
            lines[lines.index(added)] = f"{added}: ANOTHER KEY under a name already used ({'; '.join(others)})"
    return lines


def _names_above(revision: Blobs, config_path: str) -> dict[str, list[tuple[str, str]]]:
    """Each signer name the configs above ``config_path`` give at ``revision``: (key fingerprint, config)."""
    found: dict[str, list[tuple[str, str]]] = {}
    for above in config_paths_above(config_path)[1:]:
        for signer in _signers(revision.read_or_none(above), above):
            for name in signer.principals.split(","):
                found.setdefault(name, []).append((signer.key.fingerprint, above))
    return found


def _added_and_removed(config_path: str, what: str, before: list[str], after: list[str]) -> list[str]:
    return ([f"{config_path}: {what} ADDED {entry}" for entry in after if entry not in before]
            + [f"{config_path}: {what} removed {entry}" for entry in before if entry not in after])


def _signer_entries(text: str | None, config_path: str) -> list[str]:
    try:
        return [_entry(signer) for signer in _parsed_signers(text, config_path)]
    except SealfileError:
        return ["(a signers: section that does not parse)"]


def _entry(signer: AllowedSigner) -> str:
    return f"{signer.principals} ({signer.key.fingerprint})"


def _signers(text: str | None, config_path: str) -> list[AllowedSigner]:
    """The config's signers; none where it does not parse (its change is shown as such)."""
    try:
        return _parsed_signers(text, config_path)
    except SealfileError:
        return []


def _parsed_signers(text: str | None, config_path: str) -> list[AllowedSigner]:
    if text is None:
        return []
    raw = parsed_config(text)
    signers = signers_from_config(raw.get(SIGNERS_KEY) if isinstance(raw, dict) else None, config_path)
    return [] if signers is None else list(signers.signers)


def rule_changes(config_path: str, old: str | None, new: str | None, root: Path) -> RuleChanges:
    """What a change to one ``.sealfile.yaml``'s creation rules and ``trust:`` means, each side parsed once."""
    before, after = _parsed_side(old, root / config_path), _parsed_side(new, root / config_path)

    def compared(what: str, unparsed: str, entries: Callable[[ProjectConfig], list[str]]) -> list[str]:
        def listed(side: ProjectConfig | SealfileError | None) -> list[str]:
            if side is None:
                return []
            return [unparsed] if isinstance(side, SealfileError) else entries(side)
        return _added_and_removed(config_path, what, listed(before), listed(after))

    return RuleChanges(
        requirements=compared("signature rule", "(creation rules that do not parse)", _requirement_entries),
        trust=compared("trust", "(a config that does not parse)", _trust_entries),
        recipients=compared("creation rule recipient", "(creation rules that do not parse)", _creation_entries),
        values=compared("creation rule encryption", "(creation rules that do not parse)", value_rule_entries),
        configs=(_parsed_or_none(before), _parsed_or_none(after)))


@dataclass(frozen=True)
class RuleChanges:
    requirements: list[str]
    """``require_signature`` gained or lost: without trusted signers it is what makes readers refuse a file
    anyone sealed."""
    trust: list[str]
    """Hosts, roles and profiles trusted, added or removed: those of the ``trust:`` section and those the
    creation rules' keys name (both trusted alike, :func:`~sealfile.ops.config.trust_near`): a sealed file
    naming one makes its readers send requests and credentials there."""
    recipients: list[str]
    """Creation rule recipients added or removed: who will open every file those rules make (and, after
    ``updatekeys``, every file they match)."""
    values: list[str]
    """Creation rules' value rules added or removed (a changed one is both): what they leave in plaintext."""
    configs: tuple[ProjectConfig | None, ProjectConfig | None]
    """The config before and after, where it exists and parses."""


def _parsed_or_none(side: ProjectConfig | SealfileError | None) -> ProjectConfig | None:
    return side if isinstance(side, ProjectConfig) else None


def _parsed_side(text: str | None, path: Path) -> ProjectConfig | SealfileError | None:
    if text is None:
        return None
    try:
        return config_from_text(text, path)
    except SealfileError as err:
        return err


def _requirement_entries(config: ProjectConfig) -> list[str]:
    """Which creation rules require a signature, and which, without it, come first for some of their files
    (the first rule that matches a file applies: a rule put ahead of one requiring a signature lifts it)."""
    rules = config.creation_rules
    last = max((i for i, rule in enumerate(rules) if rule.require_signature), default=-1)
    return [f"require_signature (path_regex {rule.path_regex!r})" if rule.require_signature else
            f"no signature required (path_regex {rule.path_regex!r}), ahead of a rule that requires one"
            for rule in rules[:last + 1]]


def _trust_entries(config: ProjectConfig) -> list[str]:
    return list(dict.fromkeys(f"{kind[:-1]} {pattern}" for kind in trust.TARGET_KINDS
                              for pattern in config.trusted.patterns.get(kind, ())))


def _creation_entries(config: ProjectConfig) -> list[str]:
    entries = []
    for rule in config.creation_rules:
        groups = rule.recipients.groups if rule.recipients is not None else ()
        where = f" [{rule.recipients.describe()}]" if rule.recipients is not None and rule.recipients.grouped else ""
        entries += [f"{key.type_id} {key.key_id} (path_regex {rule.path_regex!r}){where}"
                    for group in groups for key in group]
    return entries
