"""JSON and dotenv texts as people write them, with the spellings YAML reads otherwise or refuses.

Any spacing, tabs, CRLF, a byte-order mark, escapes (``\\/``, ``\\u`` for any character, a surrogate pair for one
outside the BMP, NUL), number spellings (``-0``, ``1E+2``, integers beyond 64 bits, floats written long), and
strings holding YAML's indicators (``&a``, ``*a``, ``!t``, ``#``, ``%``, ``---``). A JSON or dotenv text is never
read as YAML: a helper that does (the merge driver once scanned JSON for anchors) meets these first. Shared by
the layout property (tests/stores/test_json_dotenv_layout.py) and the readers-agree property."""

from __future__ import annotations

import io
import json

from dotenv.parser import parse_stream
from hypothesis import strategies as st

space = st.sampled_from(["", " ", "  ", "\n", "\n  ", "\n\t", "\r\n    ", " \n ", "\t"])

YAML_INDICATORS = ["&a", "*a", "!t", "!!str", "# c", "a #b", "%YAML 1.2", "---", "...", "a: b", "- x", "? x", "|",
                   ">", "@x", "`x", "{a: 1}", "[1]", "~", "null", "yes", "0x1F", ".inf", "2001-12-14", "&a x *a"]
"""Strings a YAML reader takes for an anchor, alias, tag, comment, directive, marker or another type."""


def _escaped(char: str) -> str:
    """``char`` as a ``\\u`` escape: a surrogate pair outside the BMP (which YAML's escapes cannot spell)."""
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _spell_string(text: str, ascii_only: bool, escaped_slash: bool, all_escaped: bool) -> str:
    if all_escaped:
        return '"' + "".join(_escaped(char) for char in text) + '"'
    spelled = json.dumps(text, ensure_ascii=ascii_only)
    return spelled.replace("/", "\\/") if escaped_slash else spelled


_texts = st.one_of(st.text(max_size=10), st.sampled_from([*YAML_INDICATORS, "a/b", "\x00", "\U0001f511", "\u2028",
                                                          "\ufeff", "\x85"]))
strings = st.builds(_spell_string, _texts, st.booleans(), st.booleans(), st.booleans())
numbers = st.one_of(
    st.sampled_from(["0", "-0", "1", "-12", "1.0", "1.50", "1e3", "1E+2", "2.5e-3", "0.1000", "1.0e308", "-0.0",
                     "12345678901234567890123", "0.30000000000000004", "-9223372036854775809", "5E-1", "0e0",
                     "1.5e-400", "4.9e-324"]),
    st.integers().map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
)
scalars = st.one_of(strings, numbers, st.sampled_from(["true", "false", "null"]))
keys = st.one_of(st.text(max_size=6), st.sampled_from(YAML_INDICATORS))


def _array(items: list[tuple[str, str, str]], inner: str) -> str:
    if not items:
        return "[" + inner + "]"
    return "[" + "".join(f"{before}{item}{after}" + ("," if i < len(items) - 1 else "")
                         for i, (before, item, after) in enumerate(items)) + "]"


def _object(members: list[tuple[str, str, str, str, str, str, str]], inner: str) -> str:
    if not members:
        return "{" + inner + "}"
    written = [f"{before}{_spell_string(name, ascii_only, False, False)}{colon_before}:{colon_after}{value}{after}"
               for name, ascii_only, before, colon_before, colon_after, value, after in members]
    return "{" + ",".join(written) + "}"


def _members(children: st.SearchStrategy[str]) -> st.SearchStrategy[list[tuple[str, bool, str, str, str, str, str]]]:
    return st.lists(st.tuples(keys, st.booleans(), space, st.sampled_from(["", " "]),
                              st.sampled_from(["", " ", "\t"]), children, space),
                    max_size=4, unique_by=lambda member: member[0])


values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.builds(_array, st.lists(st.tuples(space, children, space), max_size=4), space),
        st.builds(_object, _members(children), space),
    ),
    max_leaves=12,
)
json_documents = st.builds(
    lambda members, inner, before, after: before + _object(members, inner) + after,
    _members(values).filter(lambda ms: all(m[0] != "sealfile" for m in ms)),
    space, st.sampled_from(["", "\n", " \n", "\ufeff", "\ufeff\n"]), st.sampled_from(["", "\n", "\r\n", "\n\n"]),
)
"""JSON texts of one object (a ``sealfile`` key left out: it is the metadata's)."""


names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True).filter(lambda n: not n.startswith("sealfile"))
bare = st.one_of(st.from_regex(r"[A-Za-z0-9_./:@+,=-]{0,8}( [A-Za-z0-9]{1,3})?", fullmatch=True),
                 st.sampled_from([v for v in YAML_INDICATORS if "#" not in v]))
single = st.from_regex(r"'[^'\\\r\n]{0,8}'", fullmatch=True)
double = st.builds(lambda parts: '"' + "".join(parts) + '"', st.lists(
    st.sampled_from(["a", " ", "\\n", "\\t", '\\"', "\\\\", "\n", "é", "#", "$x", "&a", "*a", "!t", "%"]), max_size=5))
dotenv_values = st.one_of(bare, single, double)
names_in_lines = st.one_of(names, names.map(lambda name: "\ufeff" + name))
"""A byte-order mark starting a line after the first is part of the name python-dotenv reads."""
line_ends = st.sampled_from(["\n", "\n", "\r\n"])


@st.composite
def dotenv_lines(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["value", "value", "value", "comment", "blank", "empty"]))
    end = draw(line_ends)
    if kind == "comment":
        return "# " + draw(st.text(alphabet="abc #=&*!%", max_size=6)) + end
    if kind == "blank":
        return draw(st.sampled_from(["", " ", "\t"])) + end
    name = draw(names_in_lines)
    if kind == "empty":
        return name + "=" + end
    lead = draw(st.sampled_from(["", "", "export ", " "]))
    before, after = draw(st.sampled_from(["", " "])), draw(st.sampled_from(["", " ", "  "]))
    comment = draw(st.sampled_from(["", "", " # note", "  #n", " # &a *a"]))
    return f"{lead}{name}{before}={after}{draw(dotenv_values)}{comment}" + end


dotenv_documents = st.builds(
    lambda bom, lines, final: bom + ("".join(lines) if final else "".join(lines).rstrip("\r\n")),
    st.sampled_from(["", "", "\ufeff"]), st.lists(dotenv_lines(), min_size=1, max_size=8), st.booleans())


def dotenv_reading(text: str) -> dict[str, str] | None:
    """What python-dotenv reads (``None`` for a text it refuses, with a name twice, or with a name
    without a value, which sealfile refuses)."""
    read: dict[str, str] = {}
    for binding in parse_stream(io.StringIO(text)):
        if binding.error or binding.key in read or (binding.key is not None and binding.value is None):
            return None
        if binding.key is not None:
            read[binding.key] = binding.value or ""
    return read
