"""Changing sealed files: set, unset, rotate, recipients, and re-sealing an edited plaintext.

Each function maps the sealed text to the new sealed text (the same text when nothing changes), so callers write
only when something changed, and atomically. The data key is unwrapped and the MAC verified before any change (by
:meth:`SealedDocument.open`); untouched values keep their ciphertext. Each goes through a
:class:`~sealfile.ops.signatures.TrustPolicy` (default: the one ``SEALFILE_ALLOWED_SIGNERS`` names, if any), which
refuses to keep the data key of a file whose seal it does not trust unless ``rotate`` replaces it, and signs what is
written; a value sealed before is not written in plaintext unless ``unseal`` (:mod:`~sealfile.ops.plain_secrets`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sealfile.errors import ConfigError, FormatError, KeyPathError
from sealfile.kms.base import MasterKey, describe_keys
from sealfile.kms.groups import KeyGroups
from sealfile.model.metadata import Metadata
from sealfile.model.path_place import reach
from sealfile.model.paths import KeyPath, Path, format_keypath, get_at, resolve
from sealfile.model.record import Record
from sealfile.model.rules import EncryptionRules
from sealfile.model.scalars import Styled
from sealfile.ops import signatures
from sealfile.ops.document import OpenDocument, SealedDocument
from sealfile.ops.keyless_shape import container_at, keyless_shape
from sealfile.ops.plain_secrets import Held, guard, sealed_by_path
from sealfile.ops.reader import read_document
from sealfile.ops.seal import sealed_version
from sealfile.ops.set_paths import refuse_deeper_than_flat, refuse_set_path, refuse_unfit_keys
from sealfile.ops.signatures import RETRY_WITH_ROTATE, TrustPolicy
from sealfile.stores import Store, get_store


def _store(store: Store | None) -> Store:
    return store or get_store("yaml")


def _policy(policy: TrustPolicy | None) -> TrustPolicy:
    return signatures.from_environment() if policy is None else policy


def set_value(text: str, keypath: str, value: Any, store: Store | None = None, *, policy: TrustPolicy | None = None,
              rotate: bool = False, replace: bool = True, replacing: Callable[[Any], None] | None = None,
              over: Callable[[Any], None] | None = None, untag: Callable[[str], None] | None = None,
              unseal: bool = False, plain: Callable[[str], None] | None = None) -> str:
    """Set one value (or a subtree), creating missing parent mappings; unchanged -> same text (unless ``rotate`` also
    replaces the data key). ``unseal``, ``plain``: :func:`~.plain_secrets.guard`'s.

    ``replace=False`` refuses to put a single value where a mapping or list is: a typo in a key path must not silently
    drop a whole subtree. ``replacing`` is given the single value set over, if any (that one value decrypted);
    ``over``, the list or mapping set over (decrypted); ``untag``, the application tag of the node set over, which
    goes with it (docs/format.md §1.3)."""
    refuse_set_path(_store(store), keypath)
    unfit = _store(store).first_unfit(value)
    if unfit is not None:  # refused before anything is opened: written, no reader would open it
        inside = format_keypath(unfit[0])
        raise FormatError(unfit[1], keypath=keypath + ("" if not inside else inside if inside[0] == "[" else
                                                        "." + inside))

    def refuse_misplaced(sealed: SealedDocument) -> None:
        shape = keyless_shape(sealed.leaves(), sealed.documents())
        held = None if replace or isinstance(value, (dict, list)) else container_at(shape, keypath)
        if held:
            raise KeyPathError(f"holds a {held}; a single value would replace all of it (use --replace to do "
                               f"that, or --type yaml to set a new {held})", keypath=keypath)
        values = dict(leaves := sealed.leaves())
        was.update(sealed_by_path(leaves))  # for the guard: the parse is let go once the new text is read back
        # a sealed value may be the null a new key replaces: known only once the data key opens it (``set`` does)
        path, missing = reach(shape, keypath,
                              lambda path: not isinstance(held := values.get(path), Styled) or held.value is None)
        if not missing and untag is not None and (tag := sealed.tags().get(path)) is not None:
            untag(tag)
        if missing and not isinstance(get_at(shape, path), (dict, list)):
            reached[:] = [(path, missing)]  # a sealed value or a null: its new keys are checked once it is open
        else:
            refuse_unfit_keys(_store(store), get_at(shape, path), missing, keypath)

    reached, was = list[tuple[Path, KeyPath]](), Held()  # was: which values the file held sealed (the guard's)
    with _policy(policy).changing(text, _store(store), rotate=rotate, check=refuse_misplaced) as document:
        if replacing is not None or over is not None:
            _tell_replaced(document, keypath, replacing, over)
        for path, missing in reached:
            if document.data(path) is None:  # any other single value: ``set`` below refuses it as it is
                refuse_unfit_keys(_store(store), None, missing, keypath, null=path)
        document.set(keypath, value)
        return text if document.dump() == text else guard([was], document.read() or document.dump(), _store(store),
                                                          unseal=unseal, plain=plain)


def _tell_replaced(document: OpenDocument, keypath: str, replacing: Callable[[Any], None] | None,
                   over: Callable[[Any], None] | None) -> None:
    try:
        path, container = document.locate(keypath)
    except KeyPathError:  # a new key
        return
    if container and over is not None:
        over(document.data(path))
    elif not container and replacing is not None:
        replacing(document.data(path))


def unset_value(text: str, keypath: str, store: Store | None = None, *,
                policy: TrustPolicy | None = None, rotate: bool = False) -> str:
    def refuse_missing(sealed: SealedDocument) -> None:
        resolve(keyless_shape(sealed.leaves(), sealed.documents()), keypath)

    refuse_deeper_than_flat(_store(store), keypath)

    with _policy(policy).changing(text, _store(store), rotate=rotate, check=refuse_missing) as document:
        document.unset(keypath)
        return document.dump()


def rotate(text: str, store: Store | None = None, *, policy: TrustPolicy | None = None, adopt: bool = False) -> str:
    """A new data key, every value re-encrypted (keeping when it was set), wrapped for every recipient.

    A file whose seal ``policy`` does not trust is refused unless ``adopt``: the rotation would sign
    its values and recipients, which whoever sealed it chose, as the writer's own."""
    with _policy(policy).changing(text, _store(store), rotate=True, adopt=adopt) as document:
        return document.dump()


class RecipientChange(Record):
    _fields = ("text", "added", "removed", "regrouped", "narrowed", "resettled", "rotated")
    text: str
    added: list[MasterKey]
    removed: list[MasterKey]
    regrouped: bool
    """The key groups or threshold change (whether or not any recipient comes or goes)."""
    narrowed: tuple[MasterKey, ...]
    """Keys that open the file together now and need more key groups after the change (:meth:`KeyGroups.looser_than`:
    from a file split more loosely than its rule, for ``updatekeys``, the keys that split lets it open)."""
    resettled: list[MasterKey]
    """Keys that stay with other settings (:meth:`MasterKey.settings`: an AWS key's role, profile, context)."""
    rotated: bool
    """The new recipients got a new data key, every value re-encrypted."""

    def __init__(self, text: str, added: list[MasterKey], removed: list[MasterKey], regrouped: bool = False,
                 narrowed: tuple[MasterKey, ...] = (), resettled: list[MasterKey] | None = None,
                 rotated: bool = False) -> None:
        self._fill(text, added, removed, regrouped, narrowed, resettled or [], rotated)

    @property
    def needs_rotation(self) -> bool:
        """Whether someone may hold the data key and no longer open the file with what they hold."""
        return bool(self.removed or self.narrowed)

    @property
    def changes(self) -> bool:
        return bool(self.added or self.removed or self.regrouped or self.resettled)


def plan_recipients(
    text: str, *, add: Iterable[MasterKey] = (), remove: Iterable[MasterKey] = (),
    exact: Iterable[MasterKey] | KeyGroups | None = None, group: int | None = None, store: Store | None = None,
) -> RecipientChange:
    """Who :func:`change_recipients` would add and remove (``text`` unchanged), from the metadata alone: no key is
    unwrapped and no new recipient's service is contacted, so a caller can ask the user first."""
    meta = read_document(text, _store(store)).metadata
    wanted, added, removed, resettled, same = _planned(meta, add, remove, exact, group)
    return RecipientChange(text, added, removed, regrouped=not same and not (added or removed or resettled),
                           narrowed=_narrowed(meta, wanted, same), resettled=resettled)


def change_recipients(
    text: str,
    *,
    add: Iterable[MasterKey] = (),
    remove: Iterable[MasterKey] = (),
    exact: Iterable[MasterKey] | KeyGroups | None = None,
    group: int | None = None,
    store: Store | None = None,
    policy: TrustPolicy | None = None,
    rotate: bool = False,
    retry: str = RETRY_WITH_ROTATE,
    only_listed: bool = False,
) -> RecipientChange:
    """Re-wrap the existing data key for a new recipient set; values and MAC are untouched.

    ``exact`` names every recipient (a list, or key groups); else ``add`` joins key group ``group`` (counted from 1;
    required when the file has several) and ``remove`` leaves whichever group has it. With ``rotate``, a change
    after which someone may hold the data key without opening the file (:attr:`RecipientChange.needs_rotation`)
    gives the new recipients a new data key instead, every value re-encrypted: never wrapped for a key that leaves,
    and opened once, with the keys that open it now.
    ``retry``: what refusing a seal not trusted suggests (:meth:`TrustPolicy.changing`). ``only_listed``: a key
    of ``remove`` the file does not list is passed over (one of several files offboarded together), not refused."""
    add, remove = list(add), list(remove)
    exact = exact if exact is None or isinstance(exact, KeyGroups) else list(exact)
    policy = _policy(policy)
    replace: list[bool] = []  # the data key goes: ``rotate`` on a seal not trusted, or sealed for one the rule lacks

    def refuse_impossible(sealed: SealedDocument) -> None:
        if only_listed:
            remove[:] = _listed(sealed.metadata, remove)
        meta, expected = sealed.metadata, policy.expected
        wanted = _planned(meta, add, remove, exact, group)[0]
        if expected is not None:  # those the user names now are theirs to let in (``recipients add``)
            expected.refuse_unexpected(wanted, chosen=add)
        # who sealed the file afresh for one the rule lacks may have chosen its key: theirs without a stanza too
        unnamed = bool(expected and expected.unexpected(KeyGroups.from_stanzas(meta.groups, meta.threshold)))
        replace.append((rotate and policy.problem(sealed) is not None) or unnamed)

    with policy.changing(text, _store(store), adopt=True if rotate else None, check=refuse_impossible,
                         retry=retry, new_recipients=True) as document:
        return _rewrap(document, text, add, remove, exact, group, rotate, replace[-1])


def _rewrap(document: OpenDocument, text: str, add: Iterable[MasterKey], remove: Iterable[MasterKey],
            exact: Iterable[MasterKey] | KeyGroups | None, group: int | None, rotate: bool,
            replace_key: bool) -> RecipientChange:
    wanted, added, removed, resettled, same = _planned(document.metadata, add, remove, exact, group)
    if same:
        return RecipientChange(text, [], [])
    narrowed = _narrowed(document.metadata, wanted, same)
    rotated = replace_key or bool(rotate and (removed or narrowed))
    (document.rotate if rotated else document.rewrap)(wanted)
    return RecipientChange(document.dump(), added, removed, regrouped=not (added or removed or resettled),
                           narrowed=narrowed, resettled=resettled, rotated=rotated)


def listed_recipients(text: str, keys: Iterable[MasterKey], store: Store | None = None) -> list[MasterKey]:
    """Those of ``keys`` that the sealed ``text`` lists as recipients, from its metadata alone (no key used)."""
    return _listed(read_document(text, _store(store)).metadata, keys)


def _listed(meta: Metadata, keys: Iterable[MasterKey]) -> list[MasterKey]:
    current = KeyGroups.from_stanzas(meta.groups, meta.threshold).keys
    return [key for key in keys if any(key.same_key(listed) for listed in current)]


def _narrowed(meta: Metadata, wanted: KeyGroups, same: bool) -> tuple[MasterKey, ...]:
    return () if same else KeyGroups.from_stanzas(meta.groups, meta.threshold).looser_than(wanted)


def _planned(
    meta: Metadata, add: Iterable[MasterKey], remove: Iterable[MasterKey],
    exact: Iterable[MasterKey] | KeyGroups | None, group: int | None,
) -> tuple[KeyGroups, list[MasterKey], list[MasterKey], list[MasterKey], bool]:
    """(wanted groups, added, removed, resettled, whether nothing changes) for a change of ``meta``'s recipients:
    resettled keys stay with other settings (an AWS key's role), so their stanzas are written again."""
    current = KeyGroups.from_stanzas(meta.groups, meta.threshold)
    wanted = KeyGroups.of(exact) if exact is not None else _edited(current, list(add), list(remove), group)
    added, removed = wanted.not_in(current), current.not_in(wanted)
    resettled = [k for k in wanted.keys if any(k.same_key(c) and not k.same_recipient(c) for c in current.keys)]
    same = not (added or removed or resettled) and (wanted.same_as(current) or not (wanted.grouped or current.grouped))
    return wanted, added, removed, resettled, same


REMOVED_ALREADY = ("removed already? a recipient removed without --rotate still holds the data key: 'sealfile rotate' "
                   "replaces it")


def _edited(current: KeyGroups, add: list[MasterKey], remove: list[MasterKey], group: int | None) -> KeyGroups:
    missing = [k for k in remove if not any(k.same_key(c) for c in current.keys)]
    if missing:
        raise KeyPathError(f"not a recipient of this file: {describe_keys(missing[:1])} ({REMOVED_ALREADY})")
    count = len(current.groups)
    if add and group is None and current.grouped:
        raise ConfigError(f"the file has {count} key groups: say which one the new recipients join (--group N)")
    target = (group or 1) - 1
    if not 0 <= target < count:
        raise ConfigError(f"there is no key group {group} (the file has {count})")
    groups = []
    for index, keys in enumerate(current.groups):
        kept = [k for k in keys if not any(k.same_key(r) for r in remove)]
        if index == target:
            kept += [k for k in add if not any(k.same_key(w) for w in kept)]
        if not kept:
            raise FormatError(f"refusing to leave key group {index + 1} without a recipient" if current.grouped
                              else "refusing to remove the last recipient: nobody could open the file")
        groups.append(tuple(kept))
    return KeyGroups(tuple(groups), current.threshold)


def plaintext_for_editing(text: str, store: Store | None = None, *, policy: TrustPolicy | None = None,
                          rotate: bool = False) -> str:
    """The decrypted document as the user wrote it (styles, comments), without the metadata. Checked as the re-seal
    will be (trusted seal or ``rotate``, a usable signer), so an edit that could not be saved is refused before the
    editor opens."""
    return _policy(policy).open_to_change(text, _store(store), rotate=rotate).plaintext()


def reseal_edited(old_sealed: str, plaintext: str, store: Store | None = None, *, policy: TrustPolicy | None = None,
                  rotate: bool = False, unseal: bool = False, plain: Callable[[str], None] | None = None) -> str:
    """Seal an edited plaintext, keeping the data key (unless ``rotate``) and every unchanged ciphertext."""
    was = Held()  # which values the file held sealed, read before it is opened (the guard's)
    with _policy(policy).changing(old_sealed, _store(store), rotate=rotate,
                                  check=lambda sealed: was.update(sealed_by_path(sealed.leaves()))) as previous:
        sealed = sealed_version(plaintext, _store(store), [], previous.metadata.rules, reuse=previous.reuse())
    return guard([was], sealed, _store(store), unseal=unseal, plain=plain)


def seal_new(plaintext: str, keys: Iterable[MasterKey] | KeyGroups, rules: EncryptionRules | None,
             store: Store | None = None, *, policy: TrustPolicy | None = None,
             plain: Callable[[str], None] | None = None) -> str:
    with _policy(policy).writing():
        return guard([None], sealed_version(plaintext, _store(store), keys, rules), _store(store), plain=plain)
