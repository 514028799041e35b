"""A SOPS dotenv file whose key is no dotenv name to sealfile (``sops`` takes the line ``export ex=1`` as the
key ``export ex``, and any text before ``=``: ``Ä_KEY``): ``import-sops`` to a sealed dotenv file refuses it
in one line that names the key and the conversion that holds it (a sealed YAML file), which works."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.sops.conftest import AgeIdentity, run_sops, sealfile_cli, sops_encrypt


@pytest.mark.parametrize("line", ["export ex=1", "Ä_KEY=ü", "1ST=x", "a b=c"])
def test_a_key_no_sealed_dotenv_file_holds_names_the_import_that_works(line: str, sops_identity: AgeIdentity,
                                                                        tmp_path: Path) -> None:
    env = {**os.environ, "SOPS_AGE_KEY_FILE": str(sops_identity.key_file)}
    plain = tmp_path / "plain.env"
    plain.write_text(f"OK=1\n{line}\n")
    sops_file = sops_encrypt(plain, tmp_path / "app.env", "--age", sops_identity.recipient)
    before = sops_file.read_bytes()
    for args in (("-i",), ("-o", str(tmp_path / "app.enc.env"))):
        done = sealfile_cli("import-sops", str(sops_file), *args, env=env)
        assert done.returncode == 1 and len(done.stderr.splitlines()) == 1, done.stderr
        assert line.split("=")[0] in done.stderr and ".enc.yaml" in done.stderr, done.stderr
    assert sops_file.read_bytes() == before and not (tmp_path / "app.enc.env").exists()
    sealed = tmp_path / "app.enc.yaml"
    done = sealfile_cli("import-sops", str(sops_file), "-o", str(sealed), env=env)
    assert done.returncode == 0, done.stderr
    back = tmp_path / "back.env"
    done = sealfile_cli("export-sops", str(sealed), "-o", str(back), env=env)
    assert done.returncode == 0, done.stderr
    shown = [run_sops(["decrypt", str(file)], env) for file in (back, sops_file)]
    assert shown[0].returncode == 0 and shown[0].stdout == shown[1].stdout, shown[0].stderr
