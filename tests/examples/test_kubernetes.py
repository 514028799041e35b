from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from sealfile.kms.age import AgeKey
from tests.examples.loading import EXAMPLES, seal_example, subprocess_env
from tests.support.k8s_schema import validate_secret_manifest
from tests.support.sealing import seal_with_clock

pytest_plugins = ["tests.support.sealed_files"]

HERE = EXAMPLES / "kubernetes"


@pytest.fixture
def tools(tmp_path: Path) -> Path:
    """A bin directory with ``sealfile`` (this checkout) and a ``kubectl`` that records its calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "sealfile").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m sealfile "$@"\n')
    (bin_dir / "kubectl").write_text(
        '#!/bin/sh\nn=$(ls "$KUBECTL_LOG" | grep -c args)\necho "$*" > "$KUBECTL_LOG/$n.args"\n'
        'if [ "$1 $2 $3" = "apply -f -" ]; then cat > "$KUBECTL_LOG/$n.stdin"; fi\n'
    )
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    return bin_dir


def deploy(sealed: Path, tools: Path, log: Path) -> subprocess.CompletedProcess[str]:
    log.mkdir(exist_ok=True)
    env = subprocess_env(PATH=f"{tools}{os.pathsep}{os.environ['PATH']}", KUBECTL_LOG=str(log))
    return subprocess.run(["sh", str(HERE / "deploy.sh"), str(sealed)], capture_output=True, text=True,
                          env=env, check=False, timeout=120)


def test_deploy_applies_a_valid_secret_the_worker_can_use(age_key: AgeKey, tmp_path: Path, tools: Path) -> None:
    sealed = seal_example("kubernetes/secrets.example.yaml", age_key, tmp_path / "secrets.enc.yaml")
    log = tmp_path / "kubectl"
    done = deploy(sealed, tools, log)
    assert done.returncode == 0, done.stderr
    calls = [(log / f"{n}.args").read_text().strip() for n in range(len(list(log.glob("*.args"))))]
    assert calls == ["apply -f -", f"apply -f {HERE}/deployment.yaml", "-n jobs rollout restart deployment/worker"]

    manifest = validate_secret_manifest((log / "0.stdin").read_text())
    assert manifest["metadata"] == {"name": "worker-secrets", "namespace": "jobs"}
    deployment = YAML(typ="safe").load((HERE / "deployment.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["envFrom"] == [{"secretRef": {"name": "worker-secrets"}}]
    assert deployment["metadata"]["namespace"] == "jobs"

    # What the kubelet would do with envFrom: one variable per data key, base64-decoded.
    env = {key: base64.b64decode(value).decode() for key, value in manifest["data"].items()}
    worker = subprocess.run([sys.executable, str(HERE / "worker.py")], capture_output=True, text=True,
                            env={"PATH": os.environ["PATH"], **env}, check=False, timeout=60)
    assert worker.returncode == 0, worker.stderr
    assert "worker: database db.prod.svc:5432/jobs as worker" in worker.stdout
    assert "w0rker-db-password" not in worker.stdout


def test_deploy_stops_on_stale_secrets(age_key: AgeKey, tmp_path: Path, tools: Path) -> None:
    plaintext = (HERE / "secrets.example.yaml").read_text()
    sealed = tmp_path / "secrets.enc.yaml"
    sealed.write_text(seal_with_clock(plaintext, age_key, int(time.time()) - 100 * 86400))
    log = tmp_path / "kubectl"
    done = deploy(sealed, tools, log)
    assert done.returncode == 3 and "older than 90d" in done.stderr
    assert not list(log.iterdir())  # nothing was applied


def test_dockerfile_runs_the_worker() -> None:
    lines = [line.split(None, 1) for line in (HERE / "Dockerfile").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    instructions = {word: rest for word, rest in lines}
    assert instructions["COPY"] == "worker.py ."
    assert instructions["CMD"] == '["python", "worker.py"]'
    assert "USER" in instructions
