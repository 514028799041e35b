"""The plaintext of a verified SOPS file as text: YAML with its comments, or JSON.

``sops decrypt`` prints YAML for YAML files and JSON (tab-indented) for JSON files; so do we.
The YAML is rebuilt from a second, layout-keeping parse of the same text, decrypted without a
MAC (the MAC was checked on the first parse), so comments, order and block strings survive.
"""

from __future__ import annotations

import json
from typing import Any

from ruamel.yaml.comments import CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

from sealfile.errors import IntegrityError
from sealfile.sops import Format, Opened, open_tree
from sealfile.sops.comments import container_aads, decrypt_comments
from sealfile.sops.format import METADATA_KEY
from sealfile.sops.tree import decrypt_document
from sealfile.stores.yaml import roundtrip as yaml_store


def _block_safe(text: str) -> bool:
    """Only line feeds as breaks, and only printable characters: what a ``|`` block keeps."""
    return all(c.isprintable() or c in "\n\t" for c in text) and not any(c in text for c in "\u2028\u2029")


def multiline_as_block(value: Any) -> Any:
    """Multi-line strings as ``|`` blocks (as ``sops decrypt`` shows them), unless a block cannot
    keep them (CR, NEL, control characters...): those stay double-quoted with escapes."""
    if isinstance(value, str) and _block_safe(value):
        return yaml_store.literal(value)
    return value


def same_data(ours: Any, theirs: Any) -> bool:
    """Equal data with equal kinds (``True`` is not ``1`` here), mapping order included."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return list(ours) == list(theirs) and all(same_data(ours[k], theirs[k]) for k in ours)
    if isinstance(ours, list) and isinstance(theirs, list):
        return len(ours) == len(theirs) and all(same_data(a, b) for a, b in zip(ours, theirs, strict=True))
    return isinstance(ours, bool) == isinstance(theirs, bool) and bool(ours == theirs)


def comment_list_items(items: Any, comments: list[tuple[int, str]]) -> None:
    """Show comments SOPS kept as list items as YAML comments: before the item that followed
    them, or after the last item. ``items`` is a ruamel round-trip sequence, items removed."""
    if not items or not isinstance(items, CommentedSeq):
        return
    groups: dict[int, list[str]] = {}
    for removed, (index, text) in enumerate(comments, 1):
        line = " ".join(text.splitlines())
        groups.setdefault(index - removed + 1, []).append(line[1:] if line.startswith(" ") else line)
    column = items.lc.col or 0
    for target, lines in groups.items():
        if target < len(items):
            items.yaml_set_comment_before_after_key(target, before="\n".join(lines), indent=column)
            continue
        slot = items.ca.items.setdefault(len(items) - 1, [None, None])
        if slot[0] is None:  # the last item's end-of-line slot: ruamel prints it after the item
            text = "".join(f"{' ' * column}# {line}\n" for line in lines)
            slot[0] = CommentToken("\n" + text, CommentMark(0), None)


def yaml_with_comments(text: str, opened: Opened) -> Any:
    """A ruamel round-trip tree of a SOPS YAML file, comments and values decrypted."""
    plain_comments = decrypt_comments(text, opened.data_key, container_aads(opened.data))
    document = yaml_store.load_roundtrip(plain_comments)
    del document[METADATA_KEY]
    decrypt_document(document, opened.meta, opened.data_key, hasher=None, styler=multiline_as_block,
                     on_list_comments=comment_list_items)
    if not same_data(document, opened.data):  # two parsers, one text: show only what the MAC covered
        raise IntegrityError("the file reads differently on a second parse")
    return document


def to_yaml_tree(data: Any) -> Any:
    """Plain data with multi-line strings as block scalars, ready for the round-trip dumper."""
    if isinstance(data, dict):
        return {key: to_yaml_tree(value) for key, value in data.items()}
    if isinstance(data, list):
        return [to_yaml_tree(item) for item in data]
    return multiline_as_block(data)


def plaintext(text: str, tree: Any, *, fmt: Format) -> tuple[str, Opened]:
    """Verify ``tree`` (``text`` parsed), then render the plaintext as ``sops decrypt`` would."""
    opened = open_tree(tree, fmt=fmt)
    if fmt == "json":
        return json.dumps(opened.data, indent="\t", ensure_ascii=False) + "\n", opened
    return yaml_store.dump_roundtrip(yaml_with_comments(text, opened)), opened


def extract_text(node: Any, *, fmt: Format) -> str:
    """One subtree or value, for ``decrypt --extract``."""
    if fmt == "json" and isinstance(node, (dict, list)):
        return json.dumps(node, indent="\t", ensure_ascii=False) + "\n"
    return yaml_store.dump_roundtrip(to_yaml_tree(node))
