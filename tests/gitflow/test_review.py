"""``sealfile review BASE HEAD`` on real commits: what a reviewer without keys is told."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sealfile.kms.age import generate_identity
from tests.support.git import Sandbox, seal_file, section

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


def test_a_key_about_a_secret_left_unencrypted_fails_nothing(sandbox: Sandbox) -> None:
    """A name was judged by any piece of it (``auth`` in ``author``, ``token`` in ``token_url``), so a sealed
    file's plaintext author, secret's name or token endpoint failed the review as an unsealed secret."""
    _base(sandbox)
    for key, value in (("author_unencrypted", "Ana"), ("token_url_unencrypted", "https://id.example/token"),
                       ("tls_secret_name_unencrypted", "web-tls"), ("password_file_unencrypted", "/run/db")):
        sandbox.sealfile("set", FILE, key, value)
    sandbox.commit("plaintext settings")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    assert done.returncode == 0, done.stdout
    assert "named like a secret" not in done.stdout


def test_files_outside_the_patterns_fail_nothing_and_config_patterns_apply(sandbox: Sandbox) -> None:
    _base(sandbox)
    (sandbox.repo / ".sealfile.yaml").write_text("sealed_files: ['secrets/*.yaml']\n")
    (sandbox.repo / "notes.yaml").write_text("password: not-our-business\n")
    (sandbox.repo / "secrets").mkdir()
    (sandbox.repo / "secrets" / "x.yaml").write_text("password: plain-7f\n")
    sandbox.commit("config")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False)
    assert done.returncode == 3
    assert "secrets/x.yaml: NOT SEALED" in done.stdout
    violations, attention = done.stdout.split("NEEDS ATTENTION:")
    assert "notes.yaml" not in violations and "not-our-business" not in done.stdout
    assert "notes.yaml: password: named like a secret, in plaintext in a file no sealed_files pattern" in attention


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


HIDING = "```\n<!--"
"""A directory name: a fence closer, a line break, then an HTML comment opener that would hide the rest."""


def _crafted_change(box: Sandbox) -> str:
    """Recipients added to a file under a directory named to hide what follows (in path order, before
    the other file) and to another file (what the hiding would have swallowed), and keys named with
    a terminal escape and a bidirectional override."""
    crafted = f"{HIDING}/a.enc.yaml"
    seal_file(box, crafted, "v: 1\n")
    seal_file(box, "b.enc.yaml", "w: 2\n")
    box.commit("base")
    _, benign = generate_identity()
    _, intruder = generate_identity()
    box.sealfile("recipients", "add", crafted, "--age", benign)
    box.sealfile("set", crafted, '["\u202eevil\u001b[2J"]', "4")
    box.sealfile("recipients", "add", "b.enc.yaml", "--age", intruder)
    box.commit("the change under review")
    return intruder


def test_markdown_shows_crafted_paths_and_keys_as_text(sandbox: Sandbox) -> None:
    from markdown_it import MarkdownIt

    intruder = _crafted_change(sandbox)
    markdown = sandbox.sealfile("review", "HEAD~1", "HEAD", "--format", "markdown").stdout
    html = MarkdownIt("commonmark").render(markdown)  # raw HTML on, as in a GitHub comment
    assert "<!--" not in html and "\u202e" not in html and "\x1b" not in html
    assert f"b.enc.yaml: ADDED age {intruder}" in html
    assert html.count("<pre>") == 1 and html.index("ADDED age") < html.index("<pre>")  # one diff, closed
    assert "```\\n&lt;!--/a.enc.yaml (modified)" in html  # the path, shown as it is
    assert '  + [&quot;\\u202eevil\\u001b[2J&quot;]: ENC#' in html


def test_text_output_shows_control_characters_as_escapes(sandbox: Sandbox) -> None:
    intruder = _crafted_change(sandbox)
    text = sandbox.sealfile("review", "HEAD~1", "HEAD").stdout
    assert "\x1b" not in text and "\u202e" not in text
    assert "\n```\\n<!--/a.enc.yaml (modified)\n" in text and f"b.enc.yaml: ADDED age {intruder}" in text
    assert all(line.isprintable() for line in text.splitlines())


def test_a_file_named_with_glob_characters_is_reviewed_as_added_with_its_recipients(sandbox: Sandbox) -> None:
    """``git show REV:PATH`` reads a missing path holding ``[`` as a pathspec and prints nothing: the
    added file would be "modified" from an empty version, its recipients never listed."""
    _base(sandbox)
    _, intruder = generate_identity()
    added = "team[eu]/prod*.enc.yaml"
    (sandbox.repo / "team[eu]").mkdir()
    (sandbox.repo / added).write_text("password: p-8e1\n")
    sandbox.sealfile("encrypt", "-i", added, "--age", intruder)
    sandbox.commit("a file for the intruder")

    done = sandbox.sealfile("review", "HEAD~1", "HEAD", "--fail-on-recipient-change", check=False,
                            env=sandbox.keyless_env())
    assert done.returncode == 3, done.stdout
    assert f"{added}: ADDED age {intruder}" in done.stdout
    assert f"{added} (added)" in done.stdout and "not a readable sealed file" not in done.stdout

    sandbox.git("rm", "-q", added)
    sandbox.commit("removed again")
    gone = sandbox.sealfile("review", "HEAD~1", "HEAD", env=sandbox.keyless_env())
    assert f"{added} (deleted)" in gone.stdout and "0 policy violation(s)" in gone.stdout


def test_a_sops_file_under_the_patterns_is_named_as_one_not_as_plaintext(sandbox: Sandbox) -> None:
    _base(sandbox)
    vector = Path(__file__).parents[1] / "sops" / "vectors" / "pgp.enc.yaml"
    (sandbox.repo / "legacy.enc.yaml").write_text(vector.read_text())
    sandbox.commit("a SOPS file")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    assert done.returncode == 3
    assert "legacy.enc.yaml: a SOPS file, not a sealed file:" in done.stdout
    assert "plaintext" not in done.stdout and "sealfile import-sops -i legacy.enc.yaml" in done.stdout


def test_a_recipient_added_to_a_creation_rule_is_a_recipient_change(sandbox: Sandbox) -> None:
    """Whoever a creation rule names opens every file it makes, and every file it matches after
    'sealfile updatekeys': as prominent as a recipient added to a file."""
    rule = f"creation_rules:\n  - path_regex: prod/\n    age: {sandbox.recipient}"
    (sandbox.repo / ".sealfile.yaml").write_text(rule + "\n")
    _base(sandbox)
    _, intruder = generate_identity()
    (sandbox.repo / ".sealfile.yaml").write_text(f"{rule}, {intruder}\n")
    sandbox.commit("one more reader")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", env=sandbox.keyless_env())
    recipients = section(done.stdout, "!!! RECIPIENTS CHANGED !!!")
    assert f".sealfile.yaml: creation rule recipient ADDED age {intruder} (path_regex 'prod/')" in recipients
    strict = sandbox.sealfile("review", "HEAD~1", "HEAD", "--fail-on-recipient-change", check=False)
    assert strict.returncode == 3


def test_hosts_trusted_by_a_nested_config_are_flagged_and_the_config_named(sandbox: Sandbox) -> None:
    """A config anyone can add at any depth may trust a host, role or profile: a sealed file naming it
    then sends its readers' requests and credentials there. Review named only '.sealfile.yaml: changed'
    (not which one) and nothing of the trust section."""
    (sandbox.repo / ".sealfile.yaml").write_text(f"creation_rules:\n  - age: {sandbox.recipient}\n")
    _base(sandbox)
    (sandbox.repo / "prod").mkdir()
    (sandbox.repo / "prod" / ".sealfile.yaml").write_text(
        "trust:\n  hosts: ['*.attacker.example']\n  roles: ['arn:aws:iam::999999999999:role/x']\n")
    sandbox.commit("prod trusts a host")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", env=sandbox.keyless_env())
    trusted = done.stdout.split("!!! TRUST CHANGED !!!")[1].split("NEEDS ATTENTION")[0]
    assert "prod/.sealfile.yaml: trust ADDED host *.attacker.example" in trusted
    assert "prod/.sealfile.yaml: trust ADDED role arn:aws:iam::999999999999:role/x" in trusted
    assert "  prod/.sealfile.yaml: changed (creation rules" in done.stdout.split("NEEDS ATTENTION:")[1]
    strict = sandbox.sealfile("review", "HEAD~1", "HEAD", "--fail-on-recipient-change", check=False)
    assert strict.returncode == 3
    report = json.loads(sandbox.sealfile("review", "HEAD~1", "HEAD", "--format", "json").stdout)
    assert report["config_changed"] is True and len(report["trust_changes"]) == 2


def test_a_role_a_creation_rule_adds_to_a_key_is_flagged_as_trusted(sandbox: Sandbox) -> None:
    """The roles, profiles and hosts a creation rule's keys name are trusted for every file the config
    governs, as those of 'trust:' are; review showed only '.sealfile.yaml: changed' for an ARN given a
    role in another account (the recipient entry, the key's ARN, stayed the same)."""
    arn = "arn:aws:kms:us-east-1:111111111111:key/abcd"
    (sandbox.repo / ".sealfile.yaml").write_text(f"creation_rules:\n  - aws_kms: {arn}\n")
    _base(sandbox)
    (sandbox.repo / ".sealfile.yaml").write_text(
        f"creation_rules:\n  - aws_kms: {arn}+arn:aws:iam::666666666666:role/evil\n")
    sandbox.commit("the rule's key gets a role")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", env=sandbox.keyless_env())
    trusted = done.stdout.split("!!! TRUST CHANGED !!!")[1].split("NEEDS ATTENTION")[0]
    assert ".sealfile.yaml: trust ADDED role arn:aws:iam::666666666666:role/evil" in trusted
    strict = sandbox.sealfile("review", "HEAD~1", "HEAD", "--fail-on-recipient-change", check=False)
    assert strict.returncode == 3


def test_a_signature_requirement_dropped_or_shadowed_is_a_signer_change(sandbox: Sandbox) -> None:
    """Without trusted signers, ``require_signature`` is what makes readers refuse a file anyone sealed.
    Review said only '.sealfile.yaml: changed' when a change removed it, or put a rule without it ahead
    of the one with it (the first rule that matches a file applies), even with --fail-on-recipient-change."""
    required = f"creation_rules:\n  - age: {sandbox.recipient}\n    require_signature: true\n"
    (sandbox.repo / ".sealfile.yaml").write_text(required)
    _base(sandbox)
    for config, shown in (
        (f"creation_rules:\n  - age: {sandbox.recipient}\n",
         ".sealfile.yaml: signature rule removed require_signature (path_regex '')"),
        (f"creation_rules:\n  - path_regex: prod\n    age: {sandbox.recipient}\n" + required.split("\n", 1)[1],
         ".sealfile.yaml: signature rule ADDED no signature required (path_regex 'prod'), ahead of a rule that "
         "requires one"),
    ):
        (sandbox.repo / ".sealfile.yaml").write_text(config)
        sandbox.commit("no signature needed")
        done = sandbox.sealfile("review", "HEAD~1", "HEAD", env=sandbox.keyless_env())
        assert shown in done.stdout.split("!!! SIGNERS CHANGED !!!")[1].split("NEEDS ATTENTION")[0]
        strict = sandbox.sealfile("review", "HEAD~1", "HEAD", "--fail-on-recipient-change", check=False)
        assert strict.returncode == 3
        (sandbox.repo / ".sealfile.yaml").write_text(required)
        sandbox.commit("back")


def test_paths_a_case_insensitive_file_system_merges_are_violations(sandbox: Sandbox) -> None:
    """On macOS or Windows 'PROD/.sealfile.yaml' lands in 'prod/' and '.SEALFILE.YAML' is the config sealfile
    opens, while review reads blobs by their exact names: a config dropping prod's signers, or a second
    spelling of a sealed file, would be reviewed as something else than what a checkout there reads."""
    (sandbox.repo / "prod").mkdir()
    seal_file(sandbox, "prod/db.enc.yaml", "password: s3cret-a91\n")
    sandbox.commit("base")
    (sandbox.repo / "PROD").mkdir()
    (sandbox.repo / "PROD" / ".sealfile.yaml").write_text(f"creation_rules:\n  - age: {sandbox.recipient}\n")
    (sandbox.repo / ".SEALFILE.YAML").write_text("sealed_files: ['*.nothing']\n")
    seal_file(sandbox, "prod/DB.enc.yaml", "password: 0ther\n")
    nfd = "cafe\u0301.enc.yaml"
    seal_file(sandbox, "caf\u00e9.enc.yaml", "password: a\n")
    seal_file(sandbox, nfd, "password: b\n")
    sandbox.commit("second spellings")

    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    assert done.returncode == 3, done.stdout + done.stderr
    violations = section(done.stdout, "POLICY VIOLATIONS:")
    assert ("PROD/.sealfile.yaml: on a case-insensitive file system PROD is the same as prod: a checkout there "
            "reads something else than this review") in violations
    assert ".SEALFILE.YAML: a case-insensitive file system reads it as .sealfile.yaml, which this review does " \
           "not" in violations
    assert "prod/DB.enc.yaml: on a case-insensitive file system prod is the same as PROD" in violations
    assert f"{nfd}: on a case-insensitive file system {nfd} is the same as caf\u00e9.enc.yaml" in violations


def test_aliases_in_a_signers_section_cannot_multiply_reviews_work(tmp_path: Path) -> None:
    """Review reads each changed config's signers itself: a list of 64 keys aliased under 30,000 names
    (256 Ki characters) made it parse two million SSH keys."""
    import subprocess

    from sealfile.gitflow.seals import signer_changes
    from sealfile.ops.config import MAX_CONFIG_CHARS

    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "k")], check=True)
    key = (tmp_path / "k.pub").read_text().strip()
    head = f"signers:\n  s0: &k [{', '.join([key] * 64)}]\n"
    bomb = head + "".join(f"  s{i}: *k\n" for i in range(1, (MAX_CONFIG_CHARS - len(head)) // 14))
    assert signer_changes(".sealfile.yaml", None, bomb) == [
        ".sealfile.yaml: signer ADDED (a signers: section that does not parse)"]


def test_a_config_that_stops_parsing_is_shown_in_every_rule_list_from_one_parse_a_side(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A config broken by a change hides what its rules trust and whom they name: each list says so rather
    than showing everything as removed; and each side is parsed once for all three (a config may be
    256 Ki characters, and review reads every changed one)."""
    from sealfile.gitflow import seals

    parsed: list[str] = []
    real = seals.config_from_text
    monkeypatch.setattr(seals, "config_from_text", lambda text, path: parsed.append(text) or real(text, path))
    _, recipient = generate_identity()
    old = (f"creation_rules:\n  - path_regex: prod/\n    age: {recipient}\n    require_signature: true\n"
           "trust:\n  hosts: ['vault.example']\n")
    changes = seals.rule_changes(".sealfile.yaml", old, "creation_rules: [\n", tmp_path)
    assert parsed == [old, "creation_rules: [\n"]
    assert changes.recipients == [
        ".sealfile.yaml: creation rule recipient ADDED (creation rules that do not parse)",
        f".sealfile.yaml: creation rule recipient removed age {recipient} (path_regex 'prod/')"]
    assert changes.requirements == [
        ".sealfile.yaml: signature rule ADDED (creation rules that do not parse)",
        ".sealfile.yaml: signature rule removed require_signature (path_regex 'prod/')"]
    assert changes.trust == [".sealfile.yaml: trust ADDED (a config that does not parse)",
                             ".sealfile.yaml: trust removed host vault.example"]
    assert seals.rule_changes(".sealfile.yaml", None, old, tmp_path).trust == [
        ".sealfile.yaml: trust ADDED host vault.example"]
