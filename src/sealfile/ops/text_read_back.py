"""The byte-for-byte half of a writer's read-back: ``decrypt`` gives back the user's plaintext byte for byte
(docs/format.md §1), so a sealed text whose decrypted text would not be the text it was sealed from is refused like
one that would not hold the same data. The data comparison cannot see a line break or a spelling changed around a
value (a ``\\r`` dropped or gained reads as the same data), so the decrypted text is compared as text.

The restored text is the reader's own (what ``sealfile decrypt`` prints), never a second rendering."""

from __future__ import annotations

import os

from sealfile.envelope.cipher import ValueCipher, unpack_payload
from sealfile.errors import FormatError
from sealfile.model.paths import format_keypath
from sealfile.model.scalars import decode_scalar
from sealfile.ops.document import OpenDocument
from sealfile.stores.yaml import restore
from sealfile.stores.yaml.scan_check import CHECK_VARIABLE

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (off the read path: tests/cli/test_fast_path.py)
if TYPE_CHECKING:
    from typing import TypeVar

    from sealfile.ops.spliced import SplicedSealed

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
    """``opened`` (a sealed text just written, read back), refused unless it decrypts to ``intended``, unless
    :func:`exact_by_construction` (restoring the text costs 11% of a 3,000-value ``encrypt``)."""
    if not exact_by_construction(opened, intended) or CHECK_VARIABLE in os.environ:  # the suite checks the argument
        refuse_unless_same_text(opened.plaintext(), intended, opened.store.name)
    return opened


def exact_by_construction(opened: OpenDocument, intended: str) -> bool:
    """Whether a sealed YAML text decrypts to ``intended`` by construction: the line scan read it (so it is one
    document of ASCII printable characters and line feeds: no ``\r``, tab, BOM, directive, flow, anchor or folded
    block) and ``intended`` ends with a line break (the metadata block is added on a line of its own and cut as
    a whole). Then the text outside the tokens is the plaintext's, copied by the writer (the data check read it);
    a value spelled on several lines always records its spelling (``layout_of``), put back verbatim and checked
    where it stands by ``decrypt`` itself; a one-line value records nothing only when ``yaml_scalars.inline`` of
    it is its spelling, the very call ``render_edit`` makes to restore it, with the same value (the data check)
    and style. Every other text (CRLF or mixed line breaks, non-ASCII, several documents, no final line break,
    JSON and dotenv) is restored and compared."""
    block_at = getattr(getattr(opened.read(), "scan", None), "block_at", None)  # a spliced YAML text's scan only
    return block_at is not None and intended.endswith("\n") and intended.isascii()


def refuse_unless_restored(sealed: SplicedSealed, data_key: bytes, index: int) -> None:
    """A value-only ``set``'s text half (it has no intended text to compare): the spelling ``decrypt`` restores for
    the token just written (leaf ``index`` of ``sealed``, the text read back; none if negative), read where it
    stands, must be the value the token holds. The data check reads only the token's payload: a spelling chosen
    wrongly (``010`` plain for that string, which YAML 1.2 reads as the integer 10) passes it, and so does one that
    does not fit before a line of blanks with a tab. Only that value is restored and read
    (:func:`~sealfile.stores.yaml.restore.restores_as_itself`)."""
    if index < 0:
        return
    leaf = sealed.scan.leaves[index]
    encoded, layout = unpack_payload(ValueCipher(data_key).open_payload(leaf.encoded_path, leaf.value, leaf.path))
    if not restore.restores_as_itself(sealed.body, sealed.scan, leaf, (decode_scalar(encoded), layout), sealed.engine):
        raise FormatError("refusing to write: the sealed result would not decrypt to the value set (the spelling "
                          "decrypt would print for it would not read back as it; please report it)",
                          keypath=format_keypath(leaf.path))
