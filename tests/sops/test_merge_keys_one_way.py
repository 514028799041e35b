"""A YAML ``<<`` merge key read one way on every path of a SOPS file, the way sealfile's own files are read
(YAML 1.2 as ruamel.yaml reads it: merged). ``sops decrypt`` keeps ``<<`` as an ordinary key; sealfile's
``decrypt --output-type json`` printed it so too, and ``--extract`` through a merged key found nothing, while
``load_secrets``, dotenv output and the conversions merged it. Each command here runs on a SOPS file sealed by
the real sops and on a sealed file of the same plaintext: both must print the same data."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import sealfile
from sealfile.kms.age import AgeKey
from sealfile.ops.seal import seal_plaintext
from sealfile.stores import get_store
from sealfile.stores.yaml import reader as yaml_store
from tests.sops.conftest import AgeIdentity, assert_same, run_sops, sealfile_cli, sops_encrypt

PLAINTEXT = ("base: &b {x: 1, z: 3}\n"
             "d:\n  <<: *b\n  y: 2\n  z: 4\n"
             "items:\n  - <<: [*b, {w: 5}]\n    z: 6\n")
MERGED = {"base": {"x": 1, "z": 3}, "d": {"x": 1, "z": 4, "y": 2}, "items": [{"w": 5, "x": 1, "z": 6}]}


@pytest.fixture
def files(sops_identity: AgeIdentity, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """The SOPS file (by the real sops) and the sealed file of the same plaintext, one key opening both."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    (tmp_path / "plain.yaml").write_text(PLAINTEXT)
    sops_file = sops_encrypt(tmp_path / "plain.yaml", tmp_path / "s.sops.yaml", "--age", sops_identity.recipient)
    sealed = tmp_path / "s.enc.yaml"
    sealed.write_text(seal_plaintext(PLAINTEXT, get_store("yaml"), [AgeKey(sops_identity.recipient)]))
    return sops_file, sealed


def _env_lines(text: str) -> list[str]:
    return sorted(line for line in text.splitlines() if line.split("=", 1)[0] in ("BASE_X", "D_X", "D_Y", "D_Z"))


COMMANDS: list[tuple[list[str], Callable[[str], Any]]] = [
    (["decrypt"], yaml_store.load_fast),
    (["decrypt", "--output-type", "json"], json.loads),
    (["decrypt", "--output-type", "dotenv"], str),
    (["decrypt", "--output-type", "k8s-secret", "--name", "app"], str),
    (["decrypt", "--extract", '["d"]["x"]'], str),
    (["decrypt", "--extract", '["items"][0]["w"]'], str),
    (["decrypt", "--extract", '["d"]'], yaml_store.load_fast),
    (["decrypt", "--extract", '["d"]', "--output-type", "json"], json.loads),
    (["exec", "--", "env"], _env_lines),
]


@pytest.mark.parametrize(("args", "read"), COMMANDS, ids=[" ".join(args) for args, _ in COMMANDS])
def test_every_output_reads_the_merge_as_a_sealed_file_does(files: tuple[Path, Path], args: list[str],
                                                            read: Callable[[str], Any]) -> None:
    sops_file, sealed = files
    flags, command = (args[:1], args[1:]) if args[0] == "exec" else (args, [])
    ours, reference = (sealfile_cli(*flags, str(path), *command, env={**os.environ}) for path in (sops_file, sealed))
    assert ours.returncode == 0 and reference.returncode == 0, ours.stderr + reference.stderr
    assert_same(read(ours.stdout), read(reference.stdout))


def test_the_json_output_is_the_data_load_secrets_returns(files: tuple[Path, Path]) -> None:
    sops_file, _ = files
    shown = sealfile_cli("decrypt", "--output-type", "json", str(sops_file), env={**os.environ})
    assert_same(json.loads(shown.stdout), MERGED)
    assert_same(sealfile.load_secrets(sops_file).to_dict(), MERGED)
    assert '"\\u003c\\u003c"' in run_sops(["decrypt", "--output-type", "json", str(sops_file)]).stdout  # sops: a key


def test_import_sops_names_the_merge_keys_once(files: tuple[Path, Path], tmp_path: Path) -> None:
    sops_file, _ = files
    done = sealfile_cli("import-sops", str(sops_file), "-o", str(tmp_path / "imported.yaml"), env={**os.environ})
    assert done.returncode == 0, done.stderr
    assert "!!merge" not in done.stderr  # the tag sops writes on it is the merge itself, not a tag dropped
    assert (f"sealfile: warning: {sops_file}: 2 YAML '<<' key(s) stay merge keys in the sealed file, whose data is "
            "the merge: sealfile reads '<<' as a merge (as ruamel.yaml does), sops as an ordinary key (its "
            "--output-type json prints \"<<\"): [\"d\"][\"<<\"], [\"items\"][0][\"<<\"]\n") in done.stderr
    assert_same(sealfile.load_secrets(tmp_path / "imported.yaml").to_dict(), MERGED)


def test_export_sops_writes_the_merge_and_names_it(files: tuple[Path, Path], tmp_path: Path) -> None:
    _, sealed = files
    target = tmp_path / "out.sops.yaml"
    done = sealfile_cli("export-sops", str(sealed), "-o", str(target), env={**os.environ})
    assert done.returncode == 0, done.stderr
    assert (f"sealfile: note: {sealed}: 2 YAML '<<' key(s) are written merged (the SOPS file holds each merged "
            "key where it is read): sealfile reads '<<' as a merge") in done.stderr
    shown = run_sops(["decrypt", "--output-type", "json", str(target)])
    assert shown.returncode == 0, shown.stderr
    assert_same(json.loads(shown.stdout), MERGED)


def test_ini_output_reads_the_merge_as_a_sealed_file_does(sops_identity: AgeIdentity, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """INI holds sections only (no list): the mappings of the same file without its list."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    text = PLAINTEXT.split("items:")[0]
    (tmp_path / "plain.yaml").write_text(text)
    sops_file = sops_encrypt(tmp_path / "plain.yaml", tmp_path / "s.sops.yaml", "--age", sops_identity.recipient)
    sealed = tmp_path / "s.enc.yaml"
    sealed.write_text(seal_plaintext(text, get_store("yaml"), [AgeKey(sops_identity.recipient)]))
    ours, reference = (sealfile_cli("decrypt", "--output-type", "ini", str(path), env={**os.environ})
                       for path in (sops_file, sealed))
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == reference.stdout == "[base]\nx = 1\nz = 3\n\n[d]\nx = 1\nz = 4\ny = 2\n"


def test_a_merge_key_spelled_with_an_escape_merges_too(files: tuple[Path, Path], tmp_path: Path) -> None:
    """``"\\x3c<"`` is the key ``<<`` to sops and to load_secrets (keys are outside SOPS's MAC: anyone can
    respell one); the JSON output must not skip the merge because the text never spells ``<<``."""
    sops_file, _ = files
    respelled = tmp_path / "escaped.sops.yaml"
    respelled.write_text(sops_file.read_text().replace("!!merge <<:", '"\\x3c\\x3c":'))
    assert "<<" not in respelled.read_text()
    shown = sealfile_cli("decrypt", "--output-type", "json", str(respelled), env={**os.environ})
    assert shown.returncode == 0, shown.stderr
    assert_same(json.loads(shown.stdout), MERGED)
    assert_same(sealfile.load_secrets(respelled).to_dict(), MERGED)
