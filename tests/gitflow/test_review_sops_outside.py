"""``review`` and ``diff --git`` of SOPS files kept beside sealed files, outside the ``sealed_files`` patterns
(docs/sops-compat.md §10): each is reviewed as the sealed file it is, found by its content, whatever its name.
They printed "0 sealed file(s) changed": ``sops rotate --add-age`` in a pull request went unseen, and so did
``--fail-on-recipient-change``. Every file here is written by the real ``sops`` and committed with real git."""

from __future__ import annotations

from pathlib import Path

from sealfile.kms.age import AgeKey
from sealfile.ops.seal import seal_text
from tests.sops.conftest import make_identity
from tests.support.git import Sandbox, section

ATTENTION = "a SOPS file, and no sealed_files pattern names it"


def _sops_file(box: Sandbox, name: str, text: str, kind: str = "yaml") -> None:
    (box.repo / name).parent.mkdir(parents=True, exist_ok=True)
    (box.repo / name).write_text(text)
    box.sops("encrypt", "--age", box.recipient, "--input-type", kind, "--output-type", kind, "-i", name)


def _diff(box: Sandbox) -> str:
    return box.sealfile("diff", "--git", "HEAD~1..HEAD", env=box.keyless_env()).stdout


def test_a_recipient_added_to_a_sops_file_fails_the_review(sandbox: Sandbox, tmp_path: Path) -> None:
    stranger = make_identity(tmp_path / "stranger")
    _sops_file(sandbox, "app.sops.yaml", "db:\n  password: s3cret-1\n")
    sandbox.commit("a sops file")
    sandbox.sops("rotate", "-i", "--add-age", stranger.recipient, "app.sops.yaml")
    sandbox.commit("rotate, adding a key")
    status, shown = sandbox.review_last()
    assert status == 0 and "1 sealed file(s) changed" in shown, shown
    assert f"app.sops.yaml: ADDED age {stranger.recipient}" in shown.split("!!! RECIPIENTS CHANGED !!!")[1], shown
    assert f"app.sops.yaml: {ATTENTION}" in shown.split("NEEDS ATTENTION:")[1], shown
    assert "data key rotated" in shown and "s3cret" not in shown, shown
    status, shown = sandbox.review_last("--fail-on-recipient-change")
    assert status == 3 and "app.sops.yaml: recipients changed" in shown, shown
    assert f"recipient added: age {stranger.recipient}" in _diff(sandbox)


def test_a_recipient_removed_from_a_sops_file_is_shown(sandbox: Sandbox, tmp_path: Path) -> None:
    other = make_identity(tmp_path / "other")
    (sandbox.repo / "app.sops.yaml").write_text("token: t-1\n")
    sandbox.sops("encrypt", "--age", f"{sandbox.recipient},{other.recipient}", "-i", "app.sops.yaml")
    sandbox.commit("a sops file for two")
    sandbox.sops("rotate", "-i", "--rm-age", other.recipient, "app.sops.yaml")
    sandbox.commit("one leaves")
    status, shown = sandbox.review_last("--fail-on-recipient-change")
    assert status == 3, shown
    assert f"app.sops.yaml: removed age {other.recipient} (data key rotated)" in shown, shown
    assert f"recipient removed: age {other.recipient}" in _diff(sandbox)


def test_values_changed_in_sops_json_and_dotenv_files(sandbox: Sandbox) -> None:
    _sops_file(sandbox, "conf/app.json", '{"api": {"key": "k-1"}, "name": "x"}\n', "json")
    _sops_file(sandbox, "conf/prod.env", "DB_PASS=p-1\nUSER=u\n", "dotenv")
    sandbox.commit("sops files")
    sandbox.sops("set", "conf/app.json", '["api"]["key"]', '"k-2"')
    sandbox.sops("set", "--input-type", "dotenv", "--output-type", "dotenv", "conf/prod.env", '["DB_PASS"]', '"p-2"')
    sandbox.commit("new values")
    status, shown = sandbox.review_last()
    assert status == 0 and "2 sealed file(s) changed" in shown, shown
    assert "conf/app.json (modified)" in shown and "~ api.key: ENC#" in shown, shown
    assert "conf/prod.env (modified)" in shown and "~ DB_PASS: ENC#" in shown, shown
    assert "USER" not in shown and "name" not in shown.split("CHANGES:")[1], shown
    assert "k-2" not in shown and "p-2" not in shown, shown
    diffed = _diff(sandbox)
    assert "~ api.key: ENC#" in diffed and "~ DB_PASS: ENC#" in diffed, diffed


def test_a_sops_value_in_plaintext_where_its_rule_encrypts_is_a_violation(sandbox: Sandbox) -> None:
    _sops_file(sandbox, "app.sops.yaml", "db:\n  password: s3cret-1\n")
    sandbox.commit("a sops file")
    text = (sandbox.repo / "app.sops.yaml").read_text()
    start = text.index("ENC[AES256_GCM,")
    (sandbox.repo / "app.sops.yaml").write_text(text[:start] + "hand-set" + text[text.index("]", start) + 1:])
    sandbox.commit("edited by hand")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert ("app.sops.yaml: db.password: plaintext value where the file's SOPS rule requires encryption"
            in shown), shown


def test_files_renamed_out_of_the_patterns_stay_reviewed(sandbox: Sandbox, tmp_path: Path) -> None:
    """A sealed file moved to a name no pattern covers, and a SOPS file moved to a name no data store reads,
    each with a recipient added in the same commit."""
    stranger = make_identity(tmp_path / "stranger")
    plain = "db:\n  password: x\n"
    (sandbox.repo / "app.enc.yaml").write_text(seal_text(plain, [AgeKey(sandbox.recipient)]))
    _sops_file(sandbox, "old.sops.yaml", "token: t-1\n")
    sandbox.commit("base")
    sandbox.git("mv", "app.enc.yaml", "settings.yaml")
    (sandbox.repo / "settings.yaml").write_text(
        seal_text(plain, [AgeKey(sandbox.recipient), AgeKey(stranger.recipient)]))
    (sandbox.repo / "deploy").mkdir()
    sandbox.git("mv", "old.sops.yaml", "deploy/secrets.yml")
    sandbox.sops("rotate", "-i", "--add-age", stranger.recipient, "deploy/secrets.yml")
    sandbox.commit("moved, and a key added")
    status, shown = sandbox.review_last("--fail-on-recipient-change")
    assert status == 3, shown
    assert f"deploy/secrets.yml: ADDED age {stranger.recipient}" in shown, shown
    assert f"settings.yaml: ADDED age {stranger.recipient}" in shown, shown
    assert "deploy/secrets.yml: recipients changed" in section(shown, "POLICY VIOLATIONS:"), shown
    assert f"recipient added: age {stranger.recipient}" in _diff(sandbox)


def test_a_file_that_only_looks_sealed_is_not_reviewed_as_one(sandbox: Sandbox) -> None:
    """Markers alone (a document quoting ``sops:`` and a token, or a ``sealfile:`` key) make no sealed file:
    the content test parses the metadata, as the drivers do. The SOPS file beside them still counts."""
    (sandbox.repo / "README.md").write_text("base\n")
    sandbox.commit("base")
    (sandbox.repo / "notes.yaml").write_text("sops:\n  mac: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\n"
                                             "sealfile:\n  version: 2\n")
    _sops_file(sandbox, "real.sops.yaml", "token: t-1\n")
    sandbox.commit("notes, and a sops file")
    status, shown = sandbox.review_last()
    assert status == 0 and "1 sealed file(s) changed" in shown, shown
    assert "notes.yaml" not in shown and "real.sops.yaml (added)" in shown, shown
    diffed = _diff(sandbox)
    assert "notes.yaml" not in diffed and "real.sops.yaml (added)" in diffed, diffed


def test_check_warns_of_a_sops_file_outside_the_patterns(sandbox: Sandbox) -> None:
    """``check`` (the pre-commit and pre-push guard) tells sealed files by the same content test as ``review``:
    a SOPS file no pattern covers is named as unguarded; one that only holds the markers is not."""
    _sops_file(sandbox, "app.sops.yaml", "token: t-1\n")
    (sandbox.repo / "notes.yaml").write_text("sops:\n  mac: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\n")
    sandbox.commit("a sops file, and notes")
    done = sandbox.sealfile("check", check=False)
    assert done.returncode == 0, done.stderr
    assert f"warning: app.sops.yaml: {ATTENTION}" in done.stderr, done.stderr
    assert "notes.yaml" not in done.stderr, done.stderr
    given = sandbox.sealfile("check", "app.sops.yaml", "notes.yaml", check=False)
    assert given.returncode == 0 and f"warning: app.sops.yaml: {ATTENTION}" in given.stderr, given.stderr


def test_a_sops_rule_changed_outside_the_patterns_is_shown(sandbox: Sandbox) -> None:
    """``sops`` re-encrypting a file under a narrower rule leaves values in plaintext from then on."""
    _sops_file(sandbox, "app.sops.yaml", "db:\n  password: s3cret-1\n  host: h\n")
    sandbox.commit("a sops file")
    (sandbox.repo / "app.sops.yaml").write_text("db:\n  password: s3cret-1\n  host: h\n")
    sandbox.sops("encrypt", "--age", sandbox.recipient, "--encrypted-regex", "^password$", "-i", "app.sops.yaml")
    sandbox.commit("only the password is encrypted now")
    status, shown = sandbox.review_last()
    assert status == 0 and "app.sops.yaml: encryption rule changed:" in shown.split("NEEDS ATTENTION:")[1], shown
    assert "encrypted_regex: ^password$" in shown, shown
    assert "db.host: ENC#" in shown and "s3cret" not in shown, shown
