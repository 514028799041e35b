"""Sealing and opening a YAML file by editing the user's text in place (docs/format.md §1, §5).

A sealed file is the user's text with each encrypted scalar's source span replaced by its token;
opening puts back exactly that span. So everything the user wrote (comments, blank lines,
indentation, flow spacing, quoting, line endings) survives by construction, and a change to one
value rewrites that value's span only.

The span of a scalar is its node's ``[start, end)``: anchors, tags and quotes included, and for
a block scalar the header, every content line and the trailing blank lines. Its text is the
value's **spelling**, recorded in the token (with the indentation and flow context it was
written in) whenever it differs from how sealfile would write the value itself. Where a span is
empty (a bare ``key:``) the token goes after one space; where it ends with a line break (a block
scalar) the token is followed by that line break; where it starts right after its key's ``:`` (a
block scalar's header under its key) the token goes after one space too. Opening removes exactly
what sealing inserted.
"""

from __future__ import annotations

from sealfile.errors import KeyPathError
from sealfile.model.lazy_pattern import compiled_when_used
from sealfile.model.lines import line_number, line_start
from sealfile.model.paths import format_keypath
from sealfile.model.scalars import Styled, layout_record, recorded_layout
from sealfile.stores.yaml import scalars as yaml_scalars
from sealfile.stores.yaml.scan import Leaf
from sealfile.stores.yaml.spans import before_blank_lines, line_break_from, next_line

Edit = tuple[int, int, str]
"""Replace ``text[start:end]`` with the string."""
_AFTER_COLON = " \t\r\n"
"""A span that starts with one of these starts right after its key's ``:`` (:mod:`sealfile.stores.yaml.spans`)."""


def apply_edits(text: str, edits: list[Edit]) -> str:
    pieces: list[str] = []
    position = 0
    for start, end, replacement in sorted(edits, key=lambda edit: (edit[0], edit[1])):
        pieces += (text[position:start], replacement)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def line_break_at_end(text: str) -> str:
    """The line break ``text`` ends with: LF, CRLF, or a CR alone (YAML breaks lines at each), or ``""``."""
    if text.endswith("\r\n"):
        return "\r\n"
    return text[-1] if text.endswith(("\n", "\r")) else ""


def token_text(token: str, flow: bool) -> str:
    """A token as a scalar: plain in block context, double-quoted in flow context (``[]`` are indicators)."""
    return f'"{token}"' if flow else token


def sealed_end(text: str, leaf: Leaf) -> int:
    """Where ``leaf``'s token ends: its span's end, but a block scalar's before the blank lines libyaml counts
    in after its last content line. They are not its value, so they stay lines of the text: a value that
    keeps its spelling keeps its token whatever comes to follow it. Not ``|+``'s (they are its text), nor a
    line of more spaces than its text's indentation: it is text."""
    if leaf.style not in ("|", ">"):  # a plain or quoted leaf's node is not read: the fast scan builds it when asked
        return leaf.end
    return before_blank_lines(text, leaf.node_start(), leaf.end, leaf.indent)


def seal_edit(text: str, leaf: Leaf, token: str, end: int | None = None) -> Edit:
    """The edit that puts ``token`` where ``leaf``'s value is written (up to ``end``, if not :func:`sealed_end`)."""
    start, end = leaf.start, sealed_end(text, leaf) if end is None else end
    written = text[start:end]
    prefix = " " if start == end or written[0] in _AFTER_COLON else ""
    # libyaml reads a '#' right after a quoted value as a comment, after a plain one as more of it
    quoted = leaf.flow or text.startswith("#", end)
    return start, end, prefix + token_text(token, quoted) + line_break_at_end(written)


def layout_of(text: str, leaf: Leaf, style: str | None) -> bytes:
    """What the token must record to give back ``leaf``'s exact spelling (its value in ``style``):
    nothing when sealfile would write the value that way anyway, else the context (indentation,
    flow) and the spelling."""
    written = text[leaf.start:sealed_end(text, leaf)]
    if "\n" not in written and yaml_scalars.inline(leaf.value, style, flow=leaf.flow) == written:
        return b""
    return layout_record(written, leaf.indent, leaf.flow)


def recorded_spelling(layout: bytes, leaf: Leaf) -> str | None:
    """The recorded spelling, if the token still sits in the context it was written for."""
    record = recorded_layout(layout)
    if record is None or record[0] != leaf.indent or record[1] != leaf.flow:
        return None
    return record[2]


def restore_edit(text: str, leaf: Leaf, written: str) -> Edit:
    """The edit that puts back a recorded spelling where ``leaf``'s token is (the inverse of :func:`seal_edit`)."""
    start, end = leaf.start, leaf.end
    if (written == "" or written[0] in _AFTER_COLON) and start > 0 and text[start - 1] == " ":
        start -= 1
    after = line_break_at_end(written)
    if after and text.startswith(after, end):
        end += len(after)
    return start, end, written


TokenSpan = tuple[int, int, "tuple[int, int] | None"]
"""Where a token sits: its span, and for a token alone in a literal or folded block (sealfile 0.1 wrote those)
the end of the block's indicator (``|-``, ``>-``) and the start of what follows the token's line."""


_block_header = compiled_when_used(r"[|>][-+0-9]*")


def _token_span(text: str, leaf: Leaf) -> TokenSpan | None:
    if leaf.style not in ("|", ">"):  # plain or quoted: the leaf's own span (a token is never empty)
        return leaf.start, leaf.end, None
    node = leaf.node
    start, end = int(node.start_mark.index), int(node.end_mark.index)
    header = _block_header().match(text, start)
    header_break = line_break_from(text, start, end)  # LF, CRLF or a CR alone: YAML breaks lines at each
    if header is None or header_break is None:
        return None
    value = node.value.strip()
    token_start = text.find(value, header_break.start(), end)
    if token_start < 0 or text[header_break.start():token_start].strip() or text[token_start + len(value):end].strip():
        return None
    token_break = line_break_from(text, token_start, end)
    return start, end, (header.end(), end if token_break is None else token_break.end())


def render_edit(text: str, leaf: Leaf, scalar: Styled, mapping_indent: int | None,
                cut: tuple[int, int] = (0, 0), *, tabs: bool = True, newline: str = "\n") -> Edit | None:
    """The edit that writes ``scalar`` afresh where ``leaf``'s token is (no spelling recorded, or the
    token was moved); ``None`` when sealfile cannot write it there with certainty. ``cut``: the span
    the opened text leaves out (the metadata block); ``tabs``: whether the text holds a tab at all;
    ``newline``: the text's line break (:func:`~sealfile.stores.base.line_break`), which new lines end in."""
    value, style = scalar.value, scalar.style
    span = _token_span(text, leaf)
    if span is None:
        return None
    if tabs and span[2] is None and plain_only_at(text, leaf):
        plain = yaml_scalars.plain_only(value, leaf.column(), newline)
        return None if plain is None else (leaf.start, leaf.end, plain)
    if style == "|" and isinstance(value, str):
        return None if mapping_indent is None else _block_edit(text, leaf, span, value, (mapping_indent, newline), cut)
    rendered = yaml_scalars.inline(value, style, flow=leaf.flow)
    if rendered is None:
        return None
    start = span[0]
    if rendered == "" and start > 0 and text[start - 1] == " ":  # "key:" as ruamel writes a bare null
        return start - 1, span[1], ""
    return one_line_edit(text, leaf, rendered)


def one_line_edit(text: str, leaf: Leaf, rendered: str) -> Edit:
    """The edit that writes ``rendered`` (a value on one line) where ``leaf``'s token is. A token alone
    in a block keeps the header line's comment and the lines after the token's line; one of another
    block spelling keeps at least the line break that ends the block, which the next line needs."""
    span = _token_span(text, leaf)
    if span is None:
        start, end = leaf.start, leaf.end
        written = text[start:end]
        return start, end, rendered + written[len(written.rstrip("\r\n")):] if leaf.style in ("|", ">") else rendered
    start, end, block = span
    if block is not None:
        header_end, after = block
        return start, end, rendered + text[header_end:next_line(text, header_end)] + text[after:end]
    return start, end, rendered


def plain_only_at(text: str, leaf: Leaf) -> bool:
    """Whether only a plain scalar may stand where ``leaf`` is: in block context, before blank or
    comment lines one of which has a tab before its text (libyaml reads them as a plain scalar's
    trailing space and refuses a tab there after any other token)."""
    return not leaf.flow and _tab_line_after(text, leaf.end) is not None


def _tab_line_after(text: str, end: int) -> int | None:
    """Where the first blank or comment line after the line of ``end`` with a tab before its text starts."""
    rest = _rest_of_line().match(text, end)
    if rest is None:
        return None
    tab = _tab_indented().search(_quiet_lines(text, rest.end()))
    return None if tab is None else rest.end() + tab.start()


def refuse_unfit(text: str, leaf: Leaf, value: object) -> None:
    """Refuse a new value that cannot be written where ``leaf`` is (naming the line with the tab)."""
    tab_line = None if leaf.flow else _tab_line_after(text, leaf.end)
    if tab_line is not None and yaml_scalars.plain_only(value, leaf.column(), "\n") is None:
        raise KeyPathError(f"line {line_number(text, tab_line)}, after this value, has a tab before "
                           "its text, so only a plain scalar may stand here, and the new value has none (empty, a "
                           "space or line break at an end, an indicator first like '%' or '- ', or ': ' or ' #' "
                           "inside); remove the tab from that line", keypath=format_keypath(leaf.path))


def past_tab_blank_lines(text: str, position: int) -> int:
    """Past the blank and comment lines from ``position`` (a line start) if one has a tab before its
    text, else ``position``: libyaml reads them as the trailing space of the plain scalar before them
    and refuses them after anything else, so what is written or removed there takes them along."""
    found = _quiet_lines(text, position)
    return position + len(found) if _tab_indented().search(found) else position


def blank_lines_follow(text: str, leaf: Leaf, layout: bytes, style: str | None) -> bool:
    """Whether a new value in ``style`` for ``leaf`` must be written by an edit of the opened text, not as a
    token written afresh where the old one is: blank lines follow the block it is written as, which it must
    end before, or the old token's recorded spelling ends in them (a file sealed when tokens took them in)."""
    record = recorded_layout(layout)
    if record is not None and before_blank_lines(record[2], 0, len(record[2])) < len(record[2]):
        return True
    return style in ("|", ">") and _blank_line_after().match(text, leaf.end) is not None


def _quiet_lines(text: str, position: int) -> str:
    found = _quiet_lines_pattern().match(text, position)
    return found.group() if found else ""


_rest_of_line = compiled_when_used(r"[ \t]*(?:\r\n?|\n)")
_blank_line_after = compiled_when_used(r"[^\r\n]*(?>\r\n?|\n) *(?:\r\n?|\n)")  # as sealed_end leaves out: no tab
_quiet_lines_pattern = compiled_when_used(r"(?:[ \t]*(?:#[^\r\n]*)?(?:\r\n?|\n))*+(?:[ \t]+(?:#[^\r\n]*)?\Z)?")
"""Blank and comment-only lines (the last one may lack its line break)."""


_tab_indented = compiled_when_used(r"(?:\A|(?<=[\r\n])) *\t")  # a line's start: after a LF or a CR alone


def _block_edit(text: str, leaf: Leaf, span: TokenSpan, value: str, layout: tuple[int, str],
                cut: tuple[int, int]) -> Edit | None:
    """``key: |`` and the content lines, at the indentation the file uses there (``layout``: a mapping's
    indentation and the text's line break, which the new lines end in)."""
    if leaf.flow:
        return None
    span_start, span_end, token_block = span
    if token_block is not None:
        header_end, after = token_block
        token_start = text.index(leaf.node.value.strip(), header_end)
        indent = token_start - line_start(text, token_start)
        rest_start, rest_end, tail, end = header_end, next_line(text, header_end), text[after:span_end], span_end
    else:
        key_column = leaf.key_column()  # the line scan's leaves answer without ruamel's nodes (a hot ``set``'s check)
        if key_column == -1:  # the key on an earlier line
            return None
        indent = leaf.column() if key_column is None else key_column + layout[0]
        line_break = line_break_from(text, span_end)
        if line_break is None:
            return None
        rest_start, rest_end, tail = span_end, line_break.end(), ""
        end = rest_end
    block = yaml_scalars.literal_block(value, indent)
    rest = text[rest_start:rest_end]  # spaces, maybe a comment, the line break
    if block is None or (rest.strip() and not rest.strip().startswith("#")):
        return None
    if not _block_ends_at(text, cut[1] if end == cut[0] else end, indent):
        return None
    header, lines = block
    return span_start, end, header + rest + "".join(line + layout[1] for line in lines) + tail


def _block_ends_at(text: str, position: int, indent: int) -> bool:
    """Whether a block scalar with its text at column ``indent`` ends at ``position``: the text ends,
    or the next line has text left of that column (a blank line, or a comment further right, would
    become part of the value)."""
    line_break = line_break_from(text, position)
    line = text[position:len(text) if line_break is None else line_break.start()]
    content = line.lstrip(" ")
    return position >= len(text) or (content != "" and content[0] != "\t" and len(line) - len(content) < indent)


def replace_token_edit(text: str, leaf: Leaf, token: str) -> Edit:
    """A new token where an old one is, keeping the old one's quoting."""
    start, end = leaf.start, leaf.end
    if leaf.style in ('"', "'"):
        return start + 1, end - 1, token
    span = _token_span(text, leaf) if leaf.style else None
    if span is not None and span[2] is not None:  # alone in a block (sealfile 0.1): its line, the block kept
        old = leaf.node.value.strip()
        token_start = text.index(old, span[2][0])
        return token_start, token_start + len(old), token
    if leaf.style:
        raise KeyPathError("this value is written in a way sealfile cannot change in place; use 'sealfile edit'",
                           keypath=format_keypath(leaf.path))
    return start, end, token_text(token, False) if not leaf.flow else token_text(token, True)
