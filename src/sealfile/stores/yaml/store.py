"""The YAML store: YAML 1.2 as ruamel.yaml reads it, layout kept on writes."""

from __future__ import annotations

from typing import Any

from sealfile.model.scalars import Styled
from sealfile.stores.base import Store


class YamlStore(Store):
    name = "yaml"
    suffixes = (".yaml", ".yml")

    def load_editable(self, text: str) -> Any:
        from sealfile.stores.yaml.roundtrip import load_roundtrip

        return load_roundtrip(text)

    def load_fast(self, text: str) -> Any:
        from sealfile.stores.yaml.reader import load_fast

        return load_fast(text)

    def dump(self, document: Any, like: str | None = None) -> str:
        from sealfile.stores.yaml.layout import guess_layout
        from sealfile.stores.yaml.roundtrip import dump_roundtrip, keep_comment_gaps

        if like is None:
            return dump_roundtrip(document)
        keep_comment_gaps(document, like)
        return dump_roundtrip(document, guess_layout(like))

    def read_scalar(self, raw: Any) -> Styled:
        from sealfile.stores.yaml.roundtrip import from_node

        return from_node(raw)

    def write_scalar(self, scalar: Styled) -> Any:
        from sealfile.stores.yaml.roundtrip import to_node

        return to_node(scalar)

    def new_mapping(self) -> Any:
        from ruamel.yaml.comments import CommentedMap

        return CommentedMap()

    def metadata_text(self, text: str) -> Any:
        from sealfile.stores.yaml.roundtrip import literal

        return literal(text)
