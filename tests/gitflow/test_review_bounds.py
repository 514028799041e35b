"""``review`` compares every file and token of a change with history, however many it re-seals: a bound on
that work stopped comparing silently (400 markers, 2 a file), so a "rotate everything" of more than 200 files
could hide one file set back to a data key it had before."""

from __future__ import annotations

import hashlib
import json

import pytest

from sealfile.gitflow import returned_keys
from sealfile.gitflow.returned_keys import NOT_COMPARED, Returned, replayed_tokens
from sealfile.gitflow.review import review
from sealfile.gitflow.review_render import render
from tests.support.git import Sandbox, seal_file

FILE = "prod.enc.yaml"

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


def test_more_than_four_hundred_tokens_set_are_each_compared(sandbox: Sandbox) -> None:
    """One ``git log`` searches 400 markers; a change setting more is searched in parts, the last token too."""
    tokens = [f"gAAAAA{n:010}{hashlib.sha256(str(n).encode()).hexdigest()}tail" for n in range(401)]
    (sandbox.repo / "t.enc.yaml").write_text("".join(f"k{n}: ENC[{t}]\n" for n, t in enumerate(tokens[:400])))
    sandbox.commit("400 tokens")
    (sandbox.repo / "u.enc.yaml").write_text(f"k400: ENC[{tokens[400]}]\n")  # the 401st: elsewhere
    sandbox.commit("one more")
    added = sandbox.git("rev-parse", "HEAD").stdout.strip()
    found, unread = replayed_tokens({"t.enc.yaml": [((f"k{n}",), t) for n, t in enumerate(tokens)]}, "HEAD",
                                    sandbox.repo, ["t.enc.yaml", "u.enc.yaml"])
    assert len(found) == 401 and unread == []
    assert found["t.enc.yaml", ("k400",)] == Returned(added, "u.enc.yaml")


def _reverted_rotation(box: Sandbox) -> None:
    seal_file(box, FILE, "db:\n  password: s3cret-a91\n  user: app\n")
    box.commit("base")
    box.sealfile("rotate", FILE)
    box.commit("rotate")
    box.git("revert", "--no-edit", "HEAD")


def test_past_the_versions_one_review_reads_the_files_left_are_said_not_compared(
        sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    _reverted_rotation(sandbox)
    assert review("HEAD~1", "HEAD", sandbox.repo).files[0].key_returned_from  # found within the bound
    monkeypatch.setattr(returned_keys, "_READS", 0)
    monkeypatch.setattr(returned_keys, "_READS_PER_KEY", 0)
    entry = review("HEAD~1", "HEAD", sandbox.repo).files[0]
    assert not entry.key_returned_from and NOT_COMPARED in entry.attention  # said, in the text and the JSON
    assert f"{FILE}: {NOT_COMPARED}" in render(review("HEAD~1", "HEAD", sandbox.repo))


def test_past_the_versions_one_review_reads_the_tokens_left_are_said_not_compared(
        sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    seal_file(sandbox, FILE, "db:\n  password: s3cret-a91\n  user: app\n")
    sandbox.commit("base")
    sandbox.sealfile("set", FILE, "db.password", "n3w-value")
    sandbox.commit("a new password")
    sandbox.git("checkout", "HEAD~1", "--", FILE)
    sandbox.commit("the old one again")
    assert any("set back" in line for line in review("HEAD~1", "HEAD", sandbox.repo).files[0].attention)
    monkeypatch.setattr(returned_keys, "_READS", 0)
    monkeypatch.setattr(returned_keys, "_READS_PER_KEY", 0)
    attention = review("HEAD~1", "HEAD", sandbox.repo).files[0].attention
    assert any(line.startswith("1 value(s) set here not compared with the ciphertexts") for line in attention)


def test_tens_of_thousands_of_sealed_paths_are_searched_past_the_command_line_bound(sandbox: Sandbox) -> None:
    """Every sealed path reaches one ``git log`` on its input: on its command line, 40,000 paths of 100
    characters (4 MB) were past the OS bound, and the review failed. A name no line can carry still counts."""
    _reverted_rotation(sandbox)
    rotation = sandbox.git("rev-parse", "HEAD~1").stdout.strip()
    others = [f"team-{n:05}/{'x' * 80}/s.enc.yaml" for n in range(40_000)] + ["two\nlines.enc.yaml", "cr.enc.yaml\r"]
    markers = {FILE: returned_keys._markers((sandbox.repo / FILE).read_text(), FILE)}
    found, unread = returned_keys.held_before(markers, "HEAD~1", sandbox.repo, [*others, FILE])
    assert found == {FILE: Returned(rotation, FILE)} and unread == []
