"""A SOPS dotenv file decrypted in its own syntax is a dotenv text too: its names are checked as a sealed
file's are (``tests/cli/test_dotenv_names_checked.py``). Without trusted signers sealfile reads SOPS files, and
anyone can write one for the team's age key: ``BASH_ENV`` in it reached ``set -a; . <(sealfile decrypt app.env)``.
Real sops, age and bash."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.sops.conftest import AgeIdentity, sealfile_cli, sops_encrypt


def test_a_sops_dotenv_files_hook_is_refused_in_its_own_syntax(sops_identity: AgeIdentity, tmp_path: Path) -> None:
    env = {**os.environ, "SOPS_AGE_KEY_FILE": str(sops_identity.key_file)}
    env.pop("SEALFILE_AGE_KEY", None)
    marker, script, source = tmp_path / "CODE-RAN", tmp_path / "hook.sh", tmp_path / "plain.env"
    script.write_text(f"touch {marker}\n")
    source.write_text(f"DB_PASSWORD=hunter2\nBASH_ENV={script}\n")
    path = sops_encrypt(source, tmp_path / "app.env", "--age", sops_identity.recipient)
    done = sealfile_cli("decrypt", str(path), env=env)
    shown = tmp_path / "shown.env"
    shown.write_text(done.stdout)
    subprocess.run(["bash", "-c", f'set -a; . "{shown}"; bash -c true'], capture_output=True, check=False)
    assert not marker.exists()  # without the check: decrypt printed BASH_ENV=..., and the next bash ran it
    assert (done.returncode, done.stdout) == (1, "") and "would set BASH_ENV" in done.stderr
    assert "hunter2" not in done.stderr
    allowed = sealfile_cli("decrypt", "--allow-env", "BASH_ENV", str(path), env=env)
    assert allowed.returncode == 0 and "DB_PASSWORD=hunter2\n" in allowed.stdout, allowed.stderr


def test_a_sops_dotenv_files_names_are_read_as_sops_reads_them(sops_identity: AgeIdentity, tmp_path: Path) -> None:
    """sops keeps a dotenv value's quotes as its text (``C='it''s'``), which python-dotenv refuses to read: the names
    are taken from the file as sops reads it, so decrypt prints what ``sops decrypt`` prints, and still refuses a hook
    written beside such a value."""
    env = {**os.environ, "SOPS_AGE_KEY_FILE": str(sops_identity.key_file)}
    env.pop("SEALFILE_AGE_KEY", None)
    source = tmp_path / "plain.env"
    source.write_text("A=1\nC='it''s'\n")
    path = sops_encrypt(source, tmp_path / "app.env", "--age", sops_identity.recipient)
    done = sealfile_cli("decrypt", str(path), env=env)
    assert (done.returncode, done.stdout) == (0, "A=1\nC='it''s'\n"), done.stderr
    source.write_text("C='it''s'\nBASH_ENV=./hook.sh\n")
    path = sops_encrypt(source, tmp_path / "hook.env", "--age", sops_identity.recipient)
    refused = sealfile_cli("decrypt", str(path), env=env)
    assert (refused.returncode, refused.stdout) == (1, "") and "would set BASH_ENV" in refused.stderr
