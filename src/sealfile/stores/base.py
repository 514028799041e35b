"""The one small interface a file syntax implements, so the envelope never sees syntax.

A store reads text into a value tree (mappings, lists, scalars) whose top level is a mapping
with the metadata under ``sealfile`` (whatever the syntax stores it as), and writes such a tree
back keeping the layout of the text it came from. Scalars in its trees are the store's own;
:meth:`Store.read_scalar` and :meth:`Store.write_scalar` translate them to and from the
format's neutral :class:`~sealfile.model.scalars.Styled` values.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from sealfile.model.lazy_pattern import compiled_when_used
from sealfile.model.paths import ListIndex, Path
from sealfile.model.scalars import Styled

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, ClassVar

_HELD = (str, int, float, bytes, type(None), dict, list)
"""What a document holds: the scalars a token encodes (a bool is an int; and dates: :func:`_a_date`) and
collections."""

SUFFIXES: dict[str, tuple[str, ...]] = {"yaml": (".yaml", ".yml"), "json": (".json",), "dotenv": (".env", ".env.enc")}
"""Each store's file name endings, here so a command can choose a store without importing the others."""
BOM = "\ufeff"
"""A byte-order mark: every store keeps one that starts a file, and reads what follows it."""


def line_break(text: str) -> str:
    """The line break a text's lines end with, which every line sealfile adds to it repeats: LF,
    CRLF (a file git's ``core.autocrlf`` checked out) or a CR alone (YAML and dotenv break lines at
    each). The last one's, not the first's: a quoted value can hold a bare line break of its own."""
    last = max(text.rfind("\n"), text.rfind("\r"))
    if last < 0:
        return "\n"
    if text[last] == "\r":
        return "\r"
    return "\r\n" if text[last - 1:last] == "\r" else "\n"


def dominant_line_break(text: str) -> str:
    """The line break most of ``text``'s lines end with (ties: :func:`line_break`'s), for lines written in a block
    (a metadata block): a file whose last line alone lost or gained its CR keeps the break its other lines have,
    instead of the block's every line flipping on a one-value change. Counted afresh on each call: a caller that
    asks often keeps the answer for its own write (never a module-level cache, which would keep the plaintexts)."""
    crlf = text.count("\r\n")
    counts = {"\r\n": crlf, "\n": text.count("\n") - crlf, "\r": text.count("\r") - crlf}
    last = line_break(text)
    best = max(counts.values())
    return last if counts[last] == best else max(counts, key=counts.__getitem__)


def has_lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds a UTF-16 half on its own: not text (UTF-8 cannot encode it); an undecodable
    byte on a command line reads as one."""
    return _lone_surrogate().search(text) is not None


_lone_surrogate = compiled_when_used("[\ud800-\udfff]")


class Store(ABC):
    name: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]
    """File name endings that select this store (``.enc.json`` ends with ``.json``)."""
    reserved: ClassVar[str] = "the top-level key 'sealfile' is"
    """What a plaintext of this syntax may not hold, as it is where the sealed file keeps its metadata."""

    @abstractmethod
    def load_editable(self, text: str) -> Any:
        """A tree to change and write back: keeps whatever layout the syntax has (comments, quoting)."""

    @abstractmethod
    def load_fast(self, text: str) -> Any:
        """A plain tree for reading only: as fast as the syntax allows, the same data as ``load_editable``."""

    def load_documents(self, text: str) -> list[Any]:
        """:meth:`load_fast`'s tree of each document: a syntax of one document per file has one."""
        return [self.load_fast(text)]

    @abstractmethod
    def dump(self, document: Any, like: str | None = None) -> str:
        """Text for ``document``, laid out like ``like`` (the text it was read from) where possible."""

    def dump_part(self, value: Any, like: str) -> str:
        """A part of a document (a subtree), written afresh in the style of ``like``."""
        return self.dump(value, like=like)

    def read_scalar(self, raw: Any) -> Styled:
        """A scalar of this store's trees as a neutral value and style."""
        return Styled(raw)

    def restyled(self, scalar: Styled) -> Styled:
        """How a value set afresh is written, given the style :func:`~sealfile.ops.document.styled_for` picked:
        a store may pick another that its readers all read alike (dotenv: a shell and python-dotenv)."""
        return scalar

    def write_scalar(self, scalar: Styled, spelling: str | None = None) -> Any:
        """A neutral scalar as this store's trees hold it (so :meth:`dump` writes its style), and
        with ``spelling``, the source text it was read from (written again if it still reads as
        the value, docs/format.md §5.1)."""
        return scalar.value

    def spellings(self, text: str) -> dict[Path, str]:
        """The source text of each scalar of ``text`` that :meth:`dump` would not write the same way
        afresh, by path: what a token records so the file opens byte for byte."""
        return {}

    def check_sealable(self, document: Any, encrypts: Callable[[Path], bool] | None = None) -> None:
        """Refuse what :meth:`load_editable` read but this syntax's other readers take otherwise, so
        that no one value is the one to seal (a dotenv name without ``=``); with ``encrypts`` (the rules the
        document is sealed by, written in its own layout), also a value they leave in plaintext that such a reader
        takes otherwise (a dotenv value a shell sourcing the decrypted file reads otherwise), named by its line in
        the document's text. Nothing, by default."""
        return None

    def unfit(self, value: Any, key: bool = False) -> str | None:
        """Why this syntax cannot hold ``value`` (a mapping key if ``key``), ``None`` if it can. No
        syntax holds a lone surrogate: written, it would be a file no reader opens."""
        if isinstance(value, str) and has_lone_surrogate(value):
            return f"{'a key' if key else 'the value'} holds a lone surrogate (an undecodable byte or half a UTF-16 " \
                "pair), which is not text"
        if key and not isinstance(value, (str, int)):  # as a file's reader refuses one (a bool is an int)
            return f"mapping keys must be strings, integers or booleans, not {self.kind(value)}"
        if not key and not isinstance(value, _HELD) and not _a_date(value):  # a YAML !!set: no token holds one
            return f"a {self.kind(value)} value cannot be sealed: use a mapping or a list"
        return None

    def first_unfit(self, value: Any, *, document: bool = False) -> tuple[Path, str] | None:
        """Where in ``value`` (a whole document's mapping if ``document``) the first thing this syntax
        cannot hold is (a key: the path of its mapping), and why; ``None`` if it holds all of it."""
        stack: list[tuple[Path, Any]] = [((), value)]
        while stack:
            path, node = stack.pop()
            reason = None if document and not path else self.unfit(node)
            if reason is not None:
                return path, reason
            if isinstance(node, dict):
                for key in node:
                    reason = self.unfit(key, key=True)
                    if reason is not None:
                        return path, reason
                stack.extend(reversed([((*path, key), child) for key, child in node.items()]))
            elif isinstance(node, list):
                stack.extend(reversed([((*path, ListIndex(index)), child) for index, child in enumerate(node)]))
        return None

    @staticmethod
    def kind(value: Any) -> str:
        """A value's type as an error names it."""
        return "null" if value is None else type(value).__name__

    def new_mapping(self) -> Any:
        """An empty mapping of the kind this store's editable trees hold."""
        return {}

    def metadata_text(self, text: str) -> Any:
        """How a long metadata string (an armored age file) is best written."""
        return text


def _a_date(value: Any) -> bool:
    """A date or datetime; ``datetime`` is imported only here, for a value of no other type (one made by it,
    so already loaded): the hot commands load no module they do not use (tests/cli/test_fast_path.py)."""
    import datetime

    return isinstance(value, datetime.date)
