"""A conflict the merge driver left stays open when a sealfile write moves it to another key path (a list item
removed or inserted before it), and is resolved by setting the value where it now stands."""

from __future__ import annotations

import pytest

from tests.gitflow.test_merge_unresolved import FILE, _commit, _value, hooked  # noqa: F401  (the fixture)
from tests.support.git import Sandbox, seal_file
from tests.support.identities import AgeIdentity


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


def test_following_a_list_set_whole_lists_each_place_once(age_identity: object) -> None:
    """``set`` of a whole list follows every value of the old one to the places holding the same value: N items of
    two values alternating gave each of the N its own copy of N/2 places (a file a merge brought in, set again whole
    while any conflict is recorded: N = 4,000 took 94 s and 1 GB, 50,000 fit a sealed file). Each list of places is
    now made once and shared, and carrying the record reads each once; the result is the same."""
    from sealfile.gitflow.conflicts_leaves import carry, moved_by_set
    from sealfile.ops.change import set_value
    from sealfile.ops.seal import seal_text

    assert isinstance(age_identity, AgeIdentity)
    items = ["x" if i % 2 else "y" for i in range(600)]
    before = seal_text("l:\n" + "".join(f"  - {v}\n" for v in items), [age_identity.key])
    after = set_value(before, "l", items[1:] + items[:1])  # every place now holds the other value: all sealed anew
    moves = moved_by_set(FILE, before, after, "l", [items], items[1:] + items[:1])
    assert len(moves) == 2 * len(items)  # each value, by sealed text and by time
    distinct = {id(places): places for places in moves.values()}
    assert sum(len(places) for places in distinct.values()) == 2 * len(items)  # each new place once, two hashes
    first = next(iter(moves))
    assert carry(((first,),), moves) == (tuple(sorted({n for _, n in moves[first]})),)


def test_recording_many_conflicts_reads_each_value_once(age_identity: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a record keeps per conflict (the fingerprint of the subtree, by sealed text and by time, and the values
    in dispute) read every value of the file for each conflict: a merge whose branch changed 3,000 keys that ours
    changed too took the driver 166 s. The values are now ordered once and each subtree found by bisection."""
    from sealfile.gitflow import conflicts, conflicts_leaves, sealed
    from sealfile.model.paths import encode_path
    from sealfile.ops.seal import seal_text

    assert isinstance(age_identity, AgeIdentity)
    count = [0]

    def counted(path: object) -> bytes:
        count[0] += 1
        return encode_path(path)  # type: ignore[arg-type]

    for module in (conflicts, conflicts_leaves, sealed):
        monkeypatch.setattr(module, "encode_path", counted, raising=False)
    keys = 300
    ours = seal_text("".join(f"k{i}: ours{i}\n" for i in range(keys)), [age_identity.key])
    theirs = seal_text("".join(f"k{i}: theirs{i}\n" for i in range(keys)), [age_identity.key])
    paths = [(f"k{i}",) for i in range(keys)]
    marks = {conflicts._mark(ours, FILE, encode_path(p).hex(), dated=dated) for p in paths for dated in (False, True)}
    held = conflicts_leaves.disputed(ours, theirs, FILE, paths)
    assert len(marks) == 2 * keys and all(len(hashes) == 2 for hashes in held)
    assert count[0] <= 10 * keys  # each value's path encoded a few times, never once per conflict
