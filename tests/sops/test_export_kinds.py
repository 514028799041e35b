"""``export-sops`` for every recipient kind SOPS shares with sealfile and for key groups: the real
``sops decrypt`` opens the export (age, SSH, PGP through a private GNUPGHOME, Vault Transit through
an OpenBao dev server) with the data ``sealfile`` reads from the sealed file, and a key-group
export opens with enough groups' keys and is refused with fewer."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import sealfile
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.kms.base import MasterKey
from sealfile.kms.groups import KeyGroups
from sealfile.kms.pgp import PgpKey
from sealfile.kms.ssh import SshKey
from sealfile.kms.vault import VaultTransitKey
from sealfile.ops.seal import seal_plaintext
from sealfile.stores import get_store
from sealfile.stores.yaml.reader import load_fast
from tests.sops.conftest import assert_same
from tests.support.cli import run_cli
from tests.support.gpg import gnupg_home, make_key, stop_agent
from tests.support.openbao import OpenBao
from tests.support.sops_binary import run_sops
from tests.support.ssh import generate_key

__all__ = ["gnupg_home"]

PLAINTEXT = """\
# the database
db:
  password: "hunter2 #1"
  port: 5432
  ratio: 0.5
  enabled: true
list: [one, 2, null]
note_unencrypted: readable
"""


@pytest.fixture
def no_gpg_keys() -> Iterator[Path]:
    """A second, empty GNUPGHOME (short, for gpg-agent's socket): sops's gpg finds no secret key there."""
    home = Path(tempfile.mkdtemp(prefix="g", dir="/tmp"))
    yield home
    stop_agent(home)
    shutil.rmtree(home, ignore_errors=True)


def export(tmp_path: Path, recipients: list[MasterKey] | KeyGroups) -> tuple[Path, Path]:
    """The sealed file for ``recipients`` and its export by the ``export-sops`` command."""
    sealed = tmp_path / "secrets.enc.yaml"
    sealed.write_text(seal_plaintext(PLAINTEXT, get_store("yaml"), recipients))
    exported = tmp_path / "secrets.sops.yaml"
    done = run_cli("export-sops", sealed, "-o", exported)
    assert done.returncode == 0, done.stderr
    return sealed, exported


def sops_decrypt(path: Path, env: Mapping[str, str] | None = None) -> Any:
    done = run_sops(["decrypt", str(path)], {**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr
    return load_fast(done.stdout)


def sops_refuses(path: Path, env: Mapping[str, str]) -> str:
    done = run_sops(["decrypt", str(path)], env)
    assert done.returncode != 0 and "hunter2" not in done.stdout
    return done.stderr


def assert_opens_as_sealed(sealed: Path, exported: Path, env: Mapping[str, str] | None = None) -> None:
    assert_same(sops_decrypt(exported, env), sealfile.load_secrets(sealed, redacted=False))


def test_age(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    identity, recipient = generate_identity()
    monkeypatch.setenv("SOPS_AGE_KEY", identity)
    sealed, exported = export(tmp_path, [AgeKey(recipient)])
    assert [entry["recipient"] for entry in load_fast(exported.read_text())["sops"]["age"]] == [recipient]
    assert_opens_as_sealed(sealed, exported)


def test_ssh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pair = generate_key(tmp_path, "ed25519", "export-ssh")
    monkeypatch.setenv("SOPS_AGE_SSH_PRIVATE_KEY_FILE", str(pair.path))
    sealed, exported = export(tmp_path, [SshKey.from_cli(pair.public_key.to_line())])
    assert load_fast(exported.read_text())["sops"]["age"][0]["recipient"].startswith("ssh-ed25519 ")
    assert_opens_as_sealed(sealed, exported)


def test_pgp(gnupg_home: Path, no_gpg_keys: Path, tmp_path: Path) -> None:
    fingerprint = make_key(gnupg_home, "Export <export@example.com>")
    sealed, exported = export(tmp_path, [PgpKey(fingerprint)])
    entry = load_fast(exported.read_text())["sops"]["pgp"][0]
    assert entry["fp"] == fingerprint and entry["enc"].startswith("-----BEGIN PGP MESSAGE-----")
    assert_opens_as_sealed(sealed, exported)
    assert "pgp" in sops_refuses(exported, {**os.environ, "GNUPGHOME": str(no_gpg_keys)}).lower()


def test_vault_transit(vault_env: OpenBao, tmp_path: Path) -> None:
    vault_env.client().secrets.transit.create_key(name="export")
    sealed, exported = export(tmp_path, [VaultTransitKey.from_cli(vault_env.key_uri("export"))])
    entry = load_fast(exported.read_text())["sops"]["hc_vault"][0]
    assert (entry["vault_address"], entry["engine_path"], entry["key_name"]) == (vault_env.address, "transit", "export")
    assert entry["enc"].startswith("vault:v1:") and entry["created_at"]
    assert_opens_as_sealed(sealed, exported)
    assert sops_refuses(exported, {**os.environ, "VAULT_TOKEN": "not-a-token"})


def test_two_of_three_age_groups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Any two groups' keys open the export with sops, one group's key does not."""
    people = [generate_identity() for _ in range(3)]
    monkeypatch.setenv("SOPS_AGE_KEY", "\n".join(identity for identity, _ in people))
    groups = KeyGroups(tuple((AgeKey(recipient),) for _, recipient in people), threshold=2)
    sealed, exported = export(tmp_path, groups)
    meta = load_fast(exported.read_text())["sops"]
    assert meta["shamir_threshold"] == 2 and "age" not in meta
    assert [[entry["recipient"] for entry in group["age"]] for group in meta["key_groups"]] == [
        [recipient] for _, recipient in people]
    expected = sealfile.load_secrets(sealed, redacted=False)
    for pair in itertools.combinations(people, 2):
        assert_same(sops_decrypt(exported, {"SOPS_AGE_KEY": "\n".join(identity for identity, _ in pair)}), expected)
    for identity, _ in people:
        assert "threshold" in sops_refuses(exported, {**os.environ, "SOPS_AGE_KEY": identity})


def test_key_groups_in_a_dotenv_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SOPS's dotenv store flattens the key groups (``sops_key_groups__list_0__map_age...``)."""
    people = [generate_identity() for _ in range(3)]
    monkeypatch.setenv("SOPS_AGE_KEY", "\n".join(identity for identity, _ in people))
    sealed = tmp_path / "app.enc.yaml"
    groups = KeyGroups(tuple((AgeKey(recipient),) for _, recipient in people), threshold=2)
    sealed.write_text(seal_plaintext("NAME: svc\nPASSWORD: hunter2\n", get_store("yaml"), groups))
    exported = tmp_path / "app.env"
    done = run_cli("export-sops", sealed, "-o", exported)
    assert done.returncode == 0, done.stderr
    assert "sops_shamir_threshold=2\n" in exported.read_text()
    shown = run_sops(["decrypt", str(exported)], {**os.environ, "SOPS_AGE_KEY": f"{people[0][0]}\n{people[2][0]}"})
    assert (shown.returncode, shown.stdout) == (0, "NAME=svc\nPASSWORD=hunter2\n"), shown.stderr
    assert "threshold" in sops_refuses(exported, {**os.environ, "SOPS_AGE_KEY": people[1][0]})


def test_groups_of_different_kinds(vault_env: OpenBao, gnupg_home: Path, no_gpg_keys: Path, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Vault Transit, PGP and age in three groups, two of them needed: each pair of kinds opens the
    export with sops; age alone does not."""
    vault_env.client().secrets.transit.create_key(name="groups")
    fingerprint = make_key(gnupg_home, "Groups <groups@example.com>")
    identity, recipient = generate_identity()
    monkeypatch.setenv("SOPS_AGE_KEY", identity)
    groups = KeyGroups(((VaultTransitKey.from_cli(vault_env.key_uri("groups")),), (PgpKey(fingerprint),),
                        (AgeKey(recipient),)), threshold=2)
    sealed, exported = export(tmp_path, groups)
    meta = load_fast(exported.read_text())["sops"]
    assert [sorted(group) for group in meta["key_groups"]] == [["hc_vault"], ["pgp"], ["age"]]
    expected = sealfile.load_secrets(sealed, redacted=False)
    without = {"pgp": {"GNUPGHOME": str(no_gpg_keys)}, "vault": {"VAULT_TOKEN": "not-a-token"},
               "age": {"SOPS_AGE_KEY": generate_identity()[0]}}
    for missing in without:
        assert_same(sops_decrypt(exported, without[missing]), expected)
    assert "threshold" in sops_refuses(exported, {**os.environ, **without["pgp"], **without["vault"]})


def test_a_group_sops_cannot_open_is_left_out_and_said(secret_service: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Three groups, two needed; one group holds only an OS-keyring key (the real Secret Service),
    which SOPS has no source for: the export is two of two, never fewer groups than needed."""
    from sealfile.kms.keyring import KeyringKey

    people = [generate_identity() for _ in range(2)]
    monkeypatch.setenv("SOPS_AGE_KEY", "\n".join(identity for identity, _ in people))
    sealed = tmp_path / "sealed.yaml"
    keyring_group = (KeyringKey(f"export-{uuid.uuid4().hex[:12]}"),)
    groups = KeyGroups(((AgeKey(people[0][1]),), keyring_group, (AgeKey(people[1][1]),)), threshold=2)
    sealed.write_text(seal_plaintext(PLAINTEXT, get_store("yaml"), groups))
    done = run_cli("export-sops", sealed)
    assert done.returncode == 0, done.stderr
    assert "keyring recipients are left out" in done.stderr and "key group 2 is left out" in done.stderr
    exported = tmp_path / "out.sops.yaml"
    exported.write_text(done.stdout)
    assert load_fast(done.stdout)["sops"]["shamir_threshold"] == 2
    assert_opens_as_sealed(sealed, exported)
    assert "threshold" in sops_refuses(exported, {**os.environ, "SOPS_AGE_KEY": people[0][0]})
    three = KeyGroups(((AgeKey(people[0][1]),), keyring_group, (AgeKey(people[1][1]),)), threshold=3)
    sealed.write_text(seal_plaintext(PLAINTEXT, get_store("yaml"), three))
    refused = run_cli("export-sops", sealed)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert "needs 3 key groups, and only 2 have a recipient with a SOPS key source" in refused.stderr


@pytest.mark.parametrize(("groups", "cause"), [
    ([[("age", "enc")], [("not_a_sops_kind", "enc")]], "SOPS would read the recipients or key groups back otherwise"),
    ([[("age", "enc")], [("age", None)]], "SOPS would read the recipients or key groups back otherwise"),
])
def test_the_writer_reads_the_key_groups_back(groups: list[list[tuple[str, str | None]]], cause: str) -> None:
    """Entries SOPS would not read as written are refused before any text is returned."""
    from sealfile.errors import FormatError
    from sealfile.sops.nodes import Branch, Item
    from sealfile.sops.rules import rule_from_metadata
    from sealfile.sops.writer import write_sops

    _, recipient = generate_identity()
    entries = [[(kind, Branch([Item("recipient", recipient), *([Item("enc", enc)] if enc else [])]))
                for kind, enc in group] for group in groups]
    with pytest.raises(FormatError, match=cause):
        write_sops(Branch([Item("a", "b")]), kind="yaml", data_key=os.urandom(32), rule=rule_from_metadata({}),
                   groups=entries, threshold=2)
