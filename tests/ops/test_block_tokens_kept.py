"""A block scalar whose value an edit leaves unchanged keeps its token (docs/format.md §1, §8), whatever
blank lines or comments come to follow it: libyaml counts the blank lines after its last content line
in its span, yet they are not its value, so they stay lines of the sealed text and the token never
records them. ``|+`` keeps its trailing lines inside (they are its text). Lines end at LF, CRLF or a CR
alone (YAML 1.2 breaks lines at each, and so do ruamel's parsers), and a text may end without a line
break: a new entry after a strip-chomped block there gives it one, which is not its value either."""

from __future__ import annotations

import re

import pytest

from sealfile.kms.age import AgeKey
from sealfile.model.paths import Path, get_at
from sealfile.ops import yaml_seal
from sealfile.ops.change import reseal_edited, set_value, unset_value
from sealfile.ops.read import decrypt_text
from sealfile.ops.spliced import SplicedSealed
from sealfile.stores import get_store
from sealfile.stores.yaml import splice
from sealfile.stores.yaml.scan import scan
from tests.support.fast_path import age_key, seal

__all__ = ["age_key"]

HEADERS = ["|", "|-", "|+", ">", ">-", ">+", "|2", "| # note"]
AFTER = ["", "\n", "\n\n", "  \n\n", "\n# note\n", "# note\n\n", "\n  # note\n\n"]
"""What follows the block's last content line: blank lines (one holding spaces), comments, both."""

# Each shape: the text around the block ({h}: its header, {after}), the block's key path, and edits
# that leave its value as it was: a new key next to it, the entries before and after it changed or removed.
SHAPES = {
    "top": ("s: {h}\n  x\n  y\n{after}b: 1\n", ("s",), [("set", "n", "v"), ("unset", "b"), ("set", "b", 2)]),
    "nested": ("a:\n  k: 0\n  s: {h}\n    x\n{after}b: 1\n", ("a", "s"),
               [("set", "a.n", "v"), ("unset", "a.k"), ("unset", "b"), ("set", "b", 2), ("edit", "  n: v\n")]),
    "in a list": ("a:\n  - k: 0\n    s: {h}\n      x\n{after}b: 1\n", ("a", 0, "s"),
                  [("set", "a[0].n", "v"), ("unset", "a[0].k"), ("unset", "b"), ("edit", "    n: v\n")]),
    "list item": ("a:\n  - 0\n  - {h}\n    x\n{after}b: 1\n", ("a", 1),
                  [("set", "a[0]", 5), ("unset", "b"), ("set", "b", 2), ("edit", "  - 2\n")]),
}
NEWLINES = ["\n", "\r\n", "\r"]
# A block ending the text ({after}: what follows its last content line, the last with no line break).
END_AFTER = ["", "\n", "\n\n", "\n  ", "\n# note", "\n\n# note"]
END_SHAPES = {
    "top": ("b: 1\ns: {h}\n  x\n  y{after}", ("s",), [("set", "n", "v"), ("unset", "b"), ("set", "b", 2)]),
    "nested": ("b: 1\na:\n  k: 0\n  s: {h}\n    x{after}", ("a", "s"),
               [("set", "a.n", "v"), ("set", "n", "v"), ("unset", "a.k"), ("unset", "b")]),
    "list item": ("b: 1\na:\n  - 0\n  - {h}\n    x{after}", ("a", 1), [("set", "a[0]", 5), ("set", "n", "v"),
                                                                     ("unset", "b")]),
}
# The text's last entry right after a block, no final line break: removing it, or a new key after it.
LAST_HEADERS = [*HEADERS, "|-2", ">-1", ">+2"]
LAST_SHAPES = {
    "top": ("b: 1\ns: {h}\n  x\n  y\nh: 1", ("s",), [("unset", "h"), ("set", "n", "v"), ("set", "h", 2)]),
    "nested": ("b: 1\na:\n  s: {h}\n    x\n  h: 1", ("a", "s"),
               [("unset", "a.h"), ("set", "a.n", "v"), ("set", "n", "v")]),
    "after a nested block": ("a:\n  s: {h}\n    x\nh: 1", ("a", "s"), [("unset", "h"), ("set", "n", "v")]),
    "list item": ("b: 1\na:\n  - {h}\n    x\n  - 1", ("a", 0), [("unset", "a[1]"), ("set", "n", "v")]),
    "in a list item": ("a:\n  - s: {h}\n      x\n    h: 1", ("a", 0, "s"),
                       [("unset", "a[0].h"), ("set", "a[0].n", "v")]),
    "a mapping last": ("s: {h}\n  x\nh:\n  k: 1", ("s",), [("unset", "h"), ("set", "n", "v")]),
    "a list last": ("s: {h}\n  x\nh:\n- 1\n- 2", ("s",), [("unset", "h"), ("set", "n", "v")]),
    "a stream": ("b: 1\n---\ns: {h}\n  x\nh: 1", (1, "s"), [("unset", "[1].h"), ("set", "[1].n", "v")]),
}
Edit = tuple[object, ...]


def _tokens(sealed: str) -> dict[Path, str]:
    return dict(SplicedSealed(sealed, get_store("yaml"), "c").tokens())


def _token(sealed: str, path: Path) -> str:
    return _tokens(sealed)[path]


def _edited(sealed: str, edit: Edit, block_end: int, newline: str = "\n") -> str:
    verb, *args = edit
    if verb == "set":
        return set_value(sealed, str(args[0]), args[1])
    if verb == "unset":
        return unset_value(sealed, str(args[0]))
    plain = decrypt_text(sealed)  # a line typed right after the block's value
    return reseal_edited(sealed, plain[:block_end] + str(args[0]).replace("\n", newline) + plain[block_end:])


def _kept_through(plaintext: str, path: Path, edits: list[Edit], block_end: int, newline: str,
                  age_key: AgeKey) -> None:
    sealed = seal(plaintext, age_key)
    assert decrypt_text(sealed) == plaintext
    before = _token(sealed, path)
    for edit in edits:
        changed = _edited(sealed, edit, block_end, newline)
        assert _token(changed, path) == before, edit


@pytest.mark.parametrize("newline", NEWLINES, ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("after", AFTER)
@pytest.mark.parametrize("header", HEADERS)
@pytest.mark.parametrize("shape", SHAPES)
def test_an_edit_that_leaves_a_block_scalar_keeps_its_token(shape: str, header: str, after: str, newline: str,
                                                           age_key: AgeKey) -> None:
    template, path, edits = SHAPES[shape]
    plaintext = template.format(h=header, after=after).replace("\n", newline)
    block_end = template.format(h=header, after="").index("b: 1")
    if "+" in header:  # the blank lines after the last content line are its text
        block_end += len(re.match(r"(?: *\n)*", after).group())
    block_end += template.format(h=header, after=after)[:block_end].count("\n") * (len(newline) - 1)
    _kept_through(plaintext, path, edits, block_end, newline, age_key)


@pytest.mark.parametrize("newline", NEWLINES, ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("after", END_AFTER)
@pytest.mark.parametrize("header", HEADERS)
@pytest.mark.parametrize("shape", END_SHAPES)
def test_a_block_scalar_ending_the_text_keeps_its_token(shape: str, header: str, after: str, newline: str,
                                                        age_key: AgeKey) -> None:
    """With or without a final line break: a new entry after a block there gives its last line one. Without one, a
    new key after a block that is not strip-chomped goes last with the block written ``|-`` (the same value, so a
    new token, every other token kept; it went first, keeping the token, the user's key at the top of the file)."""
    template, path, edits = END_SHAPES[shape]
    plaintext = template.format(h=header, after=after).replace("\n", newline)
    if not after and "-" not in header:
        rewritten = [edit for edit in edits if edit[0] == "set" and str(edit[1]).endswith("n")]
        edits = [edit for edit in edits if edit not in rewritten]
        for edit in rewritten:
            _header_rewritten(plaintext, path, edit, age_key)
    _kept_through(plaintext, path, edits, 0, newline, age_key)


def _header_rewritten(plaintext: str, path: Path, edit: Edit, age_key: AgeKey) -> None:
    sealed = seal(plaintext, age_key)
    changed = _edited(sealed, edit, 0)
    before, after = _tokens(sealed), _tokens(changed)
    assert {p: t for p, t in after.items() if p in before and p != path} == \
        {p: t for p, t in before.items() if p != path}, edit  # only the block's token is new
    text = decrypt_text(changed)
    assert get_at(scan(text).tree, path) == get_at(scan(plaintext).tree, path), edit  # its value stays
    assert re.search(r"[|>][0-9]?-", text) and not text.endswith(("\n", "\r")), edit  # strip-chomped, still no break


def test_a_token_that_took_in_the_blank_lines_is_kept_while_its_spelling_holds(age_key: AgeKey,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A file sealed when a block scalar's token took in the blank lines after it: an edit elsewhere
    keeps that token and the sealed text around it; one that moves the blank lines away gives it a new
    token (its recorded spelling no longer holds), and every result decrypts to the edited text."""
    plaintext = "a:\n  k: 0\n  s: |\n    x\n\n\nb: 1\n"
    assert yaml_seal.sealed_end is splice.sealed_end  # imported now: bound to the real one
    with monkeypatch.context() as earlier:  # as tokens were sealed: up to libyaml's end
        earlier.setattr(splice, "sealed_end", lambda text, leaf: leaf.end)
        sealed = seal(plaintext, age_key)
    taken_in = re.search(r"  s: ENC\[[^]]*\]\nb: ", sealed)
    assert taken_in is not None and decrypt_text(sealed) == plaintext
    changed = set_value(sealed, "a.k", 1)
    assert taken_in.group() in changed and decrypt_text(changed) == plaintext.replace("k: 0", "k: 1")
    changed = unset_value(sealed, "b")
    assert taken_in.group()[:-3] in changed and decrypt_text(changed) == plaintext.replace("b: 1\n", "")
    changed = set_value(sealed, "a.n", "v")
    assert _token(changed, ("a", "s")) != _token(sealed, ("a", "s"))
    assert decrypt_text(changed) == plaintext.replace("    x\n", '    x\n  "n": v\n')


@pytest.mark.parametrize("newline", NEWLINES, ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("header", LAST_HEADERS)
@pytest.mark.parametrize("shape", LAST_SHAPES)
def test_removing_the_last_entry_after_a_block_keeps_its_token(shape: str, header: str, newline: str,
                                                               age_key: AgeKey) -> None:
    """A text with no final line break whose last entry follows a block: removing that entry keeps the
    line break that ended the block's last line (the text gains a final line break), which is how the
    block is written; a new key after it, or a new value for it, leaves the block as it was."""
    template, path, edits = LAST_SHAPES[shape]
    _kept_through(template.format(h=header).replace("\n", newline), path, edits, 0, newline, age_key)



# A line of only spaces after a block's last line of text, no deeper than that text's indentation: a blank line, not
# its text (libyaml reads the indentation from the first line of text, or from the header's indicator past the entry's
# column), however far past the entry's column it is. Each shape: the text ({h}: header, {ins}: a line the user types,
# {sp}: that line), the block's key path, the entry's column and the first text line's indentation.
SPACED = {
    "top": ("b: 1\ns: {h}\n    x\n{ins}{sp}\nc: 2\n", ("s",), 0, 4),
    "nested": ("a:\n  s: {h}\n      x\n{ins}{sp}\nb: 1\n", ("a", "s"), 2, 6),
    "in a list": ("a:\n  - k: 0\n    s: {h}\n        x\n{ins}{sp}\nb: 1\n", ("a", 0, "s"), 4, 8),
    "list item": ("a:\n  - {h}\n      x\n{ins}{sp}\nb: 1\n", ("a", 0), 2, 6),
    "ending the text": ("b: 1\ns: {h}\n    x\n{ins}{sp}\n", ("s",), 0, 4),
}


@pytest.mark.parametrize("newline", NEWLINES, ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("typed", ["# added\n", "\n", "{sp}\n"])
@pytest.mark.parametrize("header", ["|", "|-", ">", ">-", "|2", "|2-", ">1", "| # note"])
@pytest.mark.parametrize("shape", SPACED)
def test_a_line_typed_before_a_line_of_spaces_at_the_texts_indentation_keeps_the_token(
        shape: str, header: str, typed: str, newline: str, age_key: AgeKey) -> None:
    """An editor's auto-indent leaves such a line after a ``run: |`` block; a comment, a blank line or another such
    line typed before it in ``sealfile edit`` sealed the block anew, its value unchanged: its token took in every
    line of more spaces than one past the key's column. ``|+`` keeps its trailing lines (its text) and is not here."""
    template, path, column, first = SPACED[shape]
    digits = "".join(filter(str.isdigit, header))
    spaces = " " * (column + int(digits) if digits else first)
    plaintext = template.format(h=header, sp=spaces, ins="").replace("\n", newline)
    sealed = seal(plaintext, age_key)
    edited = template.format(h=header, sp=spaces, ins=typed.format(sp=spaces)).replace("\n", newline)
    changed = reseal_edited(sealed, edited)
    assert decrypt_text(changed) == edited
    assert _token(changed, path) == _token(sealed, path)
    assert _tokens(changed) == _tokens(sealed)  # every value kept: the sealed diff shows the typed line only


@pytest.mark.parametrize("newline", NEWLINES, ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("header", ["|", "|-", "|+", ">", ">-", ">+", "|2", "|2-"])
def test_a_comment_appended_after_a_block_ending_the_text_keeps_its_token_where_its_value_stays(
        header: str, newline: str, age_key: AgeKey) -> None:
    """A block ending the text with no line break, then a comment typed after it in ``sealfile edit``: its last line
    gains a line break, which a ``|``, ``>`` or ``+`` block's value takes in (YAML 1.2 §8.1.1.2: clip and keep keep
    the final line break; ``x`` becomes ``x\\n`` for every reader), so that value is sealed anew, as it changed; a
    ``-`` block's value stays, and its token with it. Every other token stays."""
    plaintext = f"b: 1\ns: {header}\n  x\n  y".replace("\n", newline)
    sealed = seal(plaintext, age_key)
    edited = plaintext + "\n# added\n".replace("\n", newline)
    changed = reseal_edited(sealed, edited)
    assert decrypt_text(changed) == edited
    stays = "-" in header
    assert (_token(changed, ("s",)) == _token(sealed, ("s",))) is stays
    assert _token(changed, ("b",)) == _token(sealed, ("b",))
