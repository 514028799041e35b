"""A SOPS INI file's ``;`` and ``#`` comments, carried into the sealed file by ``import-sops`` (as YAML
comments), come back in ``decrypt --output-type ini`` and ``decrypt -o x.ini`` where ``sops decrypt`` of the
SOPS file printed them; they were dropped (the INI was rendered from the data alone)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.sops.conftest import AgeIdentity, run_sops, sealfile_cli, sops_encrypt

INI = ("; who connects\n[db]\n# the user\nuser = admin\n; the secret\npassword = s3cret ; inline\n\n"
       "# the front end\n[web]\nport = 80\n")


@pytest.mark.parametrize("how", [["--output-type", "ini"], ["-o", "x.ini"]])
def test_comments_come_back_as_sops_decrypt_printed_them(sops_identity: AgeIdentity, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch, how: list[str]) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plain.ini").write_text(INI)
    sops_file = sops_encrypt(tmp_path / "plain.ini", tmp_path / "app.sops.ini", "--age", sops_identity.recipient)
    shown = run_sops(["decrypt", str(sops_file)]).stdout
    assert shown.count(";") == 5  # sops prints every comment (the inline one too) with ";"
    imported = sealfile_cli("import-sops", str(sops_file), "-o", "app.enc.yaml", env={**os.environ})
    assert imported.returncode == 0, imported.stderr
    done = sealfile_cli("decrypt", *how, "app.enc.yaml", env={**os.environ})
    assert done.returncode == 0, done.stderr
    assert (done.stdout if how[0] != "-o" else (tmp_path / "x.ini").read_text()) == shown


def test_a_sealed_yaml_files_comments_go_where_go_ini_keeps_them(sops_identity: AgeIdentity, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Before a section, or after its last key: the section's; before a key: the key's; the file's last: last."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    (tmp_path / "c.yaml").write_text("# head\nDEFAULT: {}\n# top\ndb:\n  user: a # inline\n  # after\n"
                                     "web: {p: 1}\n# end\n")
    sealed = tmp_path / "c.enc.yaml"
    assert sealfile_cli("encrypt", "--age", sops_identity.recipient, str(tmp_path / "c.yaml"), "-o", str(sealed),
                        env={**os.environ}).returncode == 0
    done = sealfile_cli("decrypt", "--output-type", "ini", str(sealed), env={**os.environ})
    assert done.stdout == "; head\n; top\n[db]\n; inline\nuser = a\n\n; after\n[web]\np = 1\n; end\n", done.stderr
