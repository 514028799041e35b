"""The ``sealfile:`` block's nodes, checked before ruamel builds them.

The block is built by ruamel's safe constructor, which resolves aliases and merge keys. Built
objects share what aliases share, but the metadata reader copies every field into plain data and
the seal digest spells every field out, so nine aliases of nine aliases ... nested a few levels
deep (a billion laughs inside an unknown stanza field) would cost time and memory exponential in
the file's size. A sealfile writer never puts an anchor, alias or merge key in the block, so each
is refused here, as in the rest of the document: every node is visited once, and a node met again
(an alias, also one between the block and the data) is refused.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sealfile.errors import FormatError
from sealfile.model.metadata import METADATA_KEY
from sealfile.stores.yaml.engines import tag_text
from sealfile.stores.yaml.integers import NotOfItsTag

MERGE_TAG = "tag:yaml.org,2002:merge"
ALIAS_IN_METADATA = "YAML aliases are not supported in the metadata (a sealfile writer never writes one)"
MERGE_IN_METADATA = "YAML merge keys (<<) are not supported in the metadata (a sealfile writer never writes one)"


def check_metadata_nodes(root: Node, seen: set[int]) -> None:
    """Refuse an alias (a node met twice, here or in ``seen``) or a merge key under ``root``; every
    node visited is added to ``seen``, so the data cannot alias the block's nodes either."""
    stack: list[tuple[Any, str]] = [(root, METADATA_KEY)]
    while stack:
        node, where = stack.pop()
        if id(node) in seen:
            raise FormatError(f"{ALIAS_IN_METADATA} (line {node.start_mark.line + 1})", keypath=where)
        seen.add(id(node))
        if type(node) is MappingNode:
            for key, value in node.value:
                if type(key) is ScalarNode and tag_text(key.ctag) == MERGE_TAG:
                    raise FormatError(f"{MERGE_IN_METADATA} (line {key.start_mark.line + 1})", keypath=where)
                inner = f"{where}.{key.value}" if type(key) is ScalarNode else where
                stack += ((value, inner), (key, where))
        elif type(node) is SequenceNode:
            stack += ((item, f"{where}.{index}") for index, item in enumerate(node.value))


def built_metadata(constructor: Any, root: Node) -> Any:
    """The block as ruamel's safe constructor builds it; a value tagged as a type its text is not
    (``version: !!bool 2``) is refused naming its key path (ruamel's error would say only that some
    value cannot be read)."""
    try:
        return constructor.construct_object(root, deep=True)
    except ValueError:
        pass
    stack: list[tuple[Any, str]] = [(root, METADATA_KEY)]
    while stack:
        node, where = stack.pop()
        if type(node) is ScalarNode:
            tag = tag_text(node.ctag)
            build = constructor.yaml_constructors.get(tag)
            try:
                build(constructor, node) if build else None
            except ValueError as err:
                raise FormatError(f"{_unbuilt(err, where)} at line {node.start_mark.line + 1}", keypath=where) from None
        elif type(node) is MappingNode:
            stack += ((value, f"{where}.{key.value}" if type(key) is ScalarNode else where)
                      for key, value in node.value)
        elif type(node) is SequenceNode:
            stack += ((item, f"{where}.{index}") for index, item in enumerate(node.value))
    raise FormatError("a metadata value cannot be read", keypath=METADATA_KEY)


def _unbuilt(err: ValueError, where: str) -> str:
    """Why a metadata value cannot be built, in words that quote nothing."""
    too_long = str(err).startswith("an integer of more than")
    if where == f"{METADATA_KEY}.version":
        return f"the format version is {err}" if too_long else "the format version is not an integer"
    return str(err) if too_long or isinstance(err, NotOfItsTag) else "a value cannot be read as the type it is given"


def metadata_document(root: Any) -> bool:
    """The document sealfile adds to a stream of several: a mapping holding only ``sealfile``."""
    return (type(root) is MappingNode and len(root.value) == 1 and type(root.value[0][0]) is ScalarNode
            and root.value[0][0].value == METADATA_KEY and not root.value[0][0].style)
