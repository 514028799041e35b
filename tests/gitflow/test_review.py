"""``sealfile review BASE HEAD`` on real commits: what a reviewer without keys is told."""

from __future__ import annotations

import json

from sealfile.kms.age import generate_identity
from tests.support.git import Sandbox, seal_file

FILE = "prod.enc.yaml"


def _base(box: Sandbox) -> None:
    seal_file(box, FILE, "db:\n  password: s3cret-a91\n  host_unencrypted: db.local\n")
    box.commit("base")


def test_an_added_recipient_is_flagged_prominently(sandbox: Sandbox) -> None:
    _base(sandbox)
    _, intruder = generate_identity()
    sandbox.sealfile("recipients", "add", FILE, "--age", intruder)
    sandbox.commit("add a key")

    done = sandbox.sealfile("review", "HEAD~1", "HEAD", env=sandbox.keyless_env())
    assert done.returncode == 0  # flagged, not a violation by default
    assert "!!! RECIPIENTS CHANGED !!!" in done.stdout
    assert f"{FILE}: ADDED age {intruder}" in done.stdout
    assert done.stdout.index("RECIPIENTS CHANGED") < done.stdout.index("CHANGES:")

    strict = sandbox.sealfile("review", "HEAD~1", "HEAD", "--fail-on-recipient-change", check=False)
    assert strict.returncode == 3
    report = json.loads(sandbox.sealfile("review", "HEAD~1", "HEAD", "--format", "json").stdout)
    assert report["ok"] is True
    assert report["recipient_changes"] == [f"{FILE}: ADDED age {intruder}"]
    markdown = sandbox.sealfile("review", "HEAD~1", "HEAD", "--format", "markdown").stdout
    assert "### :warning: Recipients changed" in markdown


def test_a_changed_value_shows_as_a_new_fingerprint(sandbox: Sandbox) -> None:
    _base(sandbox)
    sandbox.sealfile("set", FILE, "db.password", "rotated-77c")
    sandbox.commit("rotate password")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", env=sandbox.keyless_env())
    assert "~ db.password: ENC#" in done.stdout
    assert "s3cret" not in done.stdout and "rotated" not in done.stdout
    assert "0 policy violation(s)" in done.stdout


def test_a_plaintext_file_under_the_sealed_pattern_fails(sandbox: Sandbox) -> None:
    _base(sandbox)
    (sandbox.repo / "staging.enc.yaml").write_text("db:\n  password: leaked-5e1\n")
    sandbox.commit("oops")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    assert done.returncode == 3
    assert "POLICY VIOLATIONS" in done.stdout and "staging.enc.yaml: NOT SEALED" in done.stdout
    assert "leaked-5e1" not in done.stdout


def test_an_unsealed_secret_in_a_sealed_file_fails(sandbox: Sandbox) -> None:
    _base(sandbox)
    path = sandbox.repo / FILE
    text = path.read_text()
    start = text.index("password: ") + len("password: ")
    end = text.index("\n", start)
    path.write_text(text[:start] + "hand-edited-0b3" + text[end:])  # what a careless hand edit does
    sandbox.commit("hand edit")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False)
    assert done.returncode == 3
    assert f"{FILE}: db.password: plaintext value where the file's rule requires encryption" in done.stdout
    assert "hand-edited-0b3" not in done.stdout


def test_a_secret_named_key_newly_left_unencrypted_fails(sandbox: Sandbox) -> None:
    _base(sandbox)
    sandbox.sealfile("set", FILE, "api_token_unencrypted", "visible-d40")
    sandbox.sealfile("set", FILE, "region_unencrypted", "eu-west-1")
    sandbox.commit("new keys")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    assert done.returncode == 3
    assert "api_token_unencrypted: named like a secret and left unencrypted by this change" in done.stdout
    assert "region_unencrypted: named like" not in done.stdout


def test_files_outside_the_patterns_are_ignored_and_config_patterns_apply(sandbox: Sandbox) -> None:
    _base(sandbox)
    (sandbox.repo / ".sealfile.yaml").write_text("sealed_files: ['secrets/*.yaml']\n")
    (sandbox.repo / "notes.yaml").write_text("password: not-our-business\n")
    (sandbox.repo / "secrets").mkdir()
    (sandbox.repo / "secrets" / "x.yaml").write_text("password: plain-7f\n")
    sandbox.commit("config")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False)
    assert done.returncode == 3
    assert "secrets/x.yaml: NOT SEALED" in done.stdout
    assert "notes.yaml" not in done.stdout


def test_narrowing_the_patterns_does_not_hide_a_plaintext_file(sandbox: Sandbox) -> None:
    _base(sandbox)
    (sandbox.repo / ".sealfile.yaml").write_text("sealed_files: ['nothing/*']\n")
    (sandbox.repo / "new.enc.yaml").write_text("token: plain-a0\n")
    sandbox.commit("sneaky")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False)
    assert done.returncode == 3
    assert "new.enc.yaml: NOT SEALED" in done.stdout
    assert ".sealfile.yaml: changed" in done.stdout


def test_a_blob_over_the_size_limit_is_a_violation_not_a_crash(sandbox: Sandbox) -> None:
    seal_file(sandbox, "a.enc.yaml", "password: p-1\n")
    sandbox.commit("base")
    (sandbox.repo / "a.enc.yaml").write_text("x: " + "y" * (2 * 1024 * 1024) + "\n")
    sandbox.commit("huge")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False,
                            env={**sandbox.env, "SEALFILE_MAX_FILE_MB": "1"})
    assert done.returncode == 3, done.stderr
    assert "a.enc.yaml: larger than 1 MiB at HEAD" in done.stdout
    assert "Traceback" not in done.stderr
