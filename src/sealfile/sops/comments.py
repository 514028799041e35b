"""SOPS's encrypted YAML comments (``#ENC[...,type:comment]``), decrypted for display.

Comments are not data: SOPS leaves them out of the MAC, and ``load_secrets`` ignores them. For
``sealfile decrypt`` and ``import-sops`` we show them as ``sops decrypt`` does. A comment is
bound to the path of the mapping it sits in, which a YAML reader does not tell us reliably, so
each is tried against every container path of the document: AES-GCM accepts only the right
one. A comment no path opens is left as it is (SOPS does the same, with a warning).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from sealfile.errors import IntegrityError
from sealfile.sops.cipher import Comment, decrypt_value, path_aad

_B64 = r"[A-Za-z0-9+/=]"
_COMMENT = re.compile(rf"#(ENC\[AES256_GCM,data:{_B64}*,iv:{_B64}+,tag:{_B64}+,type:comment\])")


def container_aads(tree: Any) -> list[bytes]:
    """Associated data of every mapping and list in ``tree``: where a comment can be bound."""
    found: dict[bytes, None] = {}

    def visit(node: Any, keys: list[str]) -> None:
        if isinstance(node, Mapping):
            found[path_aad(keys)] = None
            for key, value in node.items():
                visit(value, [*keys, str(key)])
        elif isinstance(node, list):
            found[path_aad(keys)] = None
            for item in node:
                visit(item, keys)

    visit(tree, [])
    return list(found)


def _candidates(data_key: bytes, token: str, aads: list[bytes]) -> Iterator[str]:
    for aad in aads:
        try:
            value = decrypt_value(data_key, token, aad)
        except IntegrityError:
            continue
        if isinstance(value, Comment):
            yield value.text
            return


def decrypt_comments(text: str, data_key: bytes, aads: list[bytes]) -> str:
    """``text`` with each SOPS-encrypted comment replaced by its plaintext (kept on one line)."""

    def replace(match: re.Match[str]) -> str:
        for plain in _candidates(data_key, match.group(1), aads):
            return "#" + " ".join(plain.splitlines())
        return match.group(0)

    return _COMMENT.sub(replace, text)
