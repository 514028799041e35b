"""The tamper battery: sealfile accepts or refuses an edited SOPS file exactly as the real sops does.

Every edit of :mod:`tests.sops.tampering` is applied to fresh files of each store; the verdict of
``sops decrypt`` on the edited file is the expectation. When both accept, the data must agree;
when both refuse, sealfile's error is one line naming the file and the SOPS store, without a value.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

import sealfile
from sealfile.errors import FormatError, SealfileError
from tests.sops.conftest import AgeIdentity, assert_same, run_sops
from tests.sops.matrix import Case, Generated, generate, parse_output
from tests.sops.tampering import TAMPERS, Tamper

SECRETS = ("hunter2", "s3cr3t-token", "1234567")
AMBIGUOUS_IN_SOPS_OUTPUT = {"plain_value_as_1e400"}
"""Edits after which ``sops decrypt`` prints a string unquoted that YAML 1.2 reads as another type."""
YAML = """\
# who connects
user: admin
password: hunter2
port: 5432
ratio: 0.25
enabled: true
since: 2024-05-01T10:20:30Z
empty: ""
nested:
    # the token
    token: s3cr3t-token
    hosts:
        - a.example
        - b.example
    pin: 1234567
    blank: ""
public_unencrypted: visible
"""
JSON = """{"user": "admin", "password": "hunter2", "port": 5432, "ratio": 0.25, "enabled": true, "empty": "",
"nested": {"token": "s3cr3t-token", "hosts": ["a.example", "b.example"], "blank": "", "pin": 1234567},
"public_unencrypted": "visible"}
"""
DOTENV = "# who connects\nUSER=admin\nPASSWORD=hunter2\nEMPTY=\nTOKEN=s3cr3t-token\npublic_unencrypted=visible\n"
INI = "[db]\n; who connects\nuser = admin\npassword = hunter2\n[public_unencrypted]\nregion = visible\n"
BASES = (
    Case("yaml", "s.yaml", YAML.encode()),
    Case("yaml-mac-only", "s.yaml", YAML.replace("public_unencrypted", "public").encode(),
         creation_rule="encrypted_regex: ^(user|password|port|ratio|enabled|since|nested)$\n"
                       "    mac_only_encrypted: true"),
    Case("json", "s.json", JSON.encode()),
    Case("dotenv", "s.env", DOTENV.encode()),
    Case("ini", "s.ini", INI.encode()),
)


@pytest.fixture(scope="module")
def bases(sops_identity: AgeIdentity, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Generated]:
    work = tmp_path_factory.mktemp("tamper")
    return {case.name: generate(case, sops_identity, work) for case in BASES}


def _sops_view(path: Path, kind: str, key_file: Path) -> tuple[bool, Any]:
    """SOPS's verdict, and its output as data. YAML output repeating a key (SOPS keeps both) is
    read through ``--output-type json``, where the last one wins, as it does for us."""
    env = {**os.environ, "SOPS_AGE_KEY_FILE": str(key_file)}
    shown = run_sops(["decrypt", str(path)], env)
    if shown.returncode != 0:
        return False, None
    if kind == "yaml":
        try:
            return True, parse_output(kind, shown.stdout.encode())
        except FormatError as err:
            assert "duplicate key" in str(err)
    as_json = run_sops(["decrypt", "--output-type", "json", str(path)], env).stdout.encode()
    if kind == "yaml":
        return True, ("json", json.loads(as_json))
    return True, parse_output(kind, shown.stdout.encode(), as_json)


def _as_json(data: Any) -> Any:
    """Data as SOPS's JSON output spells it (times in RFC 3339 with ``Z``)."""
    return json.loads(json.dumps(data, default=lambda moment: moment.isoformat().replace("+00:00", "Z")))


@pytest.mark.parametrize("tamper", TAMPERS, ids=lambda t: t.__name__)
@pytest.mark.parametrize("base", [case.name for case in BASES])
def test_verdict_is_the_one_sops_gives(base: str, tamper: Tamper, bases: dict[str, Generated],
                                       sops_identity: AgeIdentity, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    original = bases[base]
    edited = tamper(original.path.read_text())
    if edited is None:
        pytest.skip(f"nothing in a {base} file for {tamper.__name__}")
    target = tmp_path / original.path.name
    target.write_text(edited)
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    sops_accepts, sops_data = _sops_view(target, original.case.kind, sops_identity.key_file)
    try:
        ours = sealfile.load_secrets(target, redacted=False)
    except SealfileError as err:
        message = str(err)
        assert not sops_accepts, f"sops accepts it, sealfile refuses: {message}"
        assert message.count("\n") == 0 and str(target) in message and "SOPS " in message
        assert not any(secret in message for secret in SECRETS)
        return
    assert sops_accepts, "sops refuses it, sealfile accepts"
    if tamper.__name__ in AMBIGUOUS_IN_SOPS_OUTPUT:
        assert ours["public"] == "1e400"  # a string to SOPS; its output spells it plain, which YAML reads as a float
        return
    if isinstance(sops_data, tuple):
        assert_same(_as_json(ours), sops_data[1])
    else:
        assert_same(ours, sops_data)


def test_the_battery_has_both_verdicts(bases: dict[str, Generated], sops_identity: AgeIdentity,
                                       tmp_path: Path) -> None:
    """Not a battery of refusals only: SOPS accepts several of these edits, and so must we."""
    verdicts = set()
    for tamper in TAMPERS:
        edited = tamper(bases["yaml"].path.read_text())
        if edited is not None:
            target = tmp_path / f"{tamper.__name__}.yaml"
            target.write_text(edited)
            verdicts.add(_sops_view(target, "yaml", sops_identity.key_file)[0])
    assert verdicts == {True, False}
