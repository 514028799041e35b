"""``diff --git`` of a sealed or SOPS file committed decrypted in place, and of a plaintext file sealed in place:
the file is no longer (now) sealed, and for whom it was (is), as ``review`` names them (one implementation,
:mod:`~sealfile.gitflow.sealing_change`); never a value of either side."""

from __future__ import annotations

import pytest

from tests.gitflow.test_review_decrypted import PLAIN, _decrypt_in_place, _sealed
from tests.support.git import Sandbox, seal_file

NAMES = ["prod/db.enc.yaml", "settings/db.yaml"]


@pytest.mark.parametrize("kind", ["sealed", "sops"])
@pytest.mark.parametrize("name", NAMES)
def test_the_decrypting_commit_names_whom_it_was_sealed_for(sandbox: Sandbox, kind: str, name: str) -> None:
    _sealed(sandbox, name, kind)
    _decrypt_in_place(sandbox, name, kind, sandbox.env)
    for env, reveal in ((sandbox.env, ("--reveal",)), (sandbox.keyless_env(), ())):  # with a key, and in CI
        shown = sandbox.sealfile("diff", "--git", "HEAD~1..HEAD", *reveal, env=env).stdout
        assert "s3cret-d41" not in shown and "app" not in shown.replace(name, ""), shown
        assert "not a readable" not in shown, shown
        assert f"{name} (modified)" in shown and "! no longer sealed" in shown, shown
        assert f"! recipient removed: age {sandbox.recipient}" in shown, shown
        assert "data key NOT rotated" in shown, shown


@pytest.mark.parametrize("kind", ["sealed", "sops"])
@pytest.mark.parametrize("name", NAMES)
def test_a_plaintext_file_sealed_in_place_says_for_whom(sandbox: Sandbox, kind: str, name: str) -> None:
    (sandbox.repo / name).parent.mkdir(parents=True, exist_ok=True)
    (sandbox.repo / name).write_text(PLAIN)
    sandbox.commit("a plaintext file")
    if kind == "sealed":
        seal_file(sandbox, name, PLAIN)
    else:
        sandbox.sops("encrypt", "--age", sandbox.recipient, "--input-type", "yaml", "--output-type", "yaml",
                     "-i", name)
    sandbox.commit("sealed in place")
    for env, reveal in ((sandbox.env, ("--reveal",)), (sandbox.keyless_env(), ())):  # with a key, and in CI
        shown = sandbox.sealfile("diff", "--git", "HEAD~1..HEAD", *reveal, env=env).stdout
        assert "s3cret-d41" not in shown and "app" not in shown.replace(name, ""), shown
        assert "not a readable" not in shown, shown
        assert f"{name} (modified)" in shown and "! now sealed" in shown, shown
        assert f"! recipient added: age {sandbox.recipient}" in shown, shown
        assert "recipient removed" not in shown and "NOT rotated" not in shown, shown
