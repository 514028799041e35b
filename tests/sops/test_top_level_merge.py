"""A top-level ``<<`` key whose value is not a mapping: ``sops encrypt`` writes a quoted ``"<<": v`` as
``!!merge <<: ENC[...]``, then ``sops decrypt`` refuses its own file (yaml.v3 merges the top-level key while
reading the metadata). sealfile refused it in ``decrypt`` but ``verify`` said OK and ``--output-type json``
printed it; every path refuses it now, as SOPS does. Top-level merges of mappings still open."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import sealfile
from sealfile.errors import FormatError
from tests.sops.conftest import AgeIdentity, run_sops, sealfile_cli, sops_encrypt


def _encrypted(text: str, identity: AgeIdentity, tmp_path: Path) -> Path:
    (tmp_path / "plain.yaml").write_text(text)
    return sops_encrypt(tmp_path / "plain.yaml", tmp_path / "merge.yaml", "--age", identity.recipient)


@pytest.mark.parametrize("args", [["verify"], ["decrypt"], ["decrypt", "--output-type", "json"], ["status"]])
def test_refused_as_sops_refuses_it(sops_identity: AgeIdentity, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    args: list[str]) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    path = _encrypted('"<<": v\nnest: {a: 1}\n', sops_identity, tmp_path)
    assert run_sops(["decrypt", str(path)], {**os.environ}).returncode != 0
    done = sealfile_cli(*args, str(path), env={**os.environ})
    assert done.returncode != 0 and done.stdout == ""
    assert "the top-level '<<' merge key's value is not a mapping" in done.stderr
    with pytest.raises(FormatError):
        sealfile.load_secrets(path)


@pytest.mark.parametrize("text", ["base: &b {x: 1}\n<<: *b\ny: 2\n", "<<: [{x: 1}, {y: 2}]\nz: 1\n"])
def test_merged_mappings_still_open(sops_identity: AgeIdentity, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    text: str) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    path = _encrypted(text, sops_identity, tmp_path)
    assert run_sops(["decrypt", str(path)], {**os.environ}).returncode == 0
    assert sealfile_cli("verify", str(path), env={**os.environ}).returncode == 0


@pytest.mark.parametrize("args", [["verify"], ["decrypt"], ["decrypt", "--output-type", "yaml"]])
def test_a_later_documents_merge_of_a_scalar_is_refused_by_every_reader(
        sops_identity: AgeIdentity, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    """Past the first document yaml.v3 never merges, so sops opens the file and prints ``!!merge <<: x``,
    which no YAML reader reads back; sealfile's decrypt refused it while verify said OK."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    path = _encrypted("a: 1\n---\nb: 2\n<<: x\n", sops_identity, tmp_path)
    assert "!!merge <<: x" in run_sops(["decrypt", str(path)], {**os.environ}).stdout
    done = sealfile_cli(*args, str(path), env={**os.environ})
    assert done.returncode != 0 and done.stdout == ""
    assert done.stderr == (f"sealfile: error: {path}: [\"<<\"]: SOPS YAML file: a '<<' merge key's value is not a "
                           "mapping or a list of mappings\n")


@pytest.mark.parametrize("args", [["decrypt"], ["import-sops"]])
def test_a_nested_merge_of_a_scalar_is_refused_by_its_key_path(
        sops_identity: AgeIdentity, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    """sops writes a JSON key "<<" plain (``db: {<<: ENC[...]}``) and opens the file; ruamel refuses what
    ``sops decrypt`` prints (a merge of a scalar), and so does sealfile, naming where."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    (tmp_path / "plain.json").write_text('{"db": {"user": "u", "<<": 1}}')
    path = sops_encrypt(tmp_path / "plain.json", tmp_path / "merge.yaml", "--age", sops_identity.recipient,
                        "--output-type", "yaml")
    assert run_sops(["decrypt", "--output-type", "json", str(path)], {**os.environ}).returncode == 0
    done = sealfile_cli(*args, str(path), env={**os.environ})
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == (f"sealfile: error: {path}: [\"db\"][\"<<\"]: SOPS YAML file: a '<<' merge key's value is "
                           "not a mapping or a list of mappings\n")
