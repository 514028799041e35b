"""A conflict the merge driver left at a list stays open while ours' disputed value stands anywhere in the list,
whatever verb moved it or sealed it again (``edit`` removing or reordering items, ``rotate`` after items moved,
``unset --rotate``, ``recipients remove --rotate``, ``updatekeys``); changing or removing it still resolves."""

from __future__ import annotations

import hashlib
import json
import stat
import time

import pytest

from sealfile.kms.age import generate_identity
from tests.gitflow.test_merge_unresolved import FILE, _commit, _value, hooked  # noqa: F401  (the fixture)
from tests.support.git import Sandbox, seal_file


def _list_conflict(box: Sandbox) -> None:
    """``l[2]`` changed differently on main and feature; ``git merge feature`` stops in conflict there. Then the
    clock passes a second: a value set later has another token time than the one the merge kept."""
    seal_file(box, FILE, "l:\n  - a0\n  - a1\n  - base\n  - a3\nx: 1\n")
    box.commit("base")
    box.diverge(lambda: box.sealfile("set", FILE, "l[2]", "theirs-2"),
                lambda: box.sealfile("set", FILE, "l[2]", "ours-2"))
    merge = box.git("merge", "--no-edit", "feature", check=False)
    assert merge.returncode != 0 and "CONFLICT" in merge.stderr, merge.stderr
    time.sleep(1.05)


def _editing(box: Sandbox, script: str) -> dict[str, str]:
    """An editor that runs ``sed -i SCRIPT`` on the plaintext."""
    editor = box.root / "editor.sh"
    editor.write_text(f"#!/bin/sh\nsed -i '{script}' \"$1\"\n")
    editor.chmod(editor.stat().st_mode | stat.S_IXUSR)
    return {**box.env, "EDITOR": str(editor), "VISUAL": str(editor)}


def _refused(box: Sandbox) -> str:
    assert "unresolved merge conflict" in box.sealfile("status", FILE).stdout
    box.git("add", FILE)
    code, output = _commit(box)
    assert code != 0 and "unresolved merge conflict at l (" in output, output
    assert "ours-2" not in output and "theirs-2" not in output
    return output


def _accepted(box: Sandbox) -> None:
    assert "unresolved" not in box.sealfile("status", FILE).stdout
    box.git("add", FILE)
    code, output = _commit(box)
    assert code == 0, output


@pytest.mark.parametrize("script", ["/- a0/d", "/- a1/d", "/- a3/d;/- a0/d", "s/- a0/- zz/;/- a1/d"])
def test_an_edit_removing_items_before_it_leaves_it_open_where_it_moved(hooked: Sandbox, script: str) -> None:  # noqa: F811
    _list_conflict(hooked)
    hooked.sealfile("edit", FILE, env=_editing(hooked, script))
    _refused(hooked)


def test_an_edit_reordering_the_list_leaves_it_open(hooked: Sandbox) -> None:  # noqa: F811
    _list_conflict(hooked)
    hooked.sealfile("edit", FILE, env=_editing(hooked, "s/- ours-2/- TMP/;s/- a0/- ours-2/;s/- TMP/- a0/"))
    assert hooked.sealfile("decrypt", FILE, "--extract", "l[0]").stdout == "ours-2"
    _refused(hooked)


def test_an_edit_changing_the_moved_value_resolves_it(hooked: Sandbox) -> None:  # noqa: F811
    _list_conflict(hooked)
    hooked.sealfile("edit", FILE, env=_editing(hooked, "/- a0/d;s/- ours-2/- chosen/"))
    _accepted(hooked)
    assert _value(hooked, "l[1]") == "chosen"


def test_an_edit_removing_the_disputed_value_resolves_it(hooked: Sandbox) -> None:  # noqa: F811
    _list_conflict(hooked)
    hooked.sealfile("edit", FILE, env=_editing(hooked, "/- a0/d;/- ours-2/d"))
    _accepted(hooked)


ROTATIONS = {"rotate": ["rotate", FILE], "unset --rotate": ["unset", "--rotate", FILE, "x"],
             "set --rotate": ["set", "--rotate", FILE, "x", "2"], "edit --rotate": ["edit", "--rotate", FILE]}


def _new_data_key(box: Sandbox, how: str) -> None:
    """Every value of FILE re-encrypted under a new data key, as ``how`` does it (changing nothing in ``l``)."""
    if how in ROTATIONS:
        box.sealfile(*ROTATIONS[how], env=_editing(box, "/^x:/d"))
        return
    _, leaver = generate_identity()
    box.sealfile("recipients", "add", FILE, "--age", leaver)
    if how == "updatekeys --rotate":
        (box.repo / ".sealfile.yaml").write_text(f"creation_rules:\n  - age: {box.recipient}\n")
        box.sealfile("updatekeys", "--yes", "--rotate", FILE)
    else:
        box.sealfile("recipients", "remove", FILE, "--age", leaver, "--rotate")


@pytest.mark.parametrize("how", [*ROTATIONS, "recipients remove --rotate", "updatekeys --rotate"])
def test_a_new_data_key_after_an_unset_moved_it_resolves_nothing(hooked: Sandbox, how: str) -> None:  # noqa: F811
    _list_conflict(hooked)
    hooked.sealfile("unset", FILE, "l[0]")
    _new_data_key(hooked, how)
    _refused(hooked)
    hooked.sealfile("set", FILE, "l[1]", "chosen")
    _accepted(hooked)


def test_unset_with_rotate_of_an_earlier_item_resolves_nothing(hooked: Sandbox) -> None:  # noqa: F811
    _list_conflict(hooked)
    hooked.sealfile("unset", "--rotate", FILE, "l[0]")
    _refused(hooked)


def test_a_new_data_key_then_an_edit_that_moves_it_resolves_nothing(hooked: Sandbox) -> None:  # noqa: F811
    _list_conflict(hooked)
    hooked.sealfile("rotate", FILE)
    hooked.sealfile("edit", FILE, env=_editing(hooked, "/- a1/d"))
    _refused(hooked)


def test_a_mapping_theirs_removed_stays_in_conflict_through_a_sibling_set_and_a_new_data_key(
        hooked: Sandbox) -> None:  # noqa: F811
    """Once another key of the mapping changed, only the value in dispute holds the conflict open; a new data key
    re-encrypted it, and it still stands there."""
    seal_file(hooked, FILE, "db:\n  password: base-pw\n  user: app\nx: base-x\n")
    hooked.commit("base")
    hooked.diverge(lambda: hooked.sealfile("unset", FILE, "db"),
                   lambda: hooked.sealfile("set", FILE, "db.password", "ours-pw"))
    merge = hooked.git("merge", "--no-edit", "feature", check=False)
    assert merge.returncode != 0 and "CONFLICT at db" in merge.stderr, merge.stderr
    time.sleep(1.05)
    hooked.sealfile("set", FILE, "db.user", "someone")
    hooked.sealfile("rotate", FILE)
    hooked.git("add", FILE)
    code, output = _commit(hooked)
    assert code != 0 and "unresolved merge conflict at db (" in output, output
    hooked.sealfile("set", FILE, "db.password", "chosen-pw")
    hooked.git("add", FILE)
    assert _commit(hooked)[0] == 0


def test_a_record_written_before_hashes_by_time_is_read_and_followed(hooked: Sandbox) -> None:  # noqa: F811
    """A record of an earlier version holds each value in dispute by sealed text only: still read, still open
    after an unset moved the value, resolved once the value is set."""
    _list_conflict(hooked)
    (path,) = (hooked.repo / ".git" / "sealfile" / "conflicts").glob("*.json")
    record = json.loads(path.read_text())
    assert [len(group) for group in record["disputed"]] == [2]  # l[2] by sealed text and by token time
    record["disputed"] = [[h for h in group if h in _by_sealed_text(hooked)] for group in record["disputed"]]
    assert [len(group) for group in record["disputed"]] == [1]
    path.write_text(json.dumps(record))
    hooked.sealfile("unset", FILE, "l[0]")
    _refused(hooked)
    hooked.sealfile("set", FILE, "l[1]", "chosen")
    _accepted(hooked)


def _by_sealed_text(box: Sandbox) -> set[str]:
    """The hashes of FILE's values as records have always held them: of the key path and the sealed text."""
    from sealfile.gitflow.merge_plan import framed
    from sealfile.gitflow.sealed import view
    from sealfile.model.paths import encode_path
    from sealfile.model.scalars import comparable

    leaves = view((box.repo / FILE).read_text()).leaves
    return {hashlib.sha256(framed(encode_path(p)) + framed(comparable(v))).hexdigest()[:32] for p, v in leaves.items()}


def test_setting_the_list_whole_without_an_earlier_item_leaves_it_open(hooked: Sandbox) -> None:  # noqa: F811
    """``set --type yaml`` of the whole list seals every item afresh: ours' value, one place up, still stands."""
    _list_conflict(hooked)
    hooked.sealfile("set", "--type", "yaml", FILE, "l", "[a1, ours-2, a3]")
    _refused(hooked)
    hooked.sealfile("set", "--type", "yaml", FILE, "l", "[a1, chosen, a3]")
    _accepted(hooked)


@pytest.mark.parametrize("script", ["/- ours-2/d;$ a moved: ours-2", "/- ours-2/d;$ a kept:\\n  deep:\\n    - ours-2",
                                    "/- ours-2/d;s/^x: 1/x: ours-2/"])
def test_an_edit_moving_the_disputed_value_out_of_the_list_leaves_it_open(hooked: Sandbox, script: str) -> None:  # noqa: F811
    """The value the driver kept stands elsewhere (another key, a list in a new mapping, over a sibling): it is
    still the merge's pick, not a decision, so the conflict stays open until it is changed or removed there."""
    _list_conflict(hooked)
    hooked.sealfile("edit", FILE, env=_editing(hooked, script))
    assert "ours-2" in hooked.sealfile("decrypt", FILE).stdout
    _refused(hooked)
    hooked.sealfile("edit", FILE, env=_editing(hooked, "s/ours-2/chosen/"))
    _accepted(hooked)
