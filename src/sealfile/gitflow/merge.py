"""Three-way merge of sealed files: git's merge driver for ``*.enc.yaml``.

SOPS files conflict on every concurrent change because each change rewrites the MAC line.
Here all three versions are decrypted in memory, merged by key path, and re-sealed into the
layout of "ours": every value that did not change keeps its ciphertext byte for byte (a value
taken from "theirs" keeps theirs' ciphertext when both share the data key), so the result
differs from each parent only in the other side's value lines and the MAC line.

Items are compared by key path through mappings; a list is one item (index-wise merging of
lists would invent conflicts). A path changed differently on both sides is a conflict: the
result then keeps ours' value there (and every other change from both sides), still sealed,
and the caller reports the paths. Nothing decrypted is ever written to disk.

Data keys and recipients: when one side rotated the data key (the other kept the base's), the
rotated key wins, so a rotation done to shut out a removed recipient survives the merge;
otherwise ours' key is kept, unless a recipient the merge drops could open it (:mod:`.merge_keys`).
Recipients merge three-way (an addition or a removal on either side is applied, each reported as a
warning); a stanza made for another data key is re-wrapped for the chosen one, which needs that
recipient's public key or KMS access.

A team half-way from SOPS: one version may be a SOPS file (the other clone still changes it with
``sops``). Its values are merged into the sealed version, whose layout, data key, recipients and rule
the result keeps; two SOPS versions are not merged (sealfile changes no SOPS file).

Trust: where the signature policy applies (:mod:`sealfile.ops.signatures`), ours and theirs must
each be sealed by a trusted signer, or the merge is refused: no data key, ciphertext or value
is taken from a side whose seal is not trusted. The result is signed by whoever merges.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sealfile.envelope.datakey import Groups, wrap_groups, wrap_with
from sealfile.errors import FormatError, SealfileError
from sealfile.gitflow.merge_anchors import carry_anchors
from sealfile.gitflow.merge_apply import Side as _Side
from sealfile.gitflow.merge_apply import apply_theirs, comments_not_merged
from sealfile.gitflow.merge_documents import align_documents
from sealfile.gitflow.merge_keys import ids_of, kept_out, refuse_unvouched_recipients, same_key
from sealfile.gitflow.merge_plan import check_merged, check_values, flatten, plan
from sealfile.gitflow.merge_streams import key_by_key, moved_documents, with_theirs_documents
from sealfile.gitflow.merge_written import respelled, written_items
from sealfile.gitflow.sealed import keypath, rules_text
from sealfile.kms.groups import KeyGroups
from sealfile.kms.registry import key_for
from sealfile.model.metadata import Stanza
from sealfile.model.paths import Path, encode_path
from sealfile.model.rules import EncryptionRules
from sealfile.ops.document import Reuse
from sealfile.ops.plain_edit import plain_data
from sealfile.ops.plain_secrets import MERGE_HINT, guard
from sealfile.ops.reader import read_document
from sealfile.ops.seal import seal_plaintext
from sealfile.ops.signatures import TrustPolicy, from_environment
from sealfile.ops.sops_files import sops_kind
from sealfile.sops import about
from sealfile.sops import open_text as open_sops
from sealfile.stores import Store, get_store
from sealfile.stores.yaml.basics import split_bom
from sealfile.stores.yaml.scan import scan
from sealfile.stores.yaml.spans import may_alias

"""An item that is a mapping: two mappings are "the same item" whatever their keys."""


@dataclass
class MergeResult:
    text: str
    conflicts: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    conflict_paths: list[Path | None] = field(default_factory=list)
    """The key paths of ``conflicts``, ``None`` for the encryption rule (:mod:`.conflicts` records them)."""


def merge_texts(base: str | None, ours: str, theirs: str, store: Store | None = None,
                policy: TrustPolicy | None = None, committed: tuple[TrustPolicy, ...] = (), *,
                unseal: bool = False) -> MergeResult:
    """Merge three versions of one sealed file; ``base`` is ``None`` or empty when both sides added it.
    ``committed``: the policies of the configs as the user's commits have them (HEAD; in a replay, where it
    started and what it rebases onto), where the work tree's may already hold the merge's own change to them
    (``git checkout -m`` after a merge stopped): ours and theirs must satisfy them too, or a side could vouch
    for itself by adding its signer in the same merge. A value either side holds sealed is not merged into plaintext
    (theirs' rule may be a forger's) unless ``unseal`` (:mod:`sealfile.ops.plain_secrets`)."""
    store = store or get_store("yaml")
    policy = policy or from_environment()
    judges = (policy, *committed)
    b = _open_side(base, "base", store, ())
    o = _open_side(ours, "ours", store, judges)
    t = _open_side(theirs, "theirs", store, judges)
    result = MergeResult("")
    if o.sops and t.meta is not None:  # the sealed side gives the layout, key and recipients
        o, t = t, o
        result.warnings.append("ours is a SOPS file, theirs a sealed file (converted with import-sops): the merge "
                               "is sealed as theirs is, with ours' changes; at a conflict it keeps theirs' value")
    if o.sops or (t.sops and o.meta is None):
        raise FormatError("ours and theirs are SOPS files: the sealfile merge driver merges sealed files (and a "
                          "sealed file with a SOPS one); merge these with sops, or convert with import-sops")
    if o.meta is None or (t.meta is None and not t.sops):
        raise FormatError("ours and theirs must both be sealed files")
    joined = align_documents(b, o, t, store)  # documents a side inserted, removed or joined: by index again
    written = _as_written((b, o, t), store)
    by_value: set[Path] = set()
    if written:
        o.items, t.items, by_value = respelled((b.data, b.items), (o.data, o.items), (t.data, t.items))
    applied, conflicts = plan(b.items, o.items, t.items)
    applied, conflicts = moved_documents(None if b.meta is None and not b.sops else b.data, o.data, t.data,
                                         applied, conflicts)
    for p in conflicts:
        result.conflicts.append(keypath(p))
        result.conflict_paths.append(p)
    if joined is not None and any(len(p) == 1 for p in conflicts):  # whole documents: say which join was not followed
        result.warnings.append(joined)
    if written and b.scanned is not None and t.scanned is not None:  # before: theirs' new aliases may name them
        o.plaintext = carry_anchors(o.plaintext, b.scanned, t.scanned, b.items)
    merged = apply_theirs(o, t, key_by_key(applied, o.data, t.data), store, by_value)
    if written and b.scanned is not None and t.scanned is not None:  # after: those a removed key held till then
        merged = carry_anchors(merged, b.scanned, t.scanned, b.items)
    merged = with_theirs_documents(merged, t.plaintext, o.data, t.data, applied)
    result.warnings += [lost] if (lost := comments_not_merged(b, t, merged)) is not None else []
    check_merged(written_items(scan(split_bom(merged)[1])) if written else flatten(plain_data(merged, store)),
                 o.items, t.items, applied)
    if written:
        check_values(flatten(plain_data(merged, store)), flatten(b.data), flatten(o.data), flatten(t.data),
                     conflicts)
    rules = o.meta.rules if t.sops else _merge_rules(b, o, t, result)
    primary = t if _rotated_by(t, b, o) else o
    assert primary.reuse is not None
    if t.sops:  # a SOPS side brings its values; who may open the file and how are the sealed side's
        result.warnings.append(f"{t.name} is a SOPS file: its changes are merged, the recipients are {o.name}'")
        groups, threshold = o.meta.groups, o.meta.threshold
    elif any(side.meta is not None and side.meta.grouped for side in (b, o, t)):
        groups, threshold = _merge_groups(b, o, t, primary, result)
    else:
        groups, threshold = (_merge_recipients(b, o, t, primary, result),), 1
    signed = any(judge.signers is not None for judge in judges)  # each side then signed by a trusted signer
    refuse_unvouched_recipients(b, o, t, groups, threshold, signed)
    data_key, groups, threshold, note = kept_out(b, o, t, primary, groups, threshold, signed)
    result.warnings += [note] if note else []
    tokens = _tokens(o, t, data_key, applied)
    with policy.writing():
        result.text = seal_plaintext(merged, store, [], rules, reuse=Reuse(data_key, groups, tokens, threshold))
    sides = [text for text in (ours, theirs) if sops_kind(text) is None]  # SOPS's tokens are not sealfile's
    guard(sides, result.text, store, unseal=unseal, plain=result.warnings.append, hint=MERGE_HINT)
    return result


_VERSION_NAMES = {"ours": "our version", "theirs": "their version", "base": "the common ancestor"}


def _open_side(text: str | None, name: str, store: Store, judges: tuple[TrustPolicy, ...]) -> _Side:
    """Decrypt one version in memory (its seal trusted by every policy of ``judges``, and its MAC verified
    first) and flatten it into items."""
    if text is None or not text.strip():
        return _Side(name, {}, items=flatten({}))
    kind = sops_kind(text)
    if kind is not None:  # a clone still on SOPS: its values (verified by SOPS's MAC), nothing else
        try:
            for policy in judges:
                policy.enforce_unsignable("a SOPS file")
            sops_file = open_sops(text, kind)
            with about(sops_file.kind):
                data = sops_file.data()
        except SealfileError as err:
            raise SealfileError(f"cannot open {_VERSION_NAMES.get(name, name)}: {err}") from None
        return _Side(name, data, sops=True, items=flatten(data), sops_groups=sops_file.meta.groups,
                     sops_threshold=sops_file.meta.threshold)
    try:
        sealed = read_document(text, store)
        for policy in judges:  # ours and theirs: what the merge keeps (a data key) and signs
            policy.enforce(sealed, writing=True)
        opened = sealed.open()
        data = opened.data()
        side = _Side(name, data, opened.plaintext(), opened.metadata, opened.reuse())
    except SealfileError as err:
        raise SealfileError(f"cannot open {_VERSION_NAMES.get(name, name)}: {err}") from None
    side.items = flatten(data)
    return side


def _as_written(sides: tuple[_Side, ...], store: Store) -> bool:
    """Where a YAML version holds aliases, merges or application tags, every version's items as written (read
    again)."""
    if store.name != "yaml" or not any(may_alias(side.plaintext) or "!" in side.plaintext for side in sides):
        return False
    for side in sides:
        if side.plaintext:
            side.scanned = scan(split_bom(side.plaintext)[1])
            side.items = written_items(side.scanned)
    return True


def _merge_rules(b: _Side, o: _Side, t: _Side, result: MergeResult) -> EncryptionRules:
    assert o.meta is not None and t.meta is not None
    ours, theirs = o.meta.rules, t.meta.rules
    base = b.meta.rules if b.meta else None
    if ours == theirs or base == theirs:
        return ours
    if base == ours:
        result.warnings.append(f"encryption rule changed by theirs: {rules_text(theirs)}")
        return theirs
    result.conflicts.append(f"(encryption rule: ours {rules_text(ours)}, theirs {rules_text(theirs)})")
    result.conflict_paths.append(None)
    return ours


def _rotated_by(t: _Side, b: _Side, o: _Side) -> bool:
    """Theirs rotated the data key while ours kept the base's: theirs' key must win."""
    return b.data_key is not None and same_key(o.data_key, b.data_key) and not same_key(t.data_key, b.data_key)


def _ids(side: _Side) -> dict[tuple[str, str], Stanza]:
    if side.meta is None:
        return {}
    found = {}
    for stanza in side.meta.recipients:
        key = key_for(stanza)
        found[(key.type_id, key.key_id)] = stanza
    return found


def _merge_recipients(b: _Side, o: _Side, t: _Side, primary: _Side, result: MergeResult) -> tuple[Stanza, ...]:
    base, ours, theirs = _ids(b), _ids(o), _ids(t)
    wanted = [i for i in ours if i in theirs or i not in base]
    wanted += [i for i in theirs if i not in ours and i not in base]
    for side, other, mine in (("theirs", ours, theirs), ("ours", theirs, ours)):
        for i in mine:
            if i not in base and i not in other:
                result.warnings.append(f"recipient added by {side}: {i[0]} {i[1]}")
        for i in base:
            if i not in mine and i in other:
                result.warnings.append(f"recipient removed by {side}: {i[0]} {i[1]} (run 'sealfile rotate' "
                                       "if it may have kept the data key)")
    if not wanted:
        raise FormatError("the merge would leave no recipient")
    assert primary.data_key is not None
    own = _ids(primary)
    stanzas = []
    for i in wanted:
        kept = own.get(i)
        added = kept if kept is not None else wrap_with(key_for(ours.get(i) or theirs[i]), primary.data_key).stanza
        stanzas.append(added)
    return tuple(stanzas)


def _structure(side: _Side) -> tuple[tuple[tuple[tuple[str, str], ...], ...], int] | None:
    if side.meta is None:
        return None
    return tuple(tuple(ids_of(group)) for group in side.meta.groups), side.meta.threshold


def _merge_groups(b: _Side, o: _Side, t: _Side, primary: _Side, result: MergeResult) -> tuple[Groups, int]:
    """Key groups merge as a whole: the side that changed them (from the base) wins; both changing
    them differently cannot be merged. Groups made for another data key are split and wrapped again."""
    base, ours, theirs = _structure(b), _structure(o), _structure(t)
    chosen = o if ours == theirs or base == theirs else t if base == ours else None
    if chosen is None:
        raise FormatError("both sides changed the recipients or key groups differently; merge by hand "
                          "(sealfile recipients / updatekeys on one side first)")
    if chosen is t and ours != theirs:
        result.warnings.append("recipients / key groups changed by theirs")
    elif ours != theirs:
        result.warnings.append("recipients / key groups changed by ours")
    assert chosen.meta is not None and primary.data_key is not None
    if chosen is primary:
        return chosen.meta.groups, chosen.meta.threshold
    wanted = KeyGroups.from_stanzas(chosen.meta.groups, chosen.meta.threshold)
    return wrap_groups(wanted, primary.data_key)


def _tokens(o: _Side, t: _Side, data_key: bytes, applied: list[Path]) -> dict[bytes, tuple[str, bytes]]:
    """Ciphertexts the re-seal may keep: theirs' for what came from theirs, ours' for the rest."""
    # Encoded paths are self-delimiting, so a subtree's paths are exactly those its path's encoding prefixes.
    taken = tuple(encode_path(p) for p in applied)

    def from_theirs(encoded: bytes) -> bool:
        return encoded.startswith(taken)

    tokens: dict[bytes, tuple[str, bytes]] = {}
    if o.reuse is not None and same_key(o.data_key, data_key):
        tokens.update((encoded, tok) for encoded, tok in o.reuse.tokens.items() if not from_theirs(encoded))
    if t.reuse is not None and same_key(t.data_key, data_key):
        for encoded, tok in t.reuse.tokens.items():
            if from_theirs(encoded) or encoded not in tokens:
                tokens[encoded] = tok
    return tokens
