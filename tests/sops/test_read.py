"""Files that ``sops encrypt --age`` wrote open with ``load_secrets`` to what ``sops decrypt`` prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import sealfile
from sealfile.sops import is_sops_document, load
from sealfile.sops.format import go_rfc3339
from sealfile.sops.gonum import format_f
from tests.sops.conftest import AgeIdentity, assert_same, sops_decrypt, sops_encrypt
from tests.sops.documents import JSON_DOCUMENT, YAML_DOCUMENT


@pytest.fixture(scope="module")
def sops_files(sops_identity: AgeIdentity, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One YAML and one JSON file written by SOPS, and the data ``sops decrypt`` gives for each."""
    work = tmp_path_factory.mktemp("sops-files")
    files = {}
    for name, text in (("secrets.yaml", YAML_DOCUMENT), ("secrets.json", JSON_DOCUMENT)):
        plain = work / name
        plain.write_text(text, encoding="utf-8")
        files[name] = sops_encrypt(plain, work / f"{plain.stem}.sops{plain.suffix}", "--age", sops_identity.recipient)
    return files


@pytest.mark.parametrize("name", ["secrets.yaml", "secrets.json"])
def test_load_secrets_matches_sops_decrypt(
    name: str, sops_files: dict[str, Path], sops_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    ours = sealfile.load_secrets(sops_files[name])
    assert_same(ours, sops_decrypt(sops_files[name], sops_identity.key_file))


def test_values_and_types(sops_files: dict[str, Path], sops_identity: AgeIdentity,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    data = sealfile.load_secrets(sops_files["secrets.yaml"])
    db = data["database"]
    assert (db["password"], db["port"], db["ratio"], db["enabled"], db["nothing"]) == ("p@ss: w0rd #1", 5432, 0.25,
                                                                                      True, None)
    assert db["replicas"] == [{"host": "a.example", "port": 1}, {"host": "b.example", "weight": 2.5}]
    assert data["certificate"].endswith("-----END CERTIFICATE-----\n")
    assert data["no_trailing_newline"] == "one\ntwo"
    assert data["schlüssel"] == "🔑"
    assert sealfile.load_secrets(sops_files["secrets.yaml"], extract="database.tags") == ["x", "y", 3, 4.5, False]
    assert sealfile.load_secrets(sops_files["secrets.json"])["big"] == 12345678901234567000  # Go float64, as SOPS


def test_open_sops_on_text(sops_files: dict[str, Path], sops_identity: AgeIdentity,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY", sops_identity.identity)
    text = sops_files["secrets.json"].read_text(encoding="utf-8")
    assert is_sops_document(json.loads(text))
    assert not is_sops_document({"sops": "a value"})
    assert load(text, "json")["nested"]["deep"]["deeper"] == "v"


def test_go_float_formatting() -> None:
    """Go's FormatFloat(v, 'f', -1, 64), which SOPS hashes: no exponent, shortest digits."""
    cases = {1.0: "1", 0.25: "0.25", 1e-7: "0.0000001", 1e21: "1000000000000000000000", -0.0: "-0",
             12345678901234567891.0: "12345678901234567000", float("inf"): "+Inf", float("nan"): "NaN"}
    assert [format_f(value) for value in cases] == list(cases.values())


def test_lastmodified_as_go_formats_it() -> None:
    assert go_rfc3339("2024-05-01T10:20:30Z") == "2024-05-01T10:20:30Z"
    assert go_rfc3339("2024-05-01T10:20:30.123456Z") == "2024-05-01T10:20:30Z"
    assert go_rfc3339("2024-05-01T12:20:30+02:00") == "2024-05-01T12:20:30+02:00"


@pytest.mark.parametrize("on_stale", ["warn", "raise"])
def test_an_age_check_on_a_sops_file_is_refused_not_passed(
    on_stale: str, sops_files: dict[str, Path], sops_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SOPS records no per-value times: ``max_age`` passed every value, silently, where ``status --older-than``
    refuses the file; an application asking for ``on_stale="raise"`` believed its secrets were fresh."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    with pytest.raises(sealfile.ConfigError, match=r"secrets\.sops\.yaml: max_age needs per-value times, which "
                                                   r"SOPS files do not record \(sealfile import-sops"):
        sealfile.load_secrets(sops_files["secrets.yaml"], max_age="0s", on_stale=on_stale)  # type: ignore[arg-type]
    with pytest.raises(sealfile.ConfigError, match="max_age needs per-value times"):
        sealfile.load_env([sops_files["secrets.json"]], max_age="3650d", prefix="T_")
