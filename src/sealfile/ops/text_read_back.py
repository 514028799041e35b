"""The byte-for-byte half of a writer's read-back: ``decrypt`` gives back the user's plaintext byte for byte
(docs/format.md §1), so a sealed text whose decrypted text would not be the text it was sealed from is refused like
one that would not hold the same data. The data comparison cannot see a line break or a spelling changed around a
value (a ``\\r`` dropped or gained reads as the same data), so the decrypted text is compared as text.

The restored text is the reader's own (what ``sealfile decrypt`` prints), never a second rendering."""

from __future__ import annotations

from sealfile.errors import FormatError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (off the read path: tests/cli/test_fast_path.py)
if TYPE_CHECKING:
    from typing import TypeVar

    from sealfile.ops.document import OpenDocument

    Opened = TypeVar("Opened", bound=OpenDocument)


def refuse_unless_same_text(restored: str, intended: str, syntax: str) -> None:
    """Refuse a write whose sealed text would decrypt to ``restored`` instead of ``intended``, naming the first line
    that would differ (a line number and a kind of difference, never a value)."""
    if restored == intended:
        return
    raise FormatError(f"refusing to write: the sealed result would not decrypt to the same text byte for byte "
                      f"({_where(restored, intended)}); the {syntax} text would change (please report it)")


def _where(restored: str, intended: str) -> str:
    at = next((i for i, (a, b) in enumerate(zip(restored, intended, strict=False)) if a != b),
              min(len(restored), len(intended)))
    line = intended.count("\n", 0, at) + 1
    breaks = {restored[at:at + 1], intended[at:at + 1]} & {"\r", "\n", ""}
    return f"line {line}: {'a line break' if breaks else 'the text'} would differ"


def decrypts_to(opened: Opened, intended: str) -> Opened:
    """``opened`` (a sealed text just written, read back), refused unless it decrypts to ``intended``."""
    refuse_unless_same_text(opened.plaintext(), intended, opened.store.name)
    return opened
