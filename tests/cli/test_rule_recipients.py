"""Without trusted signers, writers seal for no recipient the file's creation rule does not name: a file committed
sealed for the rule's recipients plus an attacker's would otherwise get the next value under a data key the
attacker opens (docs/security.md §3). Real age keys, through the ``sealfile`` command."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from sealfile.kms.age import generate_identity
from tests.support.cli import RunCli, cli_env
from tests.support.identities import AgeIdentity
from tests.support.signed import Team, team
from tests.support.ssh import ssh_keys

__all__ = ["ssh_keys", "team"]

PLAIN = "db:\n  pw: old-secret-71\n  user: app\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    top = tmp_path / "repo"
    top.mkdir()
    subprocess.run(["git", "init", "-q", str(top)], check=True)
    return top


def rule(repo: Path, *recipients: str, path_regex: str = r"\.enc\.yaml$") -> None:
    ages = "".join(f"\n      - {recipient}" for recipient in recipients)
    (repo / ".sealfile.yaml").write_text(f"creation_rules:\n  - path_regex: {path_regex}\n    age:{ages}\n")


def sealed_for(run_cli: RunCli, repo: Path, *recipients: str) -> Path:
    """What anyone who can push can commit: a file sealed afresh, for the recipients of their choosing."""
    (repo / "plain.yaml").write_text(PLAIN)
    file = repo / "a.enc.yaml"
    done = run_cli("encrypt", repo / "plain.yaml", "-o", file, *(f"--age={key}" for key in recipients))
    assert done.returncode == 0, done.stderr
    return file


def editor(tmp_path: Path) -> dict[str, str]:
    program = tmp_path / "editor.py"
    program.write_text("import sys\np = sys.argv[1]\nopen(p, 'a').write('extra: added\\n')\n")
    return {"EDITOR": f"{sys.executable} {program}"}


WRITES = {
    "set": lambda file, tmp: (["set", file, "db.pw", "new-secret-93"], None),
    "unset": lambda file, tmp: (["unset", file, "db.user"], None),
    "rotate": lambda file, tmp: (["rotate", file], None),
    "edit": lambda file, tmp: (["edit", file], editor(tmp)),
    "recipients remove --rotate": lambda file, tmp: (["recipients", "remove", "--rotate", "--age", BOB, file], None),
}
BOB = generate_identity()[1]


@pytest.mark.parametrize("verb", WRITES)
def test_a_file_sealed_also_for_a_recipient_the_rule_does_not_name_is_refused(
        verb: str, run_cli: RunCli, repo: Path, age_identity: AgeIdentity, tmp_path: Path) -> None:
    attacker = generate_identity()[1]
    rule(repo, age_identity.recipient, BOB)
    file = sealed_for(run_cli, repo, age_identity.recipient, BOB, attacker)
    before = file.read_bytes()
    args, env = WRITES[verb](file, tmp_path)
    refused = run_cli(*args, env=env)
    assert refused.returncode != 0, refused.stderr
    lines = refused.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0], refused.stderr
    assert str(file) in lines[0] and f"age {attacker}" in lines[0], lines[0]
    assert lines[0].endswith(f"sealfile updatekeys --rotate {file}"), lines[0]
    assert age_identity.recipient not in lines[0], lines[0]
    assert "old-secret" not in refused.stderr + refused.stdout
    assert file.read_bytes() == before


def test_updatekeys_brings_it_to_the_rule_and_writes_go_on(run_cli: RunCli, repo: Path,
                                                           age_identity: AgeIdentity) -> None:
    attacker_identity, attacker = generate_identity()
    rule(repo, age_identity.recipient)
    file = sealed_for(run_cli, repo, age_identity.recipient, attacker)
    assert run_cli("set", file, "db.pw", "new-secret-93").returncode != 0
    fixed = run_cli("updatekeys", "--rotate", "-y", file)
    assert fixed.returncode == 0, fixed.stderr
    done = run_cli("set", file, "db.pw", "new-secret-93")
    assert done.returncode == 0, done.stderr
    as_attacker = run_cli("decrypt", file, env={"SEALFILE_AGE_KEY": attacker_identity, "SEALFILE_AGE_KEY_FILE": ""})
    assert as_attacker.returncode != 0 and "new-secret-93" not in as_attacker.stdout


@pytest.mark.parametrize("name", ["a.enc.yaml", "my secrets.enc.yaml"])
def test_the_command_the_refusal_names_shuts_the_extra_recipient_out(
        name: str, run_cli: RunCli, repo: Path, age_identity: AgeIdentity) -> None:
    """Pasted as printed (a name with a space included), it leaves no data key the outsider chose."""
    attacker = generate_identity()[1]
    rule(repo, age_identity.recipient)
    file = sealed_for(run_cli, repo, age_identity.recipient, attacker).rename(repo / name)
    forged_tokens = set(re.findall(r"ENC\[[^]]*\]", file.read_text()))
    refused = run_cli("set", file.name, "db.pw", "new-secret-93", cwd=repo)
    command = refused.stderr.rstrip("\n").split("under a new data key: ", 1)[1]
    followed = subprocess.run([sys.executable, "-m", *shlex.split(command)], input="y\n", capture_output=True,
                              text=True, env=cli_env(), cwd=repo, timeout=60)
    assert followed.returncode == 0, followed.stderr
    assert run_cli("set", file, "db.pw", "new-secret-93").returncode == 0
    # The outsider chose the data key they sealed with: no value may stay sealed under it.
    assert forged_tokens.isdisjoint(re.findall(r"ENC\[[^]]*\]", file.read_text()))


def test_encrypt_previous_keeps_no_data_key_an_unnamed_recipient_holds(run_cli: RunCli, repo: Path,
                                                                       age_identity: AgeIdentity) -> None:
    rule(repo, age_identity.recipient)
    previous = sealed_for(run_cli, repo, age_identity.recipient, generate_identity()[1])
    (repo / "new.yaml").write_text("db:\n  pw: new-secret-93\n")
    out = repo / "b.enc.yaml"
    refused = run_cli("encrypt", "--previous", previous, repo / "new.yaml", "-o", out)
    assert refused.returncode != 0 and "updatekeys" in refused.stderr, refused.stderr
    assert not out.exists()


@pytest.mark.parametrize("verb", ["set", "unset", "rotate", "edit"])
@pytest.mark.parametrize("case", ["no matching rule", "matching", "rule names more", "no config"])
def test_writes_go_on_when_the_rule_names_every_recipient_or_no_rule_matches(
        case: str, verb: str, run_cli: RunCli, repo: Path, age_identity: AgeIdentity, tmp_path: Path) -> None:
    extra = generate_identity()[1]
    recipients: tuple[str, ...] = (age_identity.recipient, extra)
    if case == "no matching rule":
        rule(repo, age_identity.recipient, path_regex=r"^other/")
    elif case == "matching":
        rule(repo, extra, age_identity.recipient)  # the order the rule lists them in does not matter
    elif case == "rule names more":  # a recipient the file lacks is no leak
        rule(repo, age_identity.recipient, extra, BOB)
    file = sealed_for(run_cli, repo, *recipients)
    args, env = WRITES[verb](file, tmp_path)
    done = run_cli(*args, env=env)
    assert done.returncode == 0, done.stderr
    assert "updatekeys" not in done.stderr


def test_with_trusted_signers_the_signature_decides(run_cli: RunCli, team: Team, repo: Path) -> None:
    team.config(repo)  # alice signs; the rule names only her recipient
    (repo / "plain.yaml").write_text(PLAIN)
    file = repo / "a.enc.yaml"
    extra = generate_identity()[1]
    done = run_cli("encrypt", repo / "plain.yaml", "-o", file, f"--age={team.age.recipient}", f"--age={extra}",
                   env=team.as_alice())
    assert done.returncode == 0, done.stderr
    done = run_cli("set", file, "db.pw", "new-secret-93", env=team.as_alice())
    assert done.returncode == 0, done.stderr


def test_recipients_add_adds_and_says_to_name_them_in_the_rule(run_cli: RunCli, repo: Path,
                                                               age_identity: AgeIdentity) -> None:
    rule(repo, age_identity.recipient)
    file = sealed_for(run_cli, repo, age_identity.recipient)
    carol = generate_identity()[1]
    added = run_cli("recipients", "add", "--age", carol, file)
    assert added.returncode == 0, added.stderr
    assert f"added age {carol}" in added.stderr
    assert f"does not name age {carol}" in added.stderr and ".sealfile.yaml" in added.stderr
    assert carol in run_cli("recipients", "list", file).stdout
    refused = run_cli("set", file, "db.pw", "new-secret-93")
    assert refused.returncode != 0 and f"age {carol}" in refused.stderr
    rule(repo, age_identity.recipient, carol, BOB)
    done = run_cli("set", file, "db.pw", "new-secret-93")
    assert done.returncode == 0, done.stderr
    named = run_cli("recipients", "add", "--age", BOB, file)
    assert named.returncode == 0 and "does not name" not in named.stderr, named.stderr


@pytest.mark.parametrize("out", ["stdout", "-o -", "-o a name no rule matches"])
def test_encrypt_previous_checks_the_rule_of_the_file_the_data_key_is_kept_from(
        out: str, run_cli: RunCli, repo: Path, age_identity: AgeIdentity) -> None:
    """``sealfile encrypt app.yaml --previous app.enc.yaml > app.enc.yaml``: the output's name (or the plaintext's,
    on stdout) may match no rule, but the data key kept is the previous file's, and so are its recipients."""
    attacker = generate_identity()[1]
    rule(repo, age_identity.recipient)
    previous = sealed_for(run_cli, repo, age_identity.recipient, attacker)
    (repo / "new.yaml").write_text("db:\n  pw: new-secret-93\n")
    flags = {"stdout": [], "-o -": ["-o", "-"], "-o a name no rule matches": ["-o", repo / "out.yaml"]}[out]
    refused = run_cli("encrypt", "--previous", previous, repo / "new.yaml", *flags)
    assert refused.returncode != 0, refused.stdout
    assert f"age {attacker}" in refused.stderr and f"updatekeys --rotate {previous}" in refused.stderr, refused.stderr
    assert "new-secret" not in refused.stdout + refused.stderr and not (repo / "out.yaml").exists()


@pytest.mark.parametrize("verb", WRITES)
def test_a_link_no_rule_matches_does_not_take_its_target_past_the_targets_rule(
        verb: str, run_cli: RunCli, repo: Path, age_identity: AgeIdentity, tmp_path: Path) -> None:
    """Configs judge a link by its own place (``secrets.yaml -> a.enc.yaml`` matches no rule), but what is written
    goes under the target's data key: its rule decides whom that may be sealed for."""
    attacker = generate_identity()[1]
    rule(repo, age_identity.recipient, BOB)
    file = sealed_for(run_cli, repo, age_identity.recipient, BOB, attacker)
    (repo / "secrets.yaml").symlink_to("a.enc.yaml")
    before = file.read_bytes()
    args, env = WRITES[verb](repo / "secrets.yaml", tmp_path)
    refused = run_cli(*args, env=env)
    assert refused.returncode != 0, refused.stderr
    lines = refused.stderr.splitlines()
    assert len(lines) == 1 and f"age {attacker}" in lines[0], refused.stderr
    assert f"updatekeys --rotate {file.resolve()}" in lines[0], lines[0]
    assert file.read_bytes() == before and (repo / "secrets.yaml").is_symlink()


def _data_key(file: Path) -> bytes:
    from sealfile.ops.reader import read_document
    from sealfile.stores import get_store

    return read_document(file.read_text(), get_store("yaml")).open().reuse().data_key


@pytest.mark.parametrize("fix", [["updatekeys", "-y"], ["recipients", "remove", "--age"]])
def test_taking_out_a_recipient_the_rule_does_not_name_takes_out_the_data_key_too(
        fix: list[str], run_cli: RunCli, repo: Path, age_identity: AgeIdentity) -> None:
    """Who sealed the file for a recipient the rule lacks may have chosen its data key: it is theirs from the
    history whatever stanza is removed, so the next value would be sealed under a key they hold. Removing them
    (as the refusal says: 'sealfile updatekeys FILE', no --rotate) replaces it."""
    attacker = generate_identity()[1]
    rule(repo, age_identity.recipient)
    file = sealed_for(run_cli, repo, age_identity.recipient, attacker)
    chosen_by_attacker = _data_key(file)
    args = [*fix, attacker] if fix[0] == "recipients" else fix
    done = run_cli(*args, file)
    assert done.returncode == 0, done.stderr
    assert "data key rotated" in done.stderr and "may have kept the old data key" not in done.stderr, done.stderr
    assert run_cli("set", file, "db.pw", "new-secret-93").returncode == 0
    assert _data_key(file) != chosen_by_attacker
    assert attacker not in run_cli("recipients", "list", file).stdout
