"""A conflict the merge driver left stays open when a sealfile write moves it to another key path (a list item
removed or inserted before it), and is resolved by setting the value where it now stands."""

from __future__ import annotations

from tests.gitflow.test_merge_unresolved import FILE, _commit, _value, hooked  # noqa: F401  (the fixture)
from tests.support.git import Sandbox, seal_file


def _list_conflict(box: Sandbox) -> None:
    """``l[2]`` changed differently on main and feature; ``git merge feature`` stops in conflict there."""
    seal_file(box, FILE, "l:\n  - a0\n  - a1\n  - base\n  - a3\n")
    box.commit("base")
    box.diverge(lambda: box.sealfile("set", FILE, "l[2]", "theirs-2"),
                lambda: box.sealfile("set", FILE, "l[2]", "ours-2"))
    merge = box.git("merge", "--no-edit", "feature", check=False)
    assert merge.returncode != 0 and "CONFLICT" in merge.stderr, merge.stderr


def test_unsetting_an_earlier_item_keeps_the_conflict_open_where_it_moved(hooked: Sandbox) -> None:  # noqa: F811
    _list_conflict(hooked)
    hooked.sealfile("unset", FILE, "l[0]")
    assert "unresolved merge conflict" in hooked.sealfile("status", FILE).stdout
    hooked.git("add", FILE)
    code, output = _commit(hooked)
    assert code != 0 and "unresolved merge conflict at l (" in output, output
    assert "ours-2" not in output and "theirs-2" not in output


def test_setting_the_moved_item_resolves_it(hooked: Sandbox) -> None:  # noqa: F811
    _list_conflict(hooked)
    hooked.sealfile("unset", FILE, "l[0]")
    hooked.sealfile("set", FILE, "l[1]", "chosen")
    assert "unresolved" not in hooked.sealfile("status", FILE).stdout
    hooked.git("add", FILE)
    code, output = _commit(hooked)
    assert code == 0, output
    assert _value(hooked, "l[1]") == "chosen"


def test_changing_another_item_of_the_list_resolves_nothing_removing_the_disputed_one_does(
        hooked: Sandbox) -> None:  # noqa: F811
    """Lists merge whole: the conflict is named at ``l``, and a change elsewhere in it left ours' ``l[2]``."""
    _list_conflict(hooked)
    hooked.sealfile("unset", FILE, "l[3]")
    hooked.sealfile("set", FILE, "l[0]", "other")
    hooked.git("add", FILE)
    code, output = _commit(hooked)
    assert code != 0 and "unresolved merge conflict at l (" in output, output
    hooked.sealfile("unset", FILE, "l[2]")
    hooked.git("add", FILE)
    code, output = _commit(hooked)
    assert code == 0, output


def test_a_mapping_theirs_removed_stays_in_conflict_until_ours_change_in_it_is_decided(
        hooked: Sandbox) -> None:  # noqa: F811
    seal_file(hooked, FILE, "db:\n  password: base-pw\n  user: app\nx: base-x\n")
    hooked.commit("base")
    hooked.diverge(lambda: hooked.sealfile("unset", FILE, "db"),
                   lambda: hooked.sealfile("set", FILE, "db.password", "ours-pw"))
    merge = hooked.git("merge", "--no-edit", "feature", check=False)
    assert merge.returncode != 0 and "CONFLICT at db" in merge.stderr, merge.stderr
    hooked.sealfile("set", FILE, "db.user", "someone")  # not what the two sides disagree on
    hooked.git("add", FILE)
    code, output = _commit(hooked)
    assert code != 0 and "unresolved merge conflict at db (" in output, output
    hooked.sealfile("set", FILE, "db.password", "chosen-pw")
    hooked.git("add", FILE)
    code, output = _commit(hooked)
    assert code == 0, output
