"""Every store, type and rule mode against the real sops: the same data and types as ``sops decrypt``.

For each case of :mod:`tests.sops.matrix` (written fresh by ``sops encrypt``): ``load_secrets``
returns what ``sops decrypt``'s output means to a program reading it, and ``sealfile decrypt``
prints text that means the same, with numbers and times spelled as SOPS spells them. Any
difference in the MAC input (a float, a time, a plaintext value read another way) fails here as
a refused file.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import sealfile
from sealfile.cli.app import cli
from sealfile.errors import FormatError
from tests.sops.conftest import AgeIdentity, assert_same
from tests.sops.matrix import Case, Generated, cases, expected_data, generate, parse_output

CASES = cases()
GO_SPELLED = re.compile(r"^\s*(?:- |[^:#]+: )"
                        r"(-?[0-9][0-9.e+\-]*|-?\.inf|\.nan|\d{4}-\d\d-\d\dT[0-9:.]+(?:Z|[+-]\d\d:\d\d))$")
"""A YAML line whose value is a number or a time: SOPS's spelling of it must be ours."""


@pytest.fixture(scope="module")
def generated(sops_identity: AgeIdentity, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Generated]:
    work = tmp_path_factory.mktemp("matrix")
    return {case.name: generate(case, sops_identity, work) for case in CASES}


@pytest.fixture(autouse=True)
def sops_key(sops_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))


def _ids(case: Case) -> str:
    return case.name


@pytest.mark.parametrize("case", [c for c in CASES if c.name != "yaml-multi-document"], ids=_ids)
def test_load_secrets_is_what_sops_decrypt_shows(case: Case, generated: dict[str, Generated]) -> None:
    found = generated[case.name]
    ours = sealfile.load_secrets(found.path, redacted=False)
    assert_same(ours, expected_data(found))


def test_every_rule_mode_left_values_in_plaintext(generated: dict[str, Generated]) -> None:
    """The matrix checks plaintext values too: each YAML rule mode left a subtree unencrypted."""
    for case in CASES:
        if case.kind == "yaml" and "multi" not in case.name:
            text = generated[case.name].path.read_text()
            assert "string: hello world" in text and "big_int: 1.2345678901234568e+29" in text, case.name
            assert text.count("type:time]") >= 6 and text.count("type:float]") >= 10, case.name


def _sealfile_decrypt(path: Path) -> bytes:
    result = CliRunner().invoke(cli, ["decrypt", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_sealfile_decrypt_prints_what_sops_prints(case: Case, generated: dict[str, Generated]) -> None:
    found = generated[case.name]
    ours = _sealfile_decrypt(found.path)
    if case.kind in ("json", "dotenv", "binary"):
        assert ours == found.shown  # Go's JSON encoder, dotenv lines and raw bytes: byte for byte
    elif case.kind == "ini":
        assert _ini(ours) == _ini(found.shown)
    else:
        assert_same(parse_output("yaml", ours), expected_data(found))
        theirs = {line.strip() for line in found.shown.decode().splitlines() if GO_SPELLED.match(line)}
        assert theirs <= {line.strip() for line in ours.decode().splitlines()}


def _ini(text: bytes) -> dict[str, dict[str, str]]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string("[top]\n" + text.decode())
    return {name: dict(parser[name]) for name in parser.sections()}


def test_yaml_comments_are_shown_as_sops_shows_them(generated: dict[str, Generated]) -> None:
    """Every comment decrypted. Their order is compared as a multiset: yaml.v3 prints a comment SOPS
    stored between two mappings of a list at the head of the list (its emitter's quirk), while
    we print it where the file has it."""
    ours = _sealfile_decrypt(generated["yaml-unencrypted_suffix"].path).decode()
    theirs = generated["yaml-unencrypted_suffix"].shown.decode()
    comments = sorted(line.strip() for line in theirs.splitlines() if line.strip().startswith("#"))
    assert len(comments) >= 10 and "ENC[" not in ours
    assert sorted(line.strip() for line in ours.splitlines() if line.strip().startswith("#")) == comments


def test_several_yaml_documents_decrypt_but_load_secrets_names_the_limit(generated: dict[str, Generated]) -> None:
    found = generated["yaml-multi-document"]
    with pytest.raises(FormatError, match=r"SOPS YAML file: it holds 2 YAML documents; load_secrets reads"):
        sealfile.load_secrets(found.path)
    assert_same(parse_output("yaml", _sealfile_decrypt(found.path)), expected_data(found))


def test_binary_file_loads_as_its_bytes(generated: dict[str, Generated]) -> None:
    found = generated["binary"]
    data = sealfile.load_secrets(found.path)
    assert isinstance(data, bytes) and data == found.case.plaintext == found.shown
