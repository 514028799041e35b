"""``review`` of a repository mid-way from SOPS: SOPS files (written by the real ``sops``) beside the
sealed files imported from them, outside the ``sealed_files`` patterns, still edited by ``sops``.

What SOPS encrypted is ciphertext, not plaintext: neither a "decrypted copy" of the sealed file
imported from it (a policy violation that told the team to purge its history and rotate) nor a
secret-named value in plaintext. A value the SOPS file's rule leaves in plaintext still is one.
"""

from __future__ import annotations

from pathlib import Path

from sealfile.kms.age import AgeKey
from sealfile.ops.seal import seal_text
from tests.sops.conftest import make_identity
from tests.support.git import Sandbox

PLAIN = "db:\n  password: s3cret-a91\n  user: app\n  api_token_unencrypted: tok-plain-77\nsince: 2024-05-01\n"
DOTENV = "API_KEY=k-123\nDB_PASS=p-456\n"



def _migrating(box: Sandbox) -> None:
    (box.repo / "config").mkdir()
    (box.repo / "config" / "app.yaml").write_text(PLAIN)
    (box.repo / "config" / ".env").write_text(DOTENV)
    for name in ("config/app.yaml", "config/.env"):
        box.sops("encrypt", "--age", box.recipient, "--input-type", "dotenv" if name.endswith(".env") else "yaml",
              "--output-type", "dotenv" if name.endswith(".env") else "yaml", "-i", name)
    box.commit("secrets, as sops wrote them")
    box.sealfile("import-sops", "config/app.yaml", "-o", "config/app.enc.yaml")
    box.sealfile("import-sops", "config/.env", "--input-type", "dotenv", "-o", "config/.env.enc")
    box.commit("imported: the sops clone keeps its files until it moves too")


def test_sops_files_beside_their_imports_are_not_plaintext(sandbox: Sandbox) -> None:
    _migrating(sandbox)
    sandbox.sops("set", "config/app.yaml", '["db"]["password"]', '"n3w-s3cret"')
    sandbox.sops("set", "--input-type", "dotenv", "--output-type", "dotenv", "config/.env", '["DB_PASS"]', '"p-789"')
    sandbox.commit("the sops clone changes its files")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    assert done.returncode == 0, done.stdout
    assert "decrypted copy" not in done.stdout and "s3cret" not in done.stdout, done.stdout
    assert "password: named like a secret" not in done.stdout and "DB_PASS: named" not in done.stdout, done.stdout
    # each SOPS file is reviewed as the sealed file it is: its changed value shown by fingerprint
    assert "config/app.yaml (modified)" in done.stdout and "~ db.password: ENC#" in done.stdout, done.stdout
    assert "~ DB_PASS: ENC#" in done.stdout and "API_KEY" not in done.stdout, done.stdout
    # the value SOPS's rule left in plaintext is one, in the SOPS file as in any other
    assert ("config/app.yaml: db.api_token_unencrypted: named like a secret, in plaintext in a file no "
            "sealed_files pattern covers") in done.stdout.split("NEEDS ATTENTION:")[1]


def test_a_decrypted_sops_file_is_still_a_decrypted_copy(sandbox: Sandbox) -> None:
    _migrating(sandbox)
    sandbox.sops("decrypt", "-i", "config/app.yaml")
    sandbox.commit("oops: decrypted in place")
    shown = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    assert shown.returncode == 3 and "config/app.yaml: holds every key path of config/app.enc.yaml" in shown.stdout
    # whom it was sealed for is named, as for a sealed file the patterns cover: now anyone can read it
    recipients = shown.stdout.split("!!! RECIPIENTS CHANGED !!!")[1]
    assert f"config/app.yaml: removed age {sandbox.recipient} (data key NOT rotated" in recipients, shown.stdout
    assert "config/.env" not in recipients, shown.stdout


def test_a_sops_file_deleted_beside_one_decrypted_is_not_named(sandbox: Sandbox) -> None:
    """A SOPS file deleted removes no one's access to anything set later: only the one decrypted is named."""
    _migrating(sandbox)
    sandbox.sops("decrypt", "-i", "config/app.yaml")
    sandbox.git("rm", "-q", "config/.env")
    sandbox.commit("oops: decrypted in place, and one removed")
    shown = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env()).stdout
    recipients = shown.split("!!! RECIPIENTS CHANGED !!!")[1]
    assert f"config/app.yaml: removed age {sandbox.recipient}" in recipients, shown
    assert "config/.env" not in recipients, shown



def test_a_file_converted_in_place_is_reviewed_as_the_sealed_file_it_now_is(sandbox: Sandbox, tmp_path: Path) -> None:
    """``import-sops -i`` keeps a SOPS name, which no ``sealed_files`` pattern covers: ``review`` said "0 sealed
    file(s) changed", so who can open the converted file went unseen; and a SOPS file in key groups compared with
    its import named every recipient ADDED and removed (the two views named keys differently)."""
    second = make_identity(tmp_path / "second")
    keys = Path(sandbox.env["SEALFILE_AGE_KEY_FILE"])
    keys.write_text(keys.read_text() + second.key_file.read_text())  # this user holds a key of each group
    (sandbox.repo / ".sops.yaml").write_text(
        f"creation_rules:\n  - shamir_threshold: 2\n    key_groups:\n      - age: [{sandbox.recipient}]\n"
        f"      - age: [{second.recipient}]\n")
    (sandbox.repo / "grouped.yaml").write_text(PLAIN)
    sandbox.sops("encrypt", "-i", "grouped.yaml")
    sandbox.commit("a sops file in two key groups")
    sandbox.sealfile("import-sops", "-i", "grouped.yaml")
    sandbox.commit("converted in place")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    assert done.returncode == 0, done.stdout
    assert "1 sealed file(s) changed" in done.stdout and "grouped.yaml (modified)" in done.stdout, done.stdout
    assert "ADDED" not in done.stdout and "removed" not in done.stdout, done.stdout
    assert "grouped.yaml: sealed, but no sealed_files pattern names it" in done.stdout.split("NEEDS ATTENTION:")[1]


def test_a_sealed_file_added_under_any_name_shows_who_can_open_it(sandbox: Sandbox, tmp_path: Path) -> None:
    """A sealed file an application loads under a name no pattern covers (``config.yaml``), sealed by anyone for
    anyone: ``review`` said "0 sealed file(s) changed, 0 policy violation(s)"."""
    stranger = make_identity(tmp_path / "stranger")
    (sandbox.repo / "README.md").write_text("app\n")
    sandbox.commit("base")
    (sandbox.repo / "config.yaml").write_text(seal_text("db:\n  password: x\n", [AgeKey(stranger.recipient)]))
    sandbox.commit("settings")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", "--fail-on-recipient-change", check=False,
                            env=sandbox.keyless_env())
    assert done.returncode == 3, done.stdout
    assert f"config.yaml: ADDED age {stranger.recipient}" in done.stdout
    assert "config.yaml: sealed, but no sealed_files pattern names it" in done.stdout
