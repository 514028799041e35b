"""A unique secret goes through every command; afterwards no file anywhere we look contains it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import sealfile
from sealfile.kms.age import add_identity


def files_containing(roots: list[Path], needles: list[bytes]) -> list[str]:
    hits = []
    for root in roots:
        if not root.exists():
            continue
        for dirpath, _, names in os.walk(root):
            for name in names:
                path = Path(dirpath) / name
                try:
                    if path.is_symlink() or not path.is_file() or path.stat().st_size > 50_000_000:
                        continue
                    data = path.read_bytes()
                except OSError:
                    continue
                hits += [f"{path}: {needle.decode()}" for needle in needles if needle in data]
    return hits


def test_canary_never_reaches_a_disk(tmp_path: Path) -> None:
    home, repo, tmp = tmp_path / "home", tmp_path / "repo", tmp_path / "tmp"
    for directory in (home, repo, tmp):
        directory.mkdir(exist_ok=True)
    src = str(Path(sealfile.__file__).resolve().parents[1])
    env = {
        **os.environ,
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "SEALFILE_AGE_KEY_FILE": str(home / "keys.txt"),
        "PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p),
    }
    env.pop("SEALFILE_AGE_KEY", None)
    recipient = add_identity(home / "keys.txt")
    canaries = [f"canary-{uuid.uuid4().hex}" for _ in range(3)]

    def run(*args: str, input: str | None = None, extra: dict[str, str] | None = None) -> str:
        result = subprocess.run([sys.executable, "-m", "sealfile", *args], input=input, capture_output=True,
                                text=True, env={**env, **(extra or {})}, cwd=repo, timeout=120)
        assert result.returncode == 0, result.stderr
        assert not any(c in result.stderr for c in canaries)
        return result.stdout

    secrets = repo / "secrets.enc.yaml"
    secrets.write_text(f"db:\n  password: {canaries[0]}\n")
    run("encrypt", "--age", recipient, "-i", str(secrets))

    editor = tmp_path / "editor.py"  # outside every scanned root: it holds the canary in its source
    editor.write_text(f"import sys\nopen(sys.argv[1], 'a').write('api_key: {canaries[1]}\\n')\n")
    run("edit", str(secrets), extra={"EDITOR": f"{sys.executable} {editor}"})
    run("set", str(secrets), "token", input=canaries[2])
    checker = f"import os, sys; sys.exit(0 if os.environ['TOKEN'] == {canaries[2]!r} else 3)"
    run("exec", str(secrets), "--", sys.executable, "-c", checker)
    plaintext = run("decrypt", str(secrets))
    assert all(c in plaintext for c in canaries)
    run("rotate", str(secrets))
    run("verify", str(secrets))

    roots = [repo, home, tmp, Path("/dev/shm")]
    if os.environ.get("XDG_RUNTIME_DIR"):
        roots.append(Path(os.environ["XDG_RUNTIME_DIR"]))
    assert files_containing(roots, [c.encode() for c in canaries]) == []
