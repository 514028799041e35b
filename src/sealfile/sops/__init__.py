"""Reading files written by SOPS 3.x (YAML and JSON) natively: see docs/sops-compat.md.

``open_sops`` unwraps the SOPS data key with sealfile's providers (age, AWS KMS), decrypts
every value and verifies SOPS's MAC before returning anything: plain dicts and lists in the
file's order, the same data ``sops decrypt`` prints. A tampered file raises
:class:`sealfile.IntegrityError`, as SOPS refuses it with "MAC mismatch".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from sealfile.errors import FormatError
from sealfile.sops.cipher import MacHasher, verify_mac
from sealfile.sops.format import METADATA_KEY, SopsMetadata, is_sops_document, parse_metadata
from sealfile.sops.keys import unwrap_sops_data_key
from sealfile.sops.tree import decrypt_document
from sealfile.stores.yaml import reader as yaml_reader

Format = Literal["yaml", "json"]


def format_for(path: str | None, text: str) -> Format:
    """SOPS picks the store by extension: ``.json`` is JSON, as is text that opens with ``{``
    (SOPS writes YAML in block style); everything else is YAML."""
    if path is not None and path.lower().endswith(".json"):
        return "json"
    return "json" if text.lstrip().startswith("{") else "yaml"


def sniff(text: str, path: str | None = None) -> tuple[Any, Format] | None:
    """``(parsed tree, format)`` if ``text`` is a SOPS document, else ``None``.

    Cheap for other files: a SOPS file always holds an ``ENC[AES256_GCM,`` value (its MAC), a
    sealfile file never does, so only candidates are parsed here.
    """
    if "ENC[AES256_GCM," not in text:
        return None
    fmt = format_for(path, text)
    tree = parse_text(text, fmt=fmt)
    return (tree, fmt) if is_sops_document(tree) else None


def parse_text(text: str, *, fmt: Format) -> Any:
    if fmt == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            raise FormatError(f"invalid JSON at line {err.lineno}, column {err.colno}") from None
        except RecursionError:
            raise FormatError(yaml_reader.MAX_DEPTH_MESSAGE) from None
    return yaml_reader.load_fast(text)


@dataclass(frozen=True)
class Opened:
    data: dict[str, Any]
    meta: SopsMetadata
    data_key: bytes


def open_tree(tree: Any, *, fmt: Format) -> Opened:
    """Verify and decrypt a parsed SOPS document (consumed: decrypted in place)."""
    if not is_sops_document(tree):
        raise FormatError("not a SOPS file (no top-level 'sops' mapping with a 'mac')")
    meta = parse_metadata(tree.pop(METADATA_KEY))
    data_key = unwrap_sops_data_key(meta.recipients, meta.unsupported)
    hasher = MacHasher(only_encrypted=meta.mac_only_encrypted)
    decrypt_document(tree, meta, data_key, hasher=hasher, json_numbers=fmt == "json")
    verify_mac(data_key, meta.mac, hasher.hexdigest(), meta.lastmodified)
    return Opened(tree, meta, data_key)


def open_sops(text: str, *, fmt: Format) -> dict[str, Any]:
    """The verified plaintext of a SOPS file's text, as plain dicts and lists in SOPS order."""
    return open_tree(parse_text(text, fmt=fmt), fmt=fmt).data


__all__ = ["Format", "Opened", "format_for", "is_sops_document", "open_sops", "open_tree", "parse_text", "sniff"]
