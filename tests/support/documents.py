"""Random plaintexts of every syntax for the readers-agree property: YAML with every scalar type and tag (an
application's own tags too: ``!Ref x``), anchors and aliases, comments, flow and block styles (on top of
:mod:`tests.support.yaml_layouts`), JSON and dotenv (also as :mod:`tests.support.json_dotenv_texts` spells them)."""

from __future__ import annotations

import json

from hypothesis import strategies as st

from tests.support.json_dotenv_texts import dotenv_documents, json_documents
from tests.support.yaml_layouts import yaml_texts

# Spellings of every YAML 1.2 core type, and look-alikes that are strings in 1.2 but not in 1.1.
SCALARS = [
    "0", "-0", "+12", "0x1F", "0o17", "017", "1_000", "12345678901234567890", "-9007199254740993",
    "1.5", "-0.0", "1e3", "1.0e+3", ".5", "+.5", ".inf", "-.Inf", ".NaN", "6.8523015e+5",
    "true", "True", "TRUE", "false", "yes", "no", "on", "Off", "y", "n",
    "null", "~", "Null", "NULL", "",
    "2024-01-01", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "2024-02-30", "12:30", "12:30:45",
    "'quoted 1'", '"double\\ttab"', '"\\u00e9t\\u00e9"', "'it''s'", '"a\\nb"', '"#not"', "plain text", "a: b'",
    "!!str 12", "!!str true", "!!str", "!!int 7", "!!int \"8\"", "!!float 1", "!!bool true", "!!null ''",
    "!!binary aGVsbG8=", "!!timestamp 2024-01-01", "! 12", "!!str 2024-01-01", "ENC_not_a_token", "ünïcode",
    "x #not a comment?", "-", "--", "- x", "?", "%x", "@x", "`x", "[1, 2]", "{a: 1}", "[]", "{}",
]
KEYS = ["a", "b", "db", "password", "api_key", "host_unencrypted", "1", "true", "null", "1.5", "with space",
        "k.dot", "ü", "a-b", "A", "x_y", "~", "2024-01-01", "'0x1F'", '"q"']
ANCHOR_NAMES = ["a1", "base", "x"]
APP_TAGS = ["!Ref", "!Sub", "!secret", "!reference", "!env_var", "!GetAtt", "!<!verbatim>"]
"""Local tags, as CloudFormation, Home Assistant, GitLab CI and ESPHome files write them."""


@st.composite
def typed_yaml(draw: st.DrawFn, depth: int = 0) -> str:
    """A block mapping whose values are drawn from :data:`SCALARS`, nested block or flow collections,
    anchored values and aliases to them, with comments; the text may be one a reader refuses."""
    lines: list[str] = []
    anchors: list[str] = []
    keys = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=5, unique=True))
    for key in keys:
        lines.extend(draw(st.sampled_from([[], [], ["# a comment"], [""]])))
        kind = draw(st.sampled_from(["scalar"] * 4 + ["anchored", "alias", "map", "list", "flow", "block",
                                                      "tagged"]))
        if kind == "alias" and not anchors:
            kind = "scalar"
        comment = draw(st.sampled_from(["", "", "  # c"]))
        if kind == "scalar":
            lines.append(f"{key}: {draw(st.sampled_from(SCALARS))}".rstrip() + comment)
        elif kind == "tagged":
            lines += draw(_tagged(key, depth)).splitlines()
        elif kind == "anchored":
            name = draw(st.sampled_from([n for n in ANCHOR_NAMES if n not in anchors] or ["z"]))
            anchors.append(name)
            lines.append(f"{key}: &{name} {draw(st.sampled_from(SCALARS))}".rstrip() + comment)
        elif kind == "alias":
            lines.append(f"{key}: *{draw(st.sampled_from(anchors))}" + comment)
        elif kind == "flow":
            items = draw(st.lists(st.sampled_from([s for s in SCALARS if s and s[0] not in "!-?%@`[{" and ":" not in s
                                                    and "#" not in s]), max_size=3))
            lines.append(f"{key}: [{', '.join(items)}]" + comment)
        elif kind == "block":
            header = draw(st.sampled_from(["|", "|-", "|+", ">", ">-"]))
            lines += [f"{key}: {header}", "  line one", "  " + draw(st.sampled_from(SCALARS[:20])), ""]
        elif kind == "map" and depth < 2:
            inner = draw(typed_yaml(depth + 1))
            lines += [f"{key}:" + comment, *("  " + line if line else "" for line in inner.splitlines())]
        else:
            lines.append(f"{key}:" + comment)
            for _ in range(draw(st.integers(min_value=1, max_value=3))):
                lines.append(f"  - {draw(st.sampled_from([s for s in SCALARS if s]))}")
    return "\n".join(lines) + "\n"


@st.composite
def _tagged(draw: st.DrawFn, key: str, depth: int) -> str:
    """``key`` with a value tagged with an application's tag: a scalar, a flow or block collection, a block
    scalar, tagged values inside a tagged collection, an anchored tagged value and its alias."""
    tag = draw(st.sampled_from(APP_TAGS))
    inner = [s for s in SCALARS if s and s[0] not in "!-?%@`[{" and ":" not in s and "#" not in s]
    form = draw(st.sampled_from(["scalar", "scalar", "flow", "nested", "map", "list", "block", "anchored"]))
    if form == "scalar":
        return f"{key}: {tag} {draw(st.sampled_from(SCALARS))}"
    if form == "flow":
        return f"{key}: {tag} [{', '.join(draw(st.lists(st.sampled_from(inner), max_size=3)))}]"
    if form == "nested":
        return f"{key}: {tag} [{draw(st.sampled_from(inner))}, {draw(st.sampled_from(APP_TAGS))} x.y]"
    if form == "map" and depth < 2:
        return f"{key}: {tag}\n" + "\n".join("  " + line for line in draw(typed_yaml(depth + 1)).splitlines())
    if form == "block":
        return f"{key}: {tag} {draw(st.sampled_from(['|', '>-']))}\n  line one\n  line two"
    if form == "anchored":
        return f"{key}: &t {tag} {draw(st.sampled_from(inner))}\n{key}_alias: *t"
    return f"{key}: {tag}\n" + "\n".join(f"  - {draw(st.sampled_from(inner))}" for _ in range(2))


@st.composite
def tagged_yaml(draw: st.DrawFn) -> str:
    """A :func:`typed_yaml` text after a value tagged with an application's tag (and maybe more inside it)."""
    key = draw(st.sampled_from(["stack", "wifi", "steps"]))
    return draw(_tagged(key, 0)) + "\n" + draw(typed_yaml())


JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                         st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(SCALARS),
                         st.text(max_size=6))


def json_texts() -> st.SearchStrategy[str]:
    trees = st.recursive(JSON_SCALARS, lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.sampled_from(KEYS), children, max_size=3)), max_leaves=8)
    return st.tuples(st.dictionaries(st.sampled_from(KEYS), trees, min_size=1, max_size=4),
                     st.sampled_from([None, 2, 4])).map(lambda pair: json.dumps(pair[0], indent=pair[1]) + "\n")


DOTENV_VALUES = ["plain", "'single quoted'", '"double \\n escaped"', '"multi\nline"', "with spaces  ", "# hash",
                 "a#b", "a #b", "'it'", '"$HOME"', "${X}", "=eq", "", "ü", "1", "true", "null", "`tick`"]


@st.composite
def dotenv_texts(draw: st.DrawFn) -> str:
    names = draw(st.lists(st.sampled_from(["A", "DB_PASSWORD", "api_key", "X1", "lower", "HOST_unencrypted"]),
                          min_size=1, max_size=5, unique=True))
    lines = []
    for name in names:
        lines.extend(draw(st.sampled_from([[], [], ["# comment"], [""]])))
        lead = draw(st.sampled_from(["", "", "export "]))
        lines.append(f"{lead}{name}={draw(st.sampled_from(DOTENV_VALUES))}")
    return "\n".join(lines) + "\n"


DOCUMENTS = st.one_of(
    st.tuples(st.just("yaml"), typed_yaml()),
    st.tuples(st.just("yaml"), yaml_texts()),
    st.tuples(st.just("yaml"), tagged_yaml()),
    st.tuples(st.just("json"), json_texts()),
    st.tuples(st.just("dotenv"), dotenv_texts()),
    st.tuples(st.just("json"), json_documents),  # spelled as people write JSON, and as YAML reads otherwise
    st.tuples(st.just("dotenv"), dotenv_documents),
)
"""``(syntax, plaintext)``."""
