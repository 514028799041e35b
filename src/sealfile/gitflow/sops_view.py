"""A SOPS file as ``git diff`` shows it (textconv), for a team on its way from SOPS or still on it.

SOPS rewrites its ``lastmodified`` and ``mac`` lines on every change, so a raw diff of a SOPS file is
churn around ciphertext. As for a sealed file: someone whose local key opens it sees what ``sops
decrypt`` prints; anyone else sees the file without its metadata, each ``ENC[AES256_GCM,...]`` token
replaced by a fingerprint of its text (SOPS keeps the token of a value it did not change, so a new
fingerprint means a new value), and a footer naming the store, the rule and the recipients.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sealfile.gitflow.sealed import fingerprint, named_recipients, rules_text
from sealfile.model.paths import Path, iter_leaves
from sealfile.ops.signatures import TrustPolicy, from_environment
from sealfile.sops import LABELS, Kind, about, load, parse
from sealfile.sops.cipher import is_encrypted
from sealfile.sops.data import to_data
from sealfile.sops.initree import GO_SPACE
from sealfile.sops.rules import SopsRule, rule_from_metadata
from sealfile.sops.status import counted_twice, groups_needed, key_groups, named_groups, recipients
from sealfile.stores import Store

_TOKEN = re.compile(r"ENC\[AES256_GCM,[^\]\s\"']*\]")


@dataclass(frozen=True)
class SopsView:
    """A SOPS file as a keyless reader sees it, in the shape of :class:`~sealfile.gitflow.sealed.SealedView`
    (so ``diff`` and ``review`` compare SOPS and sealed versions of a file by key path alike)."""

    kind: Kind
    leaves: dict[Path, Any]
    recipients: list[str]
    rule: str
    stanzas: list[str]
    sops_rule: SopsRule
    version: object = "SOPS"
    sources: dict[Path, Path] = field(default_factory=dict)
    """None: SOPS's tree binds every value to the path it is at."""
    tags: dict[Path, str] = field(default_factory=dict)
    """None: sops refuses a YAML tag."""
    keys: list[str] = field(default_factory=list)
    """The recipients without their key groups, as :attr:`SealedView.keys` names them."""

    @classmethod
    def of(cls, text: str, kind: Kind) -> SopsView:
        with about(kind):
            documents, meta = parse(text, kind)
            data = to_data(documents[0], "json" if kind == "json" else "yaml") if documents else {}
            rule = rule_from_metadata(meta)
        stanzas = [str(entry.get("enc")) for group in key_groups(meta) for entries in group.values()
                   if isinstance(entries, list) for entry in entries if isinstance(entry, Mapping)]
        names, needed = named_groups(meta)
        threshold = needed if len(names) > 1 else None  # named as a sealed file's: a key that stays is no change
        return cls(kind, dict(iter_leaves(data)) if isinstance(data, dict) else {},
                   named_recipients(names, threshold), f"{rule.kind}: {rule.pattern}", stanzas, rule,
                   keys=named_recipients(names, threshold, placed=False))

    seal: str = "unsigned"

    @property
    def rule_key(self) -> str:
        """The rule as ``import-sops`` keeps it (Go's ``$`` is Python's ``\\Z``, a suffix an anchored regex), so a
        SOPS file and the sealed file imported from it compare as the same rule; a comment rule, which the import
        replaces by sealing every value, stays itself."""
        if self.sops_rule.on_comments:
            return self.rule
        from sealfile.ops.import_sops import sealfile_rules

        return rules_text(sealfile_rules(self.sops_rule)[0])

    @staticmethod
    def opened_with_less(than: object) -> str | None:
        return None  # a conversion seals afresh: who opens the sealed file is told by its recipients

    def encrypts(self, path: Path) -> bool:
        return not self.sops_rule.on_comments and self.sops_rule.encrypts(
            [segment for segment in path if isinstance(segment, str)])

    @staticmethod
    def is_token(value: Any) -> bool:
        return is_encrypted(value)

    def revealed(self, text: str, store: Store, policy: TrustPolicy | None) -> Any:
        """What ``sops decrypt`` gives (a key needed; refused where readers require signed seals)."""
        (policy or from_environment()).enforce_unsignable("a SOPS file")
        return load(text, self.kind)


def footer(text: str, kind: Kind) -> list[str]:
    """What a reader without keys learns of the file: store, version, rule and every recipient."""
    _, meta = parse(text, kind)
    rule = rule_from_metadata(meta)
    lines = ["# --- sealfile ---", f"# a SOPS {LABELS[kind]} file (written by sops {meta.get('version', '?')})",
             f"# rule: {rule.kind}: {rule.pattern}", "# recipients:"]
    groups = len(key_groups(meta))
    lines += [f"#   {kind_name} {key_id}" for kind_name, key_id in recipients(meta)]
    if groups > 1:
        lines.append(f"#   (any {groups_needed(meta, groups)} of the key groups)")
    lines += [f"#   ! {note}" for note in counted_twice(meta)]
    return [*lines, "# signature: none (a SOPS file carries no sealfile signature)"]


def redact(text: str, kind: Kind) -> str:
    """The file without its metadata, every token shown as ``ENC#<fingerprint>``."""
    if kind in ("json", "binary"):
        tree = json.loads(text)
        tree.pop("sops", None)
        body = json.dumps(tree, indent="\t", ensure_ascii=False) + "\n"
    else:
        body = "".join(_without_metadata(text.splitlines(keepends=True), kind))
    return _TOKEN.sub(lambda match: f"ENC#{fingerprint(match.group(0))}", body)


def _without_metadata(lines: list[str], kind: Kind) -> Iterator[str]:
    """Every line but the metadata's: dotenv's ``sops_*`` lines, INI's ``[sops]`` section, YAML's top-level
    ``sops:`` mapping (up to the next line that starts a top-level key or comment)."""
    inside = False
    for line in lines:
        if kind == "dotenv":
            inside = line.startswith("sops_")
        elif kind == "ini" and line.lstrip(GO_SPACE).startswith("["):  # as go-ini trims a line
            inside = line.strip(GO_SPACE) == "[sops]"
        elif kind == "yaml" and line.strip() and not line[0].isspace():
            inside = line.startswith("sops:")
        if not inside:
            yield line
