"""The node limit (docs/format.md §1.2): counted exactly at the limit in every syntax and on every reading
path, and the C-speed bounds that spare the exact count never below the exact count."""

from __future__ import annotations

import io
import json
import time

import pytest
from dotenv import dotenv_values
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent

from sealfile.errors import ConfigError, FormatError
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.ops.seal import seal_text
from sealfile.sops import parse as sops_parse
from sealfile.stores import get_store
from sealfile.stores.node_limit import MAX_NODES_ENV, json_nodes, max_nodes, yaml_bound
from sealfile.stores.yaml.reader import load_fast
from sealfile.stores.yaml.scan import parsed, scan

REFUSED = "keys and values (lists and mappings counted) to read; not a secrets file? (see SEALFILE_MAX_NODES)"
YAML_PIECES = st.sampled_from([*list("ab:-?,[]{}&*!|>'\"#. \n\t"), "- ", "---", "...", "ENC[", "k: v\n", "\r\n"])


def yaml_nodes(text: str) -> int:
    """The nodes ruamel's parser gives: what the limit counts."""
    events = YAML(typ="safe", pure=False).parse(text)
    return sum(isinstance(event, (ScalarEvent, CollectionStartEvent, AliasEvent)) for event in events)


@settings(max_examples=400)
@given(st.lists(YAML_PIECES, max_size=40).map("".join))
def test_the_yaml_bound_is_never_below_the_nodes(text: str) -> None:
    try:
        nodes = yaml_nodes(text)
    except YAMLError:
        return
    assert yaml_bound(text) >= nodes


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner,
                                                                                       max_size=4), max_leaves=20)


def tree_nodes(value: object) -> int:
    if isinstance(value, dict):
        return 1 + sum(1 + tree_nodes(item) for item in value.values())
    if isinstance(value, list):
        return 1 + sum(tree_nodes(item) for item in value)
    return 1


@given(JSON_VALUES, st.sampled_from([None, 1, "\t"]), st.booleans())
def test_json_nodes_are_exact(value: object, indent: int | str | None, ascii_only: bool) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    assert json_nodes(text) == tree_nodes(value)
    assert 1 + 2 * text.count(":") + text.count(",") + text.count("[") >= tree_nodes(value)  # the cheap bound


def test_the_limit_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert max_nodes() == 250_000
    monkeypatch.setenv(MAX_NODES_ENV, "20")
    assert max_nodes() == 20
    monkeypatch.setenv(MAX_NODES_ENV, "2e3")
    with pytest.raises(ConfigError, match="SEALFILE_MAX_NODES must be a positive whole number of nodes"):
        max_nodes()


YAML_AT_LIMIT = {  # text, its nodes
    "line scan": ("a: 1\nb:\n  - x\n  - y: 2\n    z: 3\n", 11),
    "flow": ("a: [1, 2, {b: 3, c: 4}]\nd: '*x'\n", 12),
    "block scalar and alias": ("a: &x |\n  text\nb: *x\nc: [*x, *x]\n", 9),
    "several documents": ("a: 1\n---\nb: [1, 2]\n", 8),
}


@pytest.mark.parametrize("name", YAML_AT_LIMIT)
def test_yaml_at_the_limit_is_read_and_one_more_is_refused(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text, nodes = YAML_AT_LIMIT[name]
    assert yaml_nodes(text) == nodes
    # lines enough that the line scan's own bound is past the limit: the count runs, as in a large file
    padded = text + "#\n" * nodes
    monkeypatch.setenv(MAX_NODES_ENV, str(nodes))
    for reader in (load_fast, parsed, scan):
        if name != "several documents" or reader is not load_fast:
            reader(padded)
    monkeypatch.setenv(MAX_NODES_ENV, str(nodes - 1))
    for reader in (load_fast, parsed, scan):
        with pytest.raises(FormatError, match=f"more than {nodes - 1} {REFUSED.split(' (')[0]}"):
            reader(padded)


def test_the_line_scan_reads_a_long_file_within_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """More lines than the line scan's bound allows under the limit: counted exactly, then read."""
    text = "".join(f"k{index}: v\n" for index in range(100))
    monkeypatch.setenv(MAX_NODES_ENV, "201")
    assert scan(text).tree["k99"] == "v"
    monkeypatch.setenv(MAX_NODES_ENV, "200")
    with pytest.raises(FormatError, match=REFUSED.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        scan(text)


def test_json_and_dotenv_at_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    text = '{"a": [1, "x", {"b": null}], "c": {}}'  # 10 nodes
    monkeypatch.setenv(MAX_NODES_ENV, "10")
    assert get_store("json").load_fast(text)["c"] == {}
    monkeypatch.setenv(MAX_NODES_ENV, "9")
    with pytest.raises(FormatError, match="more than 9 keys and values"):
        get_store("json").load_fast(text)
    monkeypatch.delenv(MAX_NODES_ENV)
    sealed = seal_text("A=1\nB=2\n", [AgeKey(generate_identity()[1])], store=get_store("dotenv"))
    bindings = dotenv_values(stream=io.StringIO(sealed))  # every binding, the metadata's too
    nodes = 2 * len(bindings) + json_nodes(str(bindings["sealfile_recipient_0"]))
    monkeypatch.setenv(MAX_NODES_ENV, str(nodes))
    assert get_store("dotenv").load_fast(sealed)["A"]
    monkeypatch.setenv(MAX_NODES_ENV, str(nodes - 1))
    with pytest.raises(FormatError, match=f"more than {nodes - 1:,} keys and values"):
        get_store("dotenv").load_fast(sealed)


SOPS_TEXTS = {"yaml": ("a: [1, 2, 3]\n", 6), "json": ('{"a": [1, 2, 3]}', 6), "dotenv": ("A=1\nB=2\n", 4),
              "ini": ("[s]\na = 1\n", 4)}


@pytest.mark.parametrize("kind", SOPS_TEXTS)
def test_sops_readers_refuse_past_the_limit(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the metadata is even looked for: the refusal is the count's, not 'not a SOPS file'."""
    text, nodes = SOPS_TEXTS[kind]
    monkeypatch.setenv(MAX_NODES_ENV, str(nodes - 1))
    with pytest.raises(FormatError, match=f"more than {nodes - 1} keys and values"):
        sops_parse(text, kind)  # type: ignore[arg-type]
    monkeypatch.setenv(MAX_NODES_ENV, str(nodes))
    try:
        sops_parse(text, kind)  # type: ignore[arg-type]
    except FormatError as err:
        assert "not a SOPS file" in str(err)


def test_aliases_copy_no_more_than_the_node_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten times the nodes written was the only bound on what aliases copy: 240,000 values written and aliased
    ten times (a 480 KB file) made decrypt build 2.6 million, 10 s and 900 MB. Now at most the limit is copied
    (here made small: 100 values written, 300 copies allowed by the factor, not by the limit of 250)."""
    text = "a: &x [" + ", ".join(["1"] * 100) + "]\n" + "".join(f"c{n}: *x\n" for n in range(3))
    monkeypatch.setenv(MAX_NODES_ENV, "400")
    assert len(scan(text).tree["c2"]) == 100
    monkeypatch.setenv(MAX_NODES_ENV, "250")
    with pytest.raises(FormatError, match="would expand the file to more than 250 values") as info:
        scan(text)
    assert info.value.keypath == "c2"


def test_depth_is_refused_before_the_count() -> None:
    """The C scanner's work for each token grows with the flow nesting around it: counting a million items
    5,000 levels deep took 11 s before the depth check refused the text at once."""
    text = "a: " + "[" * 5000 + "1," * 1_000_000 + "1" + "]" * 5000 + "\n"
    for reader in (load_fast, scan, lambda text: sops_parse(text, "yaml")):
        started = time.process_time()
        with pytest.raises(FormatError, match="nesting too deep"):
            reader(text)
        assert time.process_time() - started < 2.0
