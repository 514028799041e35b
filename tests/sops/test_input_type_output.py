"""``--input-type`` on a SOPS file under another name (docs/sops-compat.md): sealfile's output type follows it,
where ``sops decrypt`` takes it from the name (binary for ``.txt``) and fails; with ``--output-type`` both agree."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support.cli import RunCli


def test_a_dotenv_file_under_another_name_decrypts_as_dotenv(tmp_path: Path, run_cli: RunCli) -> None:
    key = tmp_path / "key.txt"
    subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
    recipient = next(line.split()[-1] for line in key.read_text().splitlines() if "public key" in line)
    env = {**os.environ, "SOPS_AGE_KEY_FILE": str(key), "SEALFILE_AGE_KEY_FILE": str(key)}
    (tmp_path / "app.env").write_text("A=1\nB=two\n")
    sealed = subprocess.run(["sops", "encrypt", "--age", recipient, "app.env"], cwd=tmp_path, env=env,
                            check=True, capture_output=True, text=True).stdout
    (tmp_path / "app.txt").write_text(sealed)
    sops = ["sops", "decrypt", "--input-type", "dotenv"]
    assert subprocess.run([*sops, "app.txt"], cwd=tmp_path, env=env, capture_output=True).returncode != 0
    both = subprocess.run([*sops, "--output-type", "dotenv", "app.txt"], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert both.stdout == "A=1\nB=two\n"
    for extra in ([], ["--output-type", "dotenv"]):
        ours = run_cli("decrypt", "--input-type", "dotenv", *extra, "app.txt", cwd=tmp_path, env=env)
        assert (ours.returncode, ours.stdout) == (0, both.stdout), ours.stderr
