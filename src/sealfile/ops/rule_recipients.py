"""The recipients a file's creation rule expects, compared by writers when no trusted signers are configured.

Without signers nothing says who sealed a file: anyone who can push can commit one sealed afresh for its usual
recipients plus their own, and the next ``set``, ``edit`` or ``rotate`` would seal new values under a data key
they open. A writer that keeps the file's data key, or wraps a new one for its recipients, first checks that
the rule in ``.sealfile.yaml`` names every one of them, and that the file's key groups and threshold are at least
as strict as the rule's (:meth:`KeyGroups.looser_than`: a member of one group who splits the file afresh so that
their group alone, or a lower threshold, opens it holds its data key just as well; docs/security.md §3).
Recipients the rule names but the file lacks are no leak and pass; so does a file no rule with recipients matches
(nothing to compare).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sealfile.errors import UntrustedSealError, one_line
from sealfile.kms.base import MasterKey, describe_keys
from sealfile.kms.groups import KeyGroups, who_opens
from sealfile.model.record import Record

if TYPE_CHECKING:
    from sealfile.model.metadata import Metadata
    from sealfile.ops.config import ProjectConfig


class ExpectedRecipients(Record):
    _fields = ("keys", "file")
    keys: KeyGroups
    """The recipients the matching creation rule names (what ``updatekeys`` would make them)."""
    file: str
    """The file as the user named it, for the command that brings it to the rule."""

    def __init__(self, keys: KeyGroups, file: str) -> None:
        self._fill(keys, file)

    def unexpected(self, recipients: KeyGroups, chosen: Iterable[MasterKey] = ()) -> list[MasterKey]:
        """Those of ``recipients`` the rule does not name, but for ``chosen`` (named on the command line now)."""
        chosen = list(chosen)
        return [key for key in recipients.not_in(self.keys) if not any(key.same_key(mine) for mine in chosen)]

    def refuse_unexpected(self, recipients: KeyGroups, chosen: Iterable[MasterKey] = ()) -> None:
        """Refuse to seal for a recipient the rule does not name, or under key groups that let fewer of its keys open
        the file than the rule asks (before any key is unwrapped)."""
        extra = self.unexpected(recipients, chosen)
        if extra:
            raise UntrustedSealError(
                f"refusing to seal for {describe_keys(extra)}, which its creation rule in .sealfile.yaml does not "
                "name: whoever sealed the file for them could read what is written (no trusted signers say who "
                f"did); add them to .sealfile.yaml if intended, else {self._back_to_rule()}")
        fewer = recipients.looser_than(self.keys)
        if fewer:
            raise UntrustedSealError(
                f"refusing to write: its key groups let {who_opens(fewer)} open it, where its creation "
                f"rule in .sealfile.yaml asks {self.keys.describe()}{_spelled(self.keys)}: whoever split it so "
                f"could read what is written (no trusted signers say who did); change the rule if intended, else "
                f"{self._back_to_rule()}")

    def _back_to_rule(self) -> str:
        """The command to paste: ``--rotate``, as whoever sealed the file so chose its data key (removing them
        alone would leave it theirs to open, and the next write would seal under it)."""
        import shlex  # only here: the message is a command to paste

        command = f"sealfile updatekeys --rotate {one_line(shlex.quote(self.file))}"
        return f"bring the file to the rule under a new data key: {command}"


def _spelled(groups: KeyGroups) -> str:
    """The groups themselves, when a count alone does not say which keys go together."""
    if not groups.grouped:
        return ""
    return " (" + "; ".join(f"group {number}: {describe_keys(group)}" for number, group in
                            enumerate(groups.groups, 1)) + ")"


def expected_recipients(config: ProjectConfig, file: str | os.PathLike[str]) -> ExpectedRecipients | None:
    """What ``config``'s creation rule for ``file`` expects (the rule ``updatekeys`` applies: the governing
    config's first match), or ``None`` if no rule with recipients matches."""
    rule = config.rule_for(file)
    return None if rule is None or rule.recipients is None else ExpectedRecipients(rule.recipients, os.fspath(file))


def refuse_unexpected(expected: ExpectedRecipients | None, meta: Metadata) -> None:
    """For a writer about to seal for the recipients ``meta`` names (``expected``: the policy's, if any)."""
    if expected is not None:
        expected.refuse_unexpected(KeyGroups.from_stanzas(meta.groups, meta.threshold))
