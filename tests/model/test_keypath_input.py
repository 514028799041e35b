"""A key path typed by a user is parsed or refused with one clear error, whatever it holds."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sealfile.errors import KeyPathError
from sealfile.model.paths import Selector, parse_keypath


def test_a_bracketed_key_may_hold_control_characters() -> None:
    assert parse_keypath('["a\tb\x1b[2J\u202e"]') == (Selector("str", "a\tb\x1b[2J\u202e"),)


@pytest.mark.parametrize("text", ['["\\q"]', "[" + "9" * 5000 + "]", '["\\ud800"][', '["a"]x'])
def test_what_cannot_be_a_key_path_is_a_key_path_error(text: str) -> None:
    with pytest.raises(KeyPathError, match="cannot parse key path"):
        parse_keypath(text)


def _reference(text: str) -> tuple[Selector, ...] | None:
    """The grammar as regular expressions (what the parser implemented before it read brackets with
    ``json``'s scanner): ``None`` where it refuses."""
    import json
    import re

    bracket = re.compile(r'\[\s*("(?:[^"\\]|\\.)*"|-?\d+|true|false)\s*\]')
    single = re.compile(r"\[\s*'(.*?)'\s*\]", re.DOTALL)  # sops's spelling: up to the quote a ']' follows
    dotted = re.compile(r"[^.\[\]]+")
    text = text.strip()
    if not text:
        return None
    selectors: list[Selector] = []
    pos, need_name = 0, not text.startswith("[")
    while pos < len(text) or need_name:
        if need_name:
            match = dotted.match(text, pos)
            if not match:
                return None
            selectors.append(Selector("dotted", match.group(0)))
            pos, need_name = match.end(), False
        elif text[pos] == ".":
            pos, need_name = pos + 1, True
        elif quoted := single.match(text, pos):
            selectors.append(Selector("str", quoted.group(1)))
            pos = quoted.end()
        else:
            match = bracket.match(text, pos)
            if not match:
                return None
            try:
                value = json.loads(match.group(1), strict=False)
            except ValueError:
                return None
            kind = "bool" if isinstance(value, bool) else "int" if isinstance(value, int) else "str"
            selectors.append(Selector(kind, value))  # type: ignore[arg-type]
            pos = match.end()
    for selector in selectors:
        if isinstance(selector.value, str):
            try:
                selector.value.encode("utf-8")
            except UnicodeEncodeError:
                return None
    return tuple(selectors)


_SPACE = st.sampled_from(["", " ", "\t", "\n", "\u00a0", "\u2003", "\x1c", "\x85"])
_INSIDE = st.sampled_from(['"a"', '"x.y"', '"a\\"b"', '"\\n"', '"\\u00e9"', '"\\ud800"', '"\\q"', '"a\tb"', '""',
                           '"', '0', '-0', '01', '-01', '7', '-12', '1.5', '1e3', '-', '+1', '٣', '9' * 4400, 'true',
                           'false', 'null', 'NaN', '-Infinity', 'tru', 'a', '[1]', '{}', '', "'a'", "'it's'", "''",
                           "'", "'a]", "'x']y'", "'\\n'", "'a\"", "'\ud800'"])
_PIECES = st.one_of(
    st.builds(lambda a, inside, b, close: "[" + a + inside + b + close, _SPACE, _INSIDE, _SPACE,
              st.sampled_from(["]", "", "]]", "x"])),
    st.sampled_from([".", "..", "a", "key", "x y", "é", "[", "]", " ", "\\"]),
)


@given(st.lists(_PIECES, max_size=12).map("".join))
@settings(max_examples=3000)
def test_the_parser_reads_exactly_the_grammar(text: str) -> None:
    expected = _reference(text)
    if expected is None:
        with pytest.raises(KeyPathError):
            parse_keypath(text)
    else:
        assert parse_keypath(text) == expected


def test_a_deeply_nested_bracket_is_refused_not_a_crash() -> None:
    with pytest.raises(KeyPathError, match="cannot parse key path"):
        parse_keypath("[" * 100_000 + "1" + "]" * 100_000)


def test_a_dotted_segment_that_could_name_a_number_or_boolean_is_the_grammar_s_own() -> None:
    """``-?\\d+`` (Unicode digits included) or ``true``/``false``, as the regular expression reads it."""
    import re
    import unicodedata

    from sealfile.model.paths import _digits_or_bool

    digits = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) in ("Nd", "No", "Nl")]
    samples = ["", "-", "--1", "-0", "0", "12", "-12", "1-", "+1", "a", "true", "false", "True", "1.0", " 1", "1\n"]
    samples += digits + ["-" + d for d in digits] + [d + "7" for d in digits]
    for text in samples:
        assert _digits_or_bool(text) == (text in ("true", "false") or re.fullmatch(r"-?\d+", text) is not None), text


@pytest.mark.parametrize(("tree", "typed", "meant"), [
    ({"B.C": "1"}, "B.C", '["B.C"]'),  # a dotenv name
    ({"m": {"labels": {"app.kubernetes.io/name": "x"}}}, "m.labels.app.kubernetes.io/name",
     'm.labels["app.kubernetes.io/name"]'),
    ({"items": [{"a.b": 1, "c": 2}]}, "items.0.a.b", 'items.0["a.b"]'),
    ({"a.b": {"c": 1}}, "a.b.c", '["a.b"].c'),
])
def test_a_dotted_path_that_spells_a_key_holding_dots_says_how_to_write_it(tree: dict[str, object], typed: str,
                                                                           meant: str) -> None:
    """``B.C`` reads as B then C: where the key ``B.C`` is there, get and unset say how to name it, and
    set refuses rather than add a mapping ``B`` beside it; the path as told reads back the value."""
    from sealfile.model.path_place import place
    from sealfile.model.paths import get_at, resolve

    with pytest.raises(KeyPathError, match=f"no such key; for the key .* write {re.escape(meant)}$"):
        resolve(tree, typed)
    with pytest.raises(KeyPathError, match=re.escape(f"write {meant} (to add a new mapping instead: ")):
        place(tree, typed, dict)
    assert get_at(tree, resolve(tree, meant)) is not None
    assert resolve({"B": {"C": 1}}, "B.C") == ("B", "C")  # no key holding dots: the path as ever


@pytest.mark.parametrize(("typed", "meant"), [
    (".database.password", "database.password"),      # jq's spelling
    ("database[password]", 'database["password"]'),   # a bracket without quotes
    ("[database][password]", '["database"]["password"]'),
    ("hosts.0.", "hosts.0"),
])
def test_a_key_path_in_another_tool_s_spelling_says_how_to_write_it(typed: str, meant: str) -> None:
    with pytest.raises(KeyPathError) as caught:
        parse_keypath(typed)
    assert str(caught.value).endswith(f"; write {meant}")
    assert parse_keypath(meant)  # the suggestion is itself a key path


@pytest.mark.parametrize("typed", ["a..b", '["a"', "a[b c]"])
def test_a_key_path_with_no_likely_meaning_says_what_the_spellings_are(typed: str) -> None:
    with pytest.raises(KeyPathError, match=r'; key paths are written a\.b\.0 or \["a"\]\["b"\]\[0\]$'):
        parse_keypath(typed)


@pytest.mark.parametrize(("typed", "meant"), [
    ("database.pasword", "database.password"),        # a typo
    ("Database.password", "database.password"),
    ("database/password", "database.password"),       # a path in another tool's spelling
    ("hosts.0.nmae", "hosts.0.name"),
    ("api-key", "api_key"),
])
def test_a_key_that_is_not_there_names_the_near_one(typed: str, meant: str) -> None:
    from sealfile.model.paths import resolve

    tree = {"database": {"password": "x", "user": "u"}, "hosts": [{"name": "a"}], "api_key": "k"}
    with pytest.raises(KeyPathError) as caught:
        resolve(tree, typed)
    assert str(caught.value) == f"{typed}: no such key; did you mean {meant}?"


def test_a_key_far_from_every_key_is_just_not_there() -> None:
    from sealfile.model.paths import resolve

    with pytest.raises(KeyPathError) as caught:
        resolve({"database": {"password": "x"}}, "database.token")
    assert str(caught.value) == "database.token: no such key"


@pytest.mark.parametrize("typed", ["db.cafe\u0301.pw", 'db["cafe\u0301"].pw', 'db["caf\u00e9 "].pw',
                                   'db["caf\u200b\u00e9"].pw'])
def test_a_key_typed_in_other_characters_is_named_and_never_added_twice(typed: str) -> None:
    """``café`` typed as ``e`` and a combining accent (as macOS and some keyboards give it), with a space after it
    or a zero-width space pasted in, is another key to YAML: ``set`` added a second key that looks the same,
    which the application, reading the file's, never saw."""
    from sealfile.model.path_place import place
    from sealfile.model.paths import parse_keypath, resolve

    tree = {"db": {"caf\u00e9": {"pw": "old"}}}
    for look_up in (lambda: resolve(tree, typed), lambda: place(tree, typed, dict)):
        with pytest.raises(KeyPathError) as caught:
            look_up()
        assert caught.value.message == ("no such key; the file's key that looks the same is spelled "
                                     'db["caf\\u00e9"].pw (other characters: spaces around it, invisible ones, or '
                                     "an accent written as a letter and a combining accent)")
    assert tree == {"db": {"caf\u00e9": {"pw": "old"}}}
    assert resolve(tree, 'db["caf\\u00e9"].pw') == ("db", "caf\u00e9", "pw")  # the spelling the error gives
    assert parse_keypath('db["caf\\u00e9"].pw')[1].value == "caf\u00e9"
