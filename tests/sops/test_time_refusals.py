"""A SOPS time that Python cannot hold (Go's ``time.Time`` reaches the year 0 and holds nanoseconds, which
ruamel rounded, into the next day or the year 10000, which was an internal error) is refused on every path
with one line naming the file and the key path, as a team reading its SOPS files needs to find it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import sealfile
from sealfile.errors import FormatError
from tests.sops.conftest import AgeIdentity, sealfile_cli, sops_encrypt


@pytest.fixture(params=["0000-01-01", "9999-12-31T23:59:59.999999999Z", "2024-05-01T10:20:30.123456789+02:00",
                        "2001-12-14T23:59:59.9999999Z"])
def year_zero(sops_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
              request: pytest.FixtureRequest) -> Path:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    plain = tmp_path / "plain.yaml"
    plain.write_text(f"first: 2024-05-01\nlist:\n  - x\n  - when: {request.param}\n")
    return sops_encrypt(plain, tmp_path / "zero.yaml", "--age", sops_identity.recipient)


@pytest.mark.parametrize("command", [["decrypt"], ["import-sops"], ["exec", "--", "true"]])
def test_every_command_names_the_key_path(year_zero: Path, command: list[str]) -> None:
    done = sealfile_cli(command[0], str(year_zero), *command[1:], env={**os.environ})
    assert done.returncode != 0 and done.stdout == ""
    assert done.stderr == (f"sealfile: error: {year_zero}: list.1.when: SOPS YAML file: a time Python cannot hold "
                           "(finer than a microsecond, in the year 0 or 10000, or 24 hours from UTC)\n")


def test_load_secrets_names_the_key_path(year_zero: Path) -> None:
    with pytest.raises(FormatError) as caught:
        sealfile.load_secrets(year_zero)
    assert caught.value.keypath == "list.1.when"
