"""``-`` is standard input or output wherever a command reads or writes one file, as Unix tools use it;
where it cannot be (an identity file, a file replaced in place), it is refused, never taken as a file
called ``-``."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from sealfile.stores.yaml.reader import load_fast
from tests.support.cli import RunCli, cli_env
from tests.support.identities import AgeIdentity

PLAINTEXT = "db:\n  password: dash-secret\n"


@pytest.fixture
def sealed(tmp_path: Path, age_identity: AgeIdentity) -> Path:
    path = tmp_path / "app.enc.yaml"
    path.write_text(seal_text(PLAINTEXT, [age_identity.key]))
    return path


def test_export_and_import_write_to_standard_output_for_dash(sealed: Path, run_cli: RunCli, tmp_path: Path) -> None:
    exported = run_cli("export-sops", sealed, "-o", "-", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert "sops" in load_fast(exported.stdout)
    imported = run_cli("import-sops", "-", "-o", "-", input=exported.stdout, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "sealfile" in load_fast(imported.stdout)
    decrypted = run_cli("decrypt", "-", input=imported.stdout, cwd=tmp_path)
    assert load_fast(decrypted.stdout) == load_fast(PLAINTEXT)
    assert not (tmp_path / "-").exists()


def test_exec_reads_the_sealed_file_from_standard_input_for_dash(sealed: Path, run_cli: RunCli) -> None:
    code = "import json, os; print(json.dumps(os.environ['DB_PASSWORD']))"
    done = run_cli("exec", "-", "--", "python3", "-c", code, input=sealed.read_text())
    assert (done.returncode, json.loads(done.stdout)) == (0, "dash-secret"), done.stderr


@pytest.mark.parametrize("args", [["--output-type", "json"], ["--output-type", "dotenv"], ["--output-type", "yaml"],
                                  ["--output-type", "k8s-secret", "--name", "app"], ["--extract", "db"],
                                  ["--output-type", "json", "--extract", "db"], []], ids=" ".join)
@pytest.mark.parametrize("how", ["-", "<(cat FILE)"])
@pytest.mark.parametrize("syntax", ["yaml", "dotenv"])
def test_decrypt_reads_a_pipe_once_in_every_output_syntax(args: list[str], how: str, syntax: str, sealed: Path,
                                                          tmp_path: Path, age_identity: AgeIdentity) -> None:
    """``... | sealfile decrypt - --output-type json`` (or ``decrypt <(...)``) read the pipe a second time
    to convert the syntax, found it empty and said 'not a sealed file'."""
    if syntax == "dotenv":
        if "db" in args:
            pytest.skip("a dotenv file has no subtree")
        sealed = tmp_path / "app.enc.env"
        sealed.write_text(seal_text("DB=dash-secret\n", [age_identity.key], store=get_store("dotenv")))
    sealfile = f"{shlex.quote(sys.executable)} -m sealfile decrypt --input-type {syntax}"
    rest = " ".join(map(shlex.quote, args))
    source = "-" if how == "-" else f"<(cat {shlex.quote(str(sealed))})"
    piped = subprocess.run(["bash", "-c", f"cat {shlex.quote(str(sealed))} | {sealfile} {source} {rest}"],
                           capture_output=True, text=True, env=cli_env(), timeout=60)
    named = subprocess.run(["bash", "-c", f"{sealfile} {shlex.quote(str(sealed))} {rest}"],
                           capture_output=True, text=True, env=cli_env(), timeout=60)
    assert piped.returncode == named.returncode == 0, piped.stderr
    assert piped.stdout == named.stdout and ("dash-secret" in piped.stdout or "ZGFzaC1zZWNyZXQ=" in piped.stdout)


@pytest.mark.parametrize("args", [["keygen", "-o", "-"], ["import-sops", "-i", "-"], ["export-sops", "-i", "-"]],
                         ids=" ".join)
def test_dash_where_no_stream_can_be_is_a_usage_error(args: list[str], run_cli: RunCli, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    done = run_cli(*args, input="", cwd=work)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert list(work.iterdir()) == []
