"""The merge's plan by key path, and the check that a merged text holds what the plan means."""

from __future__ import annotations

import pytest

from sealfile.errors import FormatError
from sealfile.gitflow.merge import merge_texts
from sealfile.gitflow.merge_plan import check_merged, flatten, plan
from sealfile.kms.age import AgeKey
from sealfile.ops import change as editing
from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_text
from sealfile.stores.yaml.reader import load_fast
from tests.support.git import Sandbox

BASE = {"a": "x", "db": {"user": "u", "pw": "p"}, "n": 1}


def test_theirs_changes_apply_where_ours_did_not_change_and_conflict_where_it_did() -> None:
    ours = {"a": "ours", "db": {"user": "u", "pw": "p"}, "n": 1}
    theirs = {"a": "theirs", "db": {"user": "u2"}, "n": 1, "new": [1, 2]}
    applied, conflicts = plan(flatten(BASE), flatten(ours), flatten(theirs))
    assert conflicts == [("a",)]
    assert sorted(applied) == [("db", "pw"), ("db", "user"), ("new",)]


def test_a_merged_text_holding_what_the_plan_means_passes() -> None:
    ours, theirs = dict(BASE, a="ours"), dict(BASE, db={"user": "u2", "pw": "p"}, extra={"k": True})
    applied, _ = plan(flatten(BASE), flatten(ours), flatten(theirs))
    merged = dict(ours, db={"user": "u2", "pw": "p"}, extra={"k": True})
    check_merged(flatten(merged), flatten(ours), flatten(theirs), applied)


@pytest.mark.parametrize(("merged", "named"), [
    ({"a": "ours", "db": {"user": "u2", "pw": "p"}, "n": 1, "extra": {"k": "True"}},
     r"extra\.k \(it holds another value there"),
    ({"a": "ours", "db": {"user": "u", "pw": "p"}, "n": 1, "extra": {"k": True}},
     r"db\.user \(it holds another value there"),
    ({"a": "ours", "db": {"user": "u2", "pw": "p"}, "n": 1, "extra": {"k": True}, "z": 0},
     r"\bz \(it is there but the merge does not mean it\)"),
    ({"a": "ours", "db": {"user": "u2", "pw": "p"}, "extra": {"k": True}}, r"\bn \(it is missing there\)"),
])
def test_a_merged_text_holding_other_data_is_refused_naming_the_key_path_and_how(merged: dict[str, object],
                                                                                  named: str) -> None:
    ours, theirs = dict(BASE, a="ours"), dict(BASE, db={"user": "u2", "pw": "p"}, extra={"k": True})
    applied, _ = plan(flatten(BASE), flatten(ours), flatten(theirs))
    with pytest.raises(FormatError, match=named):
        check_merged(flatten(merged), flatten(ours), flatten(theirs), applied)


def test_a_new_multi_line_value_merged_after_a_value_with_a_comment_under_it(sandbox: Sandbox) -> None:
    """Theirs adds a multi-line value after ``a``, whose comment is indented under it: written as a
    literal block, the comment would have become the new value's last line."""
    key = AgeKey.from_cli(sandbox.recipient)
    base = seal_text("a: x\n  # about a\nb: 2\n", [key])
    ours = editing.set_value(base, "b", "3")
    theirs = seal_text("a: x\n  # about a\nzz: |\n  line one\n  line two\nb: 2\n", [key])
    result = merge_texts(base, ours, theirs)
    assert result.conflicts == []
    assert load_fast(decrypt_text(result.text)) == {"a": "x", "zz": "line one\nline two\n", "b": "3"}


@pytest.mark.parametrize("theirs_db", [None, "now-a-scalar"], ids=["deleted", "replaced-by-a-scalar"])
def test_a_conflict_at_a_subtree_takes_nothing_of_theirs_inside_it(theirs_db: str | None) -> None:
    """Ours changed db.pw, theirs removed db (or replaced it): the conflict is at db and the file keeps
    ours' db whole, db.user included, which theirs' change also removed."""
    ours = dict(BASE, db={"user": "u", "pw": "p2"})
    theirs = {"a": "x", "n": 1} if theirs_db is None else dict(BASE, db=theirs_db)
    applied, conflicts = plan(flatten(BASE), flatten(ours), flatten(theirs))
    assert (applied, conflicts) == ([], [("db",)])


def test_a_subtree_conflict_merged_keeps_ours_whole_there(sandbox: Sandbox) -> None:
    key = AgeKey.from_cli(sandbox.recipient)
    base = seal_text("db:\n  user: u\n  pw: p\nn: 1\n", [key])
    ours = editing.set_value(base, "db.pw", "p2")
    theirs = editing.set_value(editing.unset_value(base, "db"), "n", "2")
    result = merge_texts(base, ours, theirs)
    assert result.conflicts == ["db"]
    assert load_fast(decrypt_text(result.text)) == {"db": {"user": "u", "pw": "p2"}, "n": "2"}
