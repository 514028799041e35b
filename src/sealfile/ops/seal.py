"""Sealing a plaintext document: ``encrypt``, a new file from ``edit``, and re-sealing an edit.

With ``previous`` (the same file, opened) the data key, stanzas and every unchanged ciphertext
are kept, so a re-seal changes only what changed (docs/format.md §8); only if its seal is trusted
(:mod:`sealfile.ops.signatures`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from typing import Any

from sealfile.envelope.bulk import seal_many
from sealfile.envelope.cipher import now, pack_payload
from sealfile.envelope.mac import encode_leaves
from sealfile.errors import FormatError
from sealfile.kms.base import MasterKey
from sealfile.kms.groups import KeyGroups
from sealfile.model.metadata import FORMAT_VERSION, METADATA_KEY, Metadata
from sealfile.model.path_fold import path_codes
from sealfile.model.paths import Path, format_keypath
from sealfile.model.rules import EncryptionRules
from sealfile.model.scalars import encode_scalar, holds_token, is_sealed, layout_record
from sealfile.ops.document import Reuse, SealedDocument, check_plaintext_root, sealing_key
from sealfile.ops.reader import read_document, yaml_engine
from sealfile.ops.rule_recipients import refuse_unexpected
from sealfile.ops.sealing import seal_metadata
from sealfile.ops.signatures import RETRY_ADOPT_FIRST, TrustPolicy, for_file, from_environment
from sealfile.ops.sops_files import SOPS_MARKER, refuse_to_write
from sealfile.ops.spliced import read_back as read_back_spliced
from sealfile.ops.spliced import seal_checked
from sealfile.ops.tree import dump_with_metadata, plain_values, read_back
from sealfile.ops.tree_leaves import mac_leaves, replace_leaf, scalar_leaves
from sealfile.stores import Store, get_store

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from sealfile.ops.plain_secrets import Held


def seal_text(
    plaintext: str,
    keys: Iterable[MasterKey] | KeyGroups,
    rules: EncryptionRules | None = None,
    *,
    previous: str | None = None,
    store: Store | None = None,
    clock: Callable[[], int] | None = None,
    output: Store | None = None,
    unseal: bool = False,
) -> str:
    """Seal a plaintext document (YAML unless ``store`` says otherwise). With ``previous`` (the same
    file sealed earlier) keep its data key, rules and unchanged ciphertexts, and its recipients
    unless ``keys`` names others; a value it held sealed is not written in plaintext unless ``unseal``."""
    store = store or get_store("yaml")
    reuse = was = None
    if previous is not None:
        reuse, previous_rules, was = previous_seal(previous, store)
        rules = rules or previous_rules
    from sealfile.ops.plain_secrets import guard  # it reads files as this module seals them

    sealed = sealed_version(plaintext, store, keys, rules, reuse=reuse, clock=clock, output=output)
    return guard([was], sealed, output or store, unseal=unseal)


STRIPPED = ("the value is a sealed value (ENC[...]): the file looks sealed with its metadata missing (stripped or cut "
            "short); restore it from Git, do not seal it again")


def refuse_to_seal(plaintext: str, store: Store, name: str | None = None) -> None:
    """What ``encrypt`` refuses to take for plaintext: a SOPS file (:func:`refuse_to_write`), and a value that is
    a sealed value itself, sealfile's or SOPS's: a sealed file stripped of its metadata or cut short, whose
    tokens would be sealed as its values, a second layer that decrypts to the tokens (``sops encrypt`` does so)."""
    refuse_to_write(plaintext, name)
    if not holds_token(plaintext):  # the common case: one scan of the text, nothing parsed
        return
    try:
        tree = store.load_editable(plaintext)
    except FormatError:
        return  # the sealing names the syntax error
    if isinstance(tree, dict) and _whole_metadata(tree.get(METADATA_KEY)):
        return  # a sealed file, metadata and all: the sealing names the reserved key
    for path, value in scalar_leaves(tree):
        text = store.read_scalar(value).value
        if is_sealed(text) or (isinstance(text, str) and text.startswith(SOPS_MARKER) and text.endswith("]")):
            raise FormatError(STRIPPED, keypath=format_keypath(path))


def _whole_metadata(raw: Any) -> bool:
    try:
        Metadata.from_mapping(raw)
    except (FormatError, TypeError, ValueError, KeyError, AttributeError):
        return False
    return raw is not None


def seal_plaintext(
    plaintext: str,
    store: Store,
    keys: Iterable[MasterKey] | KeyGroups,
    rules: EncryptionRules | None = None,
    *,
    reuse: Reuse | None = None,
    clock: Callable[[], int] | None = None,
    output: Store | None = None,
    policy: TrustPolicy | None = None,
) -> str:
    """The sealed text of a plaintext document in ``store``'s syntax (or ``output``'s), signed as
    ``policy`` wants (default: by the signer already in effect). A SOPS file is refused: sealed,
    its ciphertexts would be the data, and where SOPS's marks stay readable (an encrypted comment)
    every reader would take the result for a SOPS file and fail."""
    sealed = sealed_version(plaintext, store, keys, rules, reuse=reuse, clock=clock, output=output, policy=policy)
    return sealed if isinstance(sealed, str) else sealed.text


def sealed_version(
    plaintext: str,
    store: Store,
    keys: Iterable[MasterKey] | KeyGroups,
    rules: EncryptionRules | None = None,
    *,
    reuse: Reuse | None = None,
    clock: Callable[[], int] | None = None,
    output: Store | None = None,
    policy: TrustPolicy | None = None,
) -> str | SealedDocument:
    """:func:`seal_plaintext`'s result, as read back where that read is YAML's (a check of it reads it, not the
    text again)."""
    refuse_to_write(plaintext)
    if store.name == "yaml" and (output is None or output is store):
        with policy.writing() if policy is not None else nullcontext():
            sealed = seal_checked(plaintext, store, keys, rules, reuse=reuse, clock=clock, engine=yaml_engine())
        return sealed.read()
    target = output or store
    if store.name == "yaml" and target is not store:  # a syntax without aliases (docs/format.md §6)
        from sealfile.stores.yaml.aliases import refuse_plaintext_copies
        from sealfile.stores.yaml.basics import split_bom
        from sealfile.stores.yaml.scan import scan
        encrypts = (rules or EncryptionRules()).encrypts
        refuse_plaintext_copies(scan(split_bom(plaintext)[1]), encrypts, f"in {target.name}")
    tree = store.load_editable(plaintext)
    check_plaintext_root(tree, store)
    store.check_sealable(tree, (rules or EncryptionRules()).encrypts if target is store else None)
    if not tree and target.name == "yaml":  # YAML's empty document, whose seal covers no leaf (not an empty root)
        return sealed_version("", target, keys, rules, reuse=reuse, clock=clock, policy=policy)
    expected = plain_values(tree, store)
    unfit = None if target is store else target.first_unfit(expected, document=True)
    if unfit is not None:  # another syntax: its reader must read what this one held
        raise FormatError(unfit[1], keypath=format_keypath(unfit[0]))
    spellings = store.spellings(plaintext) if target is store else None  # another syntax spells afresh
    with policy.writing() if policy is not None else nullcontext():
        meta, data_key = seal_tree(tree, store, keys, rules, reuse=reuse, clock=clock, spellings=spellings,
                                   written_as=target)
    text = dump_with_metadata(tree, meta, target, like=plaintext if target is store else None)
    if target.name == "yaml":  # read back as every command reads YAML: spliced, not as a tree
        (opened := read_back_spliced(text, target, data_key, expected, yaml_engine())).plaintext()
        return opened.read()
    return read_back(text, target, data_key, expected, plaintext if target is store else None)


def seal_tree(
    tree: Any,
    store: Store,
    keys: Iterable[MasterKey] | KeyGroups,
    rules: EncryptionRules | None = None,
    *,
    reuse: Reuse | None = None,
    clock: Callable[[], int] | None = None,
    spellings: dict[Path, str] | None = None,
    written_as: Store | None = None,
) -> tuple[Metadata, bytes]:
    """Seal a plaintext tree of ``store`` in place; the metadata to store with it, and the data key
    (for reading the result back).

    With ``reuse`` the previous data key and stanzas are kept (``keys``, when given, name the
    recipients instead), and a value whose plaintext is unchanged keeps its token. ``keys`` is a
    list (any one opens the file) or :class:`KeyGroups`. ``spellings`` (:meth:`Store.spellings`):
    how values were written, recorded in their tokens. ``written_as``: the store whose syntax the sealed
    file is written in, if not ``store``'s; it picks how the values are spelled there (:meth:`Store.restyled`).
    """
    check_plaintext_root(tree, store)
    spellings = spellings or {}
    encoded = {path: encode_leaf(store, value, path, spellings.get(path), written_as)
               for path, value in scalar_leaves(tree)}
    data_key, groups, threshold = sealing_key(keys, reuse)
    rules = rules or EncryptionRules()
    old = reuse.tokens if reuse else {}
    fresh: list[tuple[Path, tuple[bytes, bytes]]] = []
    rules.refuse_unread_keys(encoded)
    encrypts, codes = rules.encrypts_each(), path_codes()
    for path, value_bytes in encoded.items():
        if not encrypts(path):
            continue
        encoded_path = codes(path)
        previous = old.get(encoded_path)
        if previous is not None and previous[1] == value_bytes:
            replace_leaf(tree, path, previous[0])
        else:
            fresh.append((path, (encoded_path, value_bytes)))
    tokens = seal_many(data_key, [item for _, item in fresh], (clock or now)())
    for (path, _), token in zip(fresh, tokens, strict=True):
        replace_leaf(tree, path, token)
    meta = Metadata(FORMAT_VERSION, groups, rules, "", threshold)
    return seal_metadata(meta, data_key, encode_leaves(mac_leaves(tree, store))), data_key


def encode_leaf(store: Store, value: Any, path: Path, spelling: str | None = None,
                written_as: Store | None = None) -> bytes:
    """A plaintext leaf's value payload: ``tag || text``, with the layout record of ``spelling`` if
    given; :class:`FormatError` naming the path if the format cannot hold it. ``written_as``: another
    store the value is written in afresh, which restyles it."""
    scalar = store.read_scalar(value)
    if written_as is not None and written_as is not store:
        scalar = written_as.restyled(scalar)
    try:
        encoded = encode_scalar(scalar.value, scalar.style)
    except FormatError as err:
        err.keypath = format_keypath(path)
        raise
    return pack_payload(encoded, layout_record(spelling)) if spelling is not None else encoded


def previous_seal(text: str, store: Store, policy: TrustPolicy | None = None,
                  name: str | os.PathLike[str] | None = None) -> tuple[Reuse, EncryptionRules, Held]:
    """What ``encrypt --previous`` keeps of the same file sealed earlier (verified entirely first,
    its seal trusted by ``policy``, default ``SEALFILE_ALLOWED_SIGNERS``), and which of its values were sealed (for
    :func:`~sealfile.ops.plain_secrets.guard`). ``name``: where that file is, whose creation rule the data key kept
    answers to as well, wherever the new seal goes (stdout: no rule)."""
    from sealfile.ops.plain_secrets import sealed_by_path

    sealed = read_document(text, store)
    policy = policy or from_environment()
    if name is not None:
        policy = policy.expecting(for_file(name).expected)
    refuse_unexpected(policy.expected, sealed.metadata)  # whoever it was sealed for holds the data key kept
    policy.check_reuse(sealed, retry=RETRY_ADOPT_FIRST)
    was = sealed_by_path(sealed.leaves())  # before it is opened: a tree's opens its values in place
    opened = sealed.open()
    opened.verify()
    return opened.reuse(), opened.metadata.rules, was
