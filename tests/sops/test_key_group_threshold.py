"""A SOPS file's ``shamir_threshold`` is outside its MAC: sops decrypt combines every part it recovers,
so an edited threshold is accepted or refused by which keys are at hand; sealfile's verdict is the same."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import sealfile
from sealfile.errors import SealfileError
from tests.sops.conftest import (
    AgeIdentity,
    assert_same,
    make_identity,
    run_sops,
    sealfile_cli,
    sops_decrypt,
    sops_key_groups,
)


@pytest.fixture(scope="module")
def three_groups(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[AgeIdentity]]:
    """A file for three key groups of one age key each, all three needed."""
    work = tmp_path_factory.mktemp("groups")
    text, identities = sops_key_groups(work, 3, "user: admin\npassword: hunter2\n")
    sealed = work / "sealed.yaml"
    sealed.write_text(text)
    return sealed, identities


@pytest.mark.parametrize("threshold", [1, 2, 3])
@pytest.mark.parametrize("held", [(0, 1, 2), (0, 1), (2,)])
def test_an_edited_threshold_gets_the_verdict_sops_gives(threshold: int, held: tuple[int, ...],
                                                         three_groups: tuple[Path, list[AgeIdentity]], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """sealfile opened only as many groups as the threshold said: one (a wrong key, refused) where sops,
    holding every key, combines the three parts and opens the file."""
    sealed, identities = three_groups
    edited = tmp_path / "edited.yaml"
    edited.write_text(sealed.read_text().replace("shamir_threshold: 3", f"shamir_threshold: {threshold}"))
    keys = tmp_path / "keys.txt"
    keys.write_text("".join(identities[index].key_file.read_text() for index in held))
    keys.chmod(0o600)
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(keys))
    sops_accepts = run_sops(["decrypt", str(edited)], {**os.environ}).returncode == 0
    assert sops_accepts == (len(held) == 3)
    try:
        ours = sealfile.load_secrets(edited, redacted=False)
    except SealfileError as err:
        assert not sops_accepts, f"sops accepts it, sealfile refuses: {err}"
        assert str(err).count("\n") == 0 and "hunter2" not in str(err)
        if len(held) == 1:  # SOPS needs two parts to combine, whatever the threshold says
            assert "recovered 1 of the " in str(err)
        return
    assert sops_accepts, "sops refuses it, sealfile accepts"
    assert_same(ours, sops_decrypt(edited, keys))


def test_flat_recipient_lists_are_read_before_key_groups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SOPS reads its flat lists as the file's one key group whenever one holds an entry, and ignores
    ``key_groups`` then (``internalKeygroups``); sealfile read the groups: a file sops opens for its flat
    recipient was refused, and status named the groups' recipients and their threshold."""
    ours, theirs = make_identity(tmp_path / "ours"), make_identity(tmp_path / "theirs")
    plain = tmp_path / "plain.yaml"
    plain.write_text("user: admin\npassword: hunter2\n")
    flat = run_sops(["encrypt", "--age", ours.recipient, str(plain)])
    other = run_sops(["encrypt", "--age", theirs.recipient, str(plain)])
    assert flat.returncode == other.returncode == 0, flat.stderr + other.stderr
    entry = other.stdout[other.stdout.index("    age:\n") + len("    age:\n"):other.stdout.index("    lastmodified:")]
    groups = "    shamir_threshold: 2\n    key_groups:\n        - age:\n" + "".join(
        "    " + line + "\n" for line in entry.splitlines()) + "        - age: []\n"
    both = tmp_path / "both.yaml"
    both.write_text(flat.stdout.replace("sops:\n", "sops:\n" + groups, 1))
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(ours.key_file))
    assert_same(sealfile.load_secrets(both, redacted=False), sops_decrypt(both, ours.key_file))
    status = sealfile_cli("status", str(both))
    assert status.returncode == 0, status.stderr
    assert ours.recipient in status.stdout and theirs.recipient not in status.stdout
    assert "of the key groups" not in status.stdout
