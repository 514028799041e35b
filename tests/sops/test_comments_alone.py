"""A document holding only comments (a dotenv file of comments, a YAML document of them) is printed as yaml.v3
prints it, its comments before ``{}``; and each later YAML document starts with ``---`` on its own line
(``--- {}`` before). sealfile left such comments out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.sops.conftest import AgeIdentity, run_sops, sealfile_cli, sops_encrypt

DOCUMENTS = {
    "comments.env": "# only\n# comments\n",
    "several.yaml": "a: 1\n---\n# c\n{}\n---\n---\nb: [1]\n",
    "comments.yaml": "# x\n---\n# y\n",
}


@pytest.mark.parametrize("name", list(DOCUMENTS))
@pytest.mark.parametrize("output", [[], ["--output-type", "yaml"]])
def test_printed_as_sops_prints_them(name: str, output: list[str], sops_identity: AgeIdentity, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    plain = tmp_path / name
    plain.write_text(DOCUMENTS[name])
    encrypted = sops_encrypt(plain, tmp_path / f"enc.{name}", "--age", sops_identity.recipient)
    theirs = run_sops(["decrypt", *output, str(encrypted)], {**os.environ})
    ours = sealfile_cli("decrypt", *output, str(encrypted), env={**os.environ})
    assert theirs.returncode == 0, theirs.stderr
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == theirs.stdout
