"""A merge never keeps a data key that a recipient it drops could open (gitflow/merge_keys.py): a rotation that
shut a leaver out survives a merge with a side that rotated too while the leaver was still its recipient."""

from __future__ import annotations

from pathlib import Path

import pytest

from sealfile.gitflow.merge import merge_texts
from sealfile.kms.age import AgeKey, add_identity
from sealfile.kms.groups import KeyGroups
from sealfile.ops import change as editing
from sealfile.ops.keyless import describe
from sealfile.ops.read import decrypt_text
from sealfile.ops.reader import read_document
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.git import Sandbox

BASE = "db:\n  user: u1\n  password: p1\n"


@pytest.fixture
def key(sandbox: Sandbox) -> AgeKey:
    return AgeKey.from_cli(sandbox.recipient)


def _data_key(text: str) -> bytes:
    return read_document(text, get_store("yaml")).open().reuse().data_key


def _joins(sandbox: Sandbox) -> AgeKey:
    """Another recipient whose identity is in the sandbox's key file too, so every version opens here."""
    return AgeKey.from_cli(add_identity(Path(sandbox.env["SEALFILE_AGE_KEY_FILE"])))


def _recipients(text: str) -> list[str]:
    return [r[1] for r in describe(text).recipients]


def test_a_removal_with_rotation_survives_a_merge_with_a_routine_rotation(sandbox: Sandbox, key: AgeKey) -> None:
    leaver = _joins(sandbox)
    base = seal_text(BASE, [key, leaver])
    ours = editing.set_value(base, "db.user", "u2", rotate=True)  # rotated while the leaver was a recipient
    theirs = editing.change_recipients(base, remove=[leaver], rotate=True).text
    for merged in (merge_texts(base, ours, theirs), merge_texts(base, theirs, ours)):
        assert _recipients(merged.text) == [key.key_id]
        # the leaver unwraps ours'; theirs' is its writer's, whom no trusted signer vouches for (test_merge_vouched)
        assert _data_key(merged.text) not in (_data_key(theirs), _data_key(ours), _data_key(base))
        assert "user: u2" in decrypt_text(merged.text)
    assert "data key rotated" in " ".join(merge_texts(base, ours, theirs).warnings)


def test_two_removals_each_with_a_rotation_merge_under_a_new_data_key(sandbox: Sandbox, key: AgeKey) -> None:
    first, second = (_joins(sandbox) for _ in range(2))
    base = seal_text(BASE, [key, first, second])
    ours = editing.set_value(editing.change_recipients(base, remove=[first], rotate=True).text, "db.user", "u2")
    theirs = editing.change_recipients(base, remove=[second], rotate=True).text
    merged = merge_texts(base, ours, theirs)
    assert _recipients(merged.text) == [key.key_id]
    assert _data_key(merged.text) not in (_data_key(ours), _data_key(theirs), _data_key(base))
    assert decrypt_text(merged.text) == "db:\n  user: u2\n  password: p1\n"
    assert any("data key rotated" in warning for warning in merged.warnings)


def test_a_removal_without_rotation_keeps_the_key_and_warns(sandbox: Sandbox, key: AgeKey) -> None:
    leaver = _joins(sandbox)
    base = seal_text(BASE, [key, leaver])
    ours = editing.rotate(base)
    theirs = editing.change_recipients(base, remove=[leaver]).text  # the leaver keeps the base's key anyway
    merged = merge_texts(base, ours, theirs)
    # ours' rotated key is its writer's, whom no trusted signer vouches for (test_merge_vouched): a new one
    assert _data_key(merged.text) not in (_data_key(ours), _data_key(base))
    assert any("data key rotated" in warning for warning in merged.warnings)


def test_key_groups_given_with_rotation_survive_a_merge_with_a_routine_rotation(sandbox: Sandbox,
                                                                                 key: AgeKey) -> None:
    """Both keys stay, but each alone no longer opens the file: ours' key, which each opened alone, must go."""
    other = _joins(sandbox)
    base = seal_text(BASE, [key, other])
    ours = editing.set_value(base, "db.user", "u2", rotate=True)
    theirs = editing.change_recipients(base, exact=KeyGroups(((key,), (other,)), 2), rotate=True).text
    merged = merge_texts(base, ours, theirs)
    assert describe(merged.text).threshold == 2
    assert _data_key(merged.text) not in (_data_key(theirs), _data_key(ours), _data_key(base))
    assert "user: u2" in decrypt_text(merged.text)
