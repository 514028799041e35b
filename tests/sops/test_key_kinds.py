"""SOPS files whose keys are Vault Transit, PGP, SSH, age plugins or key groups, written fresh by the
real ``sops`` here: sealfile opens each with its own providers and gets what ``sops decrypt`` prints."""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import sealfile
from sealfile.envelope.datakey import forget_data_keys
from sealfile.errors import NotEnoughGroupsError
from sealfile.kms.age import generate_identity
from sealfile.ops.import_sops import import_sops
from sealfile.ops.reader import read_document
from sealfile.stores import get_store
from sealfile.stores.yaml.reader import load_fast
from tests.support.age_plugins import FakePluginKey, fake_plugin
from tests.support.cli import RunCli
from tests.support.gpg import gnupg_home, gpg, make_key
from tests.support.openbao import OpenBao
from tests.support.sops_binary import run_sops
from tests.support.ssh import generate_key

__all__ = ["fake_plugin", "gnupg_home"]

PLAINTEXT = "db:\n  password: hunter2\n  port: 5432\nlist: [one, 2, true]\nnote_unencrypted: hi\n"


def sops_file(directory: Path, *args: str, env: Mapping[str, str] | None = None) -> Path:
    """``sops encrypt ARGS`` of :data:`PLAINTEXT`, run in ``directory`` (its ``.sops.yaml`` applies)."""
    plain = directory / "secrets.yaml"
    plain.write_text(PLAINTEXT)
    done = run_sops(["encrypt", *args, "secrets.yaml"], {**os.environ, **(env or {})}, cwd=str(directory))
    assert done.returncode == 0, done.stderr
    sealed = directory / "secrets.sops.yaml"
    sealed.write_text(done.stdout)
    return sealed


def sops_decrypt(path: Path, env: Mapping[str, str] | None = None) -> Any:
    done = run_sops(["decrypt", str(path)], {**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr
    return load_fast(done.stdout)


def opened(path: Path) -> Any:
    forget_data_keys()
    return sealfile.load_secrets(path, redacted=False)


def test_hc_vault(vault_env: OpenBao, tmp_path: Path) -> None:
    vault_env.client().secrets.transit.create_key(name="sops")
    sealed = sops_file(tmp_path, "--hc-vault-transit", vault_env.key_uri("sops"))
    assert load_fast(sealed.read_text())["sops"]["hc_vault"][0]["vault_address"] == vault_env.address
    assert opened(sealed) == sops_decrypt(sealed) == load_fast(PLAINTEXT)


def test_hc_vault_at_an_address_the_user_did_not_name(vault_env: OpenBao, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    vault_env.client().secrets.transit.create_key(name="sops")
    sealed = sops_file(tmp_path, "--hc-vault-transit", vault_env.key_uri("sops"))
    monkeypatch.setenv("VAULT_ADDR", "https://vault.example.com")
    with pytest.raises(sealfile.NoUsableKeyError, match=r"names host '127\.0\.0\.1:[0-9]+', which is not trusted"):
        opened(sealed)


def test_pgp(gnupg_home: Path, tmp_path: Path) -> None:
    fingerprint = make_key(gnupg_home, "Sops <sops@example.com>")
    sealed = sops_file(tmp_path, "--pgp", fingerprint)
    assert load_fast(sealed.read_text())["sops"]["pgp"][0]["fp"] == fingerprint
    assert opened(sealed) == sops_decrypt(sealed) == load_fast(PLAINTEXT)


def test_ssh_age_recipient(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pair = generate_key(tmp_path, "ed25519", "sops-ssh")
    sealed = sops_file(tmp_path, "--age", pair.public_key.to_line())
    monkeypatch.setenv("SOPS_AGE_SSH_PRIVATE_KEY_FILE", str(pair.path))
    assert opened(sealed) == sops_decrypt(sealed) == load_fast(PLAINTEXT)


def test_age_plugin_recipient(fake_plugin: FakePluginKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sealed = sops_file(tmp_path, "--age", fake_plugin.recipient)
    key_file = tmp_path / "keys.txt"
    key_file.write_text(fake_plugin.identity + "\n")
    key_file.chmod(0o600)
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(key_file))
    assert opened(sealed) == sops_decrypt(sealed) == load_fast(PLAINTEXT)


@pytest.fixture
def two_of_three(tmp_path: Path) -> tuple[Path, list[tuple[str, str]]]:
    """A file sops writes from a .sops.yaml rule: three groups of one age key each, threshold 2."""
    people = [generate_identity() for _ in range(3)]
    groups = "".join(f"      - age: [{recipient}]\n" for _, recipient in people)
    (tmp_path / ".sops.yaml").write_text(f"creation_rules:\n  - shamir_threshold: 2\n    key_groups:\n{groups}")
    return sops_file(tmp_path), people


def test_key_groups_open_with_any_two_and_refuse_one(two_of_three: tuple[Path, list[tuple[str, str]]],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    sealed, people = two_of_three
    meta = load_fast(sealed.read_text())["sops"]
    assert meta["shamir_threshold"] == 2 and len(meta["key_groups"]) == 3
    for pair in itertools.combinations(range(3), 2):
        monkeypatch.setenv("SOPS_AGE_KEY", "\n".join(people[i][0] for i in pair))
        assert opened(sealed) == sops_decrypt(sealed) == load_fast(PLAINTEXT)
    monkeypatch.setenv("SOPS_AGE_KEY", people[1][0])
    with pytest.raises(NotEnoughGroupsError) as info:
        opened(sealed)
    assert "recovered 1 of the 2 key-group parts needed" in str(info.value)
    assert f"group 1: age {people[0][1]}" in str(info.value) and f"group 3: age {people[2][1]}" in str(info.value)
    refused = run_sops(["decrypt", str(sealed)], {**os.environ})
    assert refused.returncode != 0 and "threshold" in refused.stderr


def test_a_key_in_two_groups_is_shown_to_open_the_file_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             run_cli: RunCli) -> None:
    """sops writes a 2-of-3 file with one key in groups 1 and 2, and opens it with that key alone; ``status``
    and ``git diff``'s view said '(any 2 of the key groups)' and nothing more."""
    (alone, shared), (_, second), (_, third) = (generate_identity() for _ in range(3))
    (tmp_path / ".sops.yaml").write_text(f"creation_rules:\n  - shamir_threshold: 2\n    key_groups:\n"
                                         f"      - age: [{shared}]\n      - age: [{shared}, {second}]\n"
                                         f"      - age: [{third}]\n")
    sealed = sops_file(tmp_path)
    monkeypatch.setenv("SOPS_AGE_KEY", alone)
    assert opened(sealed) == sops_decrypt(sealed) == load_fast(PLAINTEXT)
    note = f"age {shared} is in key groups 1, 2: it counts 2 times toward the 2 needed, and opens the file alone"
    status = run_cli("status", sealed)
    assert status.returncode == 0 and f"\n  ! {note}\n" in status.stdout, status.stdout
    from sealfile.gitflow.sops_view import footer

    assert f"#   ! {note}" in footer(sealed.read_text(), "yaml")


def test_import_keeps_the_key_groups(two_of_three: tuple[Path, list[tuple[str, str]]],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A 2-of-3 SOPS file becomes a 2-of-3 sealed file, never one that any single key opens."""
    sealed, people = two_of_three
    monkeypatch.setenv("SOPS_AGE_KEY", "\n".join(identity for identity, _ in people[:2]))
    imported = import_sops(sealed.read_text(), path=str(sealed)).sealed
    meta = read_document(imported, get_store("yaml")).metadata
    assert meta.threshold == 2
    assert [[stanza.fields["recipient"] for stanza in group] for group in meta.groups] == [[r] for _, r in people]
    monkeypatch.setenv("SOPS_AGE_KEY", people[2][0])
    forget_data_keys()
    with pytest.raises(NotEnoughGroupsError):
        read_document(imported, get_store("yaml")).open()


def test_key_groups_of_different_kinds(vault_env: OpenBao, gnupg_home: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Vault, PGP and age in three groups, any two of them: each pair opens the file."""
    vault_env.client().secrets.transit.create_key(name="group")
    fingerprint = make_key(gnupg_home, "Group <group@example.com>")
    identity, recipient = generate_identity()
    (tmp_path / ".sops.yaml").write_text(
        "creation_rules:\n  - shamir_threshold: 2\n    key_groups:\n"
        f"      - hc_vault: ['{vault_env.key_uri('group')}']\n      - pgp: [{fingerprint}]\n"
        f"      - age: [{recipient}]\n")
    sealed = sops_file(tmp_path)
    expected = sops_decrypt(sealed, {"SOPS_AGE_KEY": identity})
    monkeypatch.setenv("SOPS_AGE_KEY", identity)
    assert opened(sealed) == expected
    monkeypatch.delenv("GNUPGHOME")  # vault and age
    assert opened(sealed) == expected
    monkeypatch.setenv("GNUPGHOME", str(gnupg_home))
    monkeypatch.delenv("SOPS_AGE_KEY")  # vault and pgp
    assert opened(sealed) == expected
    monkeypatch.setenv("VAULT_TOKEN", "wrong")  # pgp alone
    with pytest.raises(NotEnoughGroupsError, match="the Vault token is invalid or expired"):
        opened(sealed)


VECTORS = Path(__file__).parent / "vectors"


@pytest.mark.parametrize(("vector", "opening", "refused"), [
    ("shamir_3groups_t2", [(0, 1), (0, 2), (1, 2)], [(0,), (2,)]),
    # two groups: a Vault key nobody here can reach and age keys 0 and 2, then age key 1
    ("shamir_mixed_vault_age", [(0, 1), (2, 1)], [(0, 2), (1,)]),
])
def test_stored_key_group_vectors(vector: str, opening: list[tuple[int, ...]], refused: list[tuple[int, ...]],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Files sops 3.11 wrote with a threshold of 2: the age keys of two groups open them as with
    sops; keys of one group (however many) are refused."""
    keys = (VECTORS / "shamir_3groups_t2.agekeys.txt").read_text().split()
    sealed = VECTORS / f"{vector}.enc.yaml"
    for chosen in opening:
        monkeypatch.setenv("SOPS_AGE_KEY", "\n".join(keys[i] for i in chosen))
        assert opened(sealed) == sops_decrypt(sealed)
    for chosen in refused:
        monkeypatch.setenv("SOPS_AGE_KEY", "\n".join(keys[i] for i in chosen))
        with pytest.raises(NotEnoughGroupsError, match="recovered 1 of the 2"):
            opened(sealed)


@pytest.mark.parametrize(("threshold_line", "needed"), [
    ("shamir_threshold: 2", 2), ("shamir_threshold: 3", 3), ("", 3),
    ("shamir_threshold: 1", 2)])  # sops combines at least two parts: one group never opens it
def test_status_and_the_diff_view_show_how_many_key_groups_open_the_file(threshold_line: str, needed: int) -> None:
    from sealfile.gitflow.sops_view import footer
    from sealfile.sops.status import describe

    text = re.sub(r"shamir_threshold: \d+", threshold_line, (VECTORS / "shamir_3groups_t2.enc.yaml").read_text())
    shown = describe(text, "yaml")
    assert (shown.threshold, [type_id for type_id, _ in shown.recipients]) == (needed, ["group 1 age", "group 2 age",
                                                                                     "group 3 age"])
    assert f"#   (any {needed} of the key groups)" in footer(text, "yaml")


def test_stored_pgp_vector(gnupg_home: Path) -> None:
    done = gpg(gnupg_home, "--import", str(VECTORS / "pgp.sec.asc"))
    assert done.returncode == 0, done.stderr
    sealed = VECTORS / "pgp.enc.yaml"
    assert opened(sealed) == sops_decrypt(sealed)


@pytest.mark.parametrize("label", ['""', "DEADBEEF", "1111111111111111111111111111111111111111"])
def test_pgp_entry_whose_fp_names_no_held_key(label: str, gnupg_home: Path, tmp_path: Path) -> None:
    """``fp`` is a label outside the MAC: sops's gpg opens the message with the key it is addressed to, and so do
    we when that is one secret key held (gpg still runs only on a message for that key alone)."""
    assert gpg(gnupg_home, "--import", str(VECTORS / "pgp.sec.asc")).returncode == 0
    relabelled = tmp_path / "pgp.enc.yaml"
    text = (VECTORS / "pgp.enc.yaml").read_text()
    relabelled.write_text(text.replace("fp: 5FADF71575BE5C1F2DA55CAAA6DD9D2F5A1B3CDF", f"fp: {label}"))
    assert relabelled.read_text() != text
    assert opened(relabelled) == sops_decrypt(relabelled)
