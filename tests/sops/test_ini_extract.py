"""``decrypt --extract`` of one value that is not a string from an INI file (or with ``--output-type ini``):
SOPS's INI store prints Go's compact ``json.Marshal`` of it (``1``, ``1e-7``, a time quoted, a list with the
mappings in it as SOPS's own ``{"Key":...,"Value":...}`` items); sealfile refused it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.sops.conftest import AgeIdentity, run_sops, sealfile_cli, sops_encrypt

PLAIN = """\
s:
  i: 1
  f: 1.0e-7
  w: 2.0
  z: -0.0
  b: true
  t: 2024-05-01T10:00:00.123+02:00
  d: 2024-05-01
  s: text
"""
LISTS = "l:\n- 1\n- {x: 2, y: [3], '<&>': null}\n# a comment\n- [x, {y: 1.5}]\nn: null\n"


@pytest.fixture
def files(sops_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Path]:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    (tmp_path / "values.yaml").write_text(PLAIN)
    (tmp_path / "lists.yaml").write_text(LISTS)
    return {
        "ini": sops_encrypt(tmp_path / "values.yaml", tmp_path / "values.ini", "--age", sops_identity.recipient,
                            "--output-type", "ini"),
        "yaml": sops_encrypt(tmp_path / "lists.yaml", tmp_path / "lists.enc.yaml", "--age", sops_identity.recipient),
    }


@pytest.mark.parametrize(("file", "args"), [
    *(("ini", [f'["s"]["{key}"]']) for key in "ifwzbtds"),
    *(("yaml", ["--output-type", "ini", expression])
      for expression in ('["l"]', '["l"][0]', '["l"][1]["y"]', '["n"]')),
])
def test_extract_prints_what_sops_prints(files: dict[str, Path], file: str, args: list[str]) -> None:
    *options, expression = args
    theirs = run_sops(["decrypt", *options, "--extract", expression, str(files[file])], {**os.environ})
    ours = sealfile_cli("decrypt", *options, "--extract", expression, str(files[file]), env={**os.environ})
    assert theirs.returncode == 0, theirs.stderr
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == theirs.stdout
