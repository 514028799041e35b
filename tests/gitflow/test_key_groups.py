"""Files whose data key is split in key groups, in Git: merges keep the groups (a side that changed
them wins over one that did not, re-split for the data key the merge keeps), and reviews show a
change of groups or threshold as a recipient change."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sealfile.envelope.datakey import forget_data_keys
from sealfile.errors import FormatError
from sealfile.gitflow.merge import merge_texts
from sealfile.gitflow.review import Review, review_file
from sealfile.gitflow.semantic_diff import diff_texts, render_text
from sealfile.kms.age import AgeKey, add_identity
from sealfile.kms.groups import KeyGroups
from sealfile.ops import change as editing
from sealfile.ops.read import decrypt_text, verify_text
from sealfile.ops.reader import read_document
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from sealfile.stores.yaml.reader import load_fast
from tests.support.git import Sandbox

BASE = "db:\n  password: base-pw\n  user: app\napi:\n  token: base-token\n"


@pytest.fixture
def keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[AgeKey]:
    """Four age keys, all usable here."""
    key_file = tmp_path / "keys.txt"
    found = [AgeKey(add_identity(key_file)) for _ in range(4)]
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(key_file))
    forget_data_keys()
    return found


def groups_of(text: str) -> list[list[str]]:
    meta = read_document(text, get_store("yaml")).metadata
    return [[stanza.fields["recipient"] for stanza in group] for group in meta.groups] + [[str(meta.threshold)]]


def test_value_changes_merge_and_keep_the_groups(keys: list[AgeKey]) -> None:
    base = seal_text(BASE, KeyGroups(((keys[0],), (keys[1],), (keys[2],)), threshold=2))
    ours = editing.set_value(base, "db.user", "ours-user")
    theirs = editing.set_value(base, "api.token", "theirs-token")
    result = merge_texts(base, ours, theirs)
    assert result.conflicts == [] and result.warnings == []
    verify_text(result.text)
    assert groups_of(result.text) == groups_of(base)
    assert load_fast(decrypt_text(result.text)) == {"db": {"password": "base-pw", "user": "ours-user"},
                                                    "api": {"token": "theirs-token"}}


def test_groups_changed_on_one_side_win(keys: list[AgeKey]) -> None:
    base = seal_text(BASE, KeyGroups(((keys[0],), (keys[1],), (keys[2],)), threshold=2))
    ours = editing.rotate(editing.set_value(base, "db.user", "ours-user"))
    theirs = editing.change_recipients(base, add=[keys[3]], group=3).text
    result = merge_texts(base, ours, theirs)
    assert result.warnings[0] == "recipients / key groups changed by theirs"
    assert groups_of(result.text) == groups_of(theirs)
    verify_text(result.text)  # ours rotated: theirs' groups were split again for a new data key (test_merge_vouched)
    assert "ours-user" in decrypt_text(result.text)


def test_groups_changed_differently_on_both_sides_stop_the_merge(keys: list[AgeKey]) -> None:
    base = seal_text(BASE, KeyGroups(((keys[0],), (keys[1],), (keys[2],)), threshold=2))
    ours = editing.change_recipients(base, add=[keys[3]], group=1).text
    theirs = editing.change_recipients(base, exact=KeyGroups(((keys[0],), (keys[1],), (keys[2],)), 3)).text
    with pytest.raises(FormatError, match="both sides changed the recipients or key groups"):
        merge_texts(base, ours, theirs)


def test_review_flags_a_lowered_threshold(keys: list[AgeKey]) -> None:
    base = seal_text(BASE, KeyGroups(((keys[0],), (keys[1],), (keys[2],)), threshold=3))
    lowered = editing.change_recipients(base, exact=KeyGroups(((keys[0],), (keys[1],), (keys[2],)), 1)).text
    diff = diff_texts("prod.enc.yaml", base, lowered)
    assert diff.recipients_changed
    groups = ", ".join(f"[age {key.recipient}]" for key in keys[:3])
    assert diff.groups_change == (f"any 3 of 3 key groups: {groups}", f"any 1 of 3 key groups: {groups}")


def test_review_names_a_key_that_only_moved_neither_added_nor_removed(keys: list[AgeKey]) -> None:
    """Putting two recipients in key groups of their own listed both as ADDED and as removed (under the RECIPIENTS
    CHANGED banner that asks to check every added key): a reviewer learns to skim the one alarm that matters."""
    base = seal_text(BASE, [keys[0], keys[1]])
    regrouped = editing.change_recipients(base, exact=KeyGroups(((keys[0],), (keys[1], keys[2])), 1)).text
    diff = diff_texts("prod.enc.yaml", base, regrouped)
    assert (diff.recipients_added, diff.recipients_removed) == ([f"age {keys[2].recipient} [group 2 of 2, any 1]"], [])
    review = Review("a", "b", [review_file("prod.enc.yaml", base, regrouped)])
    assert review.recipient_changes == [
        f"prod.enc.yaml: ADDED age {keys[2].recipient} [group 2 of 2, any 1]",
        f"prod.enc.yaml: key groups changed from no key groups to any 1 of 2 key groups: [age {keys[0].recipient}], "
        f"[age {keys[1].recipient}, age {keys[2].recipient}] (no one needs more key groups than before)"]


def test_review_does_not_call_a_regrouped_key_replaced(keys: list[AgeKey]) -> None:
    """A recipient added to or removed from a key group splits the same data key afresh (every stanza new,
    every token kept): review and diff both say the data key was NOT replaced, a rotation both say it was."""
    base = seal_text(BASE, KeyGroups(((keys[0], keys[1]), (keys[2],)), threshold=2))
    removed = editing.change_recipients(base, remove=[keys[1]]).text
    added = editing.change_recipients(base, add=[keys[3]], group=2).text
    for new in (removed, added):
        entry = review_file("prod.enc.yaml", base, new)
        assert not entry.data_key_replaced and not entry.diff.data_key_rotated
        assert not any("data key replaced" in line for line in entry.attention)
    rotated = review_file("prod.enc.yaml", base, editing.rotate(removed))
    assert rotated.data_key_replaced and rotated.diff.data_key_rotated


def test_review_warns_of_narrowed_access_and_not_of_widened(keys: list[AgeKey]) -> None:
    """Keys that opened the file alone now needing two groups kept the data key: a review says it was not
    rotated. Lowering the threshold takes no one's access: the same keys are not called removed keys."""
    alone = seal_text(BASE, KeyGroups(((keys[0], keys[1]),), threshold=1))
    split = editing.change_recipients(alone, exact=KeyGroups(((keys[0],), (keys[1],)), 2)).text
    narrowed = diff_texts("prod.enc.yaml", alone, split)
    assert narrowed.access_narrowed and narrowed.keys_removed == []
    assert "  ! data key NOT rotated: a recipient who now needs more key groups kept it and can read values set " \
           "later alone" in render_text(narrowed)
    review = Review("a", "b", [review_file("prod.enc.yaml", alone, split)])
    assert any("key groups changed" in line and "data key NOT rotated" in line for line in review.recipient_changes)
    widened = editing.change_recipients(split, exact=KeyGroups(((keys[0],), (keys[1],)), 1)).text
    lowered = Review("a", "b", [review_file("prod.enc.yaml", split, widened)])
    assert not any("NOT rotated" in line for line in [*render_text(lowered.files[0].diff), *lowered.recipient_changes])
    assert any("(no one needs more key groups than before)" in line for line in lowered.recipient_changes)
    rotated = Review("a", "b", [review_file("prod.enc.yaml", alone, editing.rotate(split))])
    assert not any("NOT rotated" in line for line in [*render_text(rotated.files[0].diff), *rotated.recipient_changes])


def test_review_does_not_call_a_regrouping_with_every_value_set_a_rotation(keys: list[AgeKey],
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A key removed from a group splits the same data key afresh (every stanza new); a value set in the same
    change gets a new token too: with nothing kept, only a value re-encrypted with its old time (as rotate does)
    shows a new key. Told from that, a review called the leaver's key rotated away while it still opens it."""
    with monkeypatch.context() as past:
        past.setattr(time, "time", lambda: 1_700_000_000.0)  # the file was sealed earlier than the change
        base = seal_text("token: old\n", KeyGroups(((keys[0], keys[1]), (keys[2],)), threshold=1))
    removed = editing.set_value(editing.change_recipients(base, remove=[keys[1]]).text, "token", "new")
    diff = diff_texts("prod.enc.yaml", base, removed)
    assert not diff.data_key_rotated
    assert "  ! data key NOT rotated: a removed recipient who kept it can read values set later" in render_text(diff)
    review = Review("a", "b", [review_file("prod.enc.yaml", base, removed)])
    assert any("data key NOT rotated" in line for line in review.recipient_changes)
    rotated = editing.change_recipients(base, remove=[keys[1]], rotate=True).text
    assert diff_texts("prod.enc.yaml", base, rotated).data_key_rotated  # the token keeps its time


@pytest.mark.parametrize(("groups", "threshold", "opens"), [
    (((0, 1, 2),), 1, [0]),  # one group of everything
    (((0, 1), (2,)), 1, [0]),  # the threshold lowered
    (((0,), (1, 2)), 2, [0, 1]),  # a key moved: the first group's two keys open it without the second's
    (((0,), (1,), (2,)), 2, [0, 1]),  # the first group split, the threshold kept
    (((2,), (1, 0)), 2, None),  # the same split
    (((0,), (1,), (2,)), 3, None),  # split, every part needed
])
def test_review_fails_a_split_that_lets_fewer_keys_open_the_file_without_signers(
        keys: list[AgeKey], groups: tuple[tuple[int, ...], ...], threshold: int, opens: list[int] | None) -> None:
    """Whoever can push may seal the file afresh split their way, holding its data key: without trusted signers to
    say who did, a loosening is a violation in one line naming the keys it lets open the file."""
    from sealfile.envelope.allowed_signers import AllowedSigners
    from sealfile.ops.signatures import TrustPolicy

    base = seal_text(BASE, KeyGroups(((keys[0], keys[1]), (keys[2],)), threshold=2))
    new = seal_text(BASE, KeyGroups(tuple(tuple(keys[i] for i in group) for group in groups), threshold))
    found = [line for line in review_file("prod.enc.yaml", base, new).violations if "key groups loosened" in line]
    if opens is None:
        assert found == []
        return
    named = ", ".join(f"age {keys[i].recipient}" for i in opens)
    assert found == [f"key groups loosened: {named} {'alone' if len(opens) == 1 else 'together'} open it now, which "
                     "the version before needed more key groups for; without trusted signers anyone who can push "
                     "could have split it so, holding its data key"]
    signed = review_file("prod.enc.yaml", base, new, TrustPolicy(AllowedSigners([])))
    assert not any("key groups loosened" in line for line in signed.violations)  # the seal's check decides
    if threshold == 1:  # tightened back: nothing to fail (a key moved is looser both ways: each lets a pair in)
        assert review_file("prod.enc.yaml", new, base).violations == []


def test_sealfile_review_fails_a_loosened_split_and_one_a_commit_of_the_change_undid(sandbox: Sandbox) -> None:
    """Through git and the command: the two ends, and a version only the change's own commits held (whoever
    fetches the branch gets it, and the data key it was split under)."""
    me = AgeKey(sandbox.recipient)
    others = [AgeKey(add_identity(Path(sandbox.env["SEALFILE_AGE_KEY_FILE"]))) for _ in "ab"]
    strict = KeyGroups(((me, others[0]), (others[1],)), threshold=2)
    (sandbox.repo / "prod.enc.yaml").write_text(seal_text(BASE, strict))
    sandbox.commit("base")
    (sandbox.repo / "prod.enc.yaml").write_text(seal_text(BASE, KeyGroups(((me, others[0]), (others[1],)), 1)))
    sandbox.commit("loosen")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    assert done.returncode == 3, done.stdout + done.stderr
    assert [line for line in done.stdout.splitlines() if "key groups loosened" in line] == [
        f"  prod.enc.yaml: key groups loosened: age {me.recipient} alone open it now, which the version before "
        "needed more key groups for; without trusted signers anyone who can push could have split it so, holding "
        "its data key"], done.stdout
    (sandbox.repo / "prod.enc.yaml").write_text(seal_text(BASE, strict))
    sandbox.commit("and back")
    undone = sandbox.sealfile("review", "HEAD~2", "HEAD", check=False, env=sandbox.keyless_env())
    assert undone.returncode == 3 and "key groups loosened" in undone.stdout, undone.stdout
