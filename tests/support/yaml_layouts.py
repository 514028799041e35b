"""Generated YAML texts in every layout a person writes (the generator the layout and edit properties share).

It writes text, not data: block and flow collections, every scalar style (plain words that mean other
types, single- and double-quoted with escapes, literal and folded blocks with chomping and explicit
indentation), comments on their own lines (at any column) and after values, blank lines, trailing spaces,
mixed indentation widths, compact and indented sequences, multi-document streams with or without a leading
``---``, CRLF and lone-CR line breaks and no final line break.
"""

from __future__ import annotations

import json

from hypothesis import strategies as st

WORDS = ["main", "db", "x", "hunter2", "s3cr3t-v4lue", "a.b", "v1", "p@ss", "user_name", "ünï", "yes", "on", "No",
         "0o12", "12:30", "1e3", "0x1F", "~", "null", "TRUE", "-1", "+.5", "2024-01-01", "0123", ".inf", "a b c"]
KEYS = ["a", "db", "password", "host_unencrypted", "token", "list", "1", "true", "with space", "k.dot", "ü"]
COMMENTS = ["# note", "#", "# - not: yaml", "#: odd", "# ENC[not a token]"]
WORD = st.sampled_from(WORDS)


@st.composite
def single_quoted(draw: st.DrawFn) -> str:
    return "'" + draw(WORD).replace("'", "''") + draw(st.sampled_from(["", " it''s", " \" q"])) + "'"


@st.composite
def double_quoted(draw: st.DrawFn) -> str:
    escape = draw(st.sampled_from(["", "\\t", "\\n", "\\u00e9", "\\\"", "\\\\", "\\x41", " #x"]))
    return '"' + draw(WORD) + escape + '"'


INLINE = st.one_of(WORD, single_quoted(), double_quoted(),
                   st.sampled_from(["", "''", '""', "42", "-7", "3.25", "false", "!!str 12", "&anchor v"]))


@st.composite
def flow(draw: st.DrawFn, depth: int = 0) -> str:
    pad = draw(st.sampled_from(["", " "]))
    items = draw(st.lists(INLINE.filter(bool) if depth else st.one_of(INLINE.filter(bool), flow(depth=1)),
                          max_size=3))
    if draw(st.booleans()):
        keys = draw(st.lists(st.sampled_from(KEYS[:6]), min_size=len(items), max_size=len(items), unique=True))
        body = ", ".join(f"{key}: {item}" for key, item in zip(keys, items, strict=True))
        return "{" + pad + body + pad + "}"
    return "[" + pad + (", " if not pad else " , ").join(items) + pad + "]"


def block_scalar(draw: st.DrawFn, indent: int) -> list[str]:
    header = draw(st.sampled_from(["|", "|-", "|+", ">", ">-", "|2"]))
    extra = 2 if header == "|2" else draw(st.integers(min_value=1, max_value=3))
    # the first content line fixes the block's indentation: a word at the block's own column
    lines = [draw(WORD), *draw(st.lists(st.one_of(WORD, st.just(""), st.sampled_from(["  more", "x: y", "# kept"])),
                                        max_size=3))]
    comment = draw(st.sampled_from(["", "  # on the header"]))
    return [header + comment] + [(" " * (indent + extra) + line) if line else "" for line in lines]


class Writer:
    """Collects lines of one document, drawing layout choices as it goes."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.lines: list[str] = []
        self.unit = draw(st.integers(min_value=1, max_value=4))

    def noise(self, indent: int) -> None:
        """Maybe a blank line or a comment line at some column."""
        kind = self.draw(st.integers(min_value=0, max_value=4))
        if kind == 1:
            self.lines.append("")
        elif kind == 2:
            self.lines.append(" " * self.draw(st.integers(min_value=0, max_value=indent + 2)) +
                              self.draw(st.sampled_from(COMMENTS)))

    def end(self) -> str:
        """What may follow an inline value on its line."""
        return self.draw(st.sampled_from(["", "", "  " + COMMENTS[0], " ", "\t# tab"]))

    def mapping(self, indent: int, depth: int) -> None:
        keys = self.draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=4, unique=True))
        for key in keys:
            self.noise(indent)
            self.entry(" " * indent + self.draw(st.sampled_from([key, json.dumps(key)])) + ":", indent, depth)

    def sequence(self, indent: int, depth: int) -> None:
        for _ in range(self.draw(st.integers(min_value=1, max_value=3))):
            self.noise(indent)
            self.entry(" " * indent + "-", indent, depth, in_sequence=True)

    def entry(self, lead: str, indent: int, depth: int, in_sequence: bool = False) -> None:
        kind = self.draw(st.sampled_from(["inline", "inline", "flow", "block", "map", "seq"] if depth < 3
                                         else ["inline", "flow"]))
        if kind == "inline":
            value = self.draw(INLINE)
            self.lines.append(lead + (" " + value if value else "") + self.end())
        elif kind == "flow":
            self.lines.append(lead + " " + self.draw(flow()) + self.end())
        elif kind == "block":
            first, *rest = block_scalar(self.draw, indent)
            self.lines += [lead + " " + first, *rest]
        elif kind == "map" and in_sequence and self.draw(st.booleans()):
            inner = indent + 2  # "- key: value" with the mapping on the dash's line
            before = len(self.lines)
            self.mapping(inner, depth + 1)
            first = next(i for i in range(before, len(self.lines)) if self.lines[i].startswith(" " * inner)
                         and self.lines[i][inner:inner + 1] not in ("", " ", "#"))
            self.lines[first] = lead + " " + self.lines[first][inner:]
            del self.lines[before:first]
        else:
            self.lines.append(lead + self.end())
            compact = kind == "seq" and not in_sequence and self.draw(st.booleans())
            inner = indent if compact else indent + self.unit
            (self.mapping if kind == "map" else self.sequence)(inner, depth + 1)


@st.composite
def yaml_texts(draw: st.DrawFn) -> str:
    documents = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        writer = Writer(draw)
        writer.mapping(0, 0)
        writer.noise(0)
        documents.append("\n".join(writer.lines) + "\n")
    lead = "---\n" if draw(st.booleans()) else ""
    text = lead + "".join(("---" + draw(st.sampled_from(["", " # next"])) + "\n" if index else "") + document
                          for index, document in enumerate(documents))
    if draw(st.booleans()):
        text = text.rstrip("\n")
    return text.replace("\n", draw(st.sampled_from(["\n", "\r\n", "\r"])))  # YAML breaks lines at a CR alone too
