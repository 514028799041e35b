"""A verified SOPS file printed as ``sops decrypt`` prints it, in its own store's syntax.

Built from the decrypted tree (not from a second parse of the file): YAML with its comments,
4-space indentation, numbers and times in Go's spelling (``1e+06``, ``-0``, ``.nan``,
``2024-05-01T00:00:00Z``); JSON as Go's encoder writes it (tab indentation, ``1e-7``, HTML
characters escaped, in :mod:`.gojson`); dotenv and INI lines; a binary file's raw bytes. Before YAML is returned
it is read back and must hold the data :func:`sealfile.sops.data.to_data` gives.
"""

from __future__ import annotations

import base64
import io
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString
from ruamel.yaml.tokens import CommentToken

from sealfile.errors import FormatError
from sealfile.model.paths import format_keypath
from sealfile.model.scalars import same_data
from sealfile.sops.data import MERGE_KEY, leaf, value_text
from sealfile.sops.goemit import BINARY_TAG, INDENT, GoEmitter, SopsFileEmitter, heading_comments, nested_column
from sealfile.sops.gonum import reads_as_int, yaml_float
from sealfile.sops.gotime import GoTime
from sealfile.sops.goyaml import INDICATOR_TAG, double_quoted_by_go
from sealfile.sops.initree import GO_SPACE, check_ini, ini_key_text, ini_value_text
from sealfile.sops.nodes import Branch, Comment, Item, yaml_comment_lines
from sealfile.stores.dotenv_lines import sops_comment, sops_name
from sealfile.stores.yaml.per_thread import per_thread
from sealfile.stores.yaml.plain_tags import plain_tag_11
from sealfile.stores.yaml.reader import READ_APART
from sealfile.stores.yaml.scalars import STR_TAG

_DOCUMENT_END = re.compile(r"^\.\.\.\n", re.MULTILINE)


class GoScalar(str):
    """A number or time printed in Go's spelling, as a plain YAML scalar."""

    tag = "tag:yaml.org,2002:str"


def _represent_go(representer: RoundTripRepresenter, data: GoScalar) -> ScalarNode:
    return representer.represent_scalar(data.tag, str(data))


RoundTripRepresenter.add_representer(GoScalar, _represent_go)


def _go_scalar(text: str, kind: str) -> GoScalar:
    scalar = GoScalar(text)
    scalar.tag = f"tag:yaml.org,2002:{kind}"
    return scalar


class GoBinary(str):
    """Bytes that are not UTF-8 as yaml.v3 prints them (``encodeBase64``): base64 in lines of 70
    characters, each ending in a line break (a ``|`` block) when there is more than one, else plain."""


def _represent_binary(representer: RoundTripRepresenter, data: GoBinary) -> ScalarNode:
    return representer.represent_scalar(BINARY_TAG, str(data), style="|" if "\n" in data else None)


RoundTripRepresenter.add_representer(GoBinary, _represent_binary)


def _go_binary(raw: bytes) -> GoBinary:
    encoded = base64.b64encode(raw).decode("ascii")
    if len(encoded) < _BASE64_LINE:
        return GoBinary(encoded)
    return GoBinary("".join(encoded[at:at + _BASE64_LINE] + "\n" for at in range(0, len(encoded), _BASE64_LINE)))


_BASE64_LINE = 70


@per_thread  # export-sops and import-sops work on several files at once, in threads
def _yaml(sops_file: bool) -> YAML:
    yaml = YAML(typ="rt")
    yaml.Emitter = SopsFileEmitter if sops_file else GoEmitter
    yaml.width = 1 << 30
    yaml.indent(mapping=INDENT, sequence=2, offset=0)
    return yaml


def _block_safe(text: str) -> bool:
    """Only line feeds as breaks, and only printable characters: what a ``|`` block keeps. Not a leading tab:
    a block's indentation is read from its first line, where YAML readers refuse a tab (yaml.v3 prints null)."""
    return all(c.isprintable() or c in "\n\t" for c in text) and not text.startswith((" ", "\n", "\t")) \
        and " \n" not in text and not text.endswith(" ")  # yaml.v3 writes no block with a blank at a line's end


def _yaml_leaf(value: Any) -> Any:
    if isinstance(value, float):
        text = yaml_float(value)
        return _go_scalar(text, "int" if reads_as_int(text) else "float")
    if isinstance(value, GoTime):
        return _go_scalar(value.text, "timestamp")
    if value is None:
        return _go_scalar("null", "null")
    if isinstance(value, str):
        data = leaf(value, "yaml")
        if _read_apart(data):
            return DoubleQuotedScalarString(data)
        if isinstance(data, str) and "\n" in data and _block_safe(data):
            return LiteralScalarString(data)
        if isinstance(data, bytes):
            return _go_binary(data)
        return _typed_quoted(data)
    return value


def _read_apart(data: Any) -> bool:
    """A string holding a character YAML readers read apart (U+0085, U+2028...), which must be escaped: in
    double quotes, a key as much as a value. Also one yaml.v3 escapes (``is_printable``: a character beyond
    the BMP, U+FEFF, U+FFFE, U+FFFF), which it prints double-quoted as ``\\U0001F600``, never plain or in a block."""
    return isinstance(data, str) and not data.isascii() and (any(char in data for char in READ_APART)
                                                             or any(char in _GO_ESCAPED or char > "\uffff"
                                                                    for char in data))


_GO_ESCAPED = frozenset("\ufeff\ufffe\uffff")


def _typed_quoted(data: Any) -> Any:
    """A string that yaml.v3 (SOPS itself, reading this text back) or a YAML 1.1 reader (PyYAML) would
    take for another type if plain double-quoted, as yaml.v3 prints it: ``0X1F``, ``0O17`` and
    ``2001-1-1`` are a number and a time to yaml.v3 though strings to YAML 1.2; ``yes``, ``on`` and
    ``1:20`` are a boolean and a number to YAML 1.1 (yaml.v3 also quotes ``00:00``, ``y``, ``n``).
    ``*``, ``&`` and ``!`` alone are strings to yaml.v3, which single-quotes them."""
    if isinstance(data, str) and (double_quoted_by_go(data) or plain_tag_11(data) not in (STR_TAG, INDICATOR_TAG)):
        return DoubleQuotedScalarString(data)
    return data


def _token(lines: list[str], column: int, *, leading: bool = False, after_block: bool = False) -> CommentToken:
    """``after_block``: after a ``|`` block, which ends its own line, ruamel indents the first line itself; a
    line break more would be a blank line of the block (its content, after ``|+``)."""
    text = "".join(f"{' ' * column}{line}\n" for line in yaml_comment_lines(lines))
    if after_block:
        return CommentToken(text[column:], CommentMark(column))
    return CommentToken(("\n" if leading else "") + text, CommentMark(column))


def _before(container: Any, key: Any, lines: list[str], column: int) -> None:
    slot = container.ca.items.setdefault(key, [None, [], None, None])
    if slot[1] is None:
        slot[1] = []
    slot[1].extend(CommentToken(f"{line}\n", CommentMark(column)) for line in yaml_comment_lines(lines))


def _foot(container: Any, lines: list[str], column: int) -> bool:
    """Comments after a container's last item; ``False`` if it has none to hang them on."""
    if not container:
        return False
    last = list(container)[-1] if isinstance(container, CommentedMap) else len(container) - 1
    inner = container[last]
    if isinstance(inner, (CommentedMap, CommentedSeq)) and _foot(inner, lines, column):
        return True
    slot, index = ((container.ca.items.setdefault(last, [None, None, None, None]), 2)
                   if isinstance(container, CommentedMap) else (container.ca.items.setdefault(last, [None, []]), 0))
    if slot[index] is None:
        slot[index] = _token(lines, column, leading=True, after_block=isinstance(inner, LiteralScalarString))
    else:  # an inner container's foot comments hang here already: an outer one's follow them
        slot[index].value += _token(lines, column).value
    return True


def _yaml_node(node: Any, column: int, sops_file: bool, merges: bool) -> Any:
    if isinstance(node, dict):  # a store reader's data (JSON, INI): its strings need the same escaping
        node = Branch(Item(key, value) for key, value in node.items())
    if isinstance(node, (Branch, list)):
        container: Any = CommentedMap() if isinstance(node, Branch) else CommentedSeq()
        pending: list[str] = []
        entries = ((i.key, i.value) for i in node) if isinstance(node, Branch) else ((v, v) for v in node)
        for key, value in entries:
            if isinstance(key, Comment):
                pending.append(key.text)
                continue
            slot = key if isinstance(container, CommentedMap) else len(container)
            if isinstance(container, CommentedMap):
                name = (_go_scalar(MERGE_KEY, "merge") if key == MERGE_KEY and merges else
                        DoubleQuotedScalarString(key) if _read_apart(key) else _typed_quoted(key))
                if name in container:
                    raise FormatError("a mapping repeats a key, which YAML output cannot show")
                container[name] = _yaml_node(value, nested_column(column), sops_file, merges)
                slot = name
            else:
                heading, value = ([], value) if sops_file else heading_comments(value)
                pending += heading
                container.append(_yaml_node(value, column + 2, sops_file, merges))
            if pending:
                _before(container, slot, pending, column)
                pending = []
        if pending:
            _foot(container, pending, column)  # an empty container shows none: comments are not data
        return container
    return _yaml_leaf(node)


def yaml_text(documents: list[Any], *, sops_file: bool = False, merges: bool = True) -> str:
    """Documents (branches, or a list for ``--extract``) as yaml.v3 prints them, comments included.
    ``sops_file``: the text of a SOPS file, whose comments stay where SOPS's reader finds them again
    (yaml.v3 prints a list item's heading comment before the dash, but reads it back into the list).
    ``merges=False``: a ``<<`` key is data (a JSON, dotenv or INI key), written quoted, not a merge."""
    texts = []
    for document in documents:
        stream = io.StringIO()
        _yaml(sops_file).dump(_yaml_node(document, 0, sops_file, merges), stream)
        texts.append(_comments_alone(document) + stream.getvalue())
    # yaml.v3 starts each later document with "---" on a line of its own (ruamel: "--- {}" for an empty one).
    # ruamel ends a document whose last scalar keeps its trailing line breaks (``|+``) with "...";
    # yaml.v3 does not, and the next "---" or the end of the text ends it the same way
    return _DOCUMENT_END.sub("", "---\n".join(texts))


def _comments_alone(document: Any) -> str:
    """The comment lines of a document that holds nothing else, which yaml.v3 prints before its ``{}``."""
    if not isinstance(document, Branch) or any(True for _ in document.entries()):
        return ""
    return "".join(f"{line}\n" for line in yaml_comment_lines([item.key.text for item in document
                                                                 if isinstance(item.key, Comment)]))


def dotenv_text(branch: Branch, *, shown: bool = True) -> str:  # shown: a plaintext (names and comments checked)
    lines = []
    for item in branch:
        if isinstance(item.key, Comment):
            lines.append(f"#{sops_comment(item.key.text, shown)}")
        elif isinstance(item.value, (Branch, list)):
            raise FormatError("a dotenv file cannot hold a mapping or list", keypath=format_keypath((item.key,)))
        else:
            lines.append(f"{sops_name(item.key, shown)}={value_text(item.value).replace(chr(10), chr(92) + 'n')}")
    return "".join(line + "\n" for line in lines)


def ini_text(branch: Branch, *, yaml_tree: bool = False) -> str:
    """INI as go-ini writes it; ``yaml_tree``: a SOPS YAML file's tree, its comments placed as sops's INI store
    places them (a section's first item its comment, a later one the comment of the key before it, none at the top)."""
    out: list[str] = []
    meant: list[tuple[str, dict[str, str]]] = []
    for index, (name, section) in enumerate(branch.entries()):
        if not isinstance(section, Branch):  # SOPS refuses it too; leaving it out would drop data unsaid
            raise FormatError("an INI file holds only sections (mappings) at the top", keypath=format_keypath((name,)))
        headless = index == 0 and name == "DEFAULT"  # go-ini: only a first DEFAULT goes without its header
        if headless and not any(section.entries()):
            continue
        meant.append((name, {}))
        comments = [item.key.text for item in section[:1] if isinstance(item.key, Comment)]
        out.extend(f"; {line}" for line in comments)
        if not headless:  # a later [DEFAULT] (sops reads an explicit one after its own empty one) keeps it,
            out.append(f"[{name}]")  # or its keys would join the section above
        width = max((len(ini_key_text(key).encode()) for key, _ in section.entries()), default=0)  # go-ini aligns
        keyed, commented = None, False  # a YAML tree's: the last key's line, and whether its comment is above it
        for item in section[len(comments):]:
            if isinstance(item.key, Comment) and not yaml_tree:
                out.insert(len(out) - 1, f"; {item.key.text}")
            elif isinstance(item.key, Comment):  # sops: the comment of the key before it, the last given; none before
                line = f"; {item.key.text.strip(GO_SPACE)}"  # go-ini trims a key's comment, not a section's
                if keyed is not None and commented:
                    out[keyed - 1] = line
                elif keyed is not None:
                    out.insert(keyed, line)
                    keyed, commented = keyed + 1, True
            elif isinstance(item.value, (Branch, list)):  # SOPS prints Go's %v of it, which no reader reads back
                raise FormatError("an INI value cannot be a mapping or list", keypath=format_keypath((name, item.key)))
            else:
                key, value = ini_key_text(item.key), value_text(item.value)
                meant[-1][1][item.key] = value
                out.append(f"{key}{' ' * (width - len(key.encode()))} = {ini_value_text(value)}")
                keyed, commented = len(out) - 1, False
        out.append("")
    ending = [] if yaml_tree else [f"; {item.key.text}" for item in branch if isinstance(item.key, Comment)]
    text = "\n".join(out[:-1] + ending) + "\n" if out or ending else ""  # a blank line between sections
    check_ini(text, meant)
    return text


def check_yaml(text: str, expected: list[Any]) -> None:
    """The YAML printed reads back as the data of each document (:func:`~sealfile.model.scalars.same_data`, as
    every other writer checks): never show other data than the MAC covered."""
    from sealfile.stores.yaml import reader as yaml_store

    reader = YAML(typ="safe", pure=False)
    found = [yaml_store.load_fast(text)] if len(expected) == 1 else list(reader.load_all(text))
    try:
        same = same_data(found, expected)
    except FormatError:  # a value of a type no SOPS tree holds (a set): another value than the one expected
        same = False
    if not same:
        raise FormatError("the decrypted YAML does not read back as the same data")
