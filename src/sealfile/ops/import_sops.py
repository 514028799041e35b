"""``import-sops``: a SOPS file becomes a sealed sealfile file for the same recipients.

The SOPS file is verified first (its MAC, every value). Its entries (age, PGP, AWS KMS with its
ARN, encryption context, role and profile, GCP KMS, Azure Key Vault, Vault Transit) become our
recipients in the same key groups, its rule becomes ours (``encrypted_suffix`` as an anchored
``encrypted_regex``), and its plaintext (with comments, for YAML) is sealed afresh under a new
data key: SOPS's key is not reused. An entry of a kind we have no provider for is reported, not
silently kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sealfile.errors import FormatError
from sealfile.kms.base import MasterKey
from sealfile.kms.groups import KeyGroups
from sealfile.kms.registry import key_for
from sealfile.model.metadata import Stanza
from sealfile.model.rules import EncryptionRules
from sealfile.ops.seal import seal_plaintext
from sealfile.ops.signatures import TrustPolicy
from sealfile.sops import Opened, about, detect, open_text
from sealfile.sops.format import suffix_as_regex
from sealfile.sops.nodes import Branch, Comment, Item
from sealfile.sops.render import check_yaml, yaml_text
from sealfile.sops.rules import SopsRule, python_pattern
from sealfile.stores import Store, get_store


@dataclass(frozen=True)
class Imported:
    sealed: str
    """The sealed sealfile YAML text."""
    skipped: list[str]
    """SOPS key types present in the file that the sealed file does not carry over."""
    notes: list[str] = field(default_factory=list)
    """Other differences the caller should tell the user about."""


def recipient_key(stanza: Stanza) -> MasterKey:
    """Our provider for a SOPS entry (its wrapped key is not used: a new data key is wrapped)."""
    return key_for(stanza)


def sealfile_rules(rule: SopsRule) -> tuple[EncryptionRules, list[str]]:
    """The same rule in sealfile's vocabulary, and what could not be kept."""
    if rule.on_comments:
        return EncryptionRules(), [f"SOPS's {rule.kind} has no sealfile equivalent: values are sealed by "
                                   "sealfile's default rule instead"]
    if rule.kind == "encrypted_suffix":
        return EncryptionRules("encrypted_regex", suffix_as_regex(rule.pattern)), []
    if rule.kind == "unencrypted_suffix":
        return EncryptionRules(rule.kind, rule.pattern), []
    return EncryptionRules(rule.kind, python_pattern(rule.pattern)), []


def plaintext_yaml(opened: Opened) -> str:
    """The plaintext as YAML sealfile seals (comments kept for a YAML file), read back first."""
    if len(opened.documents) != 1:
        raise FormatError(f"it holds {len(opened.documents)} YAML documents; a sealed file holds one")
    if opened.kind == "binary":
        raise FormatError("a SOPS binary file holds no keys and values to seal one by one")
    document = opened.documents[0]
    if opened.kind != "yaml":  # the data as their own reader gives it; comments stay behind
        document = Branch(Item(key, value) for key, value in opened.data().items())
    text = yaml_text([document], merges=opened.kind == "yaml")  # another store's "<<" is a plain key
    check_yaml(text, [opened.data()])
    return text


def import_sops(text: str, *, path: str | None = None, input_type: str | None = None,
                output: Store | None = None, policy: TrustPolicy | None = None) -> Imported:
    """Convert a SOPS file's text (``path`` or ``input_type`` picks its store, as in SOPS) to a sealed
    file's text, in ``output``'s syntax (YAML by default), signed as ``policy`` wants."""
    kind = detect(text, path, input_type)
    if kind is None:
        raise FormatError("not a SOPS file (no top-level 'sops' mapping with a 'mac')")
    opened = open_text(text, kind, comments=True)
    with about(opened.kind):
        rendered = plaintext_yaml(opened)
        meta = opened.meta
        groups = [[recipient_key(s) for s in group if s.type not in meta.unsupported] for group in meta.groups]
        if not any(groups):
            raise FormatError(f"none of the SOPS file's recipients ({', '.join(meta.unsupported)}) "
                              "is a kind sealfile supports")
        keys = KeyGroups(tuple(map(tuple, groups)), meta.threshold) if len(groups) > 1 else groups[0]
        rules, notes = sealfile_rules(opened.meta.rule)
        if opened.kind != "yaml" and _has_comments(opened.documents[0]):
            notes.append(f"the comments of a SOPS {opened.kind} file are not carried over")
        sealed = seal_plaintext(rendered, get_store("yaml"), keys, rules, output=output, policy=policy)
    return Imported(sealed, list(opened.meta.unsupported), notes)


def _has_comments(node: object) -> bool:
    return isinstance(node, Branch) and any(isinstance(item.key, Comment) or _has_comments(item.value) for item in node)
