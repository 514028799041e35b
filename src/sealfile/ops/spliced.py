"""The YAML sealed document: one parse, one MAC pass, and every change made by editing the text. Opening restores each
value's recorded spelling and cuts the metadata block: ``decrypt`` gives back the plaintext byte for byte. ``set`` of an
encrypted value replaces its token (of an unencrypted one-line value, its text as the structural edit writes it) and the
MAC line; any other change edits the decrypted text and seals it again keeping unchanged tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from typing import Any

from sealfile.envelope.bulk import open_many, seal_many
from sealfile.envelope.cipher import ValueCipher, now, payload_value, unpack_payload
from sealfile.envelope.datakey import new_data_key, open_data_key, wrap_groups
from sealfile.envelope.mac import EncodedLeaf, leaf_bytes, seal_digest
from sealfile.errors import FormatError, IntegrityError
from sealfile.kms.base import MasterKey
from sealfile.kms.groups import KeyGroups
from sealfile.model.metadata import Metadata
from sealfile.model.paths import Path, encode_path, format_keypath, get_at
from sealfile.model.rules import EncryptionRules
from sealfile.model.scalars import decode_scalar, encode_scalar, same_data, same_value
from sealfile.ops.document import OpenDocument, Reuse, SealedDocument, SealedLeaf, refused_read_back, styled_for
from sealfile.ops.text_read_back import decrypts_to, refuse_unless_restored
from sealfile.stores import Store
from sealfile.stores.yaml import restore
from sealfile.stores.yaml.aliases import echoes_of, names_outside, put_echoes, with_echoes
from sealfile.stores.yaml.basics import Engine, gc_paused, split_bom
from sealfile.stores.yaml.scan import Leaf, Scan, scan, styled
from sealfile.stores.yaml.seal_entries import seal_forms
from sealfile.stores.yaml.sealed import encrypted_leaves, refuse_retyped_strings, scan_sealed_yaml, token_flags
from sealfile.stores.yaml.splice import Edit, blank_lines_follow, refuse_unfit, replace_token_edit
from sealfile.stores.yaml.untag import set_over, tag_replaced


class SplicedSealed(SealedDocument):
    def __init__(self, text: str, store: Store, engine: Engine, read: tuple[str, str, Scan, Metadata] | None = None):
        """``read``: :func:`~sealfile.stores.yaml.sealed.scan_sealed_yaml` of ``text``, if done already."""
        self.text, self.store, self.engine = text, store, engine
        self.bom, self.body, self.scan, self.metadata = read or scan_sealed_yaml(text, engine)
        self._tokens = token_flags(self.scan.leaves)

    @cached_property
    def mac_input(self) -> list[EncodedLeaf]:
        """Every leaf as the seal covers it (built when first needed: an unsigned file's ``status`` never does)."""
        return [(leaf.encoded_path, b"E" + leaf.value.encode("ascii") if token else leaf_bytes(leaf.value))
                for leaf, token in zip(self.scan.leaves, self._tokens, strict=True)]

    def leaves(self) -> Sequence[SealedLeaf]:
        """Every written leaf, and each place an alias or merge holds one again, in document order."""
        views = [leaf.value if token or isinstance(leaf.value, (dict, list)) else styled(leaf)
                 for leaf, token in zip(self.scan.leaves, self._tokens, strict=True)]
        return with_echoes(self.scan.leaves, views, self.scan.echoes)

    def tokens(self) -> list[tuple[Path, str]]:
        return [(leaf.path, leaf.value) for leaf, token in zip(self.scan.leaves, self._tokens, strict=True) if token]

    def sources(self) -> dict[Path, Path]:
        return {echo.path: echo.leaf.path for echo in self.scan.echoes}

    def tags(self) -> dict[Path, str]:
        return self.scan.tagged

    def documents(self) -> list[Any] | None:
        return self.scan.tree if self.scan.multi else None

    def release(self) -> None:
        """Let go of the parse (the text is kept): this document can no longer be read or changed."""
        self.scan.release()
        self.__dict__.pop("mac_input", None)
        self._tokens = []

    def value_count(self) -> int:
        return sum(not isinstance(leaf.value, (dict, list)) for leaf in self.scan.leaves)

    def digests(self) -> list[bytes]:
        return [seal_digest(self.metadata, entries) for entries in seal_forms(self.mac_input, self.scan)]

    def open(self) -> SplicedOpen:
        return self.open_with(open_data_key(self.metadata))

    def open_with(self, data_key: bytes) -> SplicedOpen:
        """Open with a data key already unwrapped (the MAC is checked with it before anything else)."""
        with gc_paused():
            self.check_mac(data_key, *seal_forms(self.mac_input, self.scan))
        return SplicedOpen(self, data_key)

    def encrypted_leaves(self) -> list[Leaf]:
        """The leaves the rules encrypt, in document order, each checked to hold a token."""
        return encrypted_leaves(self.scan, self._tokens, self.metadata.rules)


class SplicedOpen(OpenDocument):
    def __init__(self, sealed: SplicedSealed, data_key: bytes):
        self._load(sealed)
        self._data_key, self._original = data_key, sealed.text

    def _load(self, sealed: SplicedSealed) -> None:
        self._sealed, self.store, self.metadata = sealed, sealed.store, sealed.metadata
        self._encrypted: list[Leaf] | None = None
        self._payloads: list[bytes] | None = None
        self._data: Any = None

    def tagged(self) -> Sequence[Path]:
        return self._sealed.scan.tagged_places()

    def _leaves(self) -> list[Leaf]:
        self._encrypted = self._sealed.encrypted_leaves() if self._encrypted is None else self._encrypted
        return self._encrypted

    def payloads(self) -> list[bytes]:
        """The value payload of every encrypted leaf, in order (each authenticated, bound to its path)."""
        self._payloads = self._open(self._leaves()) if self._payloads is None else self._payloads
        return self._payloads

    def _open(self, leaves: list[Leaf]) -> list[bytes]:
        cipher = None if self._sealed.engine == "c" else ValueCipher(self._data_key)  # else in bulk
        with gc_paused():
            payloads = open_many(self._data_key, [(leaf.encoded_path, leaf.value) for leaf in leaves],
                                 lambda index: format_keypath(leaves[index].path)) if cipher is None else [
                cipher.open_payload(leaf.encoded_path, leaf.value, leaf.path) for leaf in leaves]
        refuse_retyped_strings(self._sealed.body, leaves, payloads, payload_value)
        return payloads

    def _opened_under(self, under: Path) -> tuple[list[Leaf], list[bytes]]:
        """The encrypted leaves at or below ``under``, and their payloads: no other token opened (the MAC vouches)."""
        leaves = self._leaves()
        if not under:
            return leaves, self.payloads()
        prefix = encode_path(under)  # segments are self-delimiting: a byte prefix is a path prefix
        echoed = {id(echo.leaf) for echo in self._sealed.scan.echoes if echo.encoded.startswith(prefix)}
        inside = [i for i, leaf in enumerate(leaves) if leaf.encoded_path.startswith(prefix) or id(leaf) in echoed]
        chosen = [leaves[index] for index in inside]
        return chosen, self._open(chosen) if self._payloads is None else [self._payloads[index] for index in inside]

    def data(self, under: Path = ()) -> Any:
        if self._data is None:
            self._fill(*self._opened_under(under))
            if under:  # this subtree now holds its values; other places may still hold tokens
                return get_at(self._sealed.scan.tree, under)
            self._data = self._sealed.scan.tree
        return get_at(self._data, under)

    def _fill(self, leaves: list[Leaf], payloads: list[bytes]) -> None:
        """Put each leaf's value in place of its token in the scanned tree (and wherever an alias or merge holds it)."""
        echoes = echoes_of(self._sealed.scan.echoes)
        with gc_paused():
            for leaf, payload in zip(leaves, payloads, strict=True):
                leaf.parent[leaf.slot] = value = payload_value(payload)
                if echoes:
                    put_echoes(leaf, value, echoes)

    def _shape(self) -> Any:
        return self._sealed.scan.tree

    def plaintext(self, output: Store | None = None) -> str:
        if output is not None and output is not self.store:
            return output.dump(self.untagged_data((), f"as {output.name}"))
        return self._sealed.bom + self._restored(())

    def _restored(self, under: Path) -> str:
        """The text without its metadata, the values at or below ``under`` in place of their tokens."""
        leaves, payloads = self._opened_under(under)
        with gc_paused():
            values = [(decode_scalar(encoded), layout) for encoded, layout in map(unpack_payload, payloads)]
            text, checked, spelled = restore.plaintext(self._sealed.body, self._sealed.scan, leaves, values)
        if not checked:  # the values go in the tree for a whole read only (spellings checked in place bring theirs)
            restore.ensure_same(text, get_at(self._sealed.scan.tree, under), self._sealed.engine, under, spelled,
                                lambda: self._fill(leaves, payloads))
        return text

    def subtree_text(self, path: Path) -> str:
        from sealfile.stores.yaml import edit as yaml_edit  # structural edits only: off the read path
        if names_outside(self._sealed.scan, path) or "%TAG" in self._sealed.body:  # written out: an alias
            return self.store.dump(self.untagged_data(path, "in YAML written afresh"))  # to nothing, or a tag
            # of a handle with no %TAG in its text
        plain = self._restored(path)
        return yaml_edit.subtree_text(plain, scan(plain, engine=self._sealed.engine), path)

    def set(self, keypath: str, value: Any) -> bool:
        from sealfile.ops.yaml_rewrite import leaf_at, plain_splice  # writes only: off the read path
        leaves = self._leaves()  # each leaf the rules encrypt checked to hold a token: any other is unencrypted
        if (plain := plain_splice(self._sealed, keypath, value)) is not None:
            return self._set_plain(*plain, value)
        leaf = None if isinstance(value, (dict, list)) or tag_replaced(self._sealed.scan, keypath) else leaf_at(
            self._sealed.scan, keypath, leaves)  # a tagged node is written afresh, its tag gone (§1.3)
        encoded, layout = (b"", b"") if leaf is None else unpack_payload(
            ValueCipher(self._data_key).open_payload(leaf.encoded_path, leaf.value, leaf.path))
        if leaf is not None and same_value((old := decode_scalar(encoded)).value, value):
            return False
        scalar = None if leaf is None else styled_for(value, old)
        if leaf is None or scalar is None or blank_lines_follow(self._sealed.body, leaf, layout, scalar.style):
            return self._restructure(lambda text, read: set_over(text, read, keypath, value, self._sealed.engine))
        refuse_unfit(self._sealed.body, leaf, scalar.value)
        token, = seal_many(self._data_key, [(leaf.encoded_path, encode_scalar(scalar.value, scalar.style))], now())
        index, expected = self._sealed.scan.leaves.index(leaf), self.data()
        put_echoes(leaf, scalar.value, echoes_of(self._sealed.scan.echoes), written=True)
        self._rewrite([replace_token_edit(self._sealed.body, leaf, token)], {index: b"E" + token.encode()}, expected,
                      restored=index)
        return True

    def _set_plain(self, index: int, edit: Edit, value: Any) -> bool:
        """An unencrypted value written over where it is, as the structural edit writes it; the seal covers it."""
        if changed := self._sealed.body[edit[0]:edit[1]] != edit[2]:
            expected, leaf = self.data(), self._sealed.scan.leaves[index]
            leaf.parent[leaf.slot] = value  # in the tree ``expected`` is
            self._rewrite([edit], {index: leaf_bytes(value)}, expected)
        return changed

    def unset(self, keypath: str) -> None:
        from sealfile.stores.yaml import edit as yaml_edit
        self._restructure(lambda plain, scanned: yaml_edit.remove(plain, scanned, keypath))

    def _restructure(self, change: Any) -> bool:
        """A structural change: made on the plaintext text, sealed again keeping unchanged tokens."""
        bom, plain = split_bom(self.plaintext())
        changed = bom + change(plain, scan(plain, engine=self._sealed.engine))
        if changed == bom + plain:
            return False
        self._adopt(seal_checked(changed, self.store, [], self.metadata.rules, reuse=self.reuse(),
                                 engine=self._sealed.engine))
        return True

    def rotate(self, recipients: KeyGroups | None = None) -> None:
        from sealfile.ops.sealing import file_recipients  # writes only: off the read path
        from sealfile.ops.yaml_rewrite import resealed
        with gc_paused():
            expected, payloads = self.data(), self.payloads()  # every token opened and checked before any is replaced
            data_key = new_data_key()
            edits, tokens, meta = *resealed(self._sealed, self._leaves(), payloads, data_key), self.metadata
            groups, threshold = wrap_groups(recipients or file_recipients(meta, self._data_key), data_key)
            self._rewrite(edits, tokens, expected, meta.with_groups(groups, threshold), data_key, payloads)

    def rewrap(self, keys: Sequence[MasterKey] | KeyGroups) -> None:
        meta = self.metadata
        groups, threshold = wrap_groups(KeyGroups.of(keys), self._data_key, meta.groups, meta.threshold)
        if (groups, threshold) != (meta.groups, meta.threshold):
            self._rewrite([], {}, self.data(), meta.with_groups(groups, threshold), None, self.payloads())

    def _rewrite(self, edits: list[Edit], covered: dict[int, bytes], expected: Any, metadata: Metadata | None = None,
                 data_key: bytes | None = None, payloads: list[bytes] | None = None, restored: int = -1) -> None:
        """Apply ``edits`` (``covered``: as ``rewritten`` takes it) and a metadata block for ``metadata`` under
        ``data_key``; continue from the result read back, refused unless it opens as ``expected`` (or ``payloads``)."""
        from sealfile.ops.yaml_rewrite import rewritten  # writes only: off the read path
        metadata, data_key = self.metadata if metadata is None else metadata, data_key or self._data_key
        sealed = self._sealed
        text, mac_input = rewritten(sealed, edits, covered, metadata, data_key)
        edits.clear()
        self._sealed.release()
        self._encrypted = self._payloads = None
        try:
            opened = read_back(text, self.store, data_key, expected, sealed.engine, mac_input, payloads)
            refuse_unless_restored(opened.read(), data_key, restored)  # leaf ``restored``'s new spelling
        except BaseException:
            self._load(SplicedSealed(sealed.text, self.store, sealed.engine))
            raise
        self._adopt(opened)
        self._data_key = data_key

    def _adopt(self, opened: SplicedOpen) -> None:
        """Continue from a text this document wrote, as read back (parsed, checked and opened once)."""
        self._sealed, self.metadata = opened._sealed, opened.metadata
        self._encrypted, self._payloads, self._data = opened._encrypted, opened._payloads, opened._data

    def reuse(self) -> Reuse:
        tokens = {leaf.encoded_path: (leaf.value, payload) for leaf, payload in zip(self._leaves(), self.payloads(),
                                                                                    strict=True)}
        return Reuse.of_file(self._data_key, self.metadata, tokens)

    def dump(self) -> str:
        return self._sealed.text

    def read(self) -> SplicedSealed:
        return self._sealed


def seal_checked(plaintext: str, store: Store, keys: Iterable[MasterKey] | KeyGroups,
                 rules: EncryptionRules | None = None, *, reuse: Reuse | None = None,
                 clock: Callable[[], int] | None = None, engine: Engine = "c") -> SplicedOpen:
    """``seal_yaml``'s result read back (refused unless it holds the plaintext's data and decrypts to it), open."""
    from sealfile.ops.yaml_seal import seal_yaml  # writes only: off the read path
    with gc_paused():
        sealed = seal_yaml(plaintext, store, keys, rules, reuse=reuse, clock=clock, engine=engine)
        return decrypts_to(read_back(sealed.text, store, sealed.data_key, sealed.data, engine), plaintext)


def read_back(sealed: str, store: Store, data_key: bytes, expected: Any, engine: Engine,
              written: list[EncodedLeaf] | None = None, payloads: list[bytes] | None = None) -> SplicedOpen:
    """A sealed text about to be written, opened as readers open it: refused unless it holds ``expected``."""
    from sealfile.ops.yaml_rewrite import holds  # writes only: off the read path
    unsealable = ("the sealed result would not read back as the same data (a YAML shape sealfile cannot seal in "
                  "place; please report it)")
    try:
        opened = SplicedSealed(sealed, store, engine).open_with(data_key)
        read = None if payloads and holds(opened._sealed, opened.payloads, written or [], payloads) else opened.data()
    except (FormatError, IntegrityError) as err:  # IntegrityError: a MAC over other bytes: a splice changed a value
        raise refused_read_back(err, unsealable) from None
    if read is not None and not same_data(read, expected):
        raise refused_read_back(None, unsealable, (read, expected))
    return opened
