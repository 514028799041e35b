"""Both YAML engines read one meaning: the same verdict (read, or refused in one line), the same
tree, and every value at the same place in the text. libyaml (the C engine) defines what a file
holds; where it and ruamel's pure reader differ, the pure one reads as libyaml does, and where
other YAML readers would read a text differently from both, both refuse it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sealfile.errors import FormatError
from sealfile.model.paths import format_keypath
from sealfile.stores.yaml import edit, metablock
from sealfile.stores.yaml.basics import Engine, split_bom
from sealfile.stores.yaml.engines import engine_yaml
from sealfile.stores.yaml.reader import load_fast
from sealfile.stores.yaml.scalars import inline, literal_block
from sealfile.stores.yaml.scan import scan
from sealfile.stores.yaml.splice import apply_edits


def _reading(text: str, engine: Engine) -> Any:
    try:
        scanned = scan(split_bom(text)[1], engine=engine)  # as every reader calls it
    except FormatError as err:
        assert "\n" not in str(err)
        return "refused"
    return (scanned.tree, [(leaf.path, leaf.start, leaf.end) for leaf in scanned.leaves], scanned.refs,
            [(echo.path, echo.leaf.path) for echo in scanned.echoes])


def _same_on_both_engines(text: str) -> Any:
    c = _reading(text, "c")
    assert _reading(text, "pure") == c, text
    return c


@pytest.mark.parametrize(("text", "value"), [
    ("k: a\tb\n", "a\tb"),                # a tab between the words of a plain scalar
    ("k: [x\t+]\n", ["x\t+"]),
    ("k: a\n  \tb\n", "a b"),             # ... and after a continuation line's indentation
    ("k: |\t# note\n  x\n", "x\n"),      # a tab after a block scalar's header
    ("k: |-#note\n  x\n", "x"),          # a comment right after it
    ("k: |\n  \n   x\n", "\nx\n"),       # an empty line less indented than the text after it
    ("k: |-\n  \n    \n", ""),            # a block of empty lines, each more indented than the one before:
    ("k: >\n \n  \n   \n # c\n", ""),       # ruamel's pure reader alone refuses it (PyYAML reads "")
    ('k: ["a":1]\n', [{"a": 1}]),         # a ':' right after a quoted key inside brackets
    ("k: ! x\n", "x"),
    ("k: &a-b_1 x\n", "x"),
    ("k: !!str &a x\n", "x"),          # the value starts at its tag, before its anchor
    ("k: !!str\n  &a x\n", "x"),       # ... on another line too
    ("k: !!str # note\n  &a x\n", "x"),
    ("k: !!int &a 1\n", 1),
    ("&ax:y: v\n", None),              # an anchor name ends at ':' (the key is ':y')
])
def test_what_libyaml_reads_the_pure_engine_reads_the_same(text: str, value: Any) -> None:
    tree, *_ = _same_on_both_engines(text)
    assert tree == ({"k": value} if value is not None else {":y": "v"})


@pytest.mark.parametrize("text", [
    "k: &é x\n",              # an anchor name that is not ASCII letters, digits, '-' or '_'
    "k: &a{c: d}\n",
    "k: |\n  \tx\n",          # a tab where a block scalar's indentation is measured
    "k: |\n  a\n \tb\n",      # ... or before a line reaches it
    "k: a\n\tb\n",            # a tab in a continuation line's indentation
    "k: {a: 2x\r\tb}\n",
    "k: [a?b]\n",             # '?' inside a plain scalar inside brackets
    "k: {a: b?}\n",
    "k: [a:b]\n",
    "k: [C, {x: y}, AWS::NoValue]\n",  # ... after a flow mapping too (PyYAML reads it)
    "k: &a x\nj: &a y\n",     # one anchor name twice (the pure composer only warned, quoting the lines)
    "k: &a [1]\nj:\n  - &a {b: 1}\n",
])
def test_what_libyaml_refuses_both_engines_refuse(text: str) -> None:
    assert _same_on_both_engines(text) == "refused"


@pytest.mark.parametrize(("text", "tree"), [
    ("%YAML 1.2\n---\nk: a\tb\n", {"k": "a\tb"}),  # a directive's document is read by the same engine
    ("%YAML\t1.2\t# c\n---\nk: 1\n", {"k": 1}),      # tabs separate a directive's parts
    ("%TAG !e! tag:yaml.org,2002:\n---\nk: !e!str 1\n", {"k": "1"}),
    ("k: 1\n...\n...\n", {"k": 1}),                   # a second end marker
    ("k:\n! j: 1\n", {"k": None, "j": 1}),           # an empty value before a key tagged '!'
    ("k: !<tag:yaml.org,2002:str> 1\n", {"k": "1"}),
    ("k: [!!str a, b]\n", {"k": ["a", "b"]}),
])
def test_directives_document_markers_and_tags_read_as_libyaml_reads_them(text: str, tree: Any) -> None:
    """Exploring found each read apart: the pure engine lost its libyaml rules in a document with a
    ``%YAML`` directive (a fresh reader was made with ruamel's own parts), read a tab in a directive as
    an error, a second ``...`` as a document, and put ``k``'s empty value at the ``!`` of the next key."""
    assert _same_on_both_engines(text)[0] == tree


@pytest.mark.parametrize("text", [
    "%FOO bar\n---\nk: 1\n",            # an unknown directive (ruamel skips it)
    "k: 1\n...\nj: 2\n",                # a document after '...' without '---' (YAML 1.2 allows it)
    "k: 1\n...\n? j\n: 2\n",
    "k: !!<tag:yaml.org,2002:str> x\n",  # '!!' then '<' (ruamel read a verbatim tag)
    "!!<tag:yaml.org,2002:str> : x\n",
    "k: !!!binary\n",                    # '!' is in a suffix: 'tag:yaml.org,2002:!binary' (ruamel: !!binary)
    "k: !!int\n",                        # ruamel's constructors failed with an IndexError...
    "k: !!bool x\n",                     # ... or a KeyError: an internal error on both engines
    "k: [!!float '']\n",
])
def test_what_libyaml_refuses_in_directives_markers_and_tags_both_engines_refuse(text: str) -> None:
    assert _same_on_both_engines(text) == "refused"


@pytest.mark.parametrize(("text", "line"), [
    ("# c\r%YAML 1.1\r---\rk: 010\r", 2),                             # after a '\r' line break
    ("%YAML 1.2\n---\nk: 1\n...\n%YAML 1.1\n---\nj: 010\n", 5),        # in a second document
    ("\r%YAML 1.3\n---\nk: 1\n", 2),                                  # (the pure engine's AssertionError)
])
def test_every_yaml_directive_of_another_version_is_refused(text: str, line: int) -> None:
    """Exploring found these unseen by the check for '%YAML 1.2': the pure engine read '010' as YAML
    1.1 does (8), the C engine as 10."""
    for engine in ("c", "pure"):
        with pytest.raises(FormatError, match=re.escape(f"only YAML 1.2 is supported: remove the %YAML directive "
                                                        f"(line {line})")):
            scan(text, engine=engine)


def test_a_value_not_of_the_type_its_tag_gives_it_is_refused_by_every_reader() -> None:
    with pytest.raises(FormatError, match=r"^a value that is not of the type its tag gives it: remove the tag"):
        load_fast("k: !!bool x\n")


@pytest.mark.parametrize("text", ["--- !\n", "!\n", "--- &a\n", "--- &a !\n", "--- !!null\n", "# c\n--- !\n"])
def test_a_document_of_a_lone_tag_or_anchor_is_not_a_file_without_keys(text: str) -> None:
    """Exploring found '--- !' read as a file with no key by the pure engine (ruamel's pure composer makes the
    empty node a null, its C one an empty string) and refused by the C one."""
    assert _same_on_both_engines(text) == "refused"


@pytest.mark.parametrize(("text", "where", "name"), [
    ("a: 1\nk: x\x85y\n", "line 2, column 5", "U+0085"),
    ("k: [x\u2028y]\n", "line 1, column 6", "U+2028"),
    ("k: |\n  x\u2029\n", "line 2, column 4", "U+2029"),
    ("k: 'x'\n\ufeffj: 1\n", "line 2, column 1", "U+FEFF"),
    ('k: "s3cret\u2028"\n', "line 1, column 11", "U+2028"),
])
def test_characters_yaml_readers_read_apart_are_refused_everywhere(text: str, where: str, name: str) -> None:
    """libyaml (and PyYAML, Go's yaml) break lines at NEL, LS and PS; YAML 1.2 does not; and the
    readers disagree on a byte-order mark after the start: the text would hold other values for
    another reader. The escape that holds the character is named; the value is not quoted."""
    for engine in ("c", "pure"):
        with pytest.raises(FormatError, match=re.escape(f"at {where}: a raw {name} ")) as caught:
            scan(text, engine=engine)
        assert "s3cret" not in str(caught.value) and "inside double quotes" in str(caught.value)


def test_a_scan_is_given_a_text_without_its_byte_order_mark() -> None:
    """The engines count positions after a leading mark differently (the C one from after it): a
    value's place would be off by one on one of them. Every reader splits the mark off first, so
    a mark left at the start is a second one, refused on both."""
    assert _same_on_both_engines("\ufeffa: 1\nk:\n")[1] == [(("a",), 3, 4), (("k",), 7, 7)]
    for engine in ("c", "pure"):
        with pytest.raises(FormatError, match="two byte-order marks"):
            scan("\ufeffa: 1\nk:\n", engine=engine)


def test_a_sops_file_is_read_as_sops_reads_it() -> None:
    """SOPS's Go writer puts a raw U+2028 in a quoted value; its reader, like libyaml, reads it."""
    assert load_fast("k: 'a\u2028b'\n") == {"k": "a\u2028b"}


def test_a_leading_byte_order_mark_and_escapes_are_read() -> None:
    assert load_fast("\ufeffk: 1\n") == {"k": 1}
    tree, *_ = _same_on_both_engines('k: "a\\Lb\\N\\P\\uFEFF"\n')
    assert tree == {"k": "a\u2028b\x85\u2029\ufeff"}


@pytest.mark.parametrize("text", ["k: !\n", "k: ! 1\n", "k: ! true\n", "k:\n- !\n", "! 1: a\n", "k: &a !\n",
                                  "k: ! &a\n", "k: {a: ! , b: 1}\n", "k: !\n  &k\n", "k: ! # c\n  &k\n",
                                  "k:\n- !\n  &k\n"])
def test_a_plain_value_tagged_bare_bang_that_is_not_a_string_is_refused(text: str) -> None:
    """YAML says ``! 1`` is the string "1", ruamel reads an integer; a bare ``!`` is an empty
    string to the C engine and a null to the pure one. Exploring found ``k: !`` then ``&k`` on the
    next line read by the pure engine (ruamel's parser starts such a node at its anchor)."""
    for engine in ("c", "pure"):
        with pytest.raises(FormatError, match="tagged '!'"):
            scan(text, engine=engine)


@pytest.mark.parametrize("text", ["? a\n", "? a\nb: 1\n", "k:\n  ? a\n  b: 1\n", "k: {? a, b: 1}\n"])
def test_an_explicit_key_without_a_colon_is_refused_not_misplaced(text: str) -> None:
    """Its empty value has no place in the text to be sealed at (it was put after the next key's ':')."""
    for engine in ("c", "pure"):
        with pytest.raises(FormatError, match="a key with no ':' after it"):
            scan(text, engine=engine)


def test_an_explicit_key_with_its_colon_places_its_empty_value_after_it() -> None:
    text = "? a # note\n:\nb: 1\n"
    tree, leaves, *_ = _same_on_both_engines(text)
    assert tree == {"a": None, "b": 1}
    assert leaves[0][1] == text.index("\n:") + 2


_PIECES = st.sampled_from([*"k: \n\t|>-+2\"'#[]{},\\x?!.&*%<", "\x85", "\u2028", "\r", "\ufeff", "  ", "\n  ", "!!",
                           "\n...\n", "\n---\n", "\n%YAML 1.2\n", "\n!", "*a", "&a ", "&b ", "*b", "<<: ", "\nj: *a",
                           "\nm:\n  <<: *a\n", "\nn: {<<: [*a, *b]}"])
_STARTS = st.sampled_from(["k: ", "k:\n  ", "k: |\n  ", "k: |2+\n", "k: >\n  ", 'k: "', "- ", "", "k: [",
                           "k: {a: ", "? ", "k: &a ", "--- ", "k: !!str ", "k: '", "k:\n- ", "%YAML 1.2\n--- ",
                           "%TAG !e! tag:yaml.org,2002:\n--- ", "%", "k: 1\n...\n", "k: !!int ", "k: !!bool ", "k: !e!",
                           "k:\n!", "k: &a {x: 1}\nj: ", "k: &a [1, &b x]\nj:\n  - "])


@settings(max_examples=400)
@given(start=_STARTS, pieces=st.lists(_PIECES, max_size=14), end=st.sampled_from(["\n", ""]))
def test_any_text_gets_one_reading_on_both_engines(start: str, pieces: list[str], end: str) -> None:
    _same_on_both_engines(start + "".join(pieces) + end)


_VALUE = st.text(st.sampled_from([*"a \t\n#:-'\"!?,[]{}&*%@`|>.0~", "é"]), min_size=1, max_size=10)


@settings(max_examples=300)
@given(value=_VALUE, style=st.sampled_from([None, '"', "'"]), flow=st.booleans())
def test_a_value_sealfile_spells_on_one_line_reads_back_as_itself(value: str, style: str | None, flow: bool) -> None:
    """decrypt writes a value ``set`` changed afresh without reading it back: its spelling must be
    certain (a plain ``:x`` or ``a?`` inside brackets is not YAML to libyaml)."""
    spelled = inline(value, style, flow=flow)
    if spelled is None:
        return
    text = f"k: [{spelled}]\n" if flow else f"k: {spelled}\n"
    tree, *_ = _same_on_both_engines(text)
    assert tree == {"k": [value] if flow else value}


@settings(max_examples=300)
@given(value=_VALUE, indent=st.integers(1, 4))
def test_a_value_sealfile_spells_as_a_literal_block_reads_back_as_itself(value: str, indent: int) -> None:
    """A block whose text starts with a tab is not one (libyaml refuses the tab where it measures
    the indentation)."""
    block = literal_block(value, indent)
    if block is None:
        return
    header, lines = block
    tree, *_ = _same_on_both_engines(f"k: {header}\n" + "".join(f"{line}\n" for line in lines))
    assert tree == {"k": value}


def test_a_tag_read_in_one_text_neither_moves_a_node_of_the_next_nor_keeps_the_text() -> None:
    """The pure scanner remembers the last tag (a node's tag before its anchor); a parse forgets it."""
    with pytest.raises(FormatError):
        scan("- !!str", engine="pure")  # a top level that is not a mapping: refused after the parse
    assert engine_yaml("pure").scanner._sealfile_after_tag is None
    _same_on_both_engines("k: &a ")
    _same_on_both_engines("k: &a x\n")


@pytest.mark.parametrize("text", ["a: 1\nb:\n \n", "a: 1\nb: # note\n \n", "a: 1\nb:\n\n# trailing\n",
                                  "a: 1\nb:\n  # under b\n\n", "a:\n  b: 1\n  c:\n\n  # about d\nd: 2\n",
                                  "a: 1\nb: ~\nc:\n\n\n"])
def test_an_edit_after_an_empty_value_goes_to_one_place_on_both_engines(text: str) -> None:
    """The engines put an empty value's marks in different places (the pure one at the next token,
    past blank and comment lines): a key added after it, the value replaced or removed, and the
    metadata block added after it must not depend on the engine."""
    def edits(engine: Engine) -> list[str]:
        scanned = scan(text, engine=engine)
        last = scanned.leaves[-1].path
        return [edit.set_value(text, scanned, "added", "x"), edit.set_value(text, scanned, format_keypath(last), [1]),
                edit.remove(text, scanned, format_keypath(last)),
                apply_edits(text, [metablock.add_edit(text, scanned, {"version": 2, "mac": "m"})])]
    assert edits("pure") == edits("c")
