"""The one small interface a file syntax implements, so the envelope never sees syntax.

A store reads text into a value tree (mappings, lists, scalars) whose top level is a mapping
with the metadata under ``sealfile`` (whatever the syntax stores it as), and writes such a tree
back keeping the layout of the text it came from. Scalars in its trees are the store's own;
:meth:`Store.read_scalar` and :meth:`Store.write_scalar` translate them to and from the
format's neutral :class:`~sealfile.model.scalars.Styled` values.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from sealfile.model.paths import Path
from sealfile.model.scalars import Styled

SUFFIXES: dict[str, tuple[str, ...]] = {"yaml": (".yaml", ".yml"), "json": (".json",), "dotenv": (".env", ".env.enc")}
"""Each store's file name endings, here so a command can choose a store without importing the others."""
BOM = "\ufeff"
"""A byte-order mark: every store keeps one that starts a file, and reads what follows it."""


class Store(ABC):
    name: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]
    """File name endings that select this store (``.enc.json`` ends with ``.json``)."""

    @abstractmethod
    def load_editable(self, text: str) -> Any:
        """A tree to change and write back: keeps whatever layout the syntax has (comments, quoting)."""

    @abstractmethod
    def load_fast(self, text: str) -> Any:
        """A plain tree for reading only: as fast as the syntax allows, the same data as ``load_editable``."""

    @abstractmethod
    def dump(self, document: Any, like: str | None = None) -> str:
        """Text for ``document``, laid out like ``like`` (the text it was read from) where possible."""

    def dump_part(self, value: Any, like: str) -> str:
        """A part of a document (a subtree), written afresh in the style of ``like``."""
        return self.dump(value, like=like)

    def read_scalar(self, raw: Any) -> Styled:
        """A scalar of this store's trees as a neutral value and style."""
        return Styled(raw)

    def write_scalar(self, scalar: Styled, spelling: str | None = None) -> Any:
        """A neutral scalar as this store's trees hold it (so :meth:`dump` writes its style), and
        with ``spelling``, the source text it was read from (written again if it still reads as
        the value, docs/format.md §5.1)."""
        return scalar.value

    def spellings(self, text: str) -> dict[Path, str]:
        """The source text of each scalar of ``text`` that :meth:`dump` would not write the same way
        afresh, by path: what a token records so the file opens byte for byte."""
        return {}

    def new_mapping(self) -> Any:
        """An empty mapping of the kind this store's editable trees hold."""
        return {}

    def metadata_text(self, text: str) -> Any:
        """How a long metadata string (an armored age file) is best written."""
        return text
