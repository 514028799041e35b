"""A ``.sealfile.yaml`` change to its creation rules' value rules (``encrypted_regex``, ``unencrypted_regex``,
``unencrypted_suffix``): which it adds, removes or changes, and the values of committed sealed files that the new
rule would leave in plaintext.

Anyone who can push may write ``unencrypted_regex: .``: a file sealed afresh under it (``encrypt``, a new ``edit``)
holds ``db.password`` in plaintext, told on stderr only (:mod:`sealfile.ops.plain_secrets`; rewriting a file keeps
its own rule, and no writer unseals a value without ``--unseal``). The rule itself is named here, beside the rule's
recipients; it fails the review where it would unseal a value named like a secret of a file already committed under
it (the change has no other reason), and is noted for attention where it would unseal others.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from sealfile.errors import SealfileError, one_line
from sealfile.gitflow.gitcli import git
from sealfile.gitflow.sealed import keyless_read, keypath
from sealfile.gitflow.secret_names import looks_secret
from sealfile.model.rules import EncryptionRules
from sealfile.model.scalars import is_sealed
from sealfile.ops.config import ProjectConfig, config_from_text
from sealfile.ops.config_files import config_paths_above
from sealfile.stores import store_for

if TYPE_CHECKING:
    from sealfile.gitflow.blobs import Blobs

_DEFAULT = EncryptionRules()
_SHOWN = 3
"""Key paths named per file: the first few say what the rule does."""


def value_rule_entries(config: ProjectConfig) -> list[str]:
    """Each creation rule's value rule other than the default (``_unencrypted`` suffix), with its path_regex."""
    return [f"{rule.rules.kind}: {rule.rules.pattern} (path_regex {rule.path_regex!r})"
            for rule in config.creation_rules if rule.rules != _DEFAULT]


def rules_moved(before: ProjectConfig | None, after: ProjectConfig | None) -> bool:
    """Whether a file may have another creation rule's value rule after the change: the rules' path_regex and value
    rules, in order, differ. Not only a value rule added or removed: a rule removed or moved after another, or its
    path_regex narrowed, lets files fall through to a loose rule that was there already (listed before and after)."""
    return _in_order(before) != _in_order(after)


def _in_order(config: ProjectConfig | None) -> list[tuple[str, EncryptionRules]]:
    return [] if config is None else [(rule.path_regex, rule.rules) for rule in config.creation_rules]


def in_force(config_path: str, config: ProjectConfig | None, text: str | None, revision: Blobs,
             root: Path) -> ProjectConfig | None:
    """The creation rules governing ``config_path``'s files on one side of a change: its own (``config``, parsed
    from ``text``), or where the file is absent (deleted, or not yet added) the nearest ``.sealfile.yaml`` above it
    in ``revision`` (a deleted config's files fall back to it; one that does not parse governs nothing)."""
    if text is not None:
        return config
    for above in config_paths_above(config_path)[1:]:
        found = revision.read_or_none(above)
        if found is not None:
            try:
                return config_from_text(found, root / above)
            except SealfileError:
                return None
    return None


def secrets_unsealed(config_path: str, before: ProjectConfig | None, after: ProjectConfig, revision: Blobs,
                     rev: str, root: Path, sealed: Callable[[str], bool]) -> tuple[list[str], list[str]]:
    """For each sealed file (``sealed`` matches its name) under ``config_path`` at ``rev`` whose creation rule's
    value rule the change made another: the values it holds sealed that the new rule would not seal. Those named
    like secrets are violations; the others (a rule loosened for values such as hosts) notes, for attention."""
    top = PurePosixPath(config_path).parent
    where = [] if str(top) == "." else ["--", str(top)]
    found: tuple[list[str], list[str]] = ([], [])
    for name in git(["ls-tree", "-r", "-z", "--name-only", rev, *where], root).split("\0"):
        rule = after.rule_for(root / name) if name and sealed(name) else None
        old = before.rule_for(root / name) if before is not None else None
        if rule is None or (old is not None and old.rules == rule.rules) or rule.rules == _DEFAULT:
            continue
        try:
            document = keyless_read(revision.read(name) or "", store_for(name))
        except SealfileError:
            continue  # not a sealed file: not this rule's to judge
        unsealed = [path for path, value in document.leaves() if is_sealed(value) and not rule.rules.encrypts(path)]
        for kept, paths in zip(found, ([p for p in unsealed if looks_secret(p)],
                                       [p for p in unsealed if not looks_secret(p)]), strict=True):
            if paths:
                kept.append(_unsealed_line(config_path, rule.rules, name, [keypath(p) for p in paths],
                                           "named like secrets and sealed now" if kept is found[0] else "sealed now"))
    return found


def _unsealed_line(config_path: str, rules: EncryptionRules, name: str, keypaths: list[str], why: str) -> str:
    shown = ", ".join(keypaths[:_SHOWN]) + (f" and {len(keypaths) - _SHOWN} more" if len(keypaths) > _SHOWN else "")
    return (f"{config_path}: creation rule ({rules.kind}: {one_line(rules.pattern)}) would leave {name}: {shown} in "
            f"plaintext, {why}")
