"""The YAML store: YAML 1.2 as ruamel.yaml reads it, layout kept on writes."""

from __future__ import annotations

from sealfile.model.scalars import Styled
from sealfile.stores.base import SUFFIXES, Store

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any


class YamlStore(Store):
    name = "yaml"
    suffixes = SUFFIXES["yaml"]

    def load_editable(self, text: str) -> Any:
        """The tree as every YAML path reads it (:func:`~sealfile.stores.yaml.scan.scan`), with a
        sealed file's metadata under its key as in the text: a YAML file is converted to another
        syntax from this; YAML itself is edited as text."""
        from sealfile.model.metadata import METADATA_KEY
        from sealfile.stores.yaml.basics import c_parser_available, split_bom
        from sealfile.stores.yaml.scan import scan

        scanned = scan(split_bom(text)[1], engine="c" if c_parser_available() else "pure")
        if scanned.metadata is None or scanned.multi:
            return scanned.tree
        return {**scanned.tree, METADATA_KEY: scanned.metadata}

    def load_documents(self, text: str) -> list[Any]:
        """Each document's tree, for what a plaintext data file holds: a stream of several (which no sealed file
        is, and :meth:`load_fast` refuses), a list document, a last empty one, are read as :mod:`.stream` says,
        a sealed file's metadata left out."""
        from sealfile.errors import FormatError
        from sealfile.stores.yaml.stream import stream_documents

        try:
            return [self.load_fast(text)]
        except FormatError:
            return stream_documents(text)

    def load_fast(self, text: str) -> Any:
        from sealfile.stores.yaml.scan import plain_data

        return plain_data(text)

    def dump(self, document: Any, like: str | None = None) -> str:
        """YAML written afresh (from another syntax): a YAML file itself is only ever spliced, so
        there is no earlier text of this syntax whose layout ``like`` could give."""
        from sealfile.stores.yaml.roundtrip import dump_roundtrip

        return dump_roundtrip(document)

    def read_scalar(self, raw: Any) -> Styled:
        from sealfile.stores.yaml.roundtrip import from_node

        return from_node(raw)

    def write_scalar(self, scalar: Styled, spelling: str | None = None) -> Any:
        """Afresh: a YAML file's own spellings are restored by splicing (:mod:`~sealfile.stores.yaml.restore`)."""
        from sealfile.stores.yaml.roundtrip import to_node

        return to_node(scalar)

    def new_mapping(self) -> Any:
        from ruamel.yaml.comments import CommentedMap

        return CommentedMap()

    def metadata_text(self, text: str) -> Any:
        from sealfile.stores.yaml.roundtrip import literal

        return literal(text)
