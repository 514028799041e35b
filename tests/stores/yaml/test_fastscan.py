"""The line scan (stores/yaml/fastscan.py) reads what ruamel's parser reads, or leaves the text to it.

Every text the suite reads is also checked by ``SEALFILE_CHECK_FAST_SCAN`` (tests/conftest.py); these
tests aim at the subset's edges: what it must take, what it must leave, and random line layouts."""

from __future__ import annotations

import json

import pytest
from benchmarks.corpus import plaintext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sealfile.errors import FormatError
from sealfile.stores.yaml import fastscan, metablock, metalines
from sealfile.stores.yaml.scan import parsed as _parsed
from sealfile.stores.yaml.scan import scan
from sealfile.stores.yaml.scan_check import same_scan

METADATA = "sealfile:\n  version: 2\n  mac: abc\n"
TOKEN = "ENC[gAAAAABrEFWl8p2Ez7BBk_VG2nUKS9MtteJ9tjvN-gAAA==]"


def _line_scan(text: str) -> fastscan.FastScan | None:
    found = fastscan.fast_scan(text, _parsed)
    assert found is None or isinstance(found, fastscan.FastScan)
    return found


def _agrees(text: str) -> bool:
    """Whether the line scan took ``text``; when it did, ruamel must read it the same."""
    found = _line_scan(text)
    if found is not None:
        same_scan(found, _parsed(text))
    return found is not None


@pytest.mark.parametrize("text", [
    f"a: {TOKEN}\n{METADATA}",
    f"# head\n\na:\n  b: {TOKEN}  # note\n  c:\n    - {TOKEN}\n    - x_unencrypted\n{METADATA}",
    f"a:\n- {TOKEN}\n- {TOKEN}\nb: {TOKEN}\n{METADATA}",                   # a list at its key's column
    f"a:\n  - k: {TOKEN}\n    j: v\n  -   k: {TOKEN}\n      j: w\n{METADATA}",  # compact mappings in a list
    f"a:\n- k: {TOKEN}\n  j:\n  - x\nb: y\n{METADATA}",
    f"a: b#c\nd: e:f\ng: h ! i\n{METADATA}",                               # '#' and ':' inside a plain value
    f"a: {TOKEN}\n{METADATA}...\n",
    METADATA, "a: b\nsealfile: x\n",  # what the metadata holds is the metadata reader's to judge
    f"a: '{TOKEN}'\n{METADATA}", f'a: "x"\n{METADATA}', f"a: |\n  x\n{METADATA}", f"a: 1\n{METADATA}",
    f"a: true\n{METADATA}", f"a: null\n{METADATA}", f"a: ~\n{METADATA}", f"a: 1.5\n{METADATA}",
    "a: b\n", "a:\n  sealfile:\n    version: 2\n",                        # a plaintext: no metadata block
    "a: 'x''y'  # c\nb: \"q r\" #\nc: |-\n  one\n    two\n# after\nd:\n- -3\n- +0\n- FALSE\n- Null\n",
    "a:\n- k: |\n    x\n  j: y\n", "a:\n  - k: |\n      x\n      y\n    j: 1\n", "a:\n- k: |-\n   x\n- k: |\n   z\n",
    "a: |\n  # not a comment\n  x\n", "a: |\n  x\n # comment\nb: 1\n",
    f"{'k' * 1024}: b\n{METADATA}", f"a:\n- {'k' * 1024}: b\n{METADATA}",  # an implicit key at libyaml's limit
    # blank and comment lines, wherever they may stand: before a block, in it, in and after a block scalar
    "\n\n# c\n  \n#\na: 1\n", "a:\n\n  # c\n\n  b: 1\n\n", "a:\n\n- x\n  # c\n\n- y\n",
    "a: |\n  x\n# out\n\nb: 1\n",
    f"a: {TOKEN}\n\n# before the metadata\n\n{METADATA}",
])
def test_takes_the_block_yaml_sealfile_writes(text: str) -> None:
    assert _agrees(text)
    scanned = scan(text)
    assert isinstance(scanned, fastscan.FastScan)


@pytest.mark.parametrize("text", [
    f"a: >\n  x\n{METADATA}", f"a: |+\n  x\n{METADATA}", f"a: |2\n   x\n{METADATA}", f"a: | # c\n  x\n{METADATA}",
    f"a: |\n  x\n\n  y\n{METADATA}", f"a: |\n  x\n\nb: c\n{METADATA}", "a: |\n  x", f"- |\n  x\n{METADATA}",
    f"a: 'x\n  y'\n{METADATA}", f'a: "x\\ty"\n{METADATA}', f"a: 'x'y\n{METADATA}", f"a: 'x'#c\n{METADATA}",
    f"a: 0x1f\n{METADATA}", f"a: 1_000\n{METADATA}", f"a: 012\n{METADATA}", f"a: 1e5\n{METADATA}",
    f"a: .inf\n{METADATA}", f"a: 2001-01-01\n{METADATA}", f"a: =\n{METADATA}",
    f"a: [x]\n{METADATA}", f"a: {{b: c}}\n{METADATA}", f"a: &x y\nb: *x\n{METADATA}", f"a: !!str y\n{METADATA}",
    f"a:\nb: c\n{METADATA}", f"a:\n{METADATA}", f"a: b\n  c\n{METADATA}", f"a: b\na: c\n{METADATA}",
    f"a:\tb\n{METADATA}", f"a: b\r\n{METADATA}", f"a: é\n{METADATA}", f"a: b\x7f\n{METADATA}",
    f"a: b\x00\n{METADATA}", f"a: b\x0b\n{METADATA}", f"a: b\x1f\n{METADATA}", f"a: b\x09c\n{METADATA}",
    f"---\na: b\n{METADATA}", f"%YAML 1.2\n---\na: b\n{METADATA}", f"a: b\n---\n{METADATA}",
    f"- a\n{METADATA}", f"a:\n  - - b\n{METADATA}", f"a:\n  -\n    b: c\n{METADATA}", f"a: b: c\n{METADATA}",
    f"a: -b\n{METADATA}", f"true: b\n{METADATA}", f"'a': b\n{METADATA}", f"a : b\n{METADATA}",
    f"a:\n  b: c\n d: e\n{METADATA}", f"a: b\n{METADATA}c: d\n", f"a: b\n{METADATA}  x: *y\n",
    f"<<: b\n{METADATA}", f"a: b:\n{METADATA}", f"a: b # c\n  d\n{METADATA}",
    f"{'k' * 1025}: b\n{METADATA}", f"a:\n- {'k' * 1025}: b\n{METADATA}", f"a:\n  {'k' * 1025}:\n    b: c\n",
])
def test_leaves_everything_else_to_ruamel(text: str) -> None:
    assert _line_scan(text) is None
    try:
        reference = _parsed(text)
    except FormatError as err:
        with pytest.raises(FormatError) as caught:
            scan(text)
        assert str(caught.value) == str(err)
    else:
        assert scan(text).tree == reference.tree


def test_a_metadata_error_names_its_line_in_the_whole_text() -> None:
    text = f"a: {TOKEN}\nb: {TOKEN}\nsealfile:\n  version: 2\n  mac: [\n"
    assert _line_scan(text) is None
    with pytest.raises(FormatError, match="line 6"):
        scan(text)


def test_nodes_roots_and_containers_are_ruamel_s_when_asked_for() -> None:
    text = f"a:\n  b: {TOKEN}\n  c:\n  - {TOKEN}\n  - k: v\nd: e\n{METADATA}"
    fast, full = scan(text), _parsed(text)
    assert isinstance(fast, fastscan.FastScan)
    for mine, theirs in zip(fast.leaves, full.leaves, strict=True):
        assert (mine.node.start_mark.index, mine.node.end_mark.index) == (theirs.node.start_mark.index,
                                                                        theirs.node.end_mark.index)
        assert (mine.key_node is None) == (theirs.key_node is None)
        if mine.key_node is not None:
            assert mine.key_node.start_mark.index == theirs.key_node.start_mark.index
    assert sorted(fast.containers) == sorted(full.containers)
    assert [root.end_mark.index for root in fast.roots] == [root.end_mark.index for root in full.roots]
    assert fast.metadata_key_node.start_mark.line == full.metadata_key_node.start_mark.line == 6


def test_reads_sealed_benchmark_files_without_ruamel_nodes() -> None:
    text = plaintext(300).replace("'", "").replace('"', "")
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("-----", "certificate"))
                     and (len(line) - len(line.lstrip()) != 6 or line.lstrip().startswith("- ")))
    text = text.replace(": null", ": x").replace(": ~", ": y")
    typed = {"true", "false"}
    lines = [line if line.split(": ")[-1] not in typed and not line.split(": ")[-1][:1].isdigit()
             else line.split(": ")[0] + ": " + TOKEN for line in text.splitlines()]
    text = "\n".join(lines) + "\n" + METADATA
    assert _agrees(text)
    found = _line_scan(text)
    assert found is not None and found.nodes._full is None  # no ruamel node was made


_KEYS = st.sampled_from(["a", "b", "k_1", "x.y", "sealfile", "n", "ENC", "y", "e5", "a-b"] * 3
                        + ["true", "Null", "_1", "1", "0x1f"])
_PLAIN = [TOKEN, "v", "v w", "a#b", "x:y", "e-1", "ENC[x]", "a.b", "x{y}", "x!"] * 6
_EDGES = [TOKEN, "v", "v w", "a#b", "a #b", "a: b", "a:b", "a:", "1", "0x1", "-1", "-x", ".5", ".inf", "~", "null",
          "yes", "on", "=", "<<", "!x", "&a x", "*a", "'q'", "[x]", "{x}", "x ]", "x}", "@x", "%x", "? x", "?x", "# c",
          "", "|", ">-", "x\\", "é", "x  ", "x\t", "2001-01-01", "0o7", "+1", "1_0", "x,y", "x - y", "- x", "--- x",
          "...", "x...", "ENC[a b]", "'a''b'", "'a' # c", "'a'#c", '"q"', '"a b" #', '"a\\"b"', '"a" x', "'x", "+0",
          "-0.5", "1.", "1.0e3", "00", "TRUE", "True", "tRue", "Null", "NULL", "0", "-", "|", "|-", "|+", ">"]
_VALUES = st.sampled_from([*_PLAIN, *_EDGES])


@st.composite
def _blocks(draw: st.DrawFn, indent: int, width: int, depth: int) -> list[str]:
    """Block YAML lines of a mapping (or a list) at column ``indent``, with comments and blank lines."""
    lines: list[str] = []
    is_list = depth > 0 and draw(st.booleans())
    for number in range(draw(st.integers(1, 4))):
        pad = " " * indent
        if draw(st.integers(0, 5)) == 0:
            lines.append(pad[: draw(st.integers(0, indent))] + draw(st.sampled_from(["", "# c", "#", "  # x: y"])))
        gap = " " * draw(st.sampled_from([1, 1, 2]))
        if is_list:
            head = f"{pad}-{gap}"
            if depth < 4 and draw(st.booleans()):  # a compact mapping as the item
                inner = draw(_blocks(indent + 1 + len(gap), width, depth + 1))
                if inner and not inner[0].lstrip().startswith(("-", "#")) and inner[0].strip():
                    lines.append(head + inner[0].lstrip(" "))
                    lines.extend(inner[1:])
                    continue
            lines.append(head + draw(_VALUES))
            continue
        key = draw(_KEYS) + ("" if number == 0 else str(number))
        if depth < 4 and draw(st.integers(0, 2)) == 0:
            comment = draw(st.sampled_from(["", " # c", "  #c"]))
            lines.append(f"{pad}{key}:{comment}")
            child = indent + draw(st.sampled_from([width, width, 0]))
            lines.extend(draw(_blocks(child, width, depth + 1)))
        else:
            value = draw(_VALUES)
            lines.append(f"{pad}{key}:{gap}{value}{draw(st.sampled_from(['', '', ' # c', ' #', '  ']))}")
            if value in ("|", "|-", "|+", ">"):  # a block scalar's lines, mostly well indented
                body = indent + draw(st.sampled_from([width, width, 2, 1, 0]))
                for _ in range(draw(st.integers(0, 3))):
                    lines.append(" " * (body + draw(st.sampled_from([0, 0, 0, 2, -1]))) + draw(st.sampled_from(
                        ["line", "x: y", "# c", "", "- a", "ENC[x]", "'q'"])))
    return lines


@st.composite
def _line_layouts(draw: st.DrawFn) -> str:
    """A block text in or near the subset: well-formed layouts, then one or two lines moved, cut or changed."""
    lines = draw(_blocks(0, draw(st.sampled_from([1, 2, 2, 3, 4])), 0))
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        change = draw(st.sampled_from(["indent", "dedent", "drop", "copy", "key", "blank"]))
        line = lines[at]
        blank = draw(st.sampled_from(["", "  ", "# c", "   # c", "#"])) if change == "blank" else ""
        lines[at: at + 1] = {"indent": [" " + line], "dedent": [line[1:] if line.startswith(" ") else line],
                             "drop": [], "copy": [line, line], "key": [line.split(":")[0] + ":"],
                             "blank": [blank, line]}[change]
    if draw(st.integers(0, 4)):
        lines.append(METADATA.rstrip("\n"))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "\n", "", "\n\n"]))


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(_line_layouts())
def test_random_line_layouts_read_as_ruamel_reads_them(text: str) -> None:
    """Whatever the line scan takes, ruamel reads the same way (it never takes what ruamel refuses)."""
    _agrees(text)


_WRAPPED = "-----BEGIN AGE ENCRYPTED FILE-----\nYWdlLWVuY3J5cHRpb24ub3Jn\n-----END AGE ENCRYPTED FILE-----\n"


@pytest.mark.parametrize("block", [
    metablock.render({"version": 2, "recipients": [{"type": "age", "recipient": "age1x", "wrapped": _WRAPPED}],
                      "unencrypted_suffix": "_unencrypted", "mac": "XU+7LTH/x8a=", "signature": _WRAPPED}),
    metablock.render({"version": 2, "recipients": [{"type": "aws", "arn": "arn:aws:kms:eu-west-1:1:key/k",
                                                    "context": {"app": "x", "n": "12"}, "wrapped": "AQI=="}],
                      "encrypted_regex": "^(password|token)$", "mac": "0123=", "created": "2026-01-01"}),
    "sealfile:\n  version: 2\n  note: 'a b'\n  other: \"c d\"\n  text: |-\n    one\n      two\n  mac: m\n",
    "sealfile:\n  on: true\n  mac: 'it''s'\n",  # read as ruamel builds them: a boolean, one quote
])
def test_the_metadata_block_sealfile_writes_is_read_line_by_line(block: str) -> None:
    text = f"a: {TOKEN}\n{block}"
    found = _line_scan(text)
    assert found is not None and found.block_at == text.index("sealfile:")
    reference = _parsed(text)
    assert found.metadata == reference.metadata
    assert metablock.cut_edit(text, found) == metablock.cut_edit(text, reference)
    mapping = {**reference.metadata, "mac": "new"}
    assert metablock.replace_edit(text, found, mapping) == metablock.replace_edit(text, reference, mapping)
    same_scan(found, reference)  # the block's nodes, made when asked for, are where ruamel has them


@pytest.mark.parametrize("after", ["# final comment\n", "\n# one\n\n#two", "\n\n", "#\n", "# c\n\n", ""])
@pytest.mark.parametrize("last", ["  mac: m\n", "  mac: m", "  wrapped: |\n" + "".join(
    f"    {line}\n" for line in _WRAPPED.splitlines())])
def test_a_block_followed_by_comments_or_without_a_line_break_is_read_line_by_line(last: str, after: str) -> None:
    """Sealing a plaintext that ends with a comment puts the block before it; one without a final line break
    leaves the block without one: the block as sealfile writes it still, read without ruamel."""
    if not last.endswith("\n") and after:
        return
    text = f"a: {TOKEN}\n# c\nsealfile:\n  version: 2\n{last}{after}"
    found = _line_scan(text)
    assert found is not None and found.block_at == text.index("sealfile:")
    assert found.nodes._full is None and found._metadata_at >= 0  # no ruamel nodes, not even the block's
    reference = _parsed(text)
    assert found.metadata == reference.metadata
    assert metablock.cut_edit(text, found) == metablock.cut_edit(text, reference)
    mapping = {**reference.metadata, "mac": "new"}
    assert metablock.replace_edit(text, found, mapping) == metablock.replace_edit(text, reference, mapping)
    same_scan(found, reference)


@pytest.mark.parametrize("after", ["  # commented-out: setting\n", "\n    # deeper\n  # less\n# none\n\n",
                                   "  #\n", "        # as deep as the block's text\n"])
@pytest.mark.parametrize("last", ["  mac: m\n", "  wrapped: |\n    line\n"])
def test_indented_comments_after_the_block_are_comments_unless_a_block_scalar_ends_it(last: str, after: str) -> None:
    """A plaintext ending with commented-out settings (indented as they would be) gets its block before them:
    read line by line after a one-line value; after a last block scalar, where such a line may be its text,
    ruamel reads the block, the same way."""
    text = f"a: {TOKEN}\nsealfile:\n  version: 2\n{last}{after}"
    found = _line_scan(text)
    assert found is not None  # the values, read by the line scan; the block line by line, or by ruamel:
    assert found.block_at == (text.index("sealfile:") if last.endswith(" m\n") else None)
    reference = _parsed(text)
    assert found.metadata == reference.metadata
    assert metablock.cut_edit(text, found) == metablock.cut_edit(text, reference)
    mapping = {**reference.metadata, "mac": "new"}
    assert metablock.replace_edit(text, found, mapping) == metablock.replace_edit(text, reference, mapping)
    same_scan(found, reference)


@pytest.mark.parametrize("block", [
    "sealfile:\n  text: |\n    one\n\n    two\n  mac: m\n", "sealfile:\n  text: |+\n    one\n  mac: m\n",
    "sealfile:\n  # c\n  mac: m\n", "sealfile:\n  mac: m  # c\n", "sealfile: {mac: m}\n", "sealfile:\n  a-b: c\n",
    "sealfile:\n  version: 02\n", "sealfile:\n  version: !!int 2\n", "sealfile:\n  mac: \"a\\tb\"\n",
    "sealfile:\n  mac:   m\n",
    "sealfile:\n  mac: m\n  mac: n\n", "sealfile:\n  k:\n  - - a: b\n", "sealfile:\n  k:\n  - a\n",
    "sealfile:\n  text: |\n    line\n    \n", "sealfile:\n  text: |\n    line\n      \n    more\n",
])
def test_any_other_metadata_block_is_read_by_ruamel(block: str) -> None:
    text = f"a: {TOKEN}\n{block}"
    assert metalines.metadata_lines(text, text.index("sealfile:")) is None
    try:
        reference = _parsed(text)
    except FormatError:
        return
    found = _line_scan(text)
    if found is not None:
        assert found.block_at is None
        same_scan(found, reference)


_META_VALUES = ["v", "2", "0", "012", "1.5", "true", "yes", "'q'", "'a b'", "''", '"x"', '"a\\nb"', "x: y", "# c",
                "abc==", "a+b/c=", "-1", "-x", "null", "~", "", "2001-01-01", "[a]", "&a x", "a #b", "v  ", "  v",
                "|", "|-",
                "|+", ">"]


@st.composite
def _metadata_blocks(draw: st.DrawFn, indent: int = 2, depth: int = 0) -> list[str]:
    lines: list[str] = []
    is_list = depth > 0 and draw(st.booleans())
    for number in range(draw(st.integers(1, 3))):
        pad = " " * indent
        key = draw(st.sampled_from(["type", "mac", "k_1", "a-b", "on", "x"])) + str(number)
        if depth < 3 and draw(st.integers(0, 3)) == 0:
            inner = draw(_metadata_blocks(indent + draw(st.sampled_from([2, 2, 0, 1])), depth + 1))
            lines.append(f"{pad}{'- ' if is_list else ''}{key}:")
            lines.extend(inner)
            continue
        value = draw(st.sampled_from(_META_VALUES))
        lines.append(f"{pad}{'- ' if is_list else ''}{key}: {value}".rstrip(" ") if value != "v  " else
                     f"{pad}{key}: {value}")
        if value.startswith(("|", ">")):
            body = indent + draw(st.sampled_from([2, 2, 4, 1, 0]))
            for _ in range(draw(st.integers(1, 3))):
                lines.append(" " * (body + draw(st.sampled_from([0, 0, 0, 2]))) + draw(st.sampled_from(
                    ["line", "BASE64==", "", "a: b", "# c"])))
    return lines


@settings(max_examples=800, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(_metadata_blocks(), st.sampled_from(["\n", "\n", "\n\n", "", "\n# c\n", "\n\n#\n", "\n  # c\n"]))
def test_random_metadata_blocks_read_as_ruamel_reads_them(lines: list[str], end: str) -> None:
    text = f"a: {TOKEN}\nsealfile:\n" + "\n".join(lines) + end
    found = metalines.metadata_lines(text, text.index("sealfile:"))
    if found is None:
        return
    reference = _parsed(text)  # what the line scan takes ruamel reads, and the same way
    assert json.dumps(found[0], sort_keys=True) == json.dumps(reference.metadata, sort_keys=True)


@st.composite
def _value_texts(draw: st.DrawFn) -> str:
    """Short mappings whose values are of every kind the line scan reads, or nearly: typed and quoted
    one-liners, and block scalars with well and badly indented, blank and comment lines around them."""
    lines: list[str] = []
    for number in range(draw(st.integers(1, 4))):
        column = draw(st.sampled_from([0, 0, 2]))
        if column and (not lines or not lines[-1].endswith(":")):
            lines.append(f"p{number}:")
        value = draw(st.one_of(st.sampled_from(_EDGES), st.sampled_from(["|", "|-", "|", "|-", ">", "|+"]),
                               st.sampled_from(["1", "-7", "0.25", "true", "~", "null", "'a b'", '"c d"', "v"])))
        lines.append(f"{' ' * column}k{number}: {value}{draw(st.sampled_from(['', '', '', ' # c', '  ']))}")
        if value.startswith(("|", ">")):
            body = column + draw(st.sampled_from([2, 2, 4, 1, 0]))
            for _ in range(draw(st.integers(0, 3))):
                lines.append(" " * (body + draw(st.sampled_from([0, 0, 0, 0, 0, 2, -1]))) + draw(st.sampled_from(
                    ["line", "line", "line", "line", "x: y", "# c", "", "- a", "'q'", "ENC[x]", "  "])))
        if draw(st.integers(0, 5)) == 0:
            lines.append(draw(st.sampled_from(["", "# c", "  # c", " "])))
    if draw(st.booleans()):
        lines.append(METADATA.rstrip("\n"))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "\n", "\n", "", "\n\n", "\n# c\n", "\n\n#\n\n"]))


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(_value_texts())
def test_values_of_every_kind_read_as_ruamel_reads_them(text: str) -> None:
    _agrees(text)


@pytest.mark.parametrize("where", ["metadata", "data"])
def test_nesting_too_deep_is_refused_in_one_line_not_recursed_into(where: str) -> None:
    nested = "".join(f"{' ' * (depth + 1)}k{depth}:\n" for depth in range(600)) + " " * 602 + "v: 1\n"
    text = f"a: {TOKEN}\nsealfile:\n{nested}" if where == "metadata" else f"a:\n{nested}"
    if where == "metadata":
        assert metalines.metadata_lines(text, text.index("sealfile:")) is None
    assert _line_scan(text) is None
    with pytest.raises(FormatError, match="nesting too deep"):
        scan(text)


@pytest.mark.parametrize("text", ["a: |\n  x\n\n  # in\n\nb: 1\n", "a: |-\n  x\n  # in\n\n# out\nb: 1\n",
                                  "a: |+\n  x\n\n\nb: 1\n", "a:\n  b: 1\n\n c: 2\n"])
def test_blank_lines_in_a_block_scalar_or_before_a_misplaced_line_read_as_ruamel_reads_them(text: str) -> None:
    _agrees(text)


def test_blank_and_comment_lines_cost_no_step_of_the_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hostile megabyte of blank or comment lines is a million lines: the scan passes over them in the regular
    expression, and its loop runs once a line it reads, not once a line of the text (10 s a megabyte)."""
    steps = []
    line = fastscan.LINE

    class Counted:
        def finditer(self, text: str) -> object:
            for match in line.finditer(text):
                steps.append(match)
                yield match

    monkeypatch.setattr(fastscan, "LINE", Counted())
    padding = "\n  \n# comment\n   # indented comment\n" * 2_000
    text = f"a: {TOKEN}\n{padding}b:\n{padding}  c: x\n{padding}{METADATA}{padding}"
    found = _line_scan(text)
    assert found is not None and found.tree == {"a": TOKEN, "b": {"c": "x"}}
    assert len(steps) <= 3 + METADATA.count("\n") + 1


@pytest.mark.parametrize("value", sorted({*_EDGES, *_PLAIN} - {"", "# c"}))
def test_rest_value_reads_a_line_as_the_line_scan_does(value: str) -> None:
    """``rest_value``, which the spellings put back by decrypt are checked with (stores/yaml/spelled.py), reads
    a value as ``fast_scan`` does inline."""
    text = f"a:\n  k: {value}\n" + ("    body\n" if value in ("|", "|-") else "") + "b: 1\n"
    if not fastscan.plain_characters(text):
        return
    start = text.index("k: ") + 3
    read = fastscan.rest_value(text, text.index("\n", start), value, 2, start)
    found = _line_scan(text)
    if found is None:
        assert read is None
        return
    leaf, = (leaf for leaf in found.leaves if leaf.path == ("a", "k"))
    assert read is not None and (read[0], read[1], read[2]) == (leaf.value, leaf.style, leaf.end)
    assert type(read[0]) is type(leaf.value)
