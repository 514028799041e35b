"""INI keys and values starting or ending in a character Python's ``str.strip`` takes for a blank and Go's
``strings.TrimSpace`` (go-ini, so sops) does not (U+001C-U+001F), or that both take (U+0085, U+00A0, U+2028,
U+3000...): sealfile read ``k = a\\x1c`` as ``a`` where sops reads ``a\\x1c``, and quoted such a value where sops
does not. Compared with the real ``sops``, reading its files and printing INI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sealfile.sops.initree import ini_value_text, read_ini
from sealfile.sops.nodes import plain
from tests.sops.conftest import AgeIdentity, run_sops, sealfile_cli, sops_encrypt

GO_NOT_SPACE = "\x1c\x1d\x1e\x1f"
BOTH_SPACE = "\x85\xa0\u1680\u2000\u2028\u2029\u202f\u205f\u3000"
VALUES = {f"v{index}{end}": (f"a{char}" if end == "e" else f"{char}b")
          for index, char in enumerate(GO_NOT_SPACE + BOTH_SPACE) for end in "se"}
KEYS = {f"k{char}": "1" for char in GO_NOT_SPACE}  # a key's Go blanks at its end cannot be written: refused


@pytest.fixture
def env(sops_identity: AgeIdentity) -> dict[str, str]:
    return {**os.environ, "SOPS_AGE_KEY_FILE": str(sops_identity.key_file)}


@pytest.mark.parametrize("data", [VALUES, KEYS], ids=["values", "keys"])
def test_a_sops_ini_file_reads_and_prints_as_sops_reads_and_prints_it(
        data: dict[str, str], sops_identity: AgeIdentity, env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "plain.json").write_text(json.dumps({"s": data}))
    sops_file = sops_encrypt(tmp_path / "plain.json", tmp_path / "app.ini", "--age", sops_identity.recipient,
                             "--output-type", "ini", env=env)
    for how in ([], ["--output-type", "json"]):
        shown = run_sops(["decrypt", *how, str(sops_file)], env)
        assert shown.returncode == 0, shown.stderr
        done = sealfile_cli("decrypt", *how, str(sops_file), env=env)
        assert done.returncode == 0, done.stderr
        assert done.stdout == shown.stdout
    assert json.loads(shown.stdout)["s"] == data  # sops itself reads back what it wrote


@pytest.mark.parametrize("data", [VALUES, KEYS], ids=["values", "keys"])
def test_a_sealed_files_ini_output_is_spelled_as_sops_prints_it(
        data: dict[str, str], sops_identity: AgeIdentity, env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text(json.dumps({"s": data}))
    sealed = tmp_path / "c.enc.json"
    assert sealfile_cli("encrypt", "--age", sops_identity.recipient, str(tmp_path / "c.json"), "-o", str(sealed),
                        env=env).returncode == 0
    sops_file = sops_encrypt(tmp_path / "c.json", tmp_path / "s.json", "--age", sops_identity.recipient, env=env)
    shown = run_sops(["decrypt", "--output-type", "ini", str(sops_file)], env)
    done = sealfile_cli("decrypt", "--output-type", "ini", str(sealed), env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == shown.stdout
    assert plain(read_ini(done.stdout + "[sops]\n")[0])["s"] == data


@pytest.mark.parametrize("char", GO_NOT_SPACE)
def test_a_value_ending_in_a_separator_control_is_written_bare_as_go_ini_writes_it(char: str) -> None:
    assert ini_value_text(f"a{char}") == f"a{char}"
    assert ini_value_text(f"a{BOTH_SPACE[0]}") == f'"a{BOTH_SPACE[0]}"'
