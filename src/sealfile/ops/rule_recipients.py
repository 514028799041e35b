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
from collections.abc import Iterable, Sequence

from sealfile.errors import UntrustedSealError, one_line
from sealfile.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:  # the key modules only when recipients are compared: status, readers and most writes never do
    from sealfile.kms.base import MasterKey
    from sealfile.kms.groups import KeyGroups
    from sealfile.model.metadata import Metadata
    from sealfile.ops.config import ProjectConfig
    from sealfile.ops.creation_rules import CreationRule


class RuleChoice(Record):
    _fields = ("rule", "config", "where")
    rule: CreationRule
    config: str
    """The ``.sealfile.yaml`` that decided, for messages."""
    where: str
    """The rule's key path in it (``creation_rules.2``)."""

    def __init__(self, rule: CreationRule, config: str, where: str) -> None:
        self._fill(rule, config, where)


class ExpectedRecipients(Record):
    _fields = ("keys", "file", "also", "config")
    keys: KeyGroups
    """The recipients the matching creation rule names (what ``updatekeys`` would make them)."""
    file: str
    """The file as the user named it, for the command that brings it to the rule."""
    also: tuple[ExpectedRecipients, ...]
    """The rules of the other names the same data key goes by (where a symbolic link leads, the file ``encrypt
    --previous`` keeps it from): a recipient any of them lacks is refused, whichever name the user gave."""
    config: str
    """The ``.sealfile.yaml`` whose rule this is, named in refusals."""

    def __init__(self, keys: KeyGroups, file: str, also: tuple[ExpectedRecipients, ...] = (),
                 config: str = ".sealfile.yaml") -> None:
        self._fill(keys, file, also, config)

    def unexpected(self, recipients: KeyGroups, chosen: Iterable[MasterKey] = ()) -> list[MasterKey]:
        """Those of ``recipients`` a rule does not name, but for ``chosen`` (named on the command line now)."""
        found: list[MasterKey] = []
        for rule in self._each():
            found += [key for key in rule._unnamed(recipients, chosen) if not any(key.same_key(k) for k in found)]
        return found

    def refuse_unexpected(self, recipients: KeyGroups, chosen: Iterable[MasterKey] = ()) -> None:
        """Refuse to seal for a recipient a rule does not name, or under key groups that let fewer of a rule's keys
        open the file than it asks (before any key is unwrapped)."""
        from sealfile.kms.base import describe_keys
        from sealfile.kms.groups import who_opens

        for rule in self._each():
            extra = rule._unnamed(recipients, chosen)
            if extra:
                raise UntrustedSealError(
                    f"refusing to seal for {describe_keys(extra)}, which its creation rule in {one_line(rule.config)} "
                    "does not name: whoever sealed the file for them could read what is written (no trusted signers "
                    f"say who did); add them there if intended, else {rule._back_to_rule()}")
        for rule in self._each():
            fewer = recipients.looser_than(rule.keys)
            if fewer:
                raise UntrustedSealError(
                    f"refusing to write: its key groups let {who_opens(fewer)} open it, where its creation rule "
                    f"in {one_line(rule.config)} asks {rule.keys.describe()}{_spelled(rule.keys)}: whoever split it "
                    f"so could read what is written (no trusted signers say who did); change the rule if intended, "
                    f"else "
                    f"{rule._back_to_rule()}")

    def _back_to_rule(self) -> str:
        """The command to paste: ``--rotate``, as whoever sealed the file so chose its data key (removing them
        alone would leave it theirs to open, and the next write would seal under it)."""
        import shlex  # only here: the message is a command to paste

        command = f"sealfile updatekeys --rotate {one_line(shlex.quote(self.file))}"
        return f"bring the file to the rule under a new data key: {command}"

    def _each(self) -> tuple[ExpectedRecipients, ...]:
        return (self, *self.also)

    def _unnamed(self, recipients: KeyGroups, chosen: Iterable[MasterKey]) -> list[MasterKey]:
        chosen = list(chosen)
        return [key for key in recipients.not_in(self.keys) if not any(key.same_key(mine) for mine in chosen)]


def _spelled(groups: KeyGroups) -> str:
    """The groups themselves, when a count alone does not say which keys go together."""
    if not groups.grouped:
        return ""
    from sealfile.kms.base import describe_keys

    return " (" + "; ".join(f"group {number}: {describe_keys(group)}" for number, group in
                            enumerate(groups.groups, 1)) + ")"


def joined(*expected: ExpectedRecipients | None) -> ExpectedRecipients | None:
    """Every rule of ``expected`` (``None``s left out): what sealing one data key under several names expects."""
    rules = [rule for each in expected if each is not None for rule in each._each()]
    if not rules:
        return None
    return ExpectedRecipients(rules[0].keys, rules[0].file, tuple(rules[1:]), rules[0].config)


def choose_rule(configs: Sequence[ProjectConfig], file: str | os.PathLike[str]) -> RuleChoice | None:
    """The rule for ``file`` of ``configs`` (nearest first), for every command alike: the first match of the nearest
    config whose first match names recipients; if none does, the nearest first match (which names none: recipients
    come from the command line, the rule's value rule still applies). A nearer config without such a rule (none, or
    one without recipients: anyone who can push can add it) blesses no recipient, so the rule above still decides
    what writers accept, what ``updatekeys`` applies and whom a new file is sealed for."""
    fallback = None
    for config in configs:
        rule = config.rule_for(file)
        if rule is None:
            continue
        choice = RuleChoice(rule, str(config.path or ".sealfile.yaml"),
                            f"creation_rules.{config.creation_rules.index(rule)}")
        if rule.recipients is not None:
            return choice
        fallback = fallback or choice
    return fallback


def rule_for_file(file: str | os.PathLike[str]) -> RuleChoice | None:
    """:func:`choose_rule` of the configs that govern ``file``; an invalid one among them is refused, naming it."""
    from sealfile.ops.config import read_configs
    from sealfile.ops.config_files import governing_files

    paths = governing_files(file)
    return choose_rule(read_configs(paths), file) if paths else None


def without_recipients(choice: RuleChoice | None, file: str | os.PathLike[str]) -> str:
    """Why the rules give ``file`` no recipients, naming the config that decided (or how to convert SOPS's)."""
    if choice is None:
        from sealfile.ops.config_files import sops_rules_hint

        return "no creation rule in .sealfile.yaml matches this file" + sops_rules_hint(file)
    return f"its creation rule in {one_line(choice.config)} ({choice.where}) names no recipients"


def expected_recipients(configs: Sequence[ProjectConfig], file: str | os.PathLike[str]) -> ExpectedRecipients | None:
    """What :func:`choose_rule` expects of ``file``, or ``None`` if no rule with recipients matches."""
    return _expecting(choose_rule(configs, file), file)


def _expecting(choice: RuleChoice | None, file: str | os.PathLike[str]) -> ExpectedRecipients | None:
    if choice is None or choice.rule.recipients is None:
        return None
    return ExpectedRecipients(choice.rule.recipients, os.fspath(file), config=choice.config)


def expected_where_it_leads(file: str | os.PathLike[str]) -> ExpectedRecipients | None:
    """The rule for the file a symbolic link on ``file``'s way leads to, if that is another path (configs judge the
    link by its own place, so ``secrets.yaml -> prod.enc.yaml`` matches no rule; the data key kept is the target's)."""
    from sealfile.ops.config_files import named_path

    real = os.path.realpath(file)
    if real == named_path(file):  # no link on the way: most files
        return None
    return _expecting(rule_for_file(real), real)


def rule_expects(file: str | os.PathLike[str]) -> ExpectedRecipients | None:
    """What the creation rule of ``file`` (and of where a link on its way leads) expects, whether or not trusted
    signers are configured: for a writer whose recipients no signature vouches for (``import-sops`` takes a SOPS
    file's, which its MAC does not cover)."""
    return joined(_expecting(rule_for_file(file), file), expected_where_it_leads(file))


def refuse_unexpected(expected: ExpectedRecipients | None, meta: Metadata) -> None:
    """For a writer about to seal for the recipients ``meta`` names (``expected``: the policy's, if any)."""
    if expected is not None:
        from sealfile.kms.groups import KeyGroups

        expected.refuse_unexpected(KeyGroups.from_stanzas(meta.groups, meta.threshold))
