"""``review`` of a decrypted copy of a sealed file the change does not touch, committed in another directory:
compared with every sealed file at the head, not only those of the change and of the copy's own directory."""

from __future__ import annotations

import pytest

from tests.support.git import Sandbox, seal_file

FILE = "config/prod.enc.yaml"


def test_a_copy_of_an_untouched_sealed_file_in_another_directory_fails_the_review(sandbox: Sandbox) -> None:
    """``deploy/values.yaml`` holding every key path of ``config/prod.enc.yaml`` in plaintext was attention only
    ('named like a secret'), exit 0: copies were looked for among the change's sealed files and their neighbours."""
    seal_file(sandbox, FILE, "db:\n  password: s3cret-a91\n  user: app\napi:\n  token: t-0042\n")
    seal_file(sandbox, "other/dev.enc.yaml", "db:\n  password: dev-1\n  user: dev\n")
    sandbox.commit("base")
    (sandbox.repo / "deploy").mkdir()
    sandbox.sealfile("decrypt", FILE, "-o", "deploy/values.yaml")
    sandbox.commit("a PR adding one plain file")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert (f"deploy/values.yaml: holds every key path of {FILE} in plaintext: a decrypted copy ('sealfile "
            "decrypt -o')? remove it from the history and rotate its values") in shown
    assert "s3cret" not in shown


def test_a_copy_as_variables_of_a_sealed_file_elsewhere_fails_the_review(sandbox: Sandbox) -> None:
    """The same as the variables ``decrypt --output-type dotenv`` gives, at the top of the repository."""
    seal_file(sandbox, FILE, "db:\n  password: s3cret-a91\n  user: app\n")
    sandbox.commit("base")
    sandbox.sealfile("decrypt", FILE, "--output-type", "dotenv", "-o", ".env")
    sandbox.commit("oops")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert f".env: holds every key path of {FILE} in plaintext: a decrypted copy" in shown


def test_a_plain_file_that_is_no_copy_still_passes(sandbox: Sandbox) -> None:
    """Only every key path counts: a file holding one of them (``db.user``) is no copy."""
    seal_file(sandbox, FILE, "db:\n  password: s3cret-a91\n  user: app\n")
    sandbox.commit("base")
    (sandbox.repo / "deploy").mkdir()
    (sandbox.repo / "deploy" / "values.yaml").write_text("db:\n  user: app\n  host: db.local\n")
    sandbox.commit("fine")
    status, shown = sandbox.review_last()
    assert status == 0, shown


def test_past_the_bound_the_farthest_sealed_files_are_named_as_not_compared(sandbox: Sandbox,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The sealed files nearest the data file are read first; what the bound leaves is said, not passed over."""
    from sealfile.gitflow import sealed_tree
    from sealfile.gitflow.review import review

    near = seal_file(sandbox, "deploy/prod.enc.yaml", "db:\n  password: s3cret-a91\n  user: app\n")
    seal_file(sandbox, "a/far.enc.yaml", "api:\n  token: t-1\n  key: k-2\n")
    sandbox.commit("base")
    sandbox.sealfile("decrypt", "deploy/prod.enc.yaml", "-o", "deploy/values.yaml")
    sandbox.commit("oops")
    monkeypatch.setattr(sealed_tree, "TREE_BYTES", len(near.read_bytes()))
    monkeypatch.setattr(sealed_tree, "_BY_BLOB", {})
    result = review("HEAD~1", "HEAD", sandbox.repo)
    assert any(v.startswith("deploy/values.yaml: holds every key path of deploy/prod.enc.yaml") for v in
               result.violations), result.violations
    assert ("1 sealed file(s) not compared with the change's data files for a decrypted copy: past 0 MiB of sealed "
            "files read (those nearest the data files were)") in result.plaintext_notes
