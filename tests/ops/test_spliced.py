"""The YAML document edits the user's text: both engines give the same bytes, decrypt gives back the
original exactly, and a change rewrites the lines it changes (plus the ``mac:`` line) only."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml.comments import CommentedMap

from sealfile import load_secrets
from sealfile.errors import FormatError, KeyPathError
from sealfile.kms.age import AgeKey
from sealfile.model.paths import get_at, resolve
from sealfile.model.scalars import Styled
from sealfile.ops.change import set_value, unset_value
from sealfile.ops.read import decrypt_text, verify_text
from sealfile.stores.yaml.roundtrip import dump_roundtrip, to_node
from sealfile.stores.yaml.scan import scan
from tests.support.fast_path import age_key, benchmark_corpus, general_decrypt, seal, spliced_decrypt, spliced_set

__all__ = ["age_key"]

AWKWARD = """\
# top comment
values:
  needs_quotes: "a: b"
  hash: "x #y"
  looks_int: "0123"
  leading_space: " x"
  unicode: "caf\u00e9 \U0001F600"
  escapes: "tab\\there\\nnewline \\u00e9"
  single_quote: 'it''s'
  folded: >
    folded
    text
  plain_multiline: this plain scalar
    continues here
  hex: 0x1F
  stamp: 2024-01-01 12:00:00.10
  big: 123456789012345678901234567890
  exp: 1.5e-20
  inf: -.inf
  comment: value    # with a comment
  empty:
  seq_null:
    -
    - ~
flow: {user: admin, pass: "p w", list: [ a, 1 ]}   # spaced flow
literal: |+
  kept

tail: end
"""


@pytest.mark.parametrize("plaintext", [AWKWARD, benchmark_corpus(120)], ids=["awkward", "corpus"])
def test_both_engines_give_back_the_original_byte_for_byte(plaintext: str, age_key: AgeKey) -> None:
    sealed = seal(plaintext, age_key)
    assert spliced_decrypt(sealed) == general_decrypt(sealed) == decrypt_text(sealed) == plaintext


def _changed(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


@pytest.mark.parametrize(("keypath", "value", "shown"), [
    ("services.svc-00003.password", "new-secret", "password: new-secret"),
    ("services.svc-00001.password", "new secret", 'password: "new secret"'),  # keeps its double quotes
    ("services.svc-00002.password", "it's", "password: 'it''s'"),
    ("services.svc-00001.port", 6543, "port: 6543"),
    ("services.svc-00001.tags.1", "team-x", "- team-x"),
])
def test_set_changes_one_token_and_the_mac(keypath: str, value: object, shown: str, age_key: AgeKey,
                                           tmp_path: Path) -> None:
    sealed = seal(benchmark_corpus(60), age_key)
    spliced = spliced_set(sealed, keypath, value)
    assert decrypt_text(spliced) == decrypt_text(set_value(sealed, keypath, value)) != decrypt_text(sealed)
    changed = _changed(sealed, spliced)
    assert len(changed) == 4 and changed[-1].lstrip("+ ").startswith("mac: ")  # one value line, one mac line
    verify_text(spliced)
    path = tmp_path / "s.yaml"
    path.write_text(sealed)
    expected = load_secrets(path, redacted=False)
    node = expected
    parts = keypath.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[int(parts[-1]) if isinstance(node, list) else parts[-1]] = value
    path.write_text(spliced)
    assert load_secrets(path, redacted=False) == expected
    assert shown in decrypt_text(spliced)


@pytest.mark.parametrize("plaintext", ["k: v\r", "a: 1\rk: v\r", "k: ~ \r", "k: v # c\r", "k: v\r\r", "# c\r",
                                       "a: 1\r---\rk: 2\r", "---\rk: v\r", "k: v\r...\r", "k: |\r  x\rj: 1\r",
                                       "k: >-\r  x\r\r  y\rj: 1\r"])
def test_a_text_whose_lines_end_in_a_lone_cr_comes_back_byte_for_byte(plaintext: str, age_key: AgeKey) -> None:
    """A CR alone breaks a line in YAML as a LF does: the metadata went after a LF added before it
    (decrypt dropped the final CR), a literal block's token took its CR, and a line's start or end
    was found by LF only (the result did not read back, and sealing was refused)."""
    sealed = seal(plaintext, age_key)
    assert spliced_decrypt(sealed) == general_decrypt(sealed) == decrypt_text(sealed) == plaintext


@pytest.mark.parametrize(("keypath", "plaintext", "changed"), [
    ("a.b", "a:\r  b: 1\r  c: 2\rd: 3\n", "a:\r  b: new\r  c: 2\rd: 3\n"),
    ("a", "a:\r  b: 1\r  c: 2\rd: 3\n", "a: new\nd: 3\n"),
    ("k", "k: |\r  x\rj: 1\r", "k: |-\r  new\rj: 1\r"),  # as in LF: the block kept, not double-quoted
    ("j", "k: |\r  x\rj: 1\r", "k: |\r  x\rj: new\r"),
    ("k", "---\rk: v\r...\r", "---\rk: new\r...\r"),
])
def test_a_set_in_a_text_of_lone_crs_writes_only_what_changes(keypath: str, plaintext: str, changed: str,
                                                              age_key: AgeKey) -> None:
    assert decrypt_text(set_value(seal(plaintext, age_key), keypath, "new")) == changed


def test_set_of_the_same_value_changes_nothing(age_key: AgeKey) -> None:
    sealed = seal("a: 1\nb: x\n", age_key)
    assert spliced_set(sealed, "a", 1) == sealed
    assert set_value(sealed, "b", "x") == sealed


def test_a_multi_line_value_becomes_a_literal_block(age_key: AgeKey) -> None:
    sealed = seal("a: one\nb: 2\n", age_key)
    assert decrypt_text(spliced_set(sealed, "a", "line 1\nline 2\n")) == "a: |\n  line 1\n  line 2\nb: 2\n"


@pytest.mark.parametrize(("value", "plaintext"), [
    ("x", "steps:\n  - run: x\n\n  - name: b\nlast: 1\n"),
    ("two\nlines\n", "steps:\n  - run: |\n      two\n      lines\n\n  - name: b\nlast: 1\n"),
    (5, "steps:\n  - run: 5\n\n  - name: b\nlast: 1\n"),
])
def test_a_value_set_in_place_of_a_block_scalar_keeps_the_blank_lines_after_it(value: object, plaintext: str,
                                                                              age_key: AgeKey) -> None:
    """libyaml's span of a block scalar takes in the blank lines after its text; they part the
    entries, so a value written afresh there leaves them (a ``|+`` block's own go with it)."""
    sealed = seal("steps:\n  - run: |\n      echo a\n\n  - name: b\nlast: 1\n", age_key)
    for change in (spliced_set, set_value):
        changed = change(sealed, "steps[0].run", value)
        verify_text(changed)
        assert decrypt_text(changed) == plaintext
    kept = seal("a: |+\n  k\n\nb: 1\n", age_key)
    assert decrypt_text(spliced_set(kept, "a", "q")) == "a: |-\n  q\nb: 1\n"


@pytest.mark.parametrize(("keypath", "value", "plaintext"), [
    ("new_key", "x", "a: 1  # first\nlist: [x, y]\nplain_unencrypted: z\nnew_key: x\n"),
    ("a", {"sub": 1}, "a:  # first\n  sub: 1\nlist: [x, y]\nplain_unencrypted: z\n"),  # the comment stays by its key
    ("list.2", "q", "a: 1  # first\nlist: [x, y, q]\nplain_unencrypted: z\n"),
    ("plain_unencrypted", "y", "a: 1  # first\nlist: [x, y]\nplain_unencrypted: \"y\"\n"),  # YAML 1.1: y is true
    ("deep.er.key", 7, "a: 1  # first\nlist: [x, y]\nplain_unencrypted: z\ndeep:\n  er:\n    key: 7\n"),
])
def test_structural_changes_write_only_what_changes(keypath: str, value: object, plaintext: str,
                                                    age_key: AgeKey) -> None:
    sealed = seal("a: 1  # first\nlist: [x, y]\nplain_unencrypted: z\n", age_key)
    changed = set_value(sealed, keypath, value)
    verify_text(changed)
    assert decrypt_text(changed) == plaintext
    kept = [line for line in sealed.splitlines() if "ENC[" in line and line.split(":")[0].strip() != keypath]
    assert all(line in changed.splitlines() for line in kept if not line.startswith("list"))


def test_unset_removes_the_lines_of_the_value(age_key: AgeKey) -> None:
    sealed = seal("a: 1\nb:\n  c: 2  # note\n  d: |\n    text\n# after\ne: 3\n", age_key)
    assert decrypt_text(unset_value(sealed, "b.d")) == "a: 1\nb:\n  c: 2  # note\n# after\ne: 3\n"
    assert decrypt_text(unset_value(sealed, "b.c")) == "a: 1\nb:\n  d: |\n    text\n# after\ne: 3\n"
    with pytest.raises(KeyPathError):
        unset_value(sealed, "b.missing")


@pytest.mark.parametrize(("text", "keypath", "value", "plaintext"), [
    ("a: x\n \t\nb: 1\n", "a", None, "b: 1\n"),
    ("b: 1\na: x\n \t\n", "c", "yes", 'b: 1\na: x\n \t\nc: "yes"\n'),
    ("b: 1\na: x\n \t\n", "a", {"q": 1}, "b: 1\na:\n  q: 1\n"),
    ("a:\n  b: x\n    \t\n  c: y\n", "a.b", ["z"], "a:\n  b:\n  - z\n  c: y\n"),
    ("a: x\n  \t", "c", 1, "a: x\n  \t\nc: 1"),
    ("b: 1\na: x\n  \t# c\n", "c", "yes", 'b: 1\na: x\n  \t# c\nc: "yes"\n'),
])
def test_blank_lines_with_a_tab_go_with_the_plain_value_before_them(text: str, keypath: str, value: object,
                                                                   plaintext: str, age_key: AgeKey) -> None:
    """libyaml reads them as that value's trailing space and refuses them after anything else, so a
    new entry goes after them and a removed or restructured value takes them along."""
    sealed = seal(text, age_key)
    changed = unset_value(sealed, keypath) if value is None else set_value(sealed, keypath, value)
    assert decrypt_text(changed) == plaintext


ITEMS = "m:\n  - python: '3.6'  # c\n    env: A\n  - - x\n    - y\n"


@pytest.mark.parametrize(("keypath", "value", "plaintext"), [
    ("m.0.python", None, "m:\n  - env: A\n  - - x\n    - y\n"),
    ("m.1.0", None, "m:\n  - python: '3.6'  # c\n    env: A\n  - - y\n"),
    ("m.0.python", {"v": 3}, "m:\n  - python:  # c\n      v: 3\n    env: A\n  - - x\n    - y\n"),
    ("m.0.python", "two\nlines", "m:\n  - python: |-  # c\n      two\n      lines\n    env: A\n  - - x\n    - y\n"),
    ("m.1.0", ["z"], "m:\n  - python: '3.6'  # c\n    env: A\n  - -   - z\n    - y\n"),
    # an item written at its dash's column, not that column plus the emitter's own offset (a new
    # plain item there read as more of the plain item before it: ['x - z'])
    ("m.1.2", "z", "m:\n  - python: '3.6'  # c\n    env: A\n  - - x\n    - y\n    - z\n"),
    ("m.2", {"k": 1}, ITEMS + "  - k: 1\n"),
    ("m.1", {"k": 1}, "m:\n  - python: '3.6'  # c\n    env: A\n  - k: 1\n"),
])
def test_the_first_entry_of_an_item_keeps_its_dash(keypath: str, value: object, plaintext: str,
                                                   age_key: AgeKey) -> None:
    """Removing or restructuring the entry on a '- ' line keeps the dash (the item's other entries
    joined the one before, or the item became a mapping: other data, silently written), and a new
    or replaced item goes at its list's dash column."""
    sealed = seal(ITEMS, age_key)
    changed = unset_value(sealed, keypath) if value is None else set_value(sealed, keypath, value)
    assert decrypt_text(changed) == plaintext


@pytest.mark.parametrize(("text", "keypath", "plaintext"), [
    ("c:\n    d: 1\n    # note\ne: 2\n", "c", 'c: "two\\nlines\\n"\n    # note\ne: 2\n'),
    # a new entry goes after the comments under the one before (they are its), so nothing follows to join
    ("a:\n  b: 1\n      # note\n", "a.x", "a:\n  b: 1\n      # note\n  x: |\n    two\n    lines\n"),
])
def test_a_multi_line_string_that_a_comment_would_join_is_double_quoted(text: str, keypath: str, plaintext: str,
                                                                        age_key: AgeKey) -> None:
    """A literal block written before a comment indented under it takes the comment in as text
    (of a value that may be a secret); there the string is written on one line instead."""
    changed = set_value(seal(text, age_key), keypath, "two\nlines\n")
    assert decrypt_text(changed) == plaintext


def test_unset_takes_the_comments_indented_under_the_entry_along(age_key: AgeKey) -> None:
    """Left after a literal block, a comment indented under the removed entry became the block's text."""
    sealed = seal("a: |\n  x\nb:\n  c: 1\n  # under b\n# top\nd: 1\n", age_key)
    assert decrypt_text(unset_value(sealed, "b")) == "a: |\n  x\n# top\nd: 1\n"


@pytest.mark.parametrize(("keypath", "value", "plaintext"), [
    ("a.0", {"k": 1}, "a:\n- k: 1 # note-1\n- y\n"),  # the comment stays on its dash's line
    ("a.0", None, "a:\n- y\n"),
    ("a.1", {"k": 1}, "a:\n- # note-1\n  x: 1\n- k: 1\n"),
])
def test_an_item_whose_text_starts_below_its_dash(keypath: str, value: object, plaintext: str,
                                                  age_key: AgeKey) -> None:
    """The item's '-' is found on the line above (past a comment holding a '-' of its own)."""
    sealed = seal("a:\n- # note-1\n  x: 1\n- y\n", age_key)
    changed = unset_value(sealed, keypath) if value is None else set_value(sealed, keypath, value)
    assert decrypt_text(changed) == plaintext


def test_a_path_through_a_scalar_is_an_error(age_key: AgeKey) -> None:
    sealed = seal("a: 1\n", age_key)
    with pytest.raises(KeyPathError, match="not a mapping or list"):
        set_value(sealed, "a.b", "x")


def test_set_inside_a_flow_mapping(age_key: AgeKey) -> None:
    sealed = seal("creds: {user: admin, password: hunter2}\n", age_key)
    assert decrypt_text(spliced_set(sealed, "creds.password", "s3cret")) == "creds: {user: admin, password: s3cret}\n"


_SCALAR_TEXT = st.text(st.characters(codec="utf-8"), max_size=30)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.one_of(_SCALAR_TEXT, st.sampled_from(["on", "0123", "a: b", "x #y", "-", "?", "|x", "~"])),
                       min_size=1, max_size=8),
       styles=st.lists(st.sampled_from([None, '"', "'", "|"]), min_size=8, max_size=8),
       flow=st.booleans())
def test_any_string_in_any_style_comes_back_byte_for_byte(values: list[str], styles: list[str | None], flow: bool,
                                                          age_key: AgeKey) -> None:
    inner = CommentedMap()
    for index, value in enumerate(values):
        inner[f"k{index}"] = to_node(Styled(value, None if flow and styles[index] == "|" else styles[index]))
    if flow:
        inner.fa.set_flow_style()
    plaintext = dump_roundtrip(CommentedMap(values=inner))
    try:
        scan(plaintext)
    except FormatError:  # ruamel's emitter wrote text its own C parser refuses: sealing must refuse it too
        with pytest.raises(FormatError):
            seal(plaintext, age_key)
        return
    sealed = seal(plaintext, age_key)
    assert spliced_decrypt(sealed) == general_decrypt(sealed) == plaintext


@pytest.mark.parametrize(("text", "keypath", "value"), [
    ("a: x\n    # a comment further right\nb: 1\n", "a", "two\nlines\n"),   # a block would take the comment in
    (" k: x\n    #c", "k", "x\n"),                                           # ... with the metadata cut between
    ("a: x\n\nb: 1\n", "a", "kept\n\n"),
    ("a: [x]\n", "a.0", "two\nlines\n"),
    # before a blank line with a tab only a plain scalar may stand: one is written, tagged if need be
    ("a: x\n \t\nb: 1\n", "a", "yes"),
    (" a:\n    null\n  \t\n", "a", "0123"),
    ("a: x\r\n \t\r\nb: 1\r\n", "a", "two\n\nlines"),
    ("a:\n  - x\n   \t", "a.0", "on"),
    ("a: x\n  \t# c\nb: 1\n", "a", "yes"),
])
def test_a_value_set_afresh_decrypts_to_itself(text: str, keypath: str, value: str, age_key: AgeKey) -> None:
    """A spelling written afresh (no recorded layout) must mean the value where it lands."""
    changed = spliced_set(seal(text, age_key), keypath, value)
    for opened in (spliced_decrypt(changed), general_decrypt(changed)):
        assert _value_at(opened, keypath) == value


@pytest.mark.parametrize("value", ["x\ty", "", "a: b", " x", "two\nlines\n"])
def test_a_set_whose_spelling_would_not_fit_is_refused(value: str, age_key: AgeKey) -> None:
    """Only a plain value takes in a following line of blanks with a tab; a value with no plain
    spelling is refused naming its key path and that line, rather than written undecryptable."""
    sealed = seal(" a:\n    null\n  \t\n", age_key)
    with pytest.raises(KeyPathError, match="line 3, after this value, has a tab before its text") as refused:
        spliced_set(sealed, "a", value)
    assert refused.value.keypath == "a"
    assert spliced_decrypt(sealed) == " a:\n    null\n  \t\n"


def _value_at(text: str, keypath: str) -> object:
    tree = scan(text).tree
    return get_at(tree, resolve(tree, keypath))


@pytest.mark.parametrize(("text", "keypath", "value", "plaintext"), [
    ("a: {k: 1}  # c\nb: 2\n", "a.k", None, "a: {}  # c\nb: 2\n"),
    ("a: [1]  # c\n", "a.0", None, "a: []  # c\n"),
    ("l:\n  - {a: main}\t# tab\n  - x\n", "l.0.a", None, "l:\n  - {}\t# tab\n  - x\n"),
    ("a: {k: 1}  # c\nb: 2\n", "a", "x", "a: x  # c\nb: 2\n"),
    ("a: 1  # c\nb: 2\n", "a", [], "a: []  # c\nb: 2\n"),
    ("a:\n  k: 1  # c\nb: 2\n", "a.k", None, "a: {}\nb: 2\n"),  # the comment on the removed entry's line is its
])
def test_a_value_written_on_one_line_in_place_of_one_keeps_the_comment_after_it(
        text: str, keypath: str, value: object, plaintext: str, age_key: AgeKey) -> None:
    """A flow collection or scalar replaced by a value written on one line (an emptied mapping's
    ``{}``, a scalar over a flow collection) is spliced over the old value's own span: the comment
    after it on its line belongs to the key, and the whole entry written again lost it."""
    sealed = seal(text, age_key)
    changed = unset_value(sealed, keypath) if value is None else set_value(sealed, keypath, value)
    assert spliced_decrypt(changed) == general_decrypt(changed) == plaintext
