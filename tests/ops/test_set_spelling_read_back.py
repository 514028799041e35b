"""A value-only ``set`` checks the text ``decrypt`` will print for the value it wrote, not only the token's payload:
with the spelling choice broken (a string written plain where YAML 1.2 reads another type), the data check passed
and ``decrypt`` printed ``x: 010``, the integer 10 to every YAML 1.2 reader. Now ``set`` refuses in one line naming
the file and key path, and the file stays as it was byte for byte. JSON and dotenv read their whole decrypted text
back through the store's reader (``ops/tree.py`` ``read_back``): pinned here the same way."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

import sealfile.cli.commands  # noqa: F401  (registers the commands)
from sealfile.cli.app import cli
from sealfile.kms.age import AgeKey
from sealfile.ops.change import set_value
from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_text
from sealfile.runtime.loader import load_secrets
from sealfile.stores import dotenv_lines, get_store, json_layout
from sealfile.stores import json as json_store
from sealfile.stores.yaml import restore, scalars
from sealfile.stores.yaml.scan_check import CHECK_VARIABLE
from tests.support.fast_path import age_key

__all__ = ["age_key"]

# (plaintext, key path, new value): each old value is a plain string, so the new one keeps the plain style
YAML_CASES = {
    "block": ("a: 1\nx: abc\n", "x", "010"),
    "nested": ("m:\n  x: abc\n  y: 2\n", "m.x", "true"),
    "list item": ("l:\n- abc\n- 2\n", "l[0]", "12"),
    "flow": ("m: {x: abc, y: 2}\n", "m.x", "null"),
    "crlf": ("a: 1\r\nx: abc\r\n", "x", "1e3"),
    "anchored": ("a: &s abc\nb: 2\n", "a", "0x1F"),
    "commented": ("x: abc  # note\ny: [1, abc]\n", "y[1]", "-.inf"),
    "tab": ("x: abc\n# a\ttab\ny: 2\n", "x", "2001-12-14"),
}
OTHER_CASES = {
    "json": ('{\n  "a": 1,\n  "x": "abc"\n}\n', "x", "10"),
    "dotenv": ("A=1\nX=abc\n", "X", "a #b"),
}


def _break_the_spelling_choice(syntax: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store's choice of a new value's spelling made wrong: a string written bare where it reads otherwise."""
    if syntax == "yaml":
        monkeypatch.setattr(scalars, "plain_ok", lambda value, *, flow: bool(value))
    elif syntax == "json":  # the JSON store checks the text it splices reads as the data: that check broken too
        real = json_layout._scalar

        def scalar(source: str, value: Any) -> str:
            return value if isinstance(value, str) and value.isdigit() else real(source, value)

        monkeypatch.setattr(json_layout, "_scalar", scalar)
        monkeypatch.setattr(json_store, "_reads_as", lambda text, document: True)
    else:
        monkeypatch.setattr(dotenv_lines, "SAFE_BARE", re.compile(r"[^\n]*\Z"))


def _set_in_process(path: Path, keypath: str, value: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["set", str(path), keypath, "--", value], prog_name="sealfile")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stderr


def _sealed_file(tmp_path: Path, syntax: str, plain: str, key: AgeKey) -> Path:
    path = tmp_path / f"secrets.enc.{'env' if syntax == 'dotenv' else syntax}"
    path.write_bytes(seal_text(plain, [key], store=get_store(syntax)).encode())
    return path


@pytest.mark.parametrize(("syntax", "case"), [("yaml", name) for name in sorted(YAML_CASES)]
                         + [(name, name) for name in sorted(OTHER_CASES)])
@pytest.mark.parametrize("switch", ["suite switch on", "off"])
def test_a_set_whose_new_spelling_would_decrypt_as_another_value_is_refused(
        syntax: str, case: str, switch: str, age_key: AgeKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Off, as users run it: the one value is read by itself or in place, and that read alone refuses."""
    plain, keypath, value = YAML_CASES[case] if syntax == "yaml" else OTHER_CASES[case]
    if switch == "off":
        monkeypatch.delenv(CHECK_VARIABLE)
    path = _sealed_file(tmp_path, syntax, plain, age_key)
    before = path.read_bytes()
    _break_the_spelling_choice(syntax, monkeypatch)
    code, stderr = _set_in_process(path, keypath, value)
    assert code != 0
    assert path.read_bytes() == before
    refusal = stderr.strip()
    assert "\n" not in refusal and "refusing to write" in refusal, refusal
    assert str(path) in refusal and keypath.split(".")[-1].split("[")[0] in refusal, refusal
    assert value not in refusal.replace(str(path), ""), refusal


@pytest.mark.parametrize(("syntax", "case"), [("yaml", name) for name in sorted(YAML_CASES)]
                         + [(name, name) for name in sorted(OTHER_CASES)])
def test_an_unbroken_set_writes_the_value_as_the_string_given(syntax: str, case: str, age_key: AgeKey,
                                                              tmp_path: Path) -> None:
    plain, keypath, value = YAML_CASES[case] if syntax == "yaml" else OTHER_CASES[case]
    path = _sealed_file(tmp_path, syntax, plain, age_key)
    code, stderr = _set_in_process(path, keypath, value)
    assert code == 0, stderr
    held: Any = load_secrets(path, redacted=False)
    for segment in keypath.replace("[", ".").replace("]", "").split("."):
        held = held[int(segment) if segment.isdigit() else segment]
    assert held == value and type(held) is str


QUICK = {"block", "nested", "list item", "flow", "crlf", "commented"}
"""Where the new value's spelling is read in place or by itself: the text is not read again."""


@pytest.mark.parametrize("case", sorted(YAML_CASES))
def test_the_check_reads_the_one_value_unless_a_tab_or_anchor_is_around(case: str, age_key: AgeKey,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    plain, keypath, value = YAML_CASES[case]
    sealed = seal_text(plain, [age_key])
    monkeypatch.delenv(CHECK_VARIABLE)
    whole: list[str] = []
    real = restore._ensure_read_back
    monkeypatch.setattr(restore, "_ensure_read_back", lambda text, *rest: (whole.append(text), real(text, *rest))[1])
    set_value(sealed, keypath, value)
    assert len(whole) == (0 if case in QUICK else 1)


def test_the_suite_checks_the_one_value_read_against_the_whole_text(age_key: AgeKey,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken quick read (here: always yes) is caught with the suite's switch on."""
    sealed = seal_text("x: abc\n", [age_key])
    monkeypatch.setattr(scalars, "plain_ok", lambda value, *, flow: bool(value))
    monkeypatch.setattr(restore, "spellings_read", lambda *args: True)
    monkeypatch.setattr(restore, "_reads_alone", lambda *args: True)
    with pytest.raises(AssertionError, match="the whole text does not read back"):
        set_value(sealed, "x", "010")


BLOCKS = {
    "top-level key": ("a: 1\nx: |\n  abc\n", "x"),
    "nested key": ("m:\n  n:\n    x: |-\n      abc\n    y: 2\n", "m.n.x"),
    "compact list item's key": ("l:\n- x: |\n    abc\n  y: 2\n- 3\n", "l[0].x"),
    "list item": ("l:\n- |\n  abc\n- 2\n", "l[0]"),
    "indented list item": ("l:\n  - 1\n  - |-\n    abc\n", "l[1]"),
}


ESCAPED_ONLY = {  # what a value only a double-quoted spelling holds costs (ruamel's emitter writes it, for decrypt too)
    "YAML.dump (sealfile.ops.text_read_back.refuse_unless_restored <- sealfile.stores.yaml.scalars.double_quoted_any)",
    "YAML.dump_all (sealfile.ops.text_read_back.refuse_unless_restored <- "
    "sealfile.stores.yaml.scalars.double_quoted_any)",
    # the spelling read alone after ``k: `` (a line, not the file): the line scan reads no escapes
    "parse (sealfile.ops.text_read_back.refuse_unless_restored <- sealfile.stores.yaml.scan.parsed)",
    "YAML.get_constructor_parser (sealfile.ops.text_read_back.refuse_unless_restored <- "
    "sealfile.stores.yaml.parsed.parsed_scan)",
}


@pytest.mark.parametrize("switch", ["suite switch on", "off"])
@pytest.mark.parametrize("value", ["new", "two\nlines\n", "  leading\nspace"])
@pytest.mark.parametrize("case", sorted(BLOCKS))
def test_a_block_scalar_written_afresh_is_checked_without_a_parser(case: str, value: str, switch: str,
                                                                   age_key: AgeKey, both_implementations: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A value sealed from a literal block keeps that style: ``set`` writes its token, and the check restores it as
    ``decrypt`` does, a block at its key's (or dash's) column, read in place by the line scan's reader. The column
    came from ruamel's nodes (a whole parse on a hot ``set``: a conda recipe's ``description: |``), and a block
    after a dash was not read in place. A value no literal block holds (a first line's leading space) is written
    double-quoted with escapes: ruamel writes that spelling, and reads it alone, never the file. With the suite's
    switch the whole text is read as well, and must agree."""
    from tests.support.parser_calls import parser_calls

    plain, keypath = BLOCKS[case]
    sealed = seal_text(plain, [age_key])
    if switch == "off":
        monkeypatch.delenv(CHECK_VARIABLE)
    with pytest.MonkeyPatch.context() as patch, parser_calls(patch) as calls:
        written = set_value(sealed, keypath, value)
    if switch == "off" and both_implementations == "fast":
        assert set(calls) == (ESCAPED_ONLY if value[0] == " " else set()), dict(calls)
        assert all(count == 1 for count in calls.values())
    opened: Any = YAML(typ="safe", pure=True).load(decrypt_text(written))  # what decrypt prints, as YAML 1.2
    for segment in keypath.replace("[", ".").replace("]", "").split("."):
        opened = opened[int(segment) if segment.isdigit() else segment]
    assert opened == value
