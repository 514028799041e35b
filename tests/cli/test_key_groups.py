"""Key groups on the command line and in ``.sealfile.yaml``: encrypt, status, recipients,
updatekeys, decrypt and ``load_secrets`` with any two of three groups, and one refused in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from sealfile.envelope.datakey import forget_data_keys
from sealfile.errors import NotEnoughGroupsError
from sealfile.kms.age import generate_identity
from sealfile.runtime.loader import load_secrets
from tests.support.cli import RunCli
from tests.support.values import safe_load

PLAINTEXT = "db:\n  password: hunter2\nregion_unencrypted: eu\n"


@pytest.fixture
def teams() -> list[tuple[str, str]]:
    """(identity, recipient) for four people."""
    return [generate_identity() for _ in range(4)]


def holding(teams: list[tuple[str, str]], *indices: int) -> dict[str, str]:
    return {"SEALFILE_AGE_KEY": "\n".join(teams[i][0] for i in indices)}


def test_encrypt_status_and_decrypt_with_key_groups(run_cli: RunCli, teams: list[tuple[str, str]],
                                                    tmp_path: Path) -> None:
    plain = tmp_path / "secrets.yaml"
    plain.write_text(PLAINTEXT)
    sealed = tmp_path / "secrets.enc.yaml"
    groups = [f"--key-group=age:{teams[0][1]},age:{teams[3][1]}", f"--key-group=age:{teams[1][1]}",
              f"--key-group=age:{teams[2][1]}"]
    done = run_cli("encrypt", *groups, "--threshold", "2", plain, "-o", sealed)
    assert done.returncode == 0, done.stderr
    status = run_cli("status", sealed)
    assert f"recipients: any 2 of 3 key groups\n  group 1:\n    - age: {teams[0][1]}\n    - age: {teams[3][1]}\n" \
        in status.stdout
    listed = run_cli("recipients", "list", sealed).stdout.splitlines()
    assert listed[1] == f"{sealed}\tage\t{teams[3][1]}\tgroup 1 (any 2 of 3)"
    assert safe_load(run_cli("decrypt", sealed, env=holding(teams, 3, 2)).stdout)["db"] == {"password": "hunter2"}
    refused = run_cli("decrypt", sealed, env=holding(teams, 1))
    assert refused.returncode == 1 and len(refused.stderr.splitlines()) == 1
    assert "recovered 1 of the 2 key-group parts needed" in refused.stderr
    assert f"group 1: age {teams[0][1]}: no matching identity" in refused.stderr


def test_group_flags_are_checked(run_cli: RunCli, teams: list[tuple[str, str]], tmp_path: Path) -> None:
    plain = tmp_path / "secrets.yaml"
    plain.write_text(PLAINTEXT)
    for args in (["--age", teams[0][1], "--threshold", "1"],
                 ["--age", teams[0][1], f"--key-group=age:{teams[1][1]}"],
                 [f"--key-group=age:{teams[0][1]}", f"--key-group=age:{teams[1][1]}", "--threshold", "3"]):
        done = run_cli("encrypt", *args, plain)
        assert done.returncode == 2, (args, done.stderr)


def test_creation_rule_groups_updatekeys_and_load_secrets(run_cli: RunCli, teams: list[tuple[str, str]],
                                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def config(threshold: int) -> str:
        groups = "".join(f"      - age: [{recipient}]\n" for _, recipient in teams[:3])
        return f"creation_rules:\n  - path_regex: prod/\n    key_groups:\n{groups}    threshold: {threshold}\n"

    (tmp_path / ".sealfile.yaml").write_text(config(2))
    (tmp_path / "prod").mkdir()
    plain = tmp_path / "prod" / "app.yaml"
    plain.write_text(PLAINTEXT)
    sealed = tmp_path / "prod" / "app.enc.yaml"
    assert run_cli("encrypt", plain, "-o", sealed).returncode == 0
    monkeypatch.setenv("SEALFILE_AGE_KEY", holding(teams, 0, 2)["SEALFILE_AGE_KEY"])
    assert load_secrets(sealed)["db"]["password"] == "hunter2"

    (tmp_path / ".sealfile.yaml").write_text(config(3))
    done = run_cli("updatekeys", "-y", sealed, env=holding(teams, 0, 1))
    assert done.returncode == 0, done.stderr
    assert "key groups: any 3 of 3 key groups" in done.stderr
    forget_data_keys()
    with pytest.raises(NotEnoughGroupsError, match="recovered 2 of the 3"):
        load_secrets(sealed)
    assert run_cli("updatekeys", "-y", sealed, env=holding(teams, 0, 1, 2)).stderr.endswith("already match\n")

    added = run_cli("recipients", "add", sealed, "--age", teams[3][1], "--group", "2", env=holding(teams, 0, 1, 2))
    assert added.returncode == 0, added.stderr
    assert safe_load(run_cli("decrypt", sealed, env=holding(teams, 0, 2, 3)).stdout)["db"]["password"] == "hunter2"
    for group, cause in (((), "the file has 3 key groups: say which one the new recipients join (--group N)"),
                         (("--group", "4"), "there is no key group 4 (the file has 3)")):
        # said to someone holding too few groups to open the file: the mistake is found before any key is used
        refused = run_cli("recipients", "add", sealed, "--age", generate_identity()[1], *group, env=holding(teams, 3))
        assert (refused.returncode, refused.stderr) == (1, f"sealfile: error: {sealed}: {cause}\n")
