"""A lone UTF-16 surrogate (JSON's "\\ud800" escape with no pair) is not text: one clear error on
every path, never an internal error, and never the value itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import sealfile
from sealfile.errors import FormatError
from sealfile.kms.age import AgeKey
from sealfile.ops.reader import FAST_PATH_ENV
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.cli import cli_env

pytest_plugins = ["tests.support.sealed_files"]


def sealfile_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sealfile", *args], capture_output=True, text=True,
                          env=cli_env(), timeout=60)


@pytest.fixture
def sealed_json(age_key: AgeKey, tmp_path: Path) -> Path:
    path = tmp_path / "s.enc.json"
    path.write_text(seal_text('{"a": "s3cret-value", "b": "x"}', [age_key], store=get_store("json")))
    return path


@pytest.mark.parametrize("command", ["decrypt", "verify", "status", "set", "load"])
def test_a_json_key_with_a_lone_surrogate_is_one_clear_error(sealed_json: Path, command: str) -> None:
    sealed_json.write_text(sealed_json.read_text().replace('"a":', '"\\ud800":', 1))
    if command == "load":
        with pytest.raises(FormatError, match=r"the key '\\ud800' holds a lone surrogate, which is not text"):
            sealfile.load_secrets(sealed_json)
        return
    done = sealfile_cli(*([command, str(sealed_json)] + (["b", "y"] if command == "set" else [])))
    assert done.returncode == 1
    assert done.stderr == (f"sealfile: error: {sealed_json}: invalid JSON: the key '\\ud800' holds a lone "
                           "surrogate, which is not text\n")


def test_a_plaintext_with_a_lone_surrogate_is_refused_naming_the_key(tmp_path: Path, age_key: AgeKey) -> None:
    plain = tmp_path / "p.json"
    plain.write_text('{"list": ["ok", "s3cret-\\udc80"]}')
    done = sealfile_cli("encrypt", "--age", age_key.recipient, str(plain))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.endswith("the value of 'list' holds a lone surrogate, which is not text\n")
    assert "s3cret" not in done.stderr


@pytest.mark.parametrize("fast_path", ["1", "0"])
@pytest.mark.parametrize("escape", ["\\ud800", "\\udc80", "\\U0000D800", "\\ud83d\\ude00"])
def test_a_yaml_surrogate_escape_is_refused_when_sealing(tmp_path: Path, age_key: AgeKey, escape: str,
                                                         fast_path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """libyaml refuses a \\u escape of a surrogate, paired or not (it is not text), and so does the
    pure engine: one meaning for the file, one line naming where, and nothing of the value."""
    monkeypatch.setenv(FAST_PATH_ENV, fast_path)
    plain = tmp_path / "p.yaml"
    plain.write_text(f'ok: fine\nbad: "s3cret-{escape}"\n')
    done = sealfile_cli("encrypt", "--age", age_key.recipient, "-o", str(tmp_path / "s.enc.yaml"), str(plain))
    assert done.returncode == 1 and "s3cret" not in done.stderr and "Traceback" not in done.stderr
    assert done.stderr == (f"sealfile: error: {plain}: invalid YAML at line 2, column 16: found invalid Unicode "
                           "character escape code\n")
    assert not (tmp_path / "s.enc.yaml").exists()
    with pytest.raises(FormatError, match="line 2, column 16: found invalid Unicode character escape code"):
        seal_text(plain.read_text(), [age_key])
