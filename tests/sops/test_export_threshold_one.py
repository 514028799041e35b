"""A sealed file any one of several key groups opens (``threshold: 1``) exported: ``sops`` combines at least two
Shamir parts, so a SOPS file of key groups with ``shamir_threshold: 1`` needs two groups' keys, and ``sops
encrypt`` refuses such a rule outright. Any one key of any group is what one group of all their recipients
means to SOPS, so that is what ``export-sops`` writes (a file and a config), and each holder alone opens it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import sealfile
from tests.sops.conftest import AgeIdentity, assert_same, make_identity, run_sops, sealfile_cli, sops_decrypt

PLAIN = "user: admin\npassword: hunter2\n"


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, list[AgeIdentity]]:
    ids = [make_identity(tmp_path / f"id{n}") for n in range(3)]
    work = tmp_path / "repo"
    work.mkdir()
    (work / ".sealfile.yaml").write_text(
        "creation_rules:\n  - threshold: 1\n    key_groups:\n"
        f"      - age: [{ids[0].recipient}, {ids[1].recipient}]\n      - age: [{ids[2].recipient}]\n")
    (work / "app.yaml").write_text(PLAIN)
    done = sealfile_cli("encrypt", "-i", str(work / "app.yaml"))
    assert done.returncode == 0, done.stderr
    return work, ids


def test_each_recipient_alone_opens_the_export_with_sops(repo: tuple[Path, list[AgeIdentity]],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    work, ids = repo
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(ids[2].key_file))
    expected = sealfile.load_secrets(work / "app.yaml", redacted=False)
    done = sealfile_cli("export-sops", str(work / "app.yaml"), "-o", str(work / "back.yaml"))
    assert done.returncode == 0, done.stderr
    assert "one group" in done.stderr and "hunter2" not in done.stderr
    for identity in ids:
        assert_same(sops_decrypt(work / "back.yaml", identity.key_file), expected)
    recipients = [line for line in (work / "back.yaml").read_text().splitlines() if "recipient:" in line]
    assert len(recipients) == 3 and "key_groups" not in (work / "back.yaml").read_text()


def test_the_exported_config_makes_files_sops_encrypts_and_each_holder_opens(
        repo: tuple[Path, list[AgeIdentity]]) -> None:
    work, ids = repo
    done = sealfile_cli("export-sops", str(work / ".sealfile.yaml"), "-o", str(work / ".sops.yaml"))
    assert done.returncode == 0, done.stderr
    (work / "new.yaml").write_text(PLAIN)
    done = run_sops(["encrypt", "-i", "new.yaml"], cwd=work)
    assert done.returncode == 0, done.stderr
    for identity in ids:
        opened = run_sops(["decrypt", "new.yaml"], {**os.environ, "SOPS_AGE_KEY_FILE": str(identity.key_file)},
                          cwd=work)
        assert opened.returncode == 0 and opened.stdout == PLAIN, opened.stderr
