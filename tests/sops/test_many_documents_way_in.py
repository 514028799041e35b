"""A YAML file of several documents, as ``sops encrypt`` writes it (a trailing ``---`` makes an empty second
one): sealfile reads it, and every refusal to change or convert it names a way that works, not
``import-sops -i``, which refuses it in turn."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.sops.conftest import AgeIdentity, sealfile_cli, sops_encrypt


@pytest.mark.parametrize("plain", ["a: 1\n---\nb: 2\n", "a: 1\n---\n"])
def test_every_refusal_of_a_file_of_several_documents_names_what_works(plain: str, sops_identity: AgeIdentity,
                                                                       tmp_path: Path) -> None:
    env = {**os.environ, "SOPS_AGE_KEY_FILE": str(sops_identity.key_file)}
    source = tmp_path / "plain.yaml"
    source.write_text(plain)
    sops_file = sops_encrypt(source, tmp_path / "app.yaml", "--age", sops_identity.recipient)
    before = sops_file.read_bytes()
    shown = sealfile_cli("decrypt", str(sops_file), env=env)
    assert shown.returncode == 0 and shown.stdout.startswith("a: 1\n---\n"), shown.stderr
    for args in (("set", str(sops_file), "a", "2"), ("import-sops", "-i", str(sops_file)),
                 ("import-sops", str(sops_file), "-o", str(tmp_path / "x.enc.yaml"))):
        done = sealfile_cli(*args, env=env)
        assert done.returncode == 1 and len(done.stderr.splitlines()) == 1, args
        assert "import-sops -i" not in done.stderr and "split" in done.stderr, done.stderr
        assert str(sops_file) in done.stderr
    assert sops_file.read_bytes() == before and not (tmp_path / "x.enc.yaml").exists()
