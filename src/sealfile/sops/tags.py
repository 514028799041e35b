"""Which YAML tags SOPS's reader keeps the meaning of: yaml.v3 decodes a file into ``interface{}``, so a
standard scalar tag becomes the value's type, and anything else is lost. ``import-sops`` names the lost ones
(the sealed file holds the values as ``sops decrypt`` gives them, untagged)."""

from __future__ import annotations

from ruamel.yaml.events import MappingStartEvent, ScalarEvent, SequenceStartEvent

from sealfile.sops.cipher import is_encrypted, parse_token
from sealfile.sops.goyaml import BINARY, RESOLVABLE, STR

_COLLECTION_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "!"})


def tag_dropped(event: ScalarEvent | MappingStartEvent | SequenceStartEvent) -> bool:
    """Whether yaml.v3, decoding into SOPS's tree, loses what the event's tag says: an application tag (the
    text or collection stays, untagged), or a tag on an encrypted value other than ``!!str`` on a string
    (the value's type is the one its ``ENC[...]`` records)."""
    if not isinstance(event, ScalarEvent):
        return event.tag not in _COLLECTION_TAGS
    if is_encrypted(event.value):
        token = parse_token(event.value)
        return event.tag not in (STR, "!") or token is None or token[3] != "str"
    return event.tag not in RESOLVABLE | {BINARY, "!"}
