"""What a ``review`` found (:mod:`sealfile.gitflow.review`): each file's part, the change's other findings, and
which of them are policy violations (the review fails) or lines a reviewer must read first."""

from __future__ import annotations

from dataclasses import dataclass, field

from sealfile.gitflow.file_review import FileReview


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
    """Recipients, and value rules (:mod:`~.value_rules`), added to or removed from the creation rules of a
    ``.sealfile.yaml``."""
    rule_unsealed: list[str] = field(default_factory=list)
    """Values named like secrets, sealed in committed files, that a changed creation rule leaves in plaintext."""
    plaintext: list[str] = field(default_factory=list)
    """Decrypted copies of sealed files among the change's other files (:mod:`sealfile.gitflow.leaks`)."""
    plaintext_notes: list[str] = field(default_factory=list)
    """Keys named like secrets in plaintext in the change's other files; sealed values of committed files, not named
    like secrets, that a changed creation rule leaves in plaintext (:mod:`~.value_rules`)."""
    collisions: list[str] = field(default_factory=list)
    """Paths a case-insensitive file system would merge with others (:mod:`sealfile.gitflow.changed_paths`)."""
    linked_configs: list[str] = field(default_factory=list)
    """Each ``.sealfile.yaml`` made a symbolic link: readers refuse it, and its text here is only a name."""
    drivers_dropped: list[str] = field(default_factory=list)
    """Sealed files a ``.gitattributes`` change takes from sealfile's drivers (:mod:`~.attributes_at`)."""
    uncovered: list[str] = field(default_factory=list)
    """Files a ``sealed_files`` change leaves to no pattern (:func:`~sealfile.gitflow.patterns.left_uncovered`)."""
    guards_removed: list[str] = field(default_factory=list)
    """CI workflows and hook files that no longer run sealfile (:mod:`~sealfile.gitflow.safety_net`), or whose
    changed condition proves it never runs for the sealed files (:mod:`~sealfile.gitflow.guard_conditions`)."""
    guard_conditions: list[str] = field(default_factory=list)
    """Other conditions this change adds or alters that decide whether such a sealfile step runs."""
    history_cut: bool = False
    history: list[str] = field(default_factory=list)
    """Violations of versions the change's own commits wrote and later ones changed again (:mod:`~.range_versions`)."""
    history_recipients: list[str] = field(default_factory=list)
    """Recipients such a version added: removed since, they hold the data key it was sealed under."""
    history_notes: list[str] = field(default_factory=list)
    """A shallow clone: the searches of the history for older ciphertexts and keys stop at its cut."""

    @property
    def violations(self) -> list[str]:
        found = [f"{f.path}: {v}" for f in self.files for v in f.violations] + self.plaintext + self.collisions
        found += self.linked_configs + self.drivers_dropped + self.uncovered + self.guards_removed
        found += self.rule_unsealed
        found += self.history_recipients + self.history
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
        return lines + self.rule_recipient_changes + self.history_recipients
