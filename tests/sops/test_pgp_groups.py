"""A SOPS file of mixed key groups (age and PGP keys, any two of three groups), written by the real ``sops`` with
real gpg keys, then edited outside its MAC (labels, wrapped keys, groups): for each edit and each set of keys at
hand, sealfile gives the verdict ``sops decrypt`` gives, and the same data when both open it."""

from __future__ import annotations

import copy
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

import sealfile
from sealfile.envelope.datakey import forget_data_keys
from sealfile.errors import SealfileError
from sealfile.stores.yaml.reader import load_fast
from tests.sops.conftest import AgeIdentity, assert_same, make_identity, run_sops
from tests.support.gpg import gnupg_home, make_key

__all__ = ["gnupg_home"]

PLAINTEXT = "db:\n  user: admin\n  port: 5432\nlist:\n  - {a: 1, b: yes}\n"

Edit = Callable[[Any], None]


def _groups(sops: Any) -> Any:
    return sops["sops"]["key_groups"]


def swap_pgp_messages(sops: Any) -> None:
    first, second = _groups(sops)[0]["pgp"][0], _groups(sops)[1]["pgp"][0]
    first["enc"], second["enc"] = second["enc"], first["enc"]


def relabel_pgp(sops: Any) -> None:
    _groups(sops)[0]["pgp"][0]["fp"] = _groups(sops)[1]["pgp"][0]["fp"]


def repeat_last_group(sops: Any) -> None:
    _groups(sops).append(copy.deepcopy(_groups(sops)[-1]))


def swap_age_messages(sops: Any) -> None:
    first, last = _groups(sops)[0]["age"][0], _groups(sops)[2]["age"][0]
    first["enc"], last["enc"] = last["enc"], first["enc"]


def unchanged(sops: Any) -> None:
    pass


EDITS: list[Edit] = [unchanged, swap_pgp_messages, relabel_pgp, repeat_last_group, swap_age_messages]
PART_TWICE = (swap_pgp_messages, repeat_last_group)  # sops recovers a part twice: the documented difference
HELD = {"every key": ("age", "gpg"), "gpg keys": ("gpg",), "age keys": ("age",)}


@pytest.fixture
def mixed(gnupg_home: Path, tmp_path: Path) -> tuple[Path, AgeIdentity, AgeIdentity]:
    """Groups: {age 1, pgp alice}, {pgp bob}, {age 2}; any two open the file."""
    alice, bob = make_key(gnupg_home, "Alice <a@example.com>"), make_key(gnupg_home, "Bob <b@example.com>")
    one, two = make_identity(tmp_path / "one"), make_identity(tmp_path / "two")
    config = tmp_path / ".sops.yaml"
    config.write_text(f"creation_rules:\n  - shamir_threshold: 2\n    key_groups:\n      - age: [{one.recipient}]\n"
                      f"        pgp: [{alice}]\n      - pgp: [{bob}]\n      - age: [{two.recipient}]\n")
    plain = tmp_path / "plain.yaml"
    plain.write_text(PLAINTEXT)
    done = run_sops(["--config", str(config), "encrypt", str(plain)])
    assert done.returncode == 0, done.stderr
    sealed = tmp_path / "sealed.yaml"
    sealed.write_text(done.stdout)
    return sealed, one, two


def _edited(sealed: Path, edit: Edit) -> Path:
    yaml = YAML()
    yaml.width = 4096
    document = yaml.load(sealed.read_text())
    edit(document)
    text = io.StringIO()
    yaml.dump(document, text)
    out = sealed.with_name(f"{edit.__name__}.yaml")
    out.write_text(text.getvalue())
    return out


@pytest.mark.parametrize("held", list(HELD))
@pytest.mark.parametrize("edit", EDITS, ids=lambda edit: edit.__name__)
def test_an_edited_key_group_gets_the_verdict_sops_gives(edit: Edit, held: str, mixed: tuple[Path, AgeIdentity,
                                                         AgeIdentity], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """sealfile refused a PGP entry whose ``fp`` names a held key the message is not for (sops's gpg opens it
    with the key it is for). A file whose groups give a part twice (a repeated group, two swapped messages) is
    the one difference (docs/sops-compat.md §3): sops opens every group and refuses the part recovered twice;
    sealfile opens only the groups it needs, and gives the data the MAC vouches for."""
    sealed, one, two = mixed
    edited = _edited(sealed, edit)
    keys = tmp_path / "keys.txt"
    keys.write_text(one.key_file.read_text() + two.key_file.read_text() if "age" in HELD[held] else "")
    keys.chmod(0o600)
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(keys))
    if "gpg" not in HELD[held]:
        empty = tmp_path / "g"
        empty.mkdir(mode=0o700)
        monkeypatch.setenv("GNUPGHOME", str(empty))
    theirs = run_sops(["decrypt", str(edited)], {**os.environ})
    forget_data_keys()
    try:
        ours = sealfile.load_secrets(edited, redacted=False)
    except SealfileError as err:
        assert theirs.returncode != 0, f"sops opens it, sealfile refuses: {err}"
        assert "\n" not in str(err) and "admin" not in str(err)
        return
    if theirs.returncode != 0 and edit in PART_TWICE:
        assert "duplicate part" in theirs.stderr
        assert_same(ours, load_fast(PLAINTEXT))
        return
    assert theirs.returncode == 0, f"sops refuses it ({theirs.stderr.strip()}), sealfile opens it"
    assert_same(ours, load_fast(theirs.stdout))
