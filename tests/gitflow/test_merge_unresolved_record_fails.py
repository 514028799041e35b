"""A write that moves a value in dispute updates the conflict's record first: when git or the record's directory
fails, the command fails and leaves the sealed file (and the record) as they were, never a file written and then
an error."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from tests.gitflow.test_merge_unresolved import FILE, _commit, hooked  # noqa: F401  (the fixture)
from tests.gitflow.test_merge_unresolved_resealed import _editing, _list_conflict, _refused
from tests.support.git import Sandbox

WRITES: dict[str, Callable[[Sandbox], list[str]]] = {
    "unset": lambda box: ["unset", FILE, "l[0]"],
    "set": lambda box: ["set", FILE, "l[2]", "chosen"],
    "set the list whole": lambda box: ["set", "--type", "yaml", FILE, "l", "[a1, ours-2, a3]"],
    "edit": lambda box: ["edit", FILE],
}


def _index_corrupt(box: Sandbox) -> Callable[[], None]:
    """git cannot read the index (as after a crash, or one a newer git wrote): every 'git ls-files' fails."""
    index = box.repo / ".git" / "index"
    kept = index.read_bytes()
    index.write_bytes(b"DIRC\0\0\0\x63" + kept[8:])
    return lambda: index.write_bytes(kept)


def _record_unwritable(box: Sandbox) -> Callable[[], None]:
    """The record cannot be replaced: another name holds it (a copy kept with ``ln``), so a new record in its place
    would leave that name with the old one; the write refuses it, as it refuses any file with hard links. (It was a
    directory squatting on the fixed temporary name the record was written under: there is none now.)"""
    record = box.repo / ".git" / "sealfile" / "conflicts" / f"{hashlib.sha256(FILE.encode()).hexdigest()[:40]}.json"
    held = record.with_suffix(".kept")
    held.hardlink_to(record)
    return held.unlink


@pytest.mark.parametrize("failing", [_index_corrupt, _record_unwritable], ids=["git fails", "record unwritable"])
@pytest.mark.parametrize("write", list(WRITES))
def test_a_failing_record_update_leaves_the_file_as_it_was(hooked: Sandbox, write: str,  # noqa: F811
                                                           failing: Callable[[Sandbox], Callable[[], None]]) -> None:
    _list_conflict(hooked)
    records = sorted((hooked.repo / ".git" / "sealfile" / "conflicts").glob("*.json"))
    before, recorded = (hooked.repo / FILE).read_bytes(), [r.read_bytes() for r in records]
    env = _editing(hooked, "/- a0/d")
    restore = failing(hooked)
    done = hooked.sealfile(*WRITES[write](hooked), check=False, env=env)
    restore()
    assert done.returncode == 1 and done.stderr.count("sealfile: error:") == 1, done.stderr
    assert FILE in done.stderr and "ours-2" not in done.stderr, done.stderr
    assert (hooked.repo / FILE).read_bytes() == before
    assert [r.read_bytes() for r in records] == recorded
    if write == "unset":  # and once git works again, the same write follows the value, as ever
        hooked.sealfile(*WRITES[write](hooked), env=env)
        _refused(hooked)
        assert _commit(hooked)[0] != 0
