"""``review`` compares every file and token of a change with history, however many it re-seals: a bound on
that work stopped comparing silently (400 markers, 2 a file), so a "rotate everything" of more than 200 files
could hide one file set back to a data key it had before."""

from __future__ import annotations

import json

from tests.support.git import Sandbox, seal_file

_FILES = 210


def _names() -> list[str]:
    return [f"s{n:03}.enc.yaml" for n in range(_FILES)]


def test_one_file_set_back_among_more_than_two_hundred_rotated_is_named(sandbox: Sandbox) -> None:
    for name in _names():
        seal_file(sandbox, name, f"db:\n  password: pw-{name}\n")
    sandbox.commit("base")
    last = _names()[-1]  # compared last: past the old bound
    sandbox.sealfile("rotate", last)
    sandbox.commit(f"rotate {last}")
    rotation = sandbox.git("rev-parse", "HEAD").stdout.strip()
    sandbox.sealfile("rotate", *_names()[:-1])
    sandbox.git("checkout", "HEAD~1", "--", last)  # its key before the rotation comes back
    sandbox.commit("rotate everything")

    done = sandbox.sealfile("review", "HEAD~1", "HEAD", env=sandbox.keyless_env())
    returned = f"{last}: data key set back to one this file had until {rotation[:12]}"
    assert returned in done.stdout, done.stdout[-2000:]
    assert done.stdout.count("data key set back") == 1
    report = json.loads(sandbox.sealfile("review", "HEAD~1", "HEAD", "--format", "json").stdout)
    assert {f["path"]: f["key_returned_from"] for f in report["files"] if f["key_returned_from"]} == {last: rotation}
