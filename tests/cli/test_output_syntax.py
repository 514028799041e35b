"""An output that is not a file's name (``-o /dev/stdout``, a pipe) says nothing of the syntax it
wants: the output keeps the input's syntax, as standard output does. A file's name still decides."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.cli import cli_env
from tests.support.identities import AgeIdentity

PLAIN = '{"db": {"password": "s3cret-a91"}}\n'


def _sealfile(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sealfile", *args], cwd=cwd, env=cli_env(), capture_output=True,
                          text=True, check=False)


@pytest.fixture
def json_files(age_identity: AgeIdentity, tmp_path: Path) -> Path:
    (tmp_path / "plain.json").write_text(PLAIN)
    (tmp_path / "sealed.enc.json").write_text(seal_text(PLAIN, [age_identity.key], store=get_store("json")))
    return tmp_path


def test_encrypt_to_dev_stdout_keeps_the_input_syntax(json_files: Path, age_identity: AgeIdentity) -> None:
    done = _sealfile("encrypt", "--age", age_identity.recipient, "-o", "/dev/stdout", "plain.json", cwd=json_files)
    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout)) == {"db", "sealfile"}  # it wrote YAML, the default of a name without suffix
    named = _sealfile("encrypt", "--age", age_identity.recipient, "-o", "out.enc.yaml", "plain.json", cwd=json_files)
    assert named.returncode == 0 and (json_files / "out.enc.yaml").read_text().startswith("db:\n")


def test_export_sops_into_a_named_pipe_keeps_the_sealed_files_syntax(json_files: Path) -> None:
    fifo = json_files / "pipe"
    os.mkfifo(fifo)
    read: list[str] = []
    reader = threading.Thread(target=lambda: read.append(fifo.read_text()))
    reader.start()
    done = _sealfile("export-sops", "-o", str(fifo), "sealed.enc.json", cwd=json_files)
    reader.join(timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(read[0])["db"]["password"].startswith("ENC[AES256_GCM,")
