"""A sealed YAML file read once: its byte-order mark, its body, its scan and its metadata.

What every reader of a sealed YAML file starts from: the keyless one (:mod:`sealfile.ops.keyless`)
and the document model (:mod:`sealfile.ops.spliced`), which can take over what the other read.
"""

from __future__ import annotations

from collections.abc import Sequence

from sealfile.errors import IntegrityError, NotSealedError
from sealfile.model.metadata import Metadata
from sealfile.model.paths import format_keypath
from sealfile.model.rules import EncryptionRules, RuleMemo
from sealfile.model.scalars import is_sealed
from sealfile.stores.yaml.aliases import echoes_of, encrypted_anywhere
from sealfile.stores.yaml.basics import Engine, split_bom
from sealfile.stores.yaml.scan import Leaf, Scan, scan


def scan_sealed_yaml(text: str, engine: Engine) -> tuple[str, str, Scan, Metadata]:
    """A sealed YAML file read once: its byte-order mark, its body, the scan and the metadata."""
    bom, body = split_bom(text)
    scanned = scan(body, engine=engine)
    if not scanned.has_metadata:
        raise NotSealedError
    return bom, body, scanned, Metadata.from_mapping(scanned.metadata)


def token_flags(leaves: Sequence[Leaf]) -> list[bool]:
    """Whether each leaf holds a sealed value (an ``ENC[...]`` token)."""
    return [type(leaf.value) is str and is_sealed(leaf.value) for leaf in leaves]


def encrypted_leaves(scanned: Scan, tokens: list[bool], rules: EncryptionRules) -> list[Leaf]:
    """The leaves ``rules`` encrypt at any path the tree holds them (§6: where written, or where an
    alias or merge puts them), in document order, each checked to hold a token."""
    encrypts = RuleMemo(rules)
    echoes = echoes_of(scanned.echoes)
    found: list[Leaf] = []
    for leaf, token, encrypted in zip(scanned.leaves, tokens, encrypts.each(scanned.leaves), strict=True):
        if not token and isinstance(leaf.value, (dict, list)):  # a token is a string: no container check
            continue
        if encrypted or (echoes and encrypted_anywhere(encrypts, leaf, echoes)):
            if not token:
                raise IntegrityError("a value that the rules encrypt is in plaintext",
                                     keypath=format_keypath(leaf.path))
            found.append(leaf)
    return found
