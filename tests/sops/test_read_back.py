"""The YAML that ``decrypt`` and ``import-sops`` print from a SOPS file is read back with ``same_data``, as every
other writer's output is: data that Python's ``==`` calls equal but that changed type, sign or zone is refused.
``export-sops`` reads its SOPS file back as Go values, a float as Go spells it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from sealfile.errors import FormatError
from sealfile.ops.import_sops import plaintext_yaml
from sealfile.sops import open_text
from sealfile.sops.output import decrypt
from sealfile.sops.render import check_yaml
from tests.sops.conftest import AgeIdentity, run_sops, sops_encrypt

_PLUS_ONE = dt.timezone(dt.timedelta(hours=1))


@pytest.mark.parametrize(("text", "expected"), [
    ("a: -0.0\n", {"a": 0.0}),  # -0.0 == 0.0
    ("t: 2024-01-01T01:00:00+01:00\n", {"t": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)}),  # one instant
    ("1: x\n", {True: "x"}), ("1: x\n", {1.0: "x"}), ("-0.0: x\n", {0.0: "x"}),  # keys: 1 == True == 1.0
    ("? [1]\n: x\n", {(True,): "x"}),  # a sequence key, read as a tuple
])
def test_data_equal_to_python_but_not_the_same_is_refused(text: str, expected: dict[Any, Any]) -> None:
    with pytest.raises(FormatError, match="does not read back as the same data"):
        check_yaml(text, [expected])
    with pytest.raises(FormatError, match="does not read back as the same data"):
        check_yaml(f"{text}---\n{text}", [expected, expected])  # several documents: another reader


def test_a_value_of_a_type_no_sops_tree_holds_is_refused_as_other_data() -> None:
    with pytest.raises(FormatError, match="does not read back as the same data"):
        check_yaml("a: !!set {x: null}\n---\nb: 1\n", [{"a": {"x": None}}, {"b": 1}])


# Near every case above, as SOPS can hold it (its keys are strings: it refuses to encrypt a file with others)
EDGES = """\
"1": string key
"true": string key
"-0.0": string key
negative_zero: -0.0
whole_float: 1.0
large_float: 1e+06
zoned: 2024-01-01T01:00:00+01:00
fraction: 2024-01-01T00:00:00.5Z
date: 2024-01-01
nan: .nan
big: 9223372036854775807
binary: !!binary /wD+
text: !!binary aGVsbG8=
"""


@pytest.fixture(scope="module")
def edges(sops_identity: AgeIdentity, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("read-back")
    plain = work / "edges.yaml"
    plain.write_text(f"{EDGES}---\n{EDGES}", encoding="utf-8")
    return sops_encrypt(plain, work / "edges.sops.yaml", "--age", sops_identity.recipient)


def test_decrypt_and_import_of_these_values_read_back(edges: Path, sops_identity: AgeIdentity,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """What reaches the check from a real SOPS file passes it: ``-0.0`` prints ``-0`` (an int on both sides),
    a time keeps its zone, bytes that are not UTF-8 print as ``!!binary``; one document and several."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    text = edges.read_text(encoding="utf-8")
    theirs = run_sops(["decrypt", str(edges)])
    assert theirs.returncode == 0, theirs.stderr
    assert decrypt(text, "yaml") == theirs.stdout
    first = theirs.stdout.split("---\n")[0]
    assert decrypt(text, "yaml", extract='["date"]') == "2024-01-01T00:00:00Z\n"
    assert "negative_zero: -0\n" in first and "zoned: 2024-01-01T01:00:00+01:00\n" in first
    assert "binary: !!binary /wD+\n" in first
    single = sops_encrypt(_first_document(edges), edges.with_name("one.sops.yaml"), "--age", sops_identity.recipient)
    imported = plaintext_yaml(open_text(single.read_text(encoding="utf-8"), "yaml", comments=True))
    assert imported == first


def _first_document(edges: Path) -> Path:
    plain = edges.with_name("one.yaml")
    plain.write_text(EDGES, encoding="utf-8")
    return plain


@pytest.mark.parametrize(("ours", "intended", "same"), [
    (-0.0, 0.0, False), (0.0, -0.0, False), (float("nan"), float("nan"), True), (5e-324, 1e-323, False),
    (1.5, 1.5, True), (1, 1.0, True), (-0.0, 0, False)])
def test_export_reads_a_float_back_as_go_spells_it(ours: float, intended: float, same: bool) -> None:
    """``export-sops``'s read-back (before the MAC): ``-0`` is not ``0`` to SOPS, though ``-0.0 == 0.0``."""
    from sealfile.sops.nodes import Branch, Item
    from sealfile.sops.writer import _first_difference

    found = _first_difference(Branch([Item("k", [ours])]), Branch([Item("k", [intended])]), (), json_numbers=False)
    assert found is None if same else found is not None and found[0] == ("k", 0)
