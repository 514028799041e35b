"""The SOPS matrix: fresh files written by the real ``sops`` 3.11 for every store, type and rule mode.

:func:`generate` runs ``sops encrypt`` and ``sops decrypt`` once per case (a module fixture calls
it); :func:`expected_data` parses what ``sops decrypt`` printed the way a program reading it
would, which is what ``load_secrets`` must return.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from sealfile.stores.yaml import reader as yaml_store
from tests.sops.conftest import AgeIdentity, run_sops
from tests.sops.matrix_documents import (
    BINARY,
    DOTENV,
    INI,
    JSON_RULES,
    MULTI_DOCUMENT,
    YAML_RULES,
    json_document,
    yaml_document,
)


@dataclass(frozen=True)
class Case:
    name: str
    filename: str
    plaintext: bytes
    flags: tuple[str, ...] = ()
    creation_rule: str | None = None
    """Extra lines of a ``.sops.yaml`` creation rule (``mac_only_encrypted`` has no CLI flag)."""

    @property
    def kind(self) -> str:
        suffix = Path(self.filename).suffix
        return {".yaml": "yaml", ".json": "json", ".env": "dotenv", ".ini": "ini"}.get(suffix, "binary")


def cases() -> list[Case]:
    found = [Case(f"yaml-{rule}", "types.yaml", yaml_document(sealed, plain).encode(), flags, config)
             for rule, flags, sealed, plain, config in YAML_RULES]
    found += [Case(f"json-{rule}", "types.json", json_document(sealed, plain).encode(), flags, config)
              for rule, flags, sealed, plain, config in JSON_RULES]
    found += [
        Case("dotenv-default", "app.env", DOTENV.encode()),
        Case("dotenv-encrypted_regex", "app.env", DOTENV.encode(), ("--encrypted-regex", "^(NAME|SPACES|QUOTED)$")),
        Case("ini-default", "app.ini", INI.encode()),
        Case("ini-unencrypted_regex", "app.ini", INI.encode(), ("--unencrypted-regex", "^public_")),
        Case("binary", "blob.txt", BINARY),
        Case("yaml-multi-document", "multi.yaml", MULTI_DOCUMENT.encode()),
    ]
    return found


@dataclass(frozen=True)
class Generated:
    case: Case
    path: Path
    """The file ``sops encrypt`` wrote."""
    shown: bytes
    """What ``sops decrypt`` printed."""
    as_json: bytes
    """What ``sops decrypt --output-type json`` printed (dotenv and INI data; empty if refused)."""


def _sops(args: list[str], env: dict[str, str]) -> bytes:
    done = run_sops(args, env)
    assert done.returncode == 0, done.stderr
    return done.stdout.encode("utf-8", "surrogateescape")


def generate(case: Case, identity: AgeIdentity, work: Path) -> Generated:
    directory = work / case.name
    directory.mkdir()
    plain = directory / case.filename
    plain.write_bytes(case.plaintext)
    env = {**os.environ, "SOPS_AGE_KEY_FILE": str(identity.key_file)}
    args = ["encrypt", *case.flags]
    if case.creation_rule:
        config = directory / ".sops.yaml"
        config.write_text(f"creation_rules:\n  - age: {identity.recipient}\n    {case.creation_rule}\n")
        args = ["--config", str(config), *args]
    else:
        args += ["--age", identity.recipient]
    sealed = directory / f"sealed{Path(case.filename).suffix}"
    sealed.write_bytes(_sops([*args, str(plain)], env))
    shown = _raw_decrypt(sealed, env)
    as_json = run_sops(["decrypt", "--output-type", "json", str(sealed)], env).stdout.encode() \
        if case.kind in ("dotenv", "ini") else b""
    return Generated(case, sealed, shown, as_json)


def _raw_decrypt(path: Path, env: dict[str, str]) -> bytes:
    import subprocess

    from tests.sops.conftest import tool

    done = subprocess.run([tool("sops"), "decrypt", str(path)], capture_output=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def parse_output(kind: str, text: bytes, as_json: bytes = b"") -> Any:
    """Printed plaintext as a program reading it sees it (YAML 1.2 via ruamel, JSON via json)."""
    if kind == "binary":
        return text
    if kind in ("dotenv", "ini"):  # an INI reader (go-ini, configparser strict=False) merges a repeated section
        return json.loads(as_json, object_pairs_hook=_sections_merged if kind == "ini" else None)
    decoded = text.decode("utf-8")
    if kind == "json":
        return json.loads(decoded)
    if "\n---" in decoded:
        return list(YAML(typ="safe", pure=False).load_all(decoded))
    return yaml_store.load_fast(decoded)


def _sections_merged(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        out[key] = {**out[key], **value} if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def expected_data(generated: Generated) -> Any:
    return parse_output(generated.case.kind, generated.shown, generated.as_json)
