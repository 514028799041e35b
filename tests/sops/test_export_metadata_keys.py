"""``export-sops`` and a top-level key SOPS's store reads as its metadata: Go's JSON decoder matches
the ``sops`` field without regard to case (``Sops``, ``SOPS``, ``\u017fops``), SOPS's dotenv store takes
every ``sops_`` key, its YAML store ``sops``. Such a key is refused by its key path, as the real
``sops`` cannot open a file holding one; a dotenv key ``sops`` is data to SOPS and is exported."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sealfile.kms.age import AgeKey
from sealfile.ops.seal import seal_plaintext
from sealfile.stores import get_store
from tests.sops.conftest import AgeIdentity, run_sops, sealfile_cli


@pytest.fixture
def keys(sops_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    return {**os.environ}


def _seal(data: dict[str, object], identity: AgeIdentity, path: Path, store: str) -> Path:
    text = json.dumps(data)
    path.write_text(seal_plaintext(text, get_store("json"), [AgeKey(identity.recipient)], output=get_store(store)))
    return path


@pytest.mark.parametrize(("store", "key"), [
    ("json", "Sops"), ("json", "SOPS"), ("json", "\u017fops"), ("json", "sops"),
    ("yaml", "sops"), ("dotenv", "sops_mac"), ("dotenv", "sops_note"),
])
def test_a_key_sops_reads_as_its_metadata_is_refused_by_its_path(store: str, key: str, sops_identity: AgeIdentity,
                                                                  keys: dict[str, str], tmp_path: Path) -> None:
    suffix = {"json": ".json", "yaml": ".yaml", "dotenv": ".env"}[store]
    sealed = _seal({"a": "x", key: "secret-value"}, sops_identity, tmp_path / f"s{suffix}", store)
    target = tmp_path / f"out{suffix}"
    done = sealfile_cli("export-sops", str(sealed), "-o", str(target), env=keys)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert key in done.stderr and "a top-level key SOPS's" in done.stderr and "secret-value" not in done.stderr
    assert not target.exists()


@pytest.mark.parametrize("key", ["Sops", "\u017fops"])
def test_sops_itself_cannot_open_a_json_file_with_such_a_key(key: str, sops_identity: AgeIdentity,
                                                              keys: dict[str, str], tmp_path: Path) -> None:
    """Why the JSON keys above are refused: the file ``sops encrypt`` writes for them, it cannot decrypt."""
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"a": "x", key: "v"}))
    encrypted = run_sops(["encrypt", "--age", sops_identity.recipient, str(plain)], keys)
    assert encrypted.returncode == 0, encrypted.stderr
    (tmp_path / "enc.json").write_text(encrypted.stdout)
    assert run_sops(["decrypt", str(tmp_path / "enc.json")], keys).returncode != 0


def test_a_dotenv_key_named_sops_is_data_to_sops_and_exported(sops_identity: AgeIdentity, keys: dict[str, str],
                                                               tmp_path: Path) -> None:
    sealed = _seal({"A": "1", "sops": "two", "sopsy": "3"}, sops_identity, tmp_path / "s.env", "dotenv")
    target = tmp_path / "out.env"
    done = sealfile_cli("export-sops", str(sealed), "-o", str(target), env=keys)
    assert done.returncode == 0, done.stderr
    shown = run_sops(["decrypt", "--output-type", "json", str(target)], keys)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == {"A": "1", "sops": "two", "sopsy": "3"}
