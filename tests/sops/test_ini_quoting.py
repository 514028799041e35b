"""INI keys and values that go-ini writes in quotes. A key holding ``=``, ``:`` or ``"`` is written in backticks
and one holding a backtick in ``\"\"\"`` (``sops encrypt --output-type ini`` writes ``\\`r=s\\` = ENC[...]``):
sealfile read such a SOPS file's key as ``\\`r`` and refused the file, and printed the key bare (``r=s = 2``, the
key ``r`` to every INI reader). Compared with the real ``sops``; where sops's own spelling reads back as other
data (a key ``#v`` as a comment: sops cannot open the file it writes from it; a value ``"x"`` as ``x``), sealfile
prints a quoting that reads back, and refuses what none can hold (a key's trailing space)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sealfile.errors import FormatError
from sealfile.sops.initree import check_ini, ini_key_text, ini_value_text, read_ini
from sealfile.sops.nodes import plain
from tests.sops.conftest import AgeIdentity, run_sops, sealfile_cli, sops_encrypt

KEYS = {"r=s": "2", "w:x": "5", "`y": "6", 'z"': "7", "p q": "1", "g": " lead", "h": "a`b", "f": "x ; y",
        "i": "line\nbreak", "n": "=a"}
# Python's ``str.strip`` takes U+001C-U+001F for blanks, Go's ``strings.TrimSpace`` (go-ini, so sops) does not;
# both take the others: sealfile read ``k = a\x1c`` as ``a`` where sops reads ``a\x1c``
GO_NOT_SPACE = "\x1c\x1d\x1e\x1f"
BOTH_SPACE = "\x85\xa0\u1680\u2000\u2028\u2029\u202f\u205f\u3000"
GO_VALUES = {f"v{index}{end}": (f"a{char}" if end == "e" else f"{char}b")
             for index, char in enumerate(GO_NOT_SPACE + BOTH_SPACE) for end in "se"}
GO_KEYS = {f"k{char}": "1" for char in GO_NOT_SPACE}  # a key's Go blanks at its end cannot be written: refused


@pytest.fixture
def env(sops_identity: AgeIdentity) -> dict[str, str]:
    return {**os.environ, "SOPS_AGE_KEY_FILE": str(sops_identity.key_file)}


@pytest.mark.parametrize("data", [KEYS, GO_VALUES, GO_KEYS], ids=["keys", "go-blank-values", "go-blank-keys"])
def test_a_sops_ini_files_quoted_keys_read_and_print_as_sops_reads_and_prints_them(
        data: dict[str, str], sops_identity: AgeIdentity, env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "plain.json").write_text(json.dumps({"s": data}))
    sops_file = sops_encrypt(tmp_path / "plain.json", tmp_path / "app.ini", "--age", sops_identity.recipient,
                             "--output-type", "ini", env=env)
    assert data is not KEYS or "`r=s`" in sops_file.read_text()
    for how in ([], ["--output-type", "json"]):
        shown = run_sops(["decrypt", *how, str(sops_file)], env)
        assert shown.returncode == 0, shown.stderr
        done = sealfile_cli("decrypt", *how, str(sops_file), env=env)
        assert done.returncode == 0, done.stderr
        assert done.stdout == shown.stdout
    assert json.loads(shown.stdout)["s"] == data  # sops itself reads back what it wrote


@pytest.mark.parametrize("data", [KEYS, GO_VALUES, GO_KEYS], ids=["keys", "go-blank-values", "go-blank-keys"])
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


@pytest.mark.parametrize(("key", "value", "spelled"), [
    ("#v", "1", "`#v` = 1"), (";v", "1", "`;v` = 1"), ("[v]", "1", "`[v]` = 1"), ("q", '"x"', 'q = `"x"`'),
    ("q", "''", "q = `''`"), ("q", "x\\", "q = `x\\`"), ("`#", "1", '"""`#""" = 1'),
])
def test_where_sops_spelling_reads_back_otherwise_a_quoting_that_reads_back(key: str, value: str,
                                                                            spelled: str) -> None:
    assert f"{ini_key_text(key)} = {ini_value_text(value)}" == spelled
    assert plain(read_ini(f"[s]\n{spelled}\n[sops]\n")[0])["s"] == {key: value}


def test_a_key_no_quoting_holds_is_refused_naming_it() -> None:
    text = f"[s]\n{ini_key_text('tr ')} = 1\n"
    with pytest.raises(FormatError, match=r'\["s"\]\["tr "\]'):
        check_ini(text, [("s", {"tr ": "1"})])


@pytest.mark.parametrize("char", GO_NOT_SPACE)
def test_a_value_ending_in_a_separator_control_is_written_bare_as_go_ini_writes_it(char: str) -> None:
    assert ini_value_text(f"a{char}") == f"a{char}"
    assert ini_value_text(f"a{BOTH_SPACE[0]}") == f'"a{BOTH_SPACE[0]}"'
