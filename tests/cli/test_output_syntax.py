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


@pytest.mark.parametrize(("args", "written"), [
    (["--output-type", "json", "-o", "out.enc.yaml", "plain.json"], "out.enc.yaml"),
    (["--output-type", "dotenv", "-o", "out.enc.json", "plain.env"], "out.enc.json"),
    (["--output-type", "yaml", "-o", "out.enc.env", "plain.env"], "out.enc.env"),
    (["--input-type", "json", "-i", "plain.yaml"], "plain.yaml"),
])
def test_a_sealed_file_is_not_written_in_a_syntax_its_name_denies(args: list[str], written: str,
                                                                  json_files: Path, age_identity: AgeIdentity) -> None:
    """The writer read its output back in the --output-type syntax, every later command by the name: JSON
    sealed into out.enc.yaml passed 'check' but 'set' refused it as YAML ('name the file .json'); dotenv
    in a .json file no command could read. Standard output, and a name that gives no syntax, still take it."""
    (json_files / "plain.env").write_text("DB_PASSWORD=s3cret-a91\n")
    (json_files / "plain.yaml").write_text(PLAIN)
    before = {path.name: path.read_bytes() for path in json_files.iterdir() if path.is_file()}
    done = _sealfile("encrypt", "--age", age_identity.recipient, *args, cwd=json_files)
    assert done.returncode != 0 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(f"sealfile: error: {written}: its name says "), done.stderr
    assert {path.name: path.read_bytes() for path in json_files.iterdir() if path.is_file()} == before
    for fine in (["-o", "out.sealed"], ["-o", "out.enc.json"], []):
        done = _sealfile("encrypt", "--age", age_identity.recipient, "--output-type", "json", *fine, "plain.json",
                         cwd=json_files)
        assert done.returncode == 0, done.stderr


def test_a_dotenv_file_sealed_as_yaml_is_written_not_an_internal_error(json_files: Path,
                                                                        age_identity: AgeIdentity) -> None:
    """The dotenv store's mapping reached the YAML writer, which had no representer for it: an internal
    error (RepresenterError) instead of the sealed file."""
    (json_files / "plain.env").write_text("DB_PASSWORD=s3cret-a91\nPORT=5432\n")
    done = _sealfile("encrypt", "--age", age_identity.recipient, "--output-type", "yaml", "-o", "out.enc.yaml",
                     "plain.env", cwd=json_files)
    assert done.returncode == 0, done.stderr
    back = _sealfile("decrypt", "out.enc.yaml", cwd=json_files)
    assert back.returncode == 0 and back.stdout == 'DB_PASSWORD: s3cret-a91\nPORT: "5432"\n', back.stdout


def test_edit_makes_no_new_file_in_a_syntax_its_name_denies(json_files: Path, age_identity: AgeIdentity) -> None:
    """'edit new.enc.yaml --input-type json' created a JSON file every later command read as YAML."""
    done = subprocess.run([sys.executable, "-m", "sealfile", "edit", "--age", age_identity.recipient, "--input-type",
                           "json", "new.enc.yaml"], cwd=json_files, capture_output=True, text=True, check=False,
                          env=cli_env({"EDITOR": "false", "VISUAL": "false"}))
    assert done.returncode != 0 and "new.enc.yaml: its name says yaml, not json" in done.stderr, done.stderr
    assert not (json_files / "new.enc.yaml").exists()
