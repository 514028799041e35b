"""``sealfile check``: the pre-commit guard, structural and keyless."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

from sealfile.gitflow.check import check_text
from sealfile.stores.yaml.reader import load_fast
from tests.support.git import Sandbox, seal_file

ROOT = Path(__file__).resolve().parents[2]


def test_a_sealed_file_passes_without_any_key(sandbox: Sandbox) -> None:
    seal_file(sandbox, "a.enc.yaml", "db:\n  password: x-81\n  port_unencrypted: 5432\n")
    done = sandbox.sealfile("check", "a.enc.yaml", env=sandbox.keyless_env())
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_empty_mappings_and_lists_pass_check_and_review(sandbox: Sandbox) -> None:
    """`unset` of a mapping's last key leaves `legacy: {}` (and helm values hold `annotations: {}`): check and
    review once ended in an internal error (an empty mapping is a leaf, and the set of tokens hashed it)."""
    sandbox.git("commit", "--allow-empty", "-qm", "base")
    seal_file(sandbox, "a.enc.yaml", "db:\n  password: x-81\nlegacy: {}\nhosts: []\n")
    sandbox.git("add", "a.enc.yaml")
    sandbox.git("commit", "-qm", "sealed")
    for command in (("check",), ("review", "HEAD~1", "HEAD")):
        done = sandbox.sealfile(*command, env=sandbox.keyless_env(), check=False)
        assert (done.returncode, done.stderr) == (0, ""), command


def test_plaintext_under_the_pattern_fails_and_other_files_are_warned_of_as_review_does(sandbox: Sandbox) -> None:
    (sandbox.repo / "leak.enc.yaml").write_text("password: leaked-29\n")
    (sandbox.repo / "plain.yaml").write_text("password: fine-here\n")
    done = sandbox.sealfile("check", "leak.enc.yaml", "plain.yaml", check=False)
    assert done.returncode == 3
    assert "error: leak.enc.yaml: NOT SEALED" in done.stderr
    assert ("warning: plain.yaml: password: named like a secret, in plaintext in a file no sealed_files pattern "
            "covers") in done.stderr
    assert "error: plain.yaml" not in done.stderr
    assert "leaked-29" not in done.stderr and "fine-here" not in done.stderr


def test_a_plaintext_value_where_the_rule_encrypts_fails(sandbox: Sandbox) -> None:
    path = seal_file(sandbox, "a.enc.yaml", "db:\n  password: x-81\n  user: app\n")
    lines = path.read_text().splitlines()
    lines = ["  user: app" if line.startswith("  user: ENC[") else line for line in lines]
    path.write_text("\n".join(lines) + "\n")
    done = sandbox.sealfile("check", check=False)  # no FILES: every tracked file... none tracked yet
    assert done.returncode == 0
    sandbox.git("add", "a.enc.yaml")
    done = sandbox.sealfile("check", check=False)
    assert done.returncode == 3
    assert "a.enc.yaml: db.user: plaintext value where the file's rule requires encryption" in done.stderr


def test_a_sealed_file_no_pattern_names_is_a_warning_until_a_pattern_does(sandbox: Sandbox) -> None:
    """A file sealed under another name (a SOPS name kept by 'import-sops -i', 'encrypt -i') is merged by git as
    text and would pass check decrypted: check says so, tracked or given, and stops once sealed_files names it."""
    seal_file(sandbox, "prod/db.yaml", "password: x-81\n")
    seal_file(sandbox, "local.env", "TOKEN=t-1\n")
    (sandbox.repo / "notes.md").write_text("sealfile: mentioned here, but not a sealed file\n")
    sandbox.git("add", "prod/db.yaml", "local.env", "notes.md")
    for args in ((), ("prod/db.yaml", "local.env", "notes.md")):
        done = sandbox.sealfile("check", *args, env=sandbox.keyless_env())
        assert done.returncode == 0, done.stderr
        warned = sorted(line.split(": ")[2] for line in done.stderr.splitlines() if "no sealed_files pattern" in line)
        assert warned == ["local.env", "prod/db.yaml"], done.stderr
    (sandbox.repo / ".sealfile.yaml").write_text('sealed_files: ["*.enc.yaml", "prod/*.yaml", "*.env"]\n')
    done = sandbox.sealfile("check", env=sandbox.keyless_env())
    assert done.returncode == 0 and "no sealed_files pattern" not in done.stderr, done.stderr
    (sandbox.repo / "prod" / "db.yaml").write_text("password: x-81\n")  # decrypted in place: now an error
    assert sandbox.sealfile("check", check=False, env=sandbox.keyless_env()).returncode == 3


def test_broken_metadata_and_secret_names_are_reported() -> None:
    assert [f.message for f in check_text("a: ENC[abc]\nsealfile: {version: 1}\n", "f")] == [
        "not a valid sealed file: sealfile.mac: metadata has no 'mac'"]
    assert check_text("{", "f")[0].message.startswith("not a sealed file: invalid YAML")
    assert check_text("- a\n", "f")[0].error


def test_secret_named_plaintext_is_a_warning(sandbox: Sandbox) -> None:
    seal_file(sandbox, "a.enc.yaml", "password_unencrypted: oops\n")
    done = sandbox.sealfile("check", "a.enc.yaml")
    assert "warning: a.enc.yaml: password_unencrypted: named like a secret" in done.stderr


def test_the_pre_commit_hook_definition_runs_sealfile_check() -> None:
    hooks = load_fast((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hooks[0]["id"] == "sealfile-check"
    assert hooks[0]["entry"] == "sealfile check"
    assert hooks[0]["pass_filenames"] is True


def test_a_damaged_token_is_an_error(sandbox: Sandbox) -> None:
    path = seal_file(sandbox, "a.enc.yaml", "x: 1\ny: 2\n")
    text = path.read_text()
    start = text.index("x: ENC[") + len("x: ENC[")
    path.write_text(text[:start] + "AAAA" + text[start + 8:])
    findings = check_text(path.read_text(), "a.enc.yaml")
    assert [(f.keypath, f.error) for f in findings] == [("x", True)]
    assert check_text(text, "a.enc.yaml") == []


def test_check_and_status_agree_on_which_tokens_are_damaged(sandbox: Sandbox) -> None:
    """check judged a token's shape by a decoder of its own, status and load_secrets by token_shape: a token
    with extra padding, or dated after the year 9999, passed check and failed every 'status'."""
    from sealfile.envelope.token_shape import token_times
    from sealfile.errors import FormatError

    text = seal_file(sandbox, "a.enc.yaml", "x: 1\n").read_text()
    token = text[text.index("x: ENC[") + len("x: ENC["):text.index("]", text.index("x: ENC["))]
    late = base64.urlsafe_b64encode(b"\x80" + (2 ** 63).to_bytes(8, "big") + base64.urlsafe_b64decode(token)[9:])
    variants = [token, token + "=", token + "==", token + "====", token.rstrip("="), late.decode()]
    for variant in variants:
        try:
            token_times([((), f"ENC[{variant}]")])
            dated = True
        except FormatError:
            dated = False
        findings = check_text(text.replace(token, variant), "a.enc.yaml")
        assert (not findings) == dated, (variant, findings)
    assert not check_text(text, "a.enc.yaml")


def test_a_tracked_symlink_to_dev_zero_is_one_error_not_out_of_memory(sandbox: Sandbox) -> None:
    """Without FILES, check reads every tracked file: a symlink to a device must not be read."""
    (sandbox.repo / "zero.enc.yaml").symlink_to("/dev/zero")
    sandbox.commit("a symlink")
    done = subprocess.run([sys.executable, "-c", LIMITED_CHECK], cwd=sandbox.repo, env=sandbox.env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 3, done.stderr
    assert "zero.enc.yaml: cannot read: is a device, not a file" in done.stderr
    assert "Traceback" not in done.stderr


# The check runs with 1 GiB of address space: reading /dev/zero without a bound would fail.
LIMITED_CHECK = (
    "import resource, sys\n"
    "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
    "sys.argv = ['sealfile', 'check']\n"
    "from sealfile.cli import main\n"
    "main()\n"
)


def test_patterns_come_from_every_sealfile_yaml_above_a_file(sandbox: Sandbox) -> None:
    (sandbox.repo / ".sealfile.yaml").write_text("sealed_files: ['*.enc.yaml', 'config/*.yaml']\n")
    service = sandbox.repo / "services" / "api"
    (service / "deep").mkdir(parents=True)
    (service / ".sealfile.yaml").write_text("sealed_files: ['*.secret']\n")
    leaks = ["config/db.yaml", "services/api/deep/token.secret", "services/api/x.enc.yaml"]
    fine = ["other/config/db.yaml", "token.secret", "services/api/notes.yaml"]
    for name in leaks + fine:
        (sandbox.repo / name).parent.mkdir(parents=True, exist_ok=True)
        (sandbox.repo / name).write_text("password: leaked\n")
    done = sandbox.sealfile("check", *leaks, *fine, check=False)
    assert done.returncode == 3
    assert sorted(line.split(": ")[2] for line in done.stderr.splitlines() if "NOT SEALED" in line) == sorted(leaks)
    # the others, named like secrets in files no pattern covers, are warnings, as review's attention
    assert done.stderr.splitlines()[-1] == "sealfile: check: 5 files: 2 ok, 3 with findings"


def test_the_patterns_match_a_file_named_through_a_link_above_the_repository(sandbox: Sandbox) -> None:
    """The configs are found where links lead (their paths resolved), and a file was matched against them
    by the name it was given: through a link above the repository (a CI workspace, /tmp on macOS), a
    pattern with a '/' or a nested config's pattern matched nothing, and plaintext passed 'check'."""
    (sandbox.repo / ".sealfile.yaml").write_text("sealed_files: ['config/*.yaml']\n")
    (sandbox.repo / "config").mkdir()
    (sandbox.repo / "services").mkdir()
    (sandbox.repo / "services" / ".sealfile.yaml").write_text("sealed_files: ['*.secret']\n")
    leaks = ["config/db.yaml", "services/token.secret"]
    for name in leaks:
        (sandbox.repo / name).write_text("password: leaked\n")
    workspace = sandbox.repo.parent / "workspace"
    workspace.symlink_to(sandbox.repo)
    done = sandbox.sealfile("check", *(str(workspace / name) for name in leaks), check=False)
    assert done.returncode == 3
    assert done.stderr.count("NOT SEALED") == len(leaks), done.stderr


def test_json_and_dotenv_are_sealed_files_by_default(sandbox: Sandbox) -> None:
    names = ["app.enc.json", ".env.enc", "deploy/prod.env.enc", "x.enc.yml", "y.enc.env"]
    for name in names:
        (sandbox.repo / name).parent.mkdir(parents=True, exist_ok=True)
        text = "{}\n" if name.endswith(".json") else "password: leaked\n" if name.endswith(".yml") else "TOKEN=x\n"
        (sandbox.repo / name).write_text(text)
    done = sandbox.sealfile("check", *names, check=False)
    assert done.stderr.count("NOT SEALED") == len(names), done.stderr


def test_a_sops_binary_file_is_not_sent_to_import_sops_which_refuses_it() -> None:
    """A SOPS file under the patterns is told how to convert, unless it is a binary one (sops picks the store by
    the name: any name but .yaml/.json/.env/.ini), which import-sops cannot convert."""
    vector = (Path(__file__).parents[1] / "sops" / "vectors" / "pgp.enc.yaml").read_text()
    envelope = '{\n\t"data": "ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]",\n\t"sops": {"mac": ' \
               '"ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]", "version": "3.11.0"}\n}\n'
    as_yaml = check_text(vector, "legacy.enc.yaml")[0].message
    as_binary = check_text(envelope, "notes.enc.txt")[0].message
    assert as_yaml.startswith("a SOPS file, not a sealed file")
    assert "'sealfile import-sops -i legacy.enc.yaml'" in as_yaml
    assert as_binary.startswith("a SOPS file, not a sealed file") and "import-sops' cannot convert it" in as_binary
    assert "import-sops -i" not in as_binary


def test_a_committed_link_to_a_sealed_file_is_checked_where_it_points(sandbox: Sandbox) -> None:
    """git stores a link's target: the staged link is the committed one, not a version that differs from the
    working copy (which check reads through the link, as every reader does)."""
    seal_file(sandbox, "dev.enc.yaml", "password: d-1\n")
    (sandbox.repo / "plain.yaml").write_text("password: hunter2\n")
    (sandbox.repo / "prod.enc.yaml").symlink_to("dev.enc.yaml")
    (sandbox.repo / "stage.enc.yaml").symlink_to("plain.yaml")
    sandbox.commit("links")
    done = sandbox.sealfile("check", "prod.enc.yaml", env=sandbox.keyless_env())
    assert "staged version" not in done.stderr
    plain = sandbox.sealfile("check", "stage.enc.yaml", check=False, env=sandbox.keyless_env())
    assert plain.returncode == 3 and "staged version" not in plain.stderr and "NOT SEALED" in plain.stderr
    (sandbox.repo / "prod.enc.yaml").unlink()
    (sandbox.repo / "prod.enc.yaml").symlink_to("plain.yaml")  # re-pointed, not staged: the staged link is checked
    relinked = sandbox.sealfile("check", "prod.enc.yaml", check=False, env=sandbox.keyless_env())
    assert relinked.returncode == 3 and "NOT SEALED" in relinked.stderr


def test_import_sops_in_place_says_when_the_kept_name_is_no_sealed_files_name(sandbox: Sandbox) -> None:
    for name in ("db.yaml", "app.yaml"):
        (sandbox.repo / name).write_text("password: x-81\n")
        sandbox.sops("encrypt", "-i", "--age", sandbox.recipient, name)
    kept = sandbox.sealfile("import-sops", "-i", "db.yaml")
    assert "warning: db.yaml: sealed, but no sealed_files pattern names it" in kept.stderr
    renamed = sandbox.sealfile("import-sops", "app.yaml", "-o", "app.enc.yaml")
    assert "no sealed_files pattern" not in renamed.stderr
