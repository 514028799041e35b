"""One kind of recipient through every way in: ``encrypt`` on the command line next to an age
recipient, ``status``, ``decrypt`` and ``load_secrets`` with that kind alone, then a file made from
a ``.sealfile.yaml`` creation rule naming only that kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from sealfile.runtime.loader import load_secrets
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity
from tests.support.values import safe_load

PLAINTEXT = "db:\n  password: hunter2\n"
DATA = {"db": {"password": "hunter2"}}


def sealed_every_way(kind: str, flag_args: list[str], rule_entry: str, status_line: str, *, run_cli: RunCli,
                     age_identity: AgeIdentity, directory: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Check the whole path for ``kind``; returns the file the creation rule made (for more checks).

    ``rule_entry`` is the YAML under ``creation_rules: - KIND:``, ``status_line`` what ``status`` lists."""
    plain = directory / "secrets.yaml"
    plain.write_text(PLAINTEXT)
    sealed = directory / "secrets.enc.yaml"
    done = run_cli("encrypt", *flag_args, "--age", age_identity.recipient, plain, "-o", sealed)
    assert done.returncode == 0, done.stderr
    assert f"  - {kind}: {status_line}\n" in run_cli("status", sealed).stdout
    monkeypatch.delenv("SEALFILE_AGE_KEY_FILE")  # only the kind under test can open it now
    assert safe_load(run_cli("decrypt", sealed).stdout) == DATA
    assert load_secrets(sealed, redacted=False) == DATA

    (directory / ".sealfile.yaml").write_text(f"creation_rules:\n  - {kind}:\n{rule_entry}")
    ruled = directory / "ruled.enc.yaml"
    done = run_cli("encrypt", plain, "-o", ruled)
    assert done.returncode == 0, done.stderr
    assert [s["type"] for s in safe_load(ruled.read_text())["sealfile"]["recipients"]] == [kind]
    assert safe_load(run_cli("decrypt", ruled).stdout) == DATA
    return ruled


def one_error_line(done: object) -> str:
    """The single stderr line of a command that failed with status 1."""
    assert done.returncode == 1, done.stderr  # type: ignore[attr-defined]
    lines = done.stderr.splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1, lines
    return str(lines[0])
