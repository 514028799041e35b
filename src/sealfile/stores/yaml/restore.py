"""Opening a sealed YAML text: every token replaced by its value's spelling, the metadata block cut.

A value whose token recorded its spelling (and still sits in the context it was written in) gets
that spelling back, byte for byte. One without (a value written by ``set``, a file from sealfile
0.1) is written afresh as sealfile would write it. Unless every value was written afresh, the
result is read once more to make sure it means what the sealed file holds (:func:`ensure_same`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from sealfile.errors import FormatError
from sealfile.model.differences import first_difference
from sealfile.model.paths import Path, format_keypath, get_at
from sealfile.model.scalars import Styled, same_data
from sealfile.stores.base import line_break
from sealfile.stores.yaml import metablock
from sealfile.stores.yaml.basics import Engine
from sealfile.stores.yaml.scan import Leaf, Scan, scan
from sealfile.stores.yaml.scan_check import CHECK_VARIABLE
from sealfile.stores.yaml.sealed import token_flags
from sealfile.stores.yaml.sealed_tags import tags_as_sealed_before
from sealfile.stores.yaml.spelled import Spelled, checkable, placed, spellings_read
from sealfile.stores.yaml.splice import Edit, apply_edits, one_line_edit, recorded_spelling, render_edit, restore_edit


def plaintext(text: str, scanned: Scan, leaves: list[Leaf],
              values: list[tuple[Styled, bytes]]) -> tuple[str, bool, list[Spelled] | None]:
    """The decrypted text, whether every value was written afresh here (so no check is needed), and, when
    the recorded spellings put back are the only reason for a check and can be checked where they stand
    (:mod:`.spelled`), each of them.

    A recorded spelling (§5.1) is whatever bytes the writer sealed, and whoever can push chooses a
    file's data key: a token of the value ``abc`` recording the spelling ``xyz`` gave ``xyz`` to
    ``decrypt``, ``diff`` and ``edit`` and ``abc`` to ``load_secrets``. A spelling may also mean more
    than its span, through what the seal does not cover: its tag takes its meaning from the ``%TAG``
    directives before it (``%TAG !! tag:evil/`` added before ``!!str 0123``), and an anchor inside a
    token names the value for the aliases after it. So a text with a recorded spelling or a ``%TAG``
    directive is read once more (:func:`ensure_same`)."""
    edits, exact, in_place, spellings = _edits(text, scanned, leaves, values)
    spelled = placed(spellings, edits, text) if in_place and spellings else None
    return apply_edits(text, edits), exact, spelled


def _edits(text: str, scanned: Scan, leaves: list[Leaf], values: list[tuple[Styled, bytes]], fresh_too: bool = False
           ) -> tuple[list[Edit], bool, bool, list[tuple[Leaf, int, Any]]]:
    """:func:`plaintext`'s edits, whether exact, whether its spellings can be checked in place, and those spellings
    (``fresh_too``: the ones written afresh as well)."""
    edits: list[Edit] = []
    exact = "%" not in text or "%TAG" not in text  # one character first: memchr, not a substring search
    in_place = exact and checkable(scanned)  # whether only recorded spellings need a check
    spellings: list[tuple[Leaf, int, Any]] = []
    mapping_indent: int | None = None
    newline = line_break(text)  # once: a scan of the whole text per value made opening quadratic
    tabs = "\t" in text  # a spelling written afresh is certain only where no tab may follow it
    cut = metablock.cut_edit(text, scanned)
    for leaf, (scalar, layout) in zip(leaves, values, strict=True):
        written = recorded_spelling(layout, leaf) if layout else None
        if written is not None:  # the writer's word for what the value's text is: a forger's may lie
            spellings.append((leaf, len(edits), scalar.value))
            edits.append(restore_edit(text, leaf, written))
            exact = False
            continue
        if layout or tabs:  # a spelling recorded for another place: afresh, then checked
            exact = in_place = False
        if mapping_indent is None and scalar.style == "|":  # only a literal block needs it (a pass over the text)
            mapping_indent = _mapping_indent(text)
        edit = render_edit(text, leaf, scalar, mapping_indent, cut[:2], tabs=tabs, newline=newline)
        if edit is None:
            edit, exact, in_place = _double_quoted(text, leaf, scalar), False, False
        if fresh_too:
            spellings.append((leaf, len(edits), scalar.value))
        edits.append(edit)
    edits.append(_cut_after(cut, edits))
    return edits, exact, in_place, spellings


def restores_as_itself(text: str, scanned: Scan, leaf: Leaf, value: tuple[Styled, bytes], engine: Engine) -> bool:
    """Whether the spelling :func:`plaintext` restores for ``leaf`` (alone: the other tokens stay) reads, where it
    stands, as its value: a value-only ``set``'s check of the token it wrote, at the cost of that value. Read in
    place by the line scan where it can tell (:mod:`.spelled`); else alone in the same context where that is its
    meaning (:func:`_reads_alone`); else the text read whole. The suite's switch (:data:`.scan_check.CHECK_VARIABLE`)
    reads it whole always, and fails if the quick read said otherwise: that whole read is the only reader the quick
    ones are checked against on every ``set`` the suite runs (as :func:`ensure_same` for ``decrypt``), and a reader
    of the value's context alone would share their blind spots; users never set it, and the hot paths are counted
    without it (tests/cli/test_hot_paths_parse_nothing.py)."""
    edits, _, in_place, spellings = _edits(text, scanned, [leaf], [value], fresh_too=True)
    restored, spelled = apply_edits(text, edits), placed(spellings, edits, text)
    quick = spelled is not None and ((in_place and spellings_read(restored, spelled)) or (
        "\t" not in text and "%" not in text and _reads_alone(spelled[0], engine)))
    if quick and CHECK_VARIABLE not in os.environ:
        return True
    try:
        _ensure_read_back(restored, value[0].value, engine, leaf.path)
    except FormatError:
        if quick:
            raise AssertionError("the value read by itself, the whole text does not read back") from None
        return False
    return True


def _reads_alone(spelled: Spelled, engine: Engine) -> bool:
    """Whether a one-line spelling written afresh where a token stood reads as its value by itself after ``k: ``,
    after ``- ``, or in a flow sequence, as it would where it stands: the same production there (a plain scalar ends
    at its line's end or `` #``, in flow also at a flow indicator; a quoted one at its quote), the text after it
    unchanged. The caller excludes what changes a spelling's meaning from afar (a directive, a tab); here, a
    spelling first on its line (a document marker, a collection of its own) or after anything but an indicator
    (an anchor, a tag: ``!!int`` before it)."""
    leaf, before, _, written, expected = spelled
    lead = before.rstrip()
    if written.splitlines() != [written] or not lead or lead[-1] not in (":,[{" if leaf.flow else ":-"):
        return False
    shape = {"k": [expected] if leaf.flow or lead[-1] == "-" else expected}  # the top level is a mapping
    alone = f"k: [{written}]\n" if leaf.flow else f"k:\n- {written}\n" if lead[-1] == "-" else f"k: {written}\n"
    try:
        with tags_as_sealed_before():
            read = scan(alone, engine=engine).tree
    except FormatError:
        return False
    return same_data(read, shape)


def redacted(text: str, scanned: Scan, stand_in: Callable[[str], str]) -> str:
    """The text :func:`plaintext` gives, with ``stand_in(token)`` where each sealed value would be:
    what ``git diff`` shows someone without a key. Values kept in plaintext stay as written."""
    edits = [(leaf.start, leaf.end, stand_in(leaf.value))
             for leaf, sealed in zip(scanned.leaves, token_flags(scanned.leaves), strict=True) if sealed]
    return apply_edits(text, [*edits, _cut_after(metablock.cut_edit(text, scanned), edits)])


def _cut_after(cut: Edit, edits: list[Edit]) -> Edit:
    """The metadata cut, never taking what a value's edit covers (the line break that ends a block
    scalar, when a file that lost its last line break ends with the metadata)."""
    start, end, text = cut
    for edit_start, edit_end, _ in edits:
        if edit_start <= start < edit_end:
            start = edit_end
    return start, max(start, end), text


def _mapping_indent(text: str) -> int:
    from sealfile.stores.yaml.layout import guess_layout

    return guess_layout(text).mapping


def _double_quoted(text: str, leaf: Leaf, scalar: Styled) -> Edit:
    """The value on one line, double-quoted: the one spelling that holds any string anywhere."""
    from sealfile.stores.yaml.scalars import double_quoted_any

    value = scalar.value
    return one_line_edit(text, leaf, double_quoted_any(value) if isinstance(value, str) else json.dumps(str(value)))


def ensure_same(text: str, expected: Any, engine: Engine, under: Path = (), spelled: list[Spelled] | None = None,
                fill: Callable[[], None] = lambda: None) -> None:
    """Refuse a plaintext that would not read back as ``expected`` (what the sealed file holds at ``under``; a
    mapping or list that ``fill()`` puts the values in, called for a whole read only), naming the first place
    it differs. ``spelled``: the recorded spellings :func:`plaintext` put back, when
    they are all that needs a check; checked where they stand if :func:`.spelled.spellings_read` can tell
    (the suite's check of the line scan reads the whole text too, and compares)."""
    if spelled is not None and spellings_read(text, spelled):
        if CHECK_VARIABLE not in os.environ:
            return
        try:
            fill()
            _ensure_read_back(text, expected, engine, under)
        except FormatError as err:
            raise AssertionError("the spellings read in place, the whole text does not read back") from err
        return
    fill()
    _ensure_read_back(text, expected, engine, under)


def _ensure_read_back(text: str, expected: Any, engine: Engine, under: Path) -> None:
    where: str | None = format_keypath(under) or None
    try:
        with tags_as_sealed_before():
            read = get_at(scan(text, engine=engine).tree, under)
        same = same_data(read, expected)
        found = None if same else first_difference(read, expected, under)
        where = format_keypath(found[0]) or where if found else where
    except FormatError as err:
        same, where = False, err.keypath or where
    except LookupError:  # the text lost the place ``under`` names
        same = False
    if not same:
        raise FormatError("the decrypted text would not read back as the sealed values (a value's spelling "
                          "does not fit where it is, or an anchor or %TAG directive around the sealed values "
                          "was changed); decrypt with --output-type json", keypath=where)
