"""``sealfile diff``: by key path, redacted unless --reveal, between files or git revisions."""

from __future__ import annotations

from sealfile.gitflow.semantic_diff import diff_texts
from sealfile.kms.age import generate_identity
from tests.support.git import Sandbox, seal_file
from tests.support.identities import AgeIdentity

PLAIN = "db:\n  password: pw-1a\n  user: app\n  host_unencrypted: db.local\nold: gone-2b\n"


def _two_versions(box: Sandbox) -> None:
    seal_file(box, "v1.enc.yaml", PLAIN)
    (box.repo / "v2.enc.yaml").write_text((box.repo / "v1.enc.yaml").read_text())
    box.sealfile("set", "v2.enc.yaml", "db.password", "pw-changed-3c")
    box.sealfile("set", "v2.enc.yaml", "db.host_unencrypted", "db2.local")
    box.sealfile("set", "v2.enc.yaml", "api.token", "tok-4d")
    box.sealfile("unset", "v2.enc.yaml", "old")


def test_diff_of_two_files_is_redacted_by_default(sandbox: Sandbox) -> None:
    _two_versions(sandbox)
    out = sandbox.sealfile("diff", "v1.enc.yaml", "v2.enc.yaml", env=sandbox.keyless_env()).stdout
    lines = out.splitlines()
    assert lines[0] == "v2.enc.yaml (modified)"
    assert any(line.startswith("  ~ db.password: ENC#") and " -> ENC#" in line for line in lines)
    assert '  ~ db.host_unencrypted: "db.local" -> "db2.local"' in lines
    assert any(line.startswith("  + api.token: ENC#") for line in lines)
    assert any(line.startswith("  - old: ENC#") for line in lines)
    assert not any("user" in line for line in lines)
    assert "pw-" not in out and "tok-" not in out and "gone-" not in out


def test_reveal_shows_plaintext(sandbox: Sandbox) -> None:
    _two_versions(sandbox)
    out = sandbox.sealfile("diff", "--reveal", "v1.enc.yaml", "v2.enc.yaml").stdout
    assert '  ~ db.password: "pw-1a" -> "pw-changed-3c"' in out
    assert '  + api.token: "tok-4d"' in out
    assert '  - old: "gone-2b"' in out


def test_recipient_and_rule_changes_are_marked(sandbox: Sandbox) -> None:
    old = seal_file(sandbox, "a.enc.yaml", "x: 1\n").read_text()
    _, other = generate_identity()
    sandbox.sealfile("recipients", "add", "a.enc.yaml", "--age", other)
    result = diff_texts("a.enc.yaml", old, (sandbox.repo / "a.enc.yaml").read_text())
    assert result.recipients_added == [f"age {other}"]
    assert result.values == []
    ruled = old.replace("unencrypted_suffix: _unencrypted", "encrypted_regex: ^x$")
    assert diff_texts("a", old, ruled).rules_change == ("unencrypted_suffix: _unencrypted", "encrypted_regex: ^x$")
    broken = old.replace("sealfile:", "sealfile: [", 1)  # a sealed file no reader opens: its problem is told
    assert diff_texts("a", old, broken).problem is not None


def test_diff_between_revisions_and_against_the_working_tree(sandbox: Sandbox) -> None:
    seal_file(sandbox, "conf/app.enc.yaml", PLAIN)
    (sandbox.repo / "notes.yaml").write_text("a: 1\n")
    sandbox.commit("one")
    sandbox.sealfile("set", "conf/app.enc.yaml", "db.user", "admin")
    (sandbox.repo / "notes.yaml").write_text("a: 2\n")
    out = sandbox.sealfile("diff", "--git", "HEAD").stdout
    assert out.splitlines()[0] == "conf/app.enc.yaml (modified)"
    assert "~ db.user: ENC#" in out and "notes.yaml" not in out
    sandbox.commit("two")
    out = sandbox.sealfile("diff", "--git", "HEAD~1..HEAD", "--reveal", "conf").stdout
    assert '~ db.user: "app" -> "admin"' in out
    assert sandbox.sealfile("diff", "--git", "HEAD~1..HEAD", "elsewhere").stdout == ""


def test_a_recipients_role_or_profile_change_is_a_recipient_change() -> None:
    """Recipients were compared and shown by key id alone, and an AWS key's id is its ARN: a change that
    made readers assume another (trusted) role, or use another profile's credentials, showed as no
    change at all, though readers then send their requests and credentials another way."""
    from sealfile.kms.age import AgeKey
    from sealfile.ops.seal import seal_text

    sealed = seal_text("db:\n  password: p-1\n", [AgeKey(generate_identity()[1])])
    start, end = sealed.index("  recipients:\n"), sealed.index("  unencrypted_suffix:")
    arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

    def with_aws(role: str, profile: str = "deploy") -> str:
        return sealed[:start] + (f"  recipients:\n    - type: aws_kms\n      arn: {arn}\n      region: eu-west-1\n"
                                 f"      context: {{}}\n      role: arn:aws:iam::111122223333:role/{role}\n"
                                 f"      profile: {profile}\n      wrapped: AAAA\n") + sealed[end:]

    same = diff_texts("a.enc.yaml", with_aws("sealfile-read"), with_aws("sealfile-read"))
    assert same.status == "unchanged" and not same.recipients_changed
    for new in (with_aws("sealfile-admin"), with_aws("sealfile-read", "admin")):
        diff = diff_texts("a.enc.yaml", with_aws("sealfile-read"), new)
        assert diff.recipients_changed and diff.status == "modified"
        assert diff.recipients_removed == [f"aws_kms {arn} (role arn:aws:iam::111122223333:role/sealfile-read, "
                                           "profile deploy)"]


def test_an_alias_re_pointed_shows_what_it_names_before_and_after(age_identity: AgeIdentity) -> None:
    """``password: *dev`` made ``*prod`` showed as one fingerprint for another, naming neither value;
    between two plaintexts of equal value the change was not shown at all."""
    from sealfile.ops.seal import seal_text

    plaintext = ("dev_pw: &dev dev-secret\nprod_pw: &prod prod-secret\nx_unencrypted: &x 1\ny_unencrypted: &y 1\n"
                 "app:\n  password: *dev\n  port_unencrypted: *x\n")
    old = seal_text(plaintext, [age_identity.key])
    new = seal_text(plaintext.replace("*dev", "*prod").replace("*x", "*y"), [], previous=old)
    changes = {change.keypath: (change.old, change.new) for change in diff_texts("s.enc.yaml", old, new).values}
    before, after = changes["app.password"]
    assert before.endswith(" (as dev_pw)") and after.endswith(" (as prod_pw)") and "secret" not in before + after
    assert changes["app.port_unencrypted"] == ("1 (as x_unencrypted)", "1 (as y_unencrypted)")
