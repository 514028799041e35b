"""The line scan (stores/yaml/fastscan.py) reads what ruamel's parser reads, or leaves the text to it.

Every text the suite reads is also checked by ``SEALFILE_CHECK_FAST_SCAN`` (tests/conftest.py); these
tests aim at the subset's edges: what it must take, what it must leave, and random line layouts."""

from __future__ import annotations

import pytest
from benchmarks.corpus import plaintext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sealfile.errors import FormatError
from sealfile.stores.yaml import fastscan
from sealfile.stores.yaml.scalars import TYPED_FIRST
from sealfile.stores.yaml.scan import _is_string, _parsed, scan
from sealfile.stores.yaml.scan_check import same_scan

METADATA = "sealfile:\n  version: 2\n  mac: abc\n"
TOKEN = "ENC[gAAAAABrEFWl8p2Ez7BBk_VG2nUKS9MtteJ9tjvN-gAAA==]"


def _line_scan(text: str) -> fastscan.FastScan | None:
    found = fastscan.fast_scan(text, _parsed, _is_string, TYPED_FIRST)
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
])
def test_takes_the_block_yaml_sealfile_writes(text: str) -> None:
    assert _agrees(text)
    scanned = scan(text)
    assert isinstance(scanned, fastscan.FastScan)


@pytest.mark.parametrize("text", [
    f"a: '{TOKEN}'\n{METADATA}", f'a: "x"\n{METADATA}', f"a: |\n  x\n{METADATA}", f"a: >\n  x\n{METADATA}",
    f"a: [x]\n{METADATA}", f"a: {{b: c}}\n{METADATA}", f"a: &x y\nb: *x\n{METADATA}", f"a: !!str y\n{METADATA}",
    f"a: 1\n{METADATA}", f"a: true\n{METADATA}", f"a: null\n{METADATA}", f"a: ~\n{METADATA}", f"a: 1.5\n{METADATA}",
    f"a:\nb: c\n{METADATA}", f"a:\n{METADATA}", f"a: b\n  c\n{METADATA}", f"a: b\na: c\n{METADATA}",
    f"a:\tb\n{METADATA}", f"a: b\r\n{METADATA}", f"a: é\n{METADATA}", f"a: b\x7f\n{METADATA}",
    f"---\na: b\n{METADATA}", f"%YAML 1.2\n---\na: b\n{METADATA}", f"a: b\n---\n{METADATA}",
    f"- a\n{METADATA}", f"a:\n  - - b\n{METADATA}", f"a:\n  -\n    b: c\n{METADATA}", f"a: b: c\n{METADATA}",
    f"a: -b\n{METADATA}", f"true: b\n{METADATA}", f"'a': b\n{METADATA}", f"a : b\n{METADATA}",
    f"a:\n  b: c\n d: e\n{METADATA}", f"a: b\n{METADATA}c: d\n", f"a: b\n{METADATA}  x: *y\n",
    "a: b\n", "a:\n  sealfile:\n    version: 2\n",
    f"<<: b\n{METADATA}", f"a: b:\n{METADATA}", f"a: b # c\n  d\n{METADATA}",
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
          "...", "x...", "ENC[a b]"]
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
            lines.append(f"{pad}{key}:{gap}{draw(_VALUES)}{draw(st.sampled_from(['', '', ' # c', ' #', '  ']))}")
    return lines


@st.composite
def _line_layouts(draw: st.DrawFn) -> str:
    """A block text in or near the subset: well-formed layouts, then one or two lines moved, cut or changed."""
    lines = draw(_blocks(0, draw(st.sampled_from([1, 2, 2, 3, 4])), 0))
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        change = draw(st.sampled_from(["indent", "dedent", "drop", "copy", "key"]))
        line = lines[at]
        lines[at: at + 1] = {"indent": [" " + line], "dedent": [line[1:] if line.startswith(" ") else line],
                             "drop": [], "copy": [line, line], "key": [line.split(":")[0] + ":"]}[change]
    if draw(st.integers(0, 4)):
        lines.append(METADATA.rstrip("\n"))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "\n", "", "\n\n"]))


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(_line_layouts())
def test_random_line_layouts_read_as_ruamel_reads_them(text: str) -> None:
    """Whatever the line scan takes, ruamel reads the same way (it never takes what ruamel refuses)."""
    _agrees(text)
