from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import dotenv
import pytest
from click.testing import CliRunner

import sealfile
from sealfile.cli import commands  # noqa: F401  (registers the commands)
from sealfile.cli.app import cli
from sealfile.kms.age import AgeKey
from sealfile.model.scalars import same_data
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.cli import RunCli
from tests.support.k8s_schema import validate_secret_manifest
from tests.support.sealing import SealFile

pytest_plugins = ["tests.support.sealed_files"]

PLAINTEXT = """\
# the application's database
database:
  # kept quoted
  password: 'pa$$ word'
  port: 5432
tls:
  key: |
    -----BEGIN KEY-----
    MIIabc
    -----END KEY-----
"""
FLAT = {
    "DATABASE_PASSWORD": "pa$$ word", "DATABASE_PORT": "5432",
    "TLS_KEY": "-----BEGIN KEY-----\nMIIabc\n-----END KEY-----\n",
}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_yaml_is_the_default_and_keeps_the_layout(seal_file: SealFile) -> None:
    code, out, _ = run("decrypt", str(seal_file(PLAINTEXT)))
    assert code == 0 and out == PLAINTEXT
    code, same, _ = run("decrypt", "--output-type", "yaml", str(seal_file(PLAINTEXT, name="b.enc.yaml")))
    assert same == PLAINTEXT


def test_json(seal_file: SealFile) -> None:
    code, out, _ = run("decrypt", "--output-type", "json", str(seal_file(PLAINTEXT)))
    assert code == 0 and json.loads(out)["database"] == {"password": "pa$$ word", "port": 5432}


def test_json_keeps_every_digit_and_names_integers_javascript_reads_rounded(seal_file: SealFile) -> None:
    """JSON has no integer limit and Python's json, Go's json.Number and jq 1.7 read every digit, so they
    are written as they are; JavaScript's JSON.parse reads a number as a double, so one no double holds
    (9007199254740993 became ...992) is named on stderr, by key path, never by value."""
    plaintext = ("a: 9007199254740993\nexact: 9007199254740992\nbig_double: 1152921504606846976\n"
                 "c:\n  d: [1, -18446744073709551615]\nhuge: 1" + "0" * 400 + "\ntext: '9007199254740993'\n")
    path = seal_file(plaintext)
    code, out, err = run("decrypt", "--output-type", "json", str(path))
    assert code == 0 and same_data(json.loads(out), sealfile.load_secrets(path, redacted=False))
    assert err.count("\n") == 1 and "note" in err and "JavaScript" in err
    assert err.rstrip().endswith(": a, c.d.1, huge (quote them to keep them as text)")
    assert "9007199254740993" not in err
    code, out, err = run("decrypt", "--output-type", "json", str(seal_file("a: 9007199254740992\nb: 1.5\n",
                                                                       name="ok.enc.yaml")))
    assert code == 0 and err == ""


def test_format_is_still_read_as_the_old_spelling_of_output_type(seal_file: SealFile) -> None:
    path = str(seal_file(PLAINTEXT))
    assert run("decrypt", "--format", "json", path) == run("decrypt", "--output-type", "json", path)
    assert "--format" not in run("decrypt", "--help")[1]  # one documented way


def test_dotenv(seal_file: SealFile) -> None:
    code, out, _ = run("decrypt", "--output-type", "dotenv", str(seal_file(PLAINTEXT)))
    assert code == 0
    assert dict(dotenv.dotenv_values(stream=io.StringIO(out), interpolate=False)) == FLAT


def test_dotenv_names_the_values_nodes_dotenv_reads_otherwise(seal_file: SealFile) -> None:
    """npm's dotenv undoes no \\\\ or \\" in double quotes (only \\n, as a line break): a Windows path with
    an apostrophe (``C:\\Users\\O'Brien\\new``) came out to a Node application as other text, unsaid.
    The output stays as python-dotenv and a shell read it; the key paths are named on stderr, never the values."""
    from tests.support.node_dotenv import node_reads

    plaintext = ("db:\n  path: 'C:\\Users\\O''Brien\\new'\n  quoted: 'say \"hi\" it''s'\n"
                 "  plain: \"it's\"\ntoken: 'ends \\'\n")
    code, out, err = run("decrypt", "--output-type", "dotenv", str(seal_file(plaintext)))
    assert code == 0
    written = dict(dotenv.dotenv_values(stream=io.StringIO(out), interpolate=False))
    assert written["DB_PATH"] == "C:\\Users\\O'Brien\\new" and written["DB_PLAIN"] == "it's"
    assert node_reads(out)["DB_PATH"] != written["DB_PATH"] and node_reads(out)["DB_PLAIN"] == "it's"
    assert err.count("\n") == 1 and "Node's dotenv" in err
    assert err.rstrip().endswith(": db.path, db.quoted, token (python-dotenv and a shell read them as written)")
    assert "Brien" not in err and "hi" not in err
    code, out, err = run("decrypt", "--output-type", "dotenv", str(seal_file("a: it's\n", name="ok.enc.yaml")))
    assert code == 0 and err == ""


def test_refusals_and_notes_of_an_extracted_subtree_name_the_files_key_paths(seal_file: SealFile,
                                                                              run_cli: RunCli) -> None:
    """With --extract db, a refused value was named by its path inside the subtree (``cr``, ``0`` for
    ``db.hosts.0``, ``[""]``): a path the file does not have, or another value's (a top-level ``cr``)."""
    path = seal_file('cr: fine\ndb:\n  hosts: [a]\n  cr: "a\\rb"\n  win: "O\'Brien\\\\x"\n  n: 9007199254740993\n')
    cases = [
        (["--output-type", "dotenv", "--extract", "db"], "db.cr: holds a carriage return"),
        (["--output-type", "k8s-secret", "--name", "s", "--extract", "db.hosts"],
         "db.hosts.0: gives the name 0, which starts with a digit"),
    ]
    for args, refusal in cases:
        code, _, err = run("decrypt", *args, str(path))
        assert code == 1 and err.startswith(f"sealfile: error: {path}: {refusal}"), err
    code, _, err = run("decrypt", "--output-type", "dotenv", "--extract", "db", "--prefix", "X_",
                       str(seal_file('db:\n  win: "O\'Brien\\\\x"\n', name="w.enc.yaml")))
    assert code == 0 and err.rstrip().endswith(": db.win (python-dotenv and a shell read them as written)"), err
    code, _, err = run("decrypt", "--output-type", "json", "--extract", "db", str(path))
    assert code == 0 and err.rstrip().endswith(": db.n (quote them to keep them as text)"), err
    done = run_cli("exec", "--extract", "db.hosts", path, "--", "true")
    assert done.returncode == 1 and f"{path}: db.hosts.0: gives the name 0" in done.stderr, done.stderr
    with pytest.raises(sealfile.SealfileError, match=r": db\.hosts\.0: gives the name 0"):
        sealfile.load_env(path, extract="db.hosts")


def test_dotenv_with_prefix_and_extract(seal_file: SealFile) -> None:
    code, out, _ = run("decrypt", "--output-type", "dotenv", "--prefix", "APP_", "--extract", "database",
                       str(seal_file(PLAINTEXT)))
    assert code == 0 and out == "APP_PASSWORD='pa$$ word'\nAPP_PORT='5432'\n"


def test_dotenv_output_of_a_dotenv_file_has_load_envs_names_and_the_prefix(age_key: AgeKey, tmp_path: Path,
                                                                            run_cli: RunCli) -> None:
    """As for every other file: the names exec and load_env give (db.url -> DB_URL), --prefix applied;
    the file's own text, layout kept, is what decrypt prints without --output-type."""
    plaintext = "db.url=x  # a comment\nexport K='1'\n"
    path = str(tmp_path / "app.env")
    Path(path).write_text(seal_text(plaintext, [age_key], store=get_store("dotenv")), encoding="utf-8")
    assert run("decrypt", path)[1] == plaintext
    assert run("decrypt", "--output-type", "dotenv", path)[1] == "DB_URL='x'\nK='1'\n"
    assert run("decrypt", "--output-type", "dotenv", "--prefix", "APP_", path)[1] == "APP_DB_URL='x'\nAPP_K='1'\n"
    result = run_cli("decrypt", "--output-type", "dotenv", "--prefix", "APP_", path)  # the fast path too
    assert result.stdout == "APP_DB_URL='x'\nAPP_K='1'\n"


def test_k8s_secret(seal_file: SealFile, tmp_path: Path) -> None:
    target = tmp_path / "secret.yaml"
    code, _, _ = run("decrypt", "--output-type", "k8s-secret", "--name", "web-secrets", "--namespace", "prod",
                     "-o", str(target), str(seal_file(PLAINTEXT)))
    assert code == 0 and target.stat().st_mode & 0o777 == 0o600
    manifest = validate_secret_manifest(target.read_text())
    assert manifest["metadata"] == {"name": "web-secrets", "namespace": "prod"}
    assert {k: base64.b64decode(v).decode() for k, v in manifest["data"].items()} == FLAT


@pytest.mark.parametrize(("args", "complaint"), [
    (["--output-type", "k8s-secret"], "needs --name"),
    (["--output-type", "json", "--name", "x"], "go with --output-type k8s-secret"),
    (["--prefix", "APP_"], "--prefix and --allow-env go with"),
    (["--allow-env", "PATH"], "--prefix and --allow-env go with"),
    (["--output-type", "toml"], "Invalid value for '--output-type'"),
])
def test_usage_errors(seal_file: SealFile, args: list[str], complaint: str) -> None:
    code, _, err = run("decrypt", *args, str(seal_file(PLAINTEXT)))
    assert code == 2 and complaint in err


@pytest.mark.parametrize(("args", "flag"), [(["--name", "Web_Secrets"], "--name"),
                                           (["--name", "web", "--namespace", "Prod.x"], "--namespace")])
def test_invalid_k8s_name_is_a_usage_error(seal_file: SealFile, tmp_path: Path, args: list[str], flag: str) -> None:
    """An invalid option value is exit 2, found before anything is read (the README's exit status table)."""
    for path in (str(seal_file(PLAINTEXT)), str(tmp_path / "absent.enc.yaml")):
        code, out, err = run("decrypt", "--output-type", "k8s-secret", *args, path)
        assert code == 2 and out == ""
        assert err.startswith(f"sealfile: error: Invalid value for '{flag}': not a valid Kubernetes ")
        assert args[-1] in err and err.count("\n") == 1


def test_a_scalar_cannot_be_dotenv(seal_file: SealFile) -> None:
    code, _, err = run("decrypt", "--output-type", "dotenv", "--extract", "database.port", str(seal_file(PLAINTEXT)))
    assert code == 1 and "flattened" in err


def test_subprocess_k8s_secret_to_stdout(seal_file: SealFile) -> None:
    path = seal_file(PLAINTEXT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run(
        [sys.executable, "-m", "sealfile", "decrypt", "--output-type", "k8s-secret", "--name", "web", str(path)],
        capture_output=True, text=True, env=env, check=False, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert validate_secret_manifest(done.stdout)["metadata"]["name"] == "web"


@pytest.mark.parametrize("output_type", [[], ["--output-type", "yaml"], ["--output-type", "json"]])
def test_one_extracted_value_prints_alike_from_every_syntax_and_output_type(
        seal_file: SealFile, age_key: AgeKey, tmp_path: Path, output_type: list[str]) -> None:
    """It printed raw from a file of the output's own syntax but as a document from another (``"yes"``
    then ``...`` for YAML, ``"yes"`` for JSON) or from several files."""
    yaml_file = str(seal_file("word: 'yes'\nlines: \"a  \\nb\\n\"\nhalf: 0.5\n"))
    json_path = tmp_path / "s.enc.json"
    json_path.write_text(seal_text('{"word": "yes", "lines": "a  \\nb\\n", "half": 0.5}\n', [age_key],
                                   store=get_store("json")))
    json_file = str(json_path)
    for key, shown in (("word", "yes"), ("lines", "a  \nb\n"), ("half", "0.5\n")):
        for files in ([yaml_file], [json_file], [yaml_file, json_file]):
            code, out, _ = run("decrypt", "--extract", key, *output_type, *files)
            assert (code, out) == (0, shown), (key, files)


@pytest.mark.parametrize("output_type", [["--output-type", "dotenv"], ["--output-type", "k8s-secret", "--name", "web"]])
def test_a_name_load_env_refuses_is_refused_in_the_outputs_that_become_an_environment(
        seal_file: SealFile, output_type: list[str]) -> None:
    """The dotenv and Kubernetes outputs wrote LD_PRELOAD, NODE_OPTIONS or HTTPS_PROXY from the file, which
    load_env and exec refuse: sourced, or given to a Pod with envFrom, they ran code or redirected traffic."""
    path = str(seal_file("db_password: s3cret\napp:\n  x: 1\nnode_options: --inspect=0.0.0.0:9229\n"))
    code, out, err = run("decrypt", *output_type, path)
    assert (code, out) == (1, "")
    assert err == (f"sealfile: error: {path}: node_options: would set NODE_OPTIONS, which changes how programs start "
                   "or where they connect; refused (put a prefix in front of the names, or allow NODE_OPTIONS "
                   "explicitly)\n")
    for escape in (["--prefix", "APP_"], ["--allow-env", "NODE_OPTIONS"]):
        code, out, err = run("decrypt", *output_type, *escape, path)
        assert code == 0, err
        assert ("NODE_OPTIONS=" in out) if output_type[1] == "dotenv" else ("NODE_OPTIONS: " in out)


EVERY_KIND = """\
inf: .inf
minus_inf: -.Inf
nan: .NaN
float: 1.0e+20
when: 2001-12-14 21:59:43.10 -5
day: 2001-12-14
blob: !!binary aGVsbG8=
nothing: ~
yes_: yes
"""


def test_an_extracted_value_reads_back_as_itself_and_is_the_text_the_environment_gets(seal_file: SealFile) -> None:
    """An extracted infinity or NaN printed as ``inf``/``nan``, which YAML reads as strings, and a time
    printed with a space where the environment names got ``T``: two spellings of one value."""
    from sealfile.stores.yaml.reader import load_fast

    path = str(seal_file(EVERY_KIND))
    data = load_fast(EVERY_KIND)
    code, env_text, _ = run("decrypt", "--output-type", "dotenv", "--prefix", "X_", path)
    environment = dotenv.dotenv_values(stream=io.StringIO(env_text), interpolate=False)
    for key, value in data.items():
        code, out, err = run("decrypt", "--extract", key, path)
        assert code == 0, err
        if not isinstance(value, (str, bytes)):
            assert same_data(load_fast(f"v: {out}")["v"], value), key
        if value is not None:
            assert out.removesuffix("\n") == environment[f"X_{key.upper()}"], key
