"""A sealed YAML text changed in place: tokens replaced where they are and the metadata block
written again with a new MAC (and signature). Every unchanged byte of the text stays."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sealfile.envelope.bulk import seal_many
from sealfile.envelope.mac import EncodedLeaf
from sealfile.envelope.token_shape import token_times
from sealfile.errors import FormatError
from sealfile.model.metadata import Metadata
from sealfile.model.paths import encode_path, resolve
from sealfile.ops.sealing import seal_metadata
from sealfile.stores.yaml import metablock
from sealfile.stores.yaml.scalars import scalar_edit
from sealfile.stores.yaml.seal_entries import seal_entries
from sealfile.stores.yaml.sealed import token_flags
from sealfile.stores.yaml.splice import Edit, apply_edits, replace_token_edit

if TYPE_CHECKING:
    from sealfile.ops.spliced import SplicedSealed
    from sealfile.stores.yaml.scan import Leaf, Scan


def resealed(sealed: SplicedSealed, leaves: list[Leaf], payloads: list[bytes],
             data_key: bytes) -> tuple[list[Edit], dict[int, bytes]]:
    """``leaves`` (encrypted leaves of ``sealed``, opened to ``payloads``) sealed again under
    ``data_key``, each keeping when it was set: the edits that put the new tokens in place, and what the
    seal covers of each new token by its leaf's position among all the scan's leaves."""
    items = [(leaf.encoded_path, payload) for leaf, payload in zip(leaves, payloads, strict=True)]
    tokens = seal_many(data_key, items, token_times((leaf.path, leaf.value) for leaf in leaves))
    position = {id(leaf): index for index, leaf in enumerate(sealed.scan.leaves)}
    edits = [replace_token_edit(sealed.body, leaf, token) for leaf, token in zip(leaves, tokens, strict=True)]
    return edits, {position[id(leaf)]: b"E" + token.encode("ascii") for leaf, token in zip(leaves, tokens, strict=True)}


def rewritten(sealed: SplicedSealed, edits: list[Edit], covered: dict[int, bytes], metadata: Metadata,
              data_key: bytes) -> tuple[str, list[EncodedLeaf]]:
    """``sealed``'s text with ``edits`` applied (``covered``: what the seal covers of each leaf they change,
    by position: ``E`` and a new token, or a new unencrypted value's bytes) and its metadata block written
    again for ``metadata``, sealed under ``data_key``; and every leaf as that seal covers it."""
    mac_input = list(sealed.mac_input)
    for index, written in covered.items():
        mac_input[index] = (mac_input[index][0], written)
    meta = seal_metadata(metadata, data_key, seal_entries(mac_input, sealed.scan))
    return sealed.bom + apply_edits(sealed.body, [*edits, metablock.replace_edit(sealed.body, sealed.scan,
                                                                                  meta.to_mapping())]), mac_input


def holds(sealed: SplicedSealed, opened: Callable[[], list[bytes]], leaves: list[EncodedLeaf],
          payloads: list[bytes]) -> bool:
    """Whether the seal of ``sealed`` covers exactly ``leaves`` and its tokens, ``opened``, hold exactly ``payloads``
    (decoded already): then it holds the data of the text these were read from, when its leaves are all its tree
    holds (no alias, merge, application tag or second document, §6), and no tree is built to compare. A rewrite
    that changes no value (``rotate``, recipients) writes such a text: another fails here and has its tree compared."""
    scan = sealed.scan
    if scan.echoes or scan.copies or scan.merges or scan.refs or scan.tagged or scan.multi:
        return False
    return sealed.mac_input == leaves and opened() == payloads


def leaf_at(scan: Scan, keypath: str, leaves: list[Leaf]) -> Leaf | None:
    """The one of ``leaves`` at ``keypath``, if any."""
    try:
        encoded = encode_path(resolve(scan.tree, keypath))
    except (FormatError, LookupError):
        return None
    return next((leaf for leaf in leaves if leaf.encoded_path == encoded), None)


def plain_splice(sealed: SplicedSealed, keypath: str, value: Any) -> tuple[int, Edit] | None:
    """Where the unencrypted value at ``keypath`` is, by position among the scan's leaves, and the edit writing
    ``value`` over it as the structural edit (:func:`~sealfile.stores.yaml.edit.set_value`) writes a single-line
    value over a one-line one; ``None`` where that edit would do more: a value on more lines, one with a property
    (anchor, tag), or a text with an alias, merge, tag or tab (what the structural edit keeps, or checks, there),
    or over an empty mapping or list (no token there says nothing of the rules: a scalar there may be encrypted)."""
    scan, body = sealed.scan, sealed.body
    if (isinstance(value, (dict, list)) or "\n" in str(value) or "\t" in body or scan.refs or scan.copies
            or scan.merges or scan.echoes or scan.tagged):
        return None
    leaf = leaf_at(scan, keypath, scan.leaves)
    if (leaf is None or isinstance(leaf.value, (dict, list)) or leaf.style in ("|", ">")
            or body.startswith(("&", "!"), leaf.start)):
        return None
    if token_flags([leaf])[0]:
        return None
    return scan.leaves.index(leaf), scalar_edit(body, leaf.start, leaf.end, value, leaf.flow)
