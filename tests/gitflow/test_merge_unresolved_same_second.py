"""A conflict resolved, then a new data key, all in the second the merge happened in: still resolved.

A new data key changes every token and keeps only each token's time (whole seconds) and length, which the record
keeps of each value in dispute and of each conflict; a value set in the merge's second, as long when sealed, had
the same, so ``rotate`` made a resolved conflict look open again. The writes that change a value now tell the
record (nothing decrypted is recorded), so only a re-encryption of what the driver wrote still holds it open.
Every sealfile process here (the merge driver and the hook too) reads one frozen clock, as a fast run would."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from tests.gitflow.test_merge_unresolved import FILE, _commit, _conflict, hooked  # noqa: F401  (the fixture)
from tests.gitflow.test_merge_unresolved_resealed import _editing, _list_conflict
from tests.support.git import Sandbox


@pytest.fixture
def frozen(hooked: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:  # noqa: F811
    """``hooked`` with Python's clock stopped at one second for every process started from it, and for the
    values sealed in this one."""
    second = int(time.time())
    monkeypatch.setattr(time, "time", lambda: second + 0.5)
    site = hooked.root / "frozen-clock"
    site.mkdir()
    (site / "sitecustomize.py").write_text(f"import time\ntime.time = lambda: {second}.5\n")
    hooked.env["PYTHONPATH"] = f"{site}:{hooked.env['PYTHONPATH']}"
    assert hooked.sealfile("status", "--help").returncode == 0
    return hooked


def _open_after_rotate(box: Sandbox) -> tuple[int, str]:
    box.sealfile("rotate", FILE)
    box.git("add", FILE)
    return _commit(box)


def _same_second(box: Sandbox) -> None:
    """The clock is frozen: every token of the file is dated the same second."""
    from sealfile.envelope.token_shape import token_times
    from sealfile.gitflow.sealed import view
    from sealfile.model.scalars import is_sealed

    leaves = [(p, v) for p, v in view((box.repo / FILE).read_text()).leaves.items() if is_sealed(v)]
    assert len(set(token_times(leaves))) == 1


RESOLUTIONS: dict[str, Callable[[Sandbox], object]] = {
    "set": lambda box: box.sealfile("set", FILE, "l[2]", "chosen"),
    "unset": lambda box: box.sealfile("unset", FILE, "l[2]"),
    "edit": lambda box: box.sealfile("edit", FILE, env=_editing(box, "s/ours-2/chosen/")),
    "edit removing it": lambda box: box.sealfile("edit", FILE, env=_editing(box, "/- ours-2/d")),
    "set the list whole": lambda box: box.sealfile("set", "--type", "yaml", FILE, "l", "[a0, a1, chosen, a3]"),
}


@pytest.mark.parametrize("how", list(RESOLUTIONS))
def test_a_list_conflict_resolved_in_the_merges_second_stays_resolved_through_rotate(frozen: Sandbox,
                                                                                    how: str) -> None:
    _list_conflict(frozen)
    RESOLUTIONS[how](frozen)
    _same_second(frozen)
    code, output = _open_after_rotate(frozen)
    assert code == 0, output


def test_conflicts_at_keys_resolved_in_the_merges_second_stay_resolved_through_rotate(frozen: Sandbox) -> None:
    _conflict(frozen)
    frozen.sealfile("set", FILE, "db.password", "chosen-pw")
    code, output = _open_after_rotate(frozen)
    assert code != 0 and "unresolved merge conflict at x (" in output, output
    frozen.sealfile("set", FILE, "x", "chosen")  # as long, sealed, as ours' "ours"
    _same_second(frozen)
    code, output = _open_after_rotate(frozen)
    assert code == 0, output


@pytest.mark.parametrize("before", ["nothing", "unset an earlier item", "set another item"])
def test_in_one_second_a_new_data_key_still_resolves_nothing(frozen: Sandbox, before: str) -> None:
    """The check is not weakened: the value the merge kept, only re-encrypted, holds the conflict open."""
    _list_conflict(frozen)
    if before == "unset an earlier item":
        frozen.sealfile("unset", FILE, "l[0]")
    elif before == "set another item":
        frozen.sealfile("set", FILE, "l[0]", "other")
    code, output = _open_after_rotate(frozen)
    assert code != 0 and "unresolved merge conflict at l (" in output, output
