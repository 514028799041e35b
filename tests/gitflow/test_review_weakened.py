"""``review`` of a pull request that weakens what keeps a sealed file sealed, rather than touching its values:
each of these passed with exit 0 before (real git, real age)."""

from __future__ import annotations

import json

from tests.support.git import Sandbox, seal_file, section

FILE = "prod.enc.yaml"
PLAIN = "db:\n  password: s3cret-a91\n  host: db.local\n"


def test_a_sealed_file_deleted_and_its_plaintext_added_under_a_plain_name_fails(sandbox: Sandbox) -> None:
    """``git mv prod.enc.yaml prod.yaml`` and its plaintext written there: git sees a deletion and an addition (the
    texts are not alike), and the copy was looked for only among the sealed files still at the head."""
    seal_file(sandbox, FILE, PLAIN)
    sandbox.commit("base")
    sandbox.git("mv", FILE, "prod.yaml")
    (sandbox.repo / "prod.yaml").write_text(PLAIN)
    sandbox.commit("renamed, decrypted")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert f"prod.yaml: holds every key path of {FILE} in plaintext" in section(shown, "POLICY VIOLATIONS:"), shown
    assert "s3cret-a91" not in shown


def test_a_sealed_file_dropped_from_sealed_files_fails(sandbox: Sandbox) -> None:
    """Narrowing ``sealed_files`` changes no sealed file, so the review listed none; the next change could commit
    the file decrypted past ``check`` and a review (judged by the narrowed patterns), and git merges it as text."""
    seal_file(sandbox, FILE, PLAIN)
    seal_file(sandbox, "config/app.enc.yaml", PLAIN)
    sandbox.commit("base")
    (sandbox.repo / ".sealfile.yaml").write_text("sealed_files: ['config/*.enc.yaml']\n")
    sandbox.commit("only config/ is sealed now")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    line = (f"{FILE}: no sealed_files pattern covers it after this change: nothing checks that it stays sealed, and "
            "git merges it as text")
    assert section(shown, "POLICY VIOLATIONS:").splitlines() == [f"  {line}"], shown
    report = json.loads(sandbox.sealfile("review", "HEAD~1", "HEAD", "--format", "json", check=False).stdout)
    assert report["ok"] is False and report["violations"] == [line]


def test_widening_or_keeping_sealed_files_fails_nothing(sandbox: Sandbox) -> None:
    seal_file(sandbox, FILE, PLAIN)
    sandbox.commit("base")
    (sandbox.repo / ".sealfile.yaml").write_text("sealed_files: ['*.enc.yaml', 'secrets/*.yaml']\n")
    sandbox.commit("more files sealed")
    status, shown = sandbox.review_last()
    assert status == 0 and "no sealed_files pattern covers it" not in shown, shown
