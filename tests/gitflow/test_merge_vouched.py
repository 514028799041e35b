"""A merge never hands the file's values to whoever wrote a side (gitflow/merge_keys.py): without trusted signers a
side may be anyone's who can push, sealed afresh under a data key of their own for the real recipients' public keys
and one of theirs. Such a side's data key is never kept, nor a recipient it adds, nor one a side adds under a key
that a recipient the merge drops could open (a leaver's branch from before their removal)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sealfile.errors import SealfileError
from sealfile.gitflow.merge import merge_texts
from sealfile.kms.age import AgeKey, add_identity, generate_identity
from sealfile.kms.groups import KeyGroups
from sealfile.ops import change as editing
from sealfile.ops.keyless import describe
from sealfile.ops.read import decrypt_text
from sealfile.ops.reader import read_document
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.git import Sandbox, seal_file

BASE = "db:\n  user: u1\n  password: p1\n"
FORGED = "db:\n  user: dummy\n  password: dummy\n"


@pytest.fixture
def key(sandbox: Sandbox) -> AgeKey:
    return AgeKey.from_cli(sandbox.recipient)


@pytest.fixture
def outsider() -> AgeKey:
    """Someone who can push but holds no key of the file: their identity is nowhere here."""
    return AgeKey.from_cli(generate_identity()[1])


def _data_key(text: str) -> bytes:
    return read_document(text, get_store("yaml")).open().reuse().data_key


def _recipients(text: str) -> list[str]:
    return [r[1] for r in describe(text).recipients]


def _victim_changes(base: str) -> str:
    return editing.set_value(editing.set_value(base, "db.password", "NEW-SECRET"), "api.token", "NEW-TOKEN")


@pytest.mark.parametrize("order", ["merge", "rebase"])
def test_a_side_sealed_afresh_by_an_outsider_does_not_give_them_the_values(sandbox: Sandbox, key: AgeKey,
                                                                            outsider: AgeKey, order: str) -> None:
    """The outsider's side 'rotated' (a key of theirs, wrapped for the recipient's public key): kept as a
    rotation that must survive, it sealed the victim's new values under the outsider's key."""
    base = seal_text(BASE, [key])
    victim, forged = _victim_changes(base), seal_text(FORGED, [key])
    ours, theirs = (victim, forged) if order == "merge" else (forged, victim)
    merged = merge_texts(base, ours, theirs)
    assert _data_key(merged.text) not in (_data_key(forged), _data_key(base))
    assert _recipients(merged.text) == [key.key_id]
    assert any("data key" in warning for warning in merged.warnings)


@pytest.mark.parametrize("order", ["merge", "rebase"])
def test_a_recipient_added_by_a_side_sealed_afresh_is_refused(sandbox: Sandbox, key: AgeKey, outsider: AgeKey,
                                                              order: str) -> None:
    base = seal_text(BASE, [key])
    victim, forged = _victim_changes(base), seal_text(FORGED, [key, outsider])
    ours, theirs = (victim, forged) if order == "merge" else (forged, victim)
    with pytest.raises(SealfileError, match=f"adds the recipient age {outsider.key_id}") as refused:
        merge_texts(base, ours, theirs)
    assert "NEW-" not in str(refused.value)


def test_a_recipient_added_under_the_key_a_leaver_holds_is_refused(sandbox: Sandbox, key: AgeKey,
                                                                    outsider: AgeKey) -> None:
    """The leaver kept the base's data key: a branch from before their removal, sealed with it, can add a key
    of theirs, which the merge wrapped the rotated key for."""
    leaver = AgeKey.from_cli(add_identity(Path(sandbox.env["SEALFILE_AGE_KEY_FILE"])))
    base = seal_text(BASE, [key, leaver])
    ours = _victim_changes(editing.change_recipients(base, remove=[leaver], rotate=True).text)
    theirs = editing.change_recipients(base, add=[outsider]).text  # the leaver's, with the base's key
    with pytest.raises(SealfileError, match=f"adds the recipient age {outsider.key_id}"):
        merge_texts(base, ours, theirs)


def test_a_file_both_sides_added_takes_no_recipient_from_the_other_sides_key(sandbox: Sandbox, key: AgeKey,
                                                                               outsider: AgeKey) -> None:
    ours, theirs = seal_text("api:\n  token: NEW-TOKEN\n", [key]), seal_text(FORGED, [key, outsider])
    with pytest.raises(SealfileError, match=f"adds the recipient age {outsider.key_id}"):
        merge_texts(None, ours, theirs)


def test_a_recipient_added_with_the_files_key_still_merges(sandbox: Sandbox, key: AgeKey, outsider: AgeKey) -> None:
    """A side sealed with the base's key, which nobody the merge drops holds, was written by a key holder."""
    base = seal_text(BASE, [key])
    merged = merge_texts(base, _victim_changes(base), editing.change_recipients(base, add=[outsider]).text)
    assert _recipients(merged.text) == [key.key_id, outsider.key_id]
    assert _data_key(merged.text) == _data_key(base)
    assert "NEW-SECRET" in decrypt_text(merged.text)


def test_git_merge_of_an_outsiders_branch_leaves_them_unable_to_open_the_result(installed: Sandbox, key: AgeKey,
                                                                                tmp_path: Path) -> None:
    """Real git and the installed driver: the outsider's identity opened the victim's new values in the file
    the merge left (CONFLICT at db.password, 'recipient added by theirs' a warning among others)."""
    sandbox = installed
    identity, recipient = generate_identity()
    (tmp_path / "outsider.txt").write_text(identity + "\n")
    (tmp_path / "outsider.txt").chmod(0o600)
    seal_file(sandbox, "app.enc.yaml", BASE)
    sandbox.commit("base")
    sandbox.git("checkout", "-q", "-b", "outsider")
    (sandbox.repo / "app.enc.yaml").write_text(seal_text(FORGED, [key, AgeKey.from_cli(recipient)]))
    sandbox.commit("forged")
    sandbox.git("checkout", "-q", "-")
    sandbox.sealfile("set", "app.enc.yaml", "api.token", "NEW-TOKEN")
    sandbox.commit("victim")
    sandbox.git("merge", "outsider", "-m", "merge", check=False)
    as_outsider = {**sandbox.env, "SEALFILE_AGE_KEY_FILE": str(tmp_path / "outsider.txt")}
    opened = subprocess.run(["git", "show", "HEAD:app.enc.yaml"], cwd=sandbox.repo, capture_output=True, text=True)
    for text in ((sandbox.repo / "app.enc.yaml").read_text(), opened.stdout):
        done = sandbox.sealfile("decrypt", "-", "--input-type", "yaml", check=False, env=as_outsider, stdin=text)
        assert "NEW-TOKEN" not in done.stdout and done.returncode != 0, done.stdout


@pytest.mark.parametrize("loosened", [((0, 1, 2),), ((0,), (1,), (2,))], ids=["one-group", "threshold-1"])
@pytest.mark.parametrize("order", ["merge", "rebase"])
def test_a_side_sealed_afresh_with_fewer_key_groups_is_refused(sandbox: Sandbox, key: AgeKey, order: str,
                                                               loosened: tuple[tuple[int, ...], ...]) -> None:
    """A member of one key group, holding nobody else's key, sealed the file afresh so that one key opens it (the
    same keys in one group, or a threshold of 1): no recipient added, yet the merged values were theirs alone."""
    members = [key, *(AgeKey.from_cli(add_identity(Path(sandbox.env["SEALFILE_AGE_KEY_FILE"]))) for _ in "ab")]
    base = seal_text(BASE, KeyGroups(tuple((member,) for member in members), threshold=2))
    forged = seal_text(BASE, KeyGroups(forged_groups(members, loosened), threshold=1))
    victim = _victim_changes(base)
    ours, theirs = (victim, forged) if order == "merge" else (forged, victim)
    with pytest.raises(SealfileError, match="lets fewer keys open the file than the base") as refused:
        merge_texts(base, ours, theirs)
    assert "NEW-" not in str(refused.value)
    by_holder = editing.change_recipients(base, exact=KeyGroups(forged_groups(members, loosened), threshold=1)).text
    assert "NEW-SECRET" in decrypt_text(merge_texts(base, victim, by_holder).text)  # the file's key: it merges


def forged_groups(members: list[AgeKey], groups: tuple[tuple[int, ...], ...]) -> tuple[tuple[AgeKey, ...], ...]:
    return tuple(tuple(members[i] for i in group) for group in groups)


@pytest.mark.parametrize(("split", "threshold", "refused"), [
    (((0,), (1, 2)), 2, True),  # a key moved into the other group: 0 and 1, one person's keys, open it
    (((0,), (1,), (2,)), 2, True),  # the first group split, threshold kept: the same
    (((0, 1, 2),), 1, True),
    (((2,), (1, 0)), 2, False),  # the same split, in another order
    (((0,), (1,), (2,)), 3, False),  # split, and every part needed: fewer sets open it, not more
])
def test_a_side_split_otherwise_is_refused_only_if_fewer_keys_open_it(
        sandbox: Sandbox, key: AgeKey, split: tuple[tuple[int, ...], ...], threshold: int, refused: bool) -> None:
    """Told by who can open each version (:func:`sealfile.model.access.opened_with_less`), not by the shape: the
    base is one person's two keys in a group and another's in the second, both needed."""
    members = [key, *(AgeKey.from_cli(add_identity(Path(sandbox.env["SEALFILE_AGE_KEY_FILE"]))) for _ in "ab")]
    base = seal_text(BASE, KeyGroups(forged_groups(members, ((0, 1), (2,))), threshold=2))
    forged = seal_text(BASE, KeyGroups(forged_groups(members, split), threshold=threshold))
    if refused:
        with pytest.raises(SealfileError, match="lets fewer keys open the file than the base") as info:
            merge_texts(base, _victim_changes(base), forged)
        assert f"age {members[0].key_id}" in str(info.value) and "NEW-" not in str(info.value)
        return
    merged = merge_texts(base, _victim_changes(base), forged)
    assert "NEW-SECRET" in decrypt_text(merged.text)
    assert any("data key rotated" in line for line in merged.warnings)  # a key its writer chose is never kept
