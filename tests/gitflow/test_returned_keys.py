"""``review`` of a change that brings back a data key the file had before: a rotation reverted.

``rotate`` keeps each value's time, so the reverted tokens are no older than the rotated ones and
the change read as one more rotation. The key that comes back is the one the removed recipient
may have kept."""

from __future__ import annotations

import json

import pytest

from sealfile.gitflow.returned_keys import Returned, returned_keys
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
    sealed = lambda name: name.endswith(".enc.yaml")  # noqa: E731
    assert returned_keys(texts, "HEAD", sandbox.repo, sealed) == ({"a.enc.yaml": Returned(rotation, "a.enc.yaml")}, [])
    assert returned_keys(texts, "no-such-revision", sandbox.repo, sealed) == ({}, [])


def test_a_reverted_rotation_is_named_where_the_diff_driver_is_set_up(installed: Sandbox) -> None:
    """git log -S read the diff driver's view of each version (no wrapped key in it) in a clone set up with
    'sealfile git install', so a reverted rotation passed unnamed there."""
    rotation = _rotation_after_a_leaver(installed, "prod.enc.yaml", "db:\n  password: s3cret-a91\n")
    installed.git("revert", "--no-edit", "HEAD")
    done = installed.sealfile("review", "HEAD~1", "HEAD", env=installed.keyless_env())
    assert f"prod.enc.yaml: data key set back to one this file had until {rotation[:12]}" in done.stdout


@pytest.mark.parametrize("swap", [False, True])
def test_a_file_copied_over_another_is_named_as_a_copy(installed: Sandbox, swap: bool) -> None:
    """A trusted signer's file copied over another verifies there (a signature does not cover the path): its
    data key, found in the other file's history, says whose values it now holds."""
    seal_file(installed, "prod.enc.yaml", "db:\n  password: prod-pw\n")
    seal_file(installed, "dev.enc.yaml", "db:\n  password: dev-pw\n")
    installed.commit("base")
    added = installed.git("rev-parse", "HEAD").stdout.strip()
    prod, dev = ((installed.repo / name).read_text() for name in ("prod.enc.yaml", "dev.enc.yaml"))
    (installed.repo / "prod.enc.yaml").write_text(dev)
    if swap:
        (installed.repo / "dev.enc.yaml").write_text(prod)
    installed.commit("dev's file over prod's")
    done = installed.sealfile("review", "HEAD~1", "HEAD", env=installed.keyless_env())
    copy = (f"prod.enc.yaml: a copy of dev.enc.yaml (its data key, as of {added[:12]}): it holds that file's "
            "values, recipients and signature, which readers accept at any path")
    assert copy in done.stdout
    assert ("dev.enc.yaml: a copy of prod.enc.yaml" in done.stdout) == swap
    assert "set back to one this file had" not in done.stdout
    report = json.loads(installed.sealfile("review", "HEAD~1", "HEAD", "--format", "json").stdout)
    assert copy in report["data_key_replaced"]
    assert {f["path"]: f["key_copied_from"] for f in report["files"]}["prod.enc.yaml"] == "dev.enc.yaml"


def test_a_moved_and_rotated_back_file_is_not_a_copy(sandbox: Sandbox) -> None:
    """Where git pairs a move (plaintext lines enough to pair it by), the old path's history is the file's own:
    a returned key, not a copy."""
    settings = "".join(f"  setting_{n}_unencrypted: value {n}\n" for n in range(60))
    rotation = _rotation_after_a_leaver(sandbox, "prod.enc.yaml", f"db:\n  password: s3cret-a91\n{settings}")
    sandbox.git("revert", "--no-edit", "HEAD")
    sandbox.git("reset", "-q", "--soft", "HEAD~1")
    sandbox.git("mv", "prod.enc.yaml", "prod2.enc.yaml")
    sandbox.commit("the rotation reverted, and the file moved")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", env=sandbox.keyless_env())
    assert "prod2.enc.yaml (modified, renamed from prod.enc.yaml)" in done.stdout
    assert f"prod2.enc.yaml: data key set back to one this file had until {rotation[:12]}" in done.stdout
    assert "a copy of" not in done.stdout
