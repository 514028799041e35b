"""``import-sops``: a SOPS file becomes a sealed sealfile file for the same recipients.

The SOPS file is verified first (its MAC, every value). Its entries (age, PGP, AWS KMS with its
ARN, encryption context, role and profile, GCP KMS, Azure Key Vault, Vault Transit) become our
recipients in the same key groups, its rule becomes ours (``encrypted_suffix`` as an anchored
``encrypted_regex``), and its plaintext is sealed afresh under a new data key: SOPS's key is not
reused. An entry of a kind we have no provider for is reported, not silently kept.

Comments come along wherever the sealed syntax holds them (YAML from every store, dotenv from dotenv),
and whatever is left behind is said. SOPS encrypts comments; sealfile seals values only, so a comment
SOPS kept secret is said to be plaintext now.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sealfile.errors import ConfigError, FormatError, UntrustedSealError, one_line
from sealfile.kms.base import MasterKey, describe_keys
from sealfile.kms.groups import KeyGroups, who_opens
from sealfile.kms.registry import key_for
from sealfile.model.metadata import Stanza
from sealfile.model.paths import ListIndex, Path, format_keypath
from sealfile.model.rules import EncryptionRules
from sealfile.ops.reader import read_document
from sealfile.ops.rule_recipients import ExpectedRecipients
from sealfile.ops.seal import seal_plaintext
from sealfile.ops.signatures import TrustPolicy
from sealfile.ops.sops_files import SPLIT
from sealfile.ops.sops_shapes import repeated_keys
from sealfile.sops import Opened, about, detect, open_text, parse
from sealfile.sops.cipher import is_encrypted
from sealfile.sops.data import MERGE_KEY, merge_note, value_text
from sealfile.sops.format import suffix_as_regex
from sealfile.sops.initree import strip_comment_char
from sealfile.sops.nodes import Branch, Comment, Item
from sealfile.sops.render import check_yaml, yaml_text
from sealfile.sops.rules import SopsRule, python_pattern
from sealfile.stores import Store, get_store
from sealfile.stores.dotenv_lines import checked_name
from sealfile.stores.dotenv_metadata import PREFIX as DOTENV_PREFIX


@dataclass(frozen=True)
class Imported:
    sealed: str
    """The sealed sealfile YAML text."""
    skipped: list[str]
    """SOPS key types present in the file that the sealed file does not carry over."""
    notes: list[str] = field(default_factory=list)
    """Other differences the caller should tell the user about."""
    recipients: str = ""
    """Whom the sealed file is for, as messages name keys (``age age1..., awskms arn:...``; key groups with their
    threshold): the SOPS file's recipients, chosen by whoever wrote it, now sealed (and signed) as the user's."""
    signed: bool = False


def recipient_key(stanza: Stanza) -> MasterKey:
    """Our provider for a SOPS entry (its wrapped key is not used: a new data key is wrapped). An age entry's
    label that is no key opens in SOPS (:mod:`sealfile.sops.keys`), but names no one to wrap the new key for."""
    try:
        return key_for(stanza)
    except ConfigError:
        if stanza.type not in _LABELS:
            raise
        kind, field, name, what = _LABELS[stanza.type]
        raise ConfigError(f"a sops.{kind} entry's {name} {stanza.fields.get(field, '')!r} is not {what}: write the "
                          "recipient's key there to import the file") from None


_LABELS = {"age": ("age", "recipient", "recipient", "an age or SSH public key"),
           "ssh": ("age", "recipient", "recipient", "an age or SSH public key"),
           "pgp": ("pgp", "fingerprint", "fp", "an OpenPGP fingerprint")}
"""Entries whose key is named by a label outside the MAC, which sops does not need to open them."""


EVERY_VALUE = EncryptionRules("encrypted_regex", "^")
"""Seals every value (each has a key on its path: a file's top level is a mapping), as SOPS's reader reads it too."""


def sealfile_rules(rule: SopsRule) -> tuple[EncryptionRules, list[str]]:
    """The same rule in sealfile's vocabulary, and what could not be kept."""
    if rule.on_comments:  # SOPS then encrypts a key ending in _unencrypted too: the default rule would not
        return EVERY_VALUE, [f"SOPS's {rule.kind} has no sealfile equivalent: every value is sealed instead "
                             f"(encrypted_regex {EVERY_VALUE.pattern})"]
    if rule.kind == "encrypted_suffix":
        return EncryptionRules("encrypted_regex", suffix_as_regex(rule.pattern)), []
    if rule.kind == "unencrypted_suffix":
        return EncryptionRules(rule.kind, rule.pattern), []
    return EncryptionRules(rule.kind, python_pattern(rule.pattern)), []


def plaintext_yaml(opened: Opened) -> str:
    """The plaintext as YAML sealfile seals, comments kept, read back first."""
    if len(opened.documents) != 1:
        raise FormatError(f"it holds {len(opened.documents)} YAML documents; {SPLIT}")
    if opened.kind == "binary":
        raise FormatError("a SOPS binary file holds no keys and values to seal one by one")
    document = opened.documents[0]
    if opened.kind != "yaml":  # the data as their own reader gives it (dotenv and INI: text, and comments)
        flat = _as_text(document, ini=opened.kind == "ini") if opened.kind in ("dotenv", "ini") else None
        document = flat if flat is not None else Branch(Item(key, value) for key, value in opened.data().items())
    text = yaml_text([document], merges=opened.kind == "yaml")  # another store's "<<" is a plain key
    check_yaml(text, [opened.data()])
    return text


def _as_text(branch: Branch, *, ini: bool) -> Branch | None:
    """A dotenv or INI tree with its comments and its values as text, as its reader gives them; ``None`` if
    a key repeats (the reader keeps one, at the first place, with the last value: no comment fits it).
    go-ini's comments go where they were in the file: a section's before its header, a key's (stored after
    it) before the key, one line each."""
    out, seen = Branch(), set()
    for item in branch:
        if isinstance(item.key, Comment):
            lines = [Item(Comment(f" {strip_comment_char(line)}" if ini else line, sealed=item.key.sealed))
                     for line in item.key.text.split("\n")]
            at = len(out) - 1 if ini and out and not isinstance(out[-1].key, Comment) else len(out)
            out[at:at] = lines
            continue
        if item.key in seen:
            return None
        seen.add(item.key)
        value = item.value
        if ini and isinstance(value, Branch) and value and isinstance(value[0].key, Comment):  # the section's
            out.extend(_as_text(Branch(value[:1]), ini=ini) or ())
            value = Branch(value[1:])
        inner = _as_text(value, ini=ini) if isinstance(value, Branch) else value_text(value)
        if inner is None:
            return None
        out.append(Item(item.key, inner))
    return out


def _dotenv_kept(opened: Opened, output: Store | None) -> str | None:
    """A dotenv file sealed as dotenv: its comments and keys in their order, each value as sealfile writes
    one, when that text reads back as the data (no key repeats); else ``None`` (written afresh)."""
    if opened.kind != "dotenv" or output is None or output.name != "dotenv":
        return None
    store, data = get_store("dotenv"), opened.data()
    if len(data) != sum(not isinstance(item.key, Comment) for item in opened.documents[0]):
        return None
    text = "".join(f"#{item.key.text}\n" if isinstance(item.key, Comment) else store.dump({item.key: data[item.key]})
                   for item in opened.documents[0])
    return text if store.load_editable(text) == data else None


def _dotenv_names(data: object) -> None:
    """Every key a sealed dotenv file can hold, else one error naming the conversion that holds it."""
    for key in data if isinstance(data, dict) else ():
        try:
            checked_name(key, DOTENV_PREFIX)
        except FormatError as err:
            raise FormatError(f"{err.message}; a sealed YAML or JSON file holds it: import to NAME.enc.yaml "
                              "(-o), not to a dotenv name", keypath=err.keypath) from None


def import_sops(text: str, *, path: str | None = None, input_type: str | None = None,
                output: Store | None = None, policy: TrustPolicy | None = None,
                expected: ExpectedRecipients | None = None) -> Imported:
    """Convert a SOPS file's text (``path`` or ``input_type`` picks its store, as in SOPS) to a sealed
    file's text, in ``output``'s syntax (YAML by default), signed as ``policy`` wants; refused if its recipients
    are not those ``expected`` (the sealed file's creation rule) allows (:func:`_refuse_unruled`)."""
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
        _refuse_unruled(KeyGroups.of(keys), expected)
        rules, notes = sealfile_rules(opened.meta.rule)
        _refuse_unsealing(text, opened, rules)
        if output is not None and output.name == "dotenv":
            _dotenv_names(opened.data())
        as_dotenv = _dotenv_kept(opened, output)
        written = get_store("dotenv") if as_dotenv is not None else output or get_store("yaml")
        if as_dotenv is not None:
            sealed = seal_plaintext(as_dotenv, written, keys, rules, policy=policy)
        else:
            sealed = seal_plaintext(rendered, get_store("yaml"), keys, rules, output=output, policy=policy)
        notes += [*_tag_notes(text), *merge_note(opened.documents[0], "stay merge keys in the sealed file, "
                                                 "whose data is the merge")] if opened.kind == "yaml" else []
        repeated = repeated_keys(opened.documents[0], ini=opened.kind == "ini")
        notes += [f"the SOPS file repeats these keys; the sealed file holds each one's last value, as every reader of "
                  f"sops decrypt's output does: {', '.join(map(format_keypath, repeated))}"] if repeated else []
        notes += _comment_notes(opened, kept=as_dotenv is not None or output is None or output.name == "yaml",
                                target=output.name if output is not None else "yaml")
    described = (f"any {keys.threshold} of {len(keys.groups)} key groups: "
                 + ", ".join(f"[{describe_keys(group)}]" for group in keys.groups)
                 if isinstance(keys, KeyGroups) else describe_keys(keys))
    signed = read_document(sealed, written).metadata.signature is not None
    return Imported(sealed, list(opened.meta.unsupported), notes, described, signed)


def _refuse_unruled(keys: KeyGroups, expected: ExpectedRecipients | None) -> None:
    """Refuse recipients the creation rule does not name, or key groups looser than its, signers or not: a SOPS
    file's entries, groups and threshold are outside its MAC (anyone who can write the file can add an entry of
    their own, which sops reads past), and the sealed file would open for them, signed as the user's."""
    if expected is None:
        return
    extra = expected.unexpected(keys)
    if extra:
        raise UntrustedSealError(f"the SOPS file lists {describe_keys(extra)}, which the creation rule in "
                                 f"{one_line(expected.config)} does not name: a SOPS file's recipients are outside its "
                                 "MAC (anyone who can write it can add one); refusing to seal for them: remove the "
                                 "entry, or add the recipient to the rule if intended")
    for rule in (expected, *expected.also):
        fewer = keys.looser_than(rule.keys)
        if fewer:
            raise UntrustedSealError(f"the SOPS file's key groups let {who_opens(fewer)} open it, where the creation "
                                     f"rule in {one_line(rule.config)} asks {rule.keys.describe()}: its groups and "
                                     "threshold are outside its MAC; refusing to seal so: restore the rule's groups "
                                     "in the SOPS file, or change the rule if intended")


def _refuse_unsealing(text: str, opened: Opened, rules: EncryptionRules) -> None:
    """Every value SOPS encrypted must be sealed: its rule is a field outside its MAC, which a hand edit (or
    a file whose values were encrypted under another rule) can make say a value is plaintext."""
    documents, _ = parse(text, opened.kind, comments=True)  # as ``opened`` was read: the same items
    first = documents[0] if documents else Branch()
    for path, shown in _encrypted_paths(first, opened.documents[0] if opened.documents else Branch(), ()):
        if is_encrypted(shown):  # sops left it as it is: plaintext text spelled as a ciphertext
            raise FormatError("a plaintext value spelled as a SOPS ciphertext (ENC[...]), which a sealed file would "
                              "read as a sealed value: change it in the SOPS file first", keypath=format_keypath(path))
        if not rules.encrypts(path):
            raise FormatError(f"SOPS encrypted this value, which the file's rule ({rules.kind} {rules.pattern}) "
                              "would leave in plaintext in the sealed file", keypath=format_keypath(path))


def _encrypted_paths(node: object, shown: object, where: Path) -> Iterator[tuple[Path, object]]:
    """The paths of the ENC[...] values in a SOPS file's tree, each with its value as sops decrypted it."""
    if isinstance(node, Branch) and isinstance(shown, Branch):
        for (key, value), (_, opened) in zip(node.entries(), shown.entries(), strict=True):
            yield from _encrypted_paths(value, opened, (*where, key))
    elif isinstance(node, list) and isinstance(shown, list):
        for index, (value, opened) in enumerate(zip(node, shown, strict=True)):
            yield from _encrypted_paths(value, opened, (*where, ListIndex(index)))
    elif is_encrypted(node):
        yield where, shown


_TAGS_NAMED = 10
"""Most tagged paths a note names (a file can tag thousands of values)."""


def _tag_notes(text: str) -> list[str]:
    """The YAML tags SOPS's reader ignored: the sealed file holds the values as SOPS reads them, untagged."""
    from sealfile.sops.yamltree import dropped_tags  # as sops/__init__ does: the YAML reader on first use

    dropped = [(path, tag) for path, tag in dropped_tags(text)  # a merge key's own tag: merge_note names it
               if not (tag == f"{_STANDARD}merge" and path[-1:] == (MERGE_KEY,))]
    if not dropped:
        return []
    named = ", ".join(f"{format_keypath(path)} ({_short_tag(tag)})" for path, tag in dropped[:_TAGS_NAMED])
    more = f" and {len(dropped) - _TAGS_NAMED} more" if len(dropped) > _TAGS_NAMED else ""
    return [f"{len(dropped)} YAML tag(s) SOPS reads as if absent are not in the sealed file, whose values are "
            f"the ones sops decrypt gives: {named}{more}"]


def _short_tag(tag: str) -> str:
    return f"!!{tag.removeprefix(_STANDARD)}" if tag.startswith(_STANDARD) else tag


_STANDARD = "tag:yaml.org,2002:"


def _comment_notes(opened: Opened, *, kept: bool, target: str) -> list[str]:
    comments = list(_comments(opened.documents[0]))
    if not comments:
        return []
    if not kept:
        return [f"the comments of the SOPS {opened.kind} file are not carried over: the sealed {target} file is "
                "written afresh from its data"]
    sealed = sum(comment.text.count("\n") + 1 for comment in comments if comment.sealed)  # go-ini joins lines
    return [f"{sealed} comment line(s) SOPS kept encrypted are plaintext in the sealed file (sealfile seals "
            "values, not comments): read them before you commit it"] if sealed else []


def _comments(node: object) -> Iterator[Comment]:
    items = node if isinstance(node, list) else []
    for item in items:
        if isinstance(item, Comment):
            yield item
        elif isinstance(item, Item):
            if isinstance(item.key, Comment):
                yield item.key
            yield from _comments(item.value)
        else:
            yield from _comments(item)
