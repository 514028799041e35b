"""A sealed YAML file read once: its byte-order mark, its body, its scan and its metadata.

What every reader of a sealed YAML file starts from: the keyless one (:mod:`sealfile.ops.keyless`)
and the document model (:mod:`sealfile.ops.spliced`), which can take over what the other read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import compress, repeat
from operator import attrgetter

from sealfile.errors import FormatError, IntegrityError, NotSealedError
from sealfile.model.lines import line_column
from sealfile.model.metadata import Metadata
from sealfile.model.paths import format_keypath
from sealfile.model.rules import EncryptionRules, RuleMemo
from sealfile.model.scalars import all_sealed, holds_token, is_sealed
from sealfile.stores.yaml.aliases import echoes_of, encrypted_anywhere
from sealfile.stores.yaml.basics import Engine, split_bom
from sealfile.stores.yaml.scan import Leaf, Scan, scan

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any

_VALUE = attrgetter("value")


def scan_sealed_yaml(text: str, engine: Engine) -> tuple[str, str, Scan, Metadata]:
    """A sealed YAML file read once: its byte-order mark, its body, the scan and the metadata."""
    bom, body = split_bom(text)
    scanned = scan(body, engine=engine)
    if not scanned.has_metadata:
        raise NotSealedError(stripped=holds_token(body))
    refuse_tags_outside_tokens(body, scanned.leaves)
    return bom, body, scanned, Metadata.from_mapping(scanned.metadata)


def refuse_tags_outside_tokens(body: str, leaves: Sequence[Leaf]) -> None:
    """Refuse a sealed value whose span starts with a tag (``t: !!str ENC[...]``): a tag the plaintext holds is
    sealed inside its token, and the tags kept outside one (an application's, §1.3, and a string's before its
    anchor, §1.1) are past its span's start; any other is bytes no seal covers, which a reader would drop.
    The node's text is checked, not the value: ``!!binary`` makes a token bytes."""
    if "!" not in body:  # the usual file: one memchr instead of a Python loop over every leaf
        return
    for leaf in leaves:
        if body.startswith("!", leaf.start) and is_sealed(getattr(leaf.node, "value", leaf.value)):
            raise FormatError(f"a YAML tag written outside a sealed value, which no seal covers "
                              f"({line_column(body, leaf.start)}): remove it, or seal the value with its tag",
                              keypath=format_keypath(leaf.path))


def refuse_retyped_strings(body: str, leaves: Sequence[Leaf], payloads: Sequence[bytes],
                           decode: Callable[[bytes], Any]) -> None:
    """Refuse a sealed value written after a tag its token does not hold (``!!str &a ENC[...]``, an application's
    ``!Ref ENC[...]``) whose ``payloads`` ``decode`` to anything but a string. Writers keep a tag outside only
    before a string (§1.1, §1.3), and the ``!!str`` before an anchor is covered by no seal: put before a sealed
    number, boolean or null it would make every YAML reader of the decrypted text read a string where
    ``load_secrets`` gives the sealed type."""
    if "!" not in body:  # one character first: memchr
        return
    for leaf, payload in zip(leaves, payloads, strict=True):
        start = leaf.node_start()
        if start < leaf.start and body.startswith("!", start) and type(decode(payload)) is not str:
            raise FormatError(f"a value sealed as another type than a string, written after a '!!str' or other tag "
                              f"kept outside its token ({line_column(body, start)}): the tag was added by hand; "
                              "remove it", keypath=format_keypath(leaf.path))


def token_flags(leaves: Sequence[Leaf]) -> list[bool]:
    """Whether each leaf holds a sealed value (an ``ENC[...]`` token): the usual file's tokens checked
    together (:func:`all_sealed`), each one only when one of them is not a token."""
    values = list(map(_VALUE, leaves))
    if set(map(type, values)) <= {str}:  # the usual file: no loop in Python
        flags = list(map(str.startswith, values, repeat("ENC[")))
    else:
        flags = [type(value) is str and value.startswith("ENC[") for value in values]
    if all_sealed(list(compress(values, flags))):
        return flags
    return [flag and is_sealed(value) for flag, value in zip(flags, values, strict=True)]


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
