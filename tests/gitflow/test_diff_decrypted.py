"""``diff --git`` of a sealed or SOPS file committed decrypted in place, and of a plaintext file sealed in place:
the file is no longer (now) sealed, and for whom it was (is), as ``review`` names them (one implementation,
:mod:`~sealfile.gitflow.sealing_change`); never a value of either side."""

from __future__ import annotations

import pytest

from sealfile.gitflow.semantic_diff import diff_texts, render_text
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


def test_a_sealed_file_no_reader_opens_is_not_called_plaintext(sandbox: Sandbox) -> None:
    """A broken metadata block or conflict markers: the reason alone is told, either way round: not "no longer
    sealed" (nothing was decrypted), and no recipient removed or added (its recipients were not read, not changed:
    tests/gitflow/test_review_unreadable.py)."""
    old = seal_file(sandbox, "a.enc.yaml", PLAIN).read_text()
    for broken in (old.replace("sealfile:", "sealfile: [", 1), f"<<<<<<< ours\n{old}=======\n{old}>>>>>>> theirs\n"):
        for result in (diff_texts("a.enc.yaml", old, broken), diff_texts("a.enc.yaml", broken, old)):
            assert result.problem and result.problem.startswith("not a readable sealed file: "), result
            assert result.sealing is None and not result.recipients_removed and not result.keys_removed, result
            assert not result.recipients_added and not result.data_key_rotated, result


@pytest.mark.parametrize("name", ["config/app.ini", "config/app.env", "config/app.json"])
def test_a_sops_file_of_any_syntax_decrypted_or_encrypted_in_place_and_renamed(sandbox: Sandbox, name: str) -> None:
    """``sops decrypt -i`` leaves INI that no sealed syntax reads: still plaintext, not an unreadable sealed file;
    a move with it (``renamed_from``) names the old path's recipients."""
    plain = {"ini": "[db]\npassword = s3cret-d41\n", "env": "PASSWORD=s3cret-d41\n",
             "json": '{"password": "s3cret-d41"}\n'}[name.rsplit(".", 1)[1]]
    (sandbox.repo / name).parent.mkdir(parents=True, exist_ok=True)
    (sandbox.repo / name).write_text(plain)
    sandbox.sops("encrypt", "--age", sandbox.recipient, "-i", name)
    sealed = (sandbox.repo / name).read_text()
    moved = name.replace("app", "moved")
    for diff, line, who in ((diff_texts(moved, sealed, plain, renamed_from=name), "no longer sealed", "removed"),
                            (diff_texts(moved, plain, sealed, renamed_from=name), "now sealed", "added")):
        shown = "\n".join(render_text(diff))
        assert "s3cret-d41" not in shown and "not a readable" not in shown, shown
        assert f"(modified, renamed from {name})" in shown and f"! {line}" in shown, shown
        assert f"! recipient {who}: age {sandbox.recipient}" in shown, shown
