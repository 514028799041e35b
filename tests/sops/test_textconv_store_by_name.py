"""``git diff`` of a SOPS file shows it in the store ``sops`` reads it as, which its name picks: a binary file
(any name but ``.yaml``/``.json``/``.env``/``.ini``, a PEM certificate's ``.pem`` or ``.bin``) is a JSON
envelope whose content is the file; it was shown as a JSON file ``{"data": ...}``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.sops.conftest import AgeIdentity, sealfile_cli, sops_encrypt

PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n"


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_sops_binary_file_is_shown_as_its_content_in_git_diff(sops_identity: AgeIdentity,
                                                                   tmp_path: Path) -> None:
    env = {**os.environ, "SOPS_AGE_KEY_FILE": str(sops_identity.key_file)}
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "t")
    (repo / ".sealfile.yaml").write_text(f"creation_rules:\n  - age: [{sops_identity.recipient}]\n")
    done = subprocess.run([sys.executable, "-m", "sealfile", "git", "install"], cwd=repo, capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    with (repo / ".gitattributes").open("a") as attributes:
        attributes.write("*.pem diff=sealfile\n")
    plain = tmp_path / "cert.pem"
    for number, body in enumerate((PEM, PEM.replace("MIIB", "MIIC"))):
        plain.write_text(body)
        sops_encrypt(plain, repo / "tls.pem", "--age", sops_identity.recipient, env=env)
        _git(repo, "add", "-A")
        _git(repo, "commit", "-qm", f"v{number}")
    shown = subprocess.run(["git", "-C", str(repo), "diff", "HEAD~1", "HEAD"], capture_output=True, text=True,
                           env=env, timeout=120).stdout
    assert "-MIIBszCCAVmgAwIBAgIU\n+MIICszCCAVmgAwIBAgIU\n" in shown, shown
    assert "SOPS binary file" in shown and '"data"' not in shown
    direct = sealfile_cli("git", "textconv", str(repo / "tls.pem"), env=env)
    assert direct.stdout.startswith(PEM.replace("MIIB", "MIIC")), direct.stdout

