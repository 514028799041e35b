"""Application tags on values (docs/format.md §1.3): ``!Ref x`` (CloudFormation), ``!secret wifi`` (Home
Assistant, ESPHome), ``!reference [.a, b]`` (GitLab CI), ``!include f.yaml``.

Such a tag means something to the application that reads the file, nothing to YAML: its node's value is what
it would be untagged, a scalar always its text (a string). sealfile keeps the tag where it is written, outside
any token (``password: !secret ENC[...]``), and seals it (an entry of its own before the node's leaves, §7), so
changing, adding or removing a tag breaks the MAC like changing a value.

Only local tags (``!name``, written with the primary handle and no ``%TAG`` directive redefining it) are
application tags here. Every global tag outside YAML's own (``!!python/object:...``, ``!<tag:...>``, a handle a
``%TAG`` directive names) stays refused: a loader that knows such a tag may build objects or run code from it.
"""

from __future__ import annotations

import re
from typing import Any

from sealfile.errors import FormatError
from sealfile.model.paths import format_keypath
from sealfile.stores.yaml.engines import tag_text
from sealfile.stores.yaml.plain_tags import STR_TAG
from sealfile.stores.yaml.spans import bare_tag_at, where, written_tag

TAG_ENTRY = b"!"
"""The first byte of a tag's seal entry (§7), which starts no other entry."""
_PROPERTY = r"(?:![^ \t\r\n,\[\]{}]*|&[^ \t\r\n,\[\]{}]*)"
_PROPERTIES = re.compile(rf"(?:{_PROPERTY}[ \t\r\n]+)++")
"""A node's properties (its tag and anchor, in either order) and the blanks and line breaks after each."""
_ONLY_PROPERTIES = re.compile(rf"{_PROPERTY}(?:[ \t\r\n]+{_PROPERTY})*+")
"""The whole text of an empty plain scalar's node: its properties and nothing after the last."""


def custom_tag(text: str, node: Any, path: Any) -> str | None:
    """The node's application tag (``!Ref``), or ``None`` for a node without one.

    A local tag spelled other than as it resolves (``!<!Ref>``, ``!R%65f``, a ``%TAG`` handle or prefix) is
    refused: its seal entry is the resolved tag, so a respelling would keep the seal, and readers resolve such
    spellings differently (ruamel decodes a %-escape byte by byte, reads ``!<!> ''`` as a null)."""
    tag = node.ctag
    if tag is None or (tag.handle is None and not str(tag.suffix).startswith("!")):
        return None
    resolved = tag_text(tag)
    if not resolved.startswith("!"):
        return None
    if written_tag(text, node) != resolved:
        raise FormatError(f"a local tag not written as '!name' (verbatim, %-escaped, or through a %TAG directive) "
                          f"is refused ({where(node)}): write the tag as it reads",
                          keypath=format_keypath(path) or None)
    return resolved if len(resolved) > 1 else None


def check_bare_tag(text: str, node: Any, path: Any) -> None:
    """Refuse a plain scalar tagged ``!`` alone that is empty or not a string: YAML says such a
    scalar is a string, ruamel reads it by its spelling (``! 1`` an integer), and its two engines
    read ``!`` with nothing after it as an empty string (C) or a null (pure). ``!<!>`` (verbatim) is refused on
    any scalar: ruamel reads it by the spelling of a quoted value too (``!<!> ''`` a null)."""
    if written_tag(text, node).startswith("!<!>"):
        raise FormatError(f"a local tag not written as '!name' (verbatim '!<!>') is refused ({where(node)}): "
                          "remove it", keypath=format_keypath(path) or None)
    if (node.style in (None, "") and bare_tag_at(text, node)
            and (node.value == "" or tag_text(node.ctag) != STR_TAG)):
        raise FormatError(f"a plain value tagged '!' reads differently in YAML parsers ({where(node)}): "
                          "quote the value, or remove the '!'", keypath=format_keypath(path) or None)


# The application tags a scalar may carry. A plain value that starts with '!' reads as a tag and the rest
# (``password: !hunter2 more``: tag ``!hunter2``, value ``more``), and a scalar's tag stays in plaintext beside
# its token: so a scalar's tag must be one an application defines, never text a value could have begun with.
SCALAR_TAGS = frozenset({
    # CloudFormation and SAM intrinsic functions
    "!Ref", "!Sub", "!GetAtt", "!Base64", "!Cidr", "!FindInMap", "!GetAZs", "!ImportValue", "!Join", "!Select",
    "!Split", "!Transform", "!And", "!Equals", "!If", "!Not", "!Or", "!Condition", "!Length", "!ToJsonString",
    "!RefAll",  # a Rules assertion's parameter type (!RefAll "AWS::EC2::VPC::Id")
    # Rain's template directives (aws-cloudformation-templates uses !Rain::Module as a resource's Type)
    "!Rain::Embed", "!Rain::S3", "!Rain::S3Http", "!Rain::Include", "!Rain::Module", "!Rain::Constant",
    # Home Assistant, ESPHome
    "!secret", "!include", "!include_dir_list", "!include_dir_named", "!include_dir_merge_list",
    "!include_dir_merge_named", "!env_var", "!input", "!lambda", "!extend", "!remove",
    # GitLab CI, Ansible, Docker Compose, mkdocs and other loaders' environment tags
    "!reference", "!vault", "!unsafe", "!reset", "!override", "!ENV", "!env", "!relative",
})


def check_scalar_tag(tag: str, node: Any, path: Any) -> None:
    """Refuse a scalar's tag that is not an application's (:data:`SCALAR_TAGS`), without naming it: it may be
    the first word of a value written unquoted."""
    if tag not in SCALAR_TAGS:
        raise FormatError(f"a value starts with '!' and a word YAML reads as a tag, which would stay in plaintext "
                          f"({where(node)}): quote the value (tags kept on a value: docs/format.md §1.3)",
                          keypath=format_keypath(path) or None)


def tag_entry(tag: str) -> bytes:
    """The seal entry of a tagged node (§7), at the node's path, before the node's own leaves."""
    return TAG_ENTRY + tag.encode("utf-8", "surrogatepass")


def value_start(text: str, start: int, end: int, node: Any, path: Any) -> int:
    """Where a tagged scalar's value starts after its properties: its token's span starts there, so the
    sealed text keeps the tag (``!secret ENC[...]``). An empty plain value (``!GetAZs`` with no argument, the
    empty string to every YAML reader) starts right after its last property. A comment between the tag and
    the value is refused: a token written after the tag would stand inside it."""
    empty = node.value == "" and node.style in (None, "")
    properties = (_ONLY_PROPERTIES.fullmatch if empty else _PROPERTIES.match)(text, start, end)
    if properties is None:
        raise FormatError(f"a tag without a value ({where(node)}): quote a text that starts with '!'",
                          keypath=format_keypath(path) or None)
    if empty:  # every engine ends the node's marks after its last property: the token goes there
        return end
    after = properties.end()
    if text.startswith("#", after):
        raise FormatError(f"a comment between a tag and its value ({where(node)}): put the value on the tag's "
                          "line", keypath=format_keypath(path) or None)
    return after

