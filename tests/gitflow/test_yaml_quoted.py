"""The YAML double-quoted values review decodes (:mod:`sealfile.gitflow.yaml_quoted`) read as ruamel reads them:
every escape YAML 1.2 defines, wherever it stands before the first ``\\n`` (a ``\\"`` there hid the value)."""

from __future__ import annotations

import time

import pytest
import yaml as pyyaml
from ruamel.yaml import YAML

from sealfile.gitflow.yaml_quoted import quoted_values

ESCAPES = ['\\0', '\\a', '\\b', '\\t', '\\\t', '\\n', '\\v', '\\f', '\\r', '\\e', '\\ ', '\\"', '\\/', '\\\\', '\\N',
           '\\_', '\\L', '\\P', '\\x41', '\\u00e9', '\\U0001F600']
"""Every escape of YAML 1.2 (§5.7), written as they stand in a file."""


def _ruamel(text: str) -> str:
    value = YAML(typ="safe", pure=True).load(text)["key"]
    assert isinstance(value, str)
    return value


@pytest.mark.parametrize("escape", ESCAPES)
def test_each_escape_before_the_first_newline_escape_is_decoded_as_ruamel_reads_it(escape: str) -> None:
    text = f'key: "user:pass {escape} more\\nsecond line"\n'
    assert [value for _, _, value in quoted_values(text, 5)[0]] == [_ruamel(text)]


def test_a_value_pyyaml_writes_with_quotes_before_its_lines_is_found() -> None:
    """kubectl's and Ansible's shape: a quote in the first line of a text of lines ending in a blank."""
    value = 'say "hi" to user:s3cr3t@db\npassword = "x y" \n'
    text = pyyaml.safe_dump({"key": value, "other": "plain"}, width=40)
    assert '\\"' in text.split("\\n")[0]
    assert [found for _, _, found in quoted_values(text, 5)[0]] == [value] == [_ruamel(text)]


def test_a_value_whose_first_line_ends_in_an_escaped_break_after_a_quote_is_found() -> None:
    text = 'key: "a \\"b\\" \\\n  c\\nd"\n'
    assert [value for _, _, value in quoted_values(text, 5)[0]] == [_ruamel(text)] == ['a "b" c\nd']


def test_escaped_quotes_are_read_in_time_linear_in_the_line() -> None:
    for shape in ('\\"x: "', '\\": \\"', '\\\\'):  # openings one after another; escaped quotes; backslashes
        line = 'key: "' + shape * 50_000 + "\n"
        started = time.perf_counter()
        quoted_values(line, 5)
        assert time.perf_counter() - started < 1.0, shape


def test_a_value_over_ten_thousand_lines_is_decoded() -> None:
    """Past 10,000 lines a value was not read, and nothing said so."""
    long = 'key: "user:pass\\n' + "line \\\n" * 12_000 + 'end"\n'
    assert [value for _, _, value in quoted_values(long, 5)[0]] == [_ruamel(long)]
    assert quoted_values('a: "never closed\\n\n' + "b: 1\n" * 50, 5) == ([], [])  # no value: YAML refuses it


def test_a_value_past_the_size_decoded_is_named_as_not_decoded() -> None:
    from sealfile.gitflow.blob_views import views
    from sealfile.gitflow.yaml_quoted import MAX_CHARS

    text = 'a: 1\nkey: "user:pass\\n' + "x" * MAX_CHARS + '"\n'
    assert quoted_values(text, 5) == ([], ["double-quoted text on line 2: more than 1 MiB: not decoded"])
    found = views("values.yaml", text.encode())
    assert found.not_read == ["double-quoted text on line 2: more than 1 MiB: not decoded"]
