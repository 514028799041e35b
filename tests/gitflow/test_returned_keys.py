"""``review`` of a change that brings back a data key the file had before: a rotation reverted.

``rotate`` keeps each value's time, so the reverted tokens are no older than the rotated ones and
the change read as one more rotation. The key that comes back is the one the removed recipient
may have kept."""

from __future__ import annotations

import json

import pytest

from sealfile.gitflow.returned_keys import returned_keys
from sealfile.kms.age import generate_identity
from tests.support.git import Sandbox, seal_file


def _rotation_after_a_leaver(box: Sandbox, name: str, plaintext: str) -> str:
    """``name`` sealed, then bob added, removed and the key rotated (one commit each); the rotation's commit."""
    seal_file(box, name, plaintext)
    box.commit("base")
    _, bob = generate_identity()
    box.sealfile("recipients", "add", name, "--age", bob)
    box.commit("bob joins")
    box.sealfile("recipients", "remove", name, "--age", bob)
    box.commit("bob leaves")
    box.sealfile("rotate", name)
    box.commit("rotate")
    return box.git("rev-parse", "HEAD").stdout.strip()


@pytest.mark.parametrize("name, plaintext", [
    ("prod.enc.yaml", "db:\n  password: s3cret-a91\n"),
    ("eu [prod].enc.json", '{"db": {"password": "s3cret-a91"}}\n'),
])
def test_a_reverted_rotation_is_named(sandbox: Sandbox, name: str, plaintext: str) -> None:
    rotation = _rotation_after_a_leaver(sandbox, name, plaintext)
    sandbox.git("revert", "--no-edit", "HEAD")

    done = sandbox.sealfile("review", "HEAD~1", "HEAD", env=sandbox.keyless_env())
    assert done.returncode == 0, done.stderr  # flagged, as a replayed value is: a key holder may mean it
    returned = f"{name}: data key set back to one this file had until {rotation[:12]}"
    assert returned in done.stdout
    assert done.stdout.index("!!! DATA KEY REPLACED !!!") < done.stdout.index(returned)
    report = json.loads(sandbox.sealfile("review", "HEAD~1", "HEAD", "--format", "json").stdout)
    assert [f["key_returned_from"] for f in report["files"]] == [rotation]


def test_a_rotation_itself_is_not_a_returned_key(sandbox: Sandbox) -> None:
    _rotation_after_a_leaver(sandbox, "prod.enc.yaml", "db:\n  password: s3cret-a91\n")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", env=sandbox.keyless_env())
    assert "data key replaced" in done.stdout
    assert "set back" not in done.stdout


def test_only_a_key_the_history_held_is_found_and_a_missing_base_finds_nothing(sandbox: Sandbox) -> None:
    rotation = _rotation_after_a_leaver(sandbox, "a.enc.yaml", "a: 1\n")
    seal_file(sandbox, "b.enc.yaml", "b: 2\n")
    sandbox.commit("b")
    sandbox.git("revert", "--no-commit", rotation)  # a's key comes back; b gets a new one
    sandbox.sealfile("rotate", "b.enc.yaml")
    texts = {name: (sandbox.repo / name).read_text() for name in ("a.enc.yaml", "b.enc.yaml")}
    assert returned_keys(texts, "HEAD", sandbox.repo) == {"a.enc.yaml": rotation}
    assert returned_keys(texts, "no-such-revision", sandbox.repo) == {}
