"""`review` of a change to a creation rule's value rule (``encrypted_regex``, ``unencrypted_regex``,
``unencrypted_suffix``) names it, beside the rule's recipients, and fails one that would leave values named like
secrets of committed sealed files in plaintext.

Before, the commit pushing ``unencrypted_regex: .`` showed only ``.sealfile.yaml: changed`` under attention: the
rule that makes every later ``encrypt`` write ``db.password`` in plaintext went by unnamed."""

from __future__ import annotations

from tests.support.git import Sandbox, seal_file, section

RULE = "creation_rules:\n  - path_regex: prod\n    age: {recipient}\n"


def _committed(box: Sandbox) -> None:
    (box.repo / ".sealfile.yaml").write_text(RULE.format(recipient=box.recipient))
    seal_file(box, "prod.enc.yaml", "db:\n  password: s3cret-a91\n  host: db.local\napi:\n  token: t0k\n")
    box.commit("base")


def test_a_rule_leaving_committed_secrets_in_plaintext_is_named_and_fails_the_review(sandbox: Sandbox) -> None:
    _committed(sandbox)
    (sandbox.repo / ".sealfile.yaml").write_text(RULE.format(recipient=sandbox.recipient)
                                                 + "    unencrypted_regex: .\n")
    sandbox.commit("tidy the config")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    assert done.returncode == 3, done.stdout + done.stderr
    recipients = section(done.stdout, "!!! RECIPIENTS CHANGED !!!")
    assert ".sealfile.yaml: creation rule encryption ADDED unencrypted_regex: . (path_regex 'prod')" in recipients
    violations = section(done.stdout, "POLICY VIOLATIONS:")
    assert (".sealfile.yaml: creation rule (unencrypted_regex: .) would leave prod.enc.yaml: db.password, "
            "api.token in plaintext, named like secrets and sealed now") in violations
    assert "db.host" not in violations  # not named like a secret: for attention
    assert (".sealfile.yaml: creation rule (unencrypted_regex: .) would leave prod.enc.yaml: db.host in plaintext, "
            "sealed now") in section(done.stdout, "NEEDS ATTENTION:")
    assert "s3cret" not in done.stdout


def test_a_narrower_rule_is_named_and_passes(sandbox: Sandbox) -> None:
    _committed(sandbox)
    rule = RULE.format(recipient=sandbox.recipient)
    (sandbox.repo / ".sealfile.yaml").write_text(rule + "    encrypted_regex: ^(password|token)$\n")
    sandbox.commit("seal only the secrets")
    (sandbox.repo / ".sealfile.yaml").write_text(rule + "    encrypted_regex: ^(password|token|host)$\n")
    sandbox.commit("and the host")
    first = sandbox.sealfile("review", "HEAD~2", "HEAD~1", env=sandbox.keyless_env())
    assert ".sealfile.yaml: creation rule encryption ADDED encrypted_regex: ^(password|token)$ (path_regex 'prod')" \
        in section(first.stdout, "!!! RECIPIENTS CHANGED !!!")
    second = sandbox.sealfile("review", "HEAD~1", "HEAD", env=sandbox.keyless_env())
    changed = [line.strip() for line in section(second.stdout, "!!! RECIPIENTS CHANGED !!!").splitlines()]
    assert changed[1:] == [
        ".sealfile.yaml: creation rule encryption ADDED encrypted_regex: ^(password|token|host)$ (path_regex 'prod')",
        ".sealfile.yaml: creation rule encryption removed encrypted_regex: ^(password|token)$ (path_regex 'prod')"]
    assert "POLICY VIOLATIONS" not in first.stdout + second.stdout


LOOSE_AFTER = "  - path_regex: \\.dev\\.\n    age: {recipient}\n    unencrypted_regex: .\n"
"""A rule the team means: development files kept readable (its path_regex also matches other files once the rule
before it is gone or moved after it)."""


def test_a_file_falling_through_to_another_existing_loose_rule_fails_the_review(sandbox: Sandbox) -> None:
    """Removing or reordering a default rule lists no value rule added or removed (the loose one was there), yet
    ``prod.enc.yaml`` is now the loose rule's: each side's rule for each committed file is what is compared."""
    loose = LOOSE_AFTER.replace("\\.dev\\.", "\\.(dev|enc)\\.")
    (sandbox.repo / ".sealfile.yaml").write_text(RULE.format(recipient=sandbox.recipient)
                                                 + loose.format(recipient=sandbox.recipient))
    seal_file(sandbox, "prod.enc.yaml", "db:\n  password: s3cret-a91\n")
    sandbox.commit("base")
    for config in ("creation_rules:\n" + loose,  # the prod rule removed
                   "creation_rules:\n" + loose + RULE.split("\n", 1)[1]):  # or moved after the loose one
        (sandbox.repo / ".sealfile.yaml").write_text(config.format(recipient=sandbox.recipient))
        sandbox.commit("tidy the config")
        done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
        assert done.returncode == 3, done.stdout + done.stderr
        assert (".sealfile.yaml: creation rule (unencrypted_regex: .) would leave prod.enc.yaml: db.password in "
                "plaintext, named like secrets and sealed now") in section(done.stdout, "POLICY VIOLATIONS:")
        sandbox.git("reset", "-q", "--hard", "HEAD~1")


def test_a_deleted_config_whose_files_fall_back_to_a_loose_one_above_fails_the_review(sandbox: Sandbox) -> None:
    """``prod/.sealfile.yaml`` deleted: its files are the top config's now, whose rule leaves everything plain."""
    (sandbox.repo / ".sealfile.yaml").write_text("creation_rules:\n" + LOOSE_AFTER.replace("\\.dev\\.", ".")
                                                 .format(recipient=sandbox.recipient))
    (sandbox.repo / "prod").mkdir()
    (sandbox.repo / "prod" / ".sealfile.yaml").write_text(RULE.format(recipient=sandbox.recipient))
    seal_file(sandbox, "prod/prod.enc.yaml", "db:\n  password: s3cret-a91\n")
    sandbox.commit("base")
    (sandbox.repo / "prod" / ".sealfile.yaml").unlink()
    sandbox.commit("one config is enough")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    assert done.returncode == 3, done.stdout + done.stderr
    assert ("prod/.sealfile.yaml: creation rule (unencrypted_regex: .) would leave prod/prod.enc.yaml: db.password "
            "in plaintext, named like secrets and sealed now") in section(done.stdout, "POLICY VIOLATIONS:")
    sandbox.git("checkout", "-q", "HEAD~1", "--", "prod/.sealfile.yaml")  # added back: the nearer rule again
    sandbox.commit("two after all")
    assert "POLICY VIOLATIONS" not in sandbox.sealfile("review", "HEAD~1", "HEAD", env=sandbox.keyless_env()).stdout


def test_a_new_plaintext_value_of_a_secret_named_key_fails_the_review(sandbox: Sandbox) -> None:
    """Someone who can push re-sealed the file with ``db.password: changeme`` in plaintext (a violation there, unless
    pushed unreviewed); the victim's ``set db.password`` then wrote the real password in plaintext, and the review
    of that change passed (exit 0) with it on screen: the value was plaintext before too. A new value is judged as
    a new key is; another key's change passes."""
    from sealfile.kms.age import AgeKey
    from sealfile.model.rules import EncryptionRules
    from sealfile.ops.seal import seal_text

    (sandbox.repo / "prod.enc.yaml").write_text(seal_text("db:\n  password: changeme\n  host: h\n",
                                                          [AgeKey.from_cli(sandbox.recipient)],
                                                          EncryptionRules("unencrypted_regex", ".")))
    sandbox.commit("forged")
    sandbox.sealfile("set", "prod.enc.yaml", "db.host", "h2")
    sandbox.commit("another key")
    assert sandbox.review_last()[0] == 0
    sandbox.sealfile("set", "prod.enc.yaml", "db.password", "n3w-s3cret")
    sandbox.commit("rotate the password")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert ("prod.enc.yaml: db.password: named like a secret, a new value written in plaintext by this change"
            in section(shown, "POLICY VIOLATIONS:"))
