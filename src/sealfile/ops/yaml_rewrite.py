"""A sealed YAML text changed in place: tokens replaced where they are and the metadata block
written again with a new MAC (and signature). Every unchanged byte of the text stays."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sealfile.envelope.bulk import seal_many
from sealfile.envelope.token_shape import token_times
from sealfile.model.metadata import Metadata
from sealfile.ops.sealing import seal_metadata
from sealfile.stores.yaml import metablock
from sealfile.stores.yaml.seal_entries import seal_entries
from sealfile.stores.yaml.splice import Edit, apply_edits, replace_token_edit

if TYPE_CHECKING:
    from sealfile.ops.spliced import SplicedSealed
    from sealfile.stores.yaml.scan import Leaf


def resealed(sealed: SplicedSealed, leaves: list[Leaf], payloads: list[bytes],
             data_key: bytes) -> tuple[list[Edit], dict[int, str]]:
    """``leaves`` (encrypted leaves of ``sealed``, opened to ``payloads``) sealed again under
    ``data_key``, each keeping when it was set: the edits that put the new tokens in place, and each
    new token by its leaf's position among all the scan's leaves."""
    items = [(leaf.encoded_path, payload) for leaf, payload in zip(leaves, payloads, strict=True)]
    tokens = seal_many(data_key, items, token_times((leaf.path, leaf.value) for leaf in leaves))
    position = {id(leaf): index for index, leaf in enumerate(sealed.scan.leaves)}
    edits = [replace_token_edit(sealed.body, leaf, token) for leaf, token in zip(leaves, tokens, strict=True)]
    return edits, {position[id(leaf)]: token for leaf, token in zip(leaves, tokens, strict=True)}


def rewritten(sealed: SplicedSealed, edits: list[Edit], tokens: dict[int, str], metadata: Metadata,
              data_key: bytes) -> str:
    """``sealed``'s text with ``edits`` applied (``tokens``: the new token of each leaf they replace,
    by position) and its metadata block written again for ``metadata``, sealed under ``data_key``."""
    mac_input = list(sealed.mac_input)
    for index, token in tokens.items():
        mac_input[index] = (mac_input[index][0], b"E" + token.encode("ascii"))
    meta = seal_metadata(metadata, data_key, seal_entries(mac_input, sealed.scan))
    return sealed.bom + apply_edits(sealed.body, [*edits, metablock.replace_edit(sealed.body, sealed.scan,
                                                                                  meta.to_mapping())])
