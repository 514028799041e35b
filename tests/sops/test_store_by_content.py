"""Deliberately more lenient than ``sops`` (docs/sops-compat.md §1): a SOPS file under a name ``sops`` reads as its
binary envelope is read by its content when it is not that envelope: YAML text as YAML, a JSON tree with no
``data`` string as JSON. ``sops decrypt`` refuses both; sealfile gives the data, verified by the MAC, never a
guess at another store's bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

import sealfile
from tests.sops.conftest import AgeIdentity, run_sops, sealfile_cli

CASES = {  # the file's name, sops's options, what sealfile reads, what it prints
    "yaml-text.enc": (["--input-type", "binary"], {"data": "a: 1\n"}, "data: |\n    a: 1\n"),
    "tree.bin": (["--output-type", "binary"], {"a": 1}, '{\n\t"a": 1\n}\n'),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_sops_refuses_and_sealfile_reads_by_content(name: str, sops_identity: AgeIdentity, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    options, data, printed = CASES[name]
    (tmp_path / "y.yaml").write_text("a: 1\n")
    done = run_sops(["encrypt", "--age", sops_identity.recipient, *options, str(tmp_path / "y.yaml")])
    assert done.returncode == 0, done.stderr
    (tmp_path / name).write_text(done.stdout)
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    assert run_sops(["decrypt", str(tmp_path / name)]).returncode != 0
    assert sealfile.load_secrets(tmp_path / name, redacted=False) == data
    shown = sealfile_cli("decrypt", str(tmp_path / name))
    assert shown.returncode == 0 and shown.stdout == printed, shown.stderr
