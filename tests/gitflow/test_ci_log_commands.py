"""Text a change holds, printed into a CI log by the keyless commands a pull request's job runs (``review``,
``check``, ``status``, ``diff``, ``recipients list``), must not command the runner reading that log.

The Azure Pipelines agent acts on ``##vso[`` anywhere in a line of a step's stdout or stderr (and hides the
line): ``##vso[task.prependpath]DIR`` puts a directory of the checkout first on the PATH of every later step,
``##vso[task.setvariable variable=SEALFILE_ALLOWED_SIGNERS]...`` replaces the signers a deploy step pins.
GitHub's runner acts on ``##[command]`` anywhere and on ``::command::`` at the start of a line after blanks
(``::add-mask::``, ``::stop-commands::``, ``::error file=...::`` annotations). All of these are printable, so
the escaping of control characters let them through: a key or file name holding one reached the log as is."""

from __future__ import annotations

import json
import re

from tests.support.git import Sandbox, seal_file

PREPEND = "##vso[task.prependpath]/home/vsts/work/1/s/bin"
SIGNERS = "##vso[task.setvariable variable=SEALFILE_ALLOWED_SIGNERS]/home/vsts/work/1/s/signers"
MASK = "::add-mask::hunter2"
ANNOTATION = "::error file=README.md::ok.enc.yaml"


def runner_commands(output: str) -> list[str]:
    """The lines of ``output`` a runner would act on: the agent's ``IndexOf("##vso[")`` and GitHub's v1
    ``IndexOf("##[")`` anywhere, GitHub's v2 ``TrimStart().StartsWith("::")``; lines end at LF or CR."""
    return [line for line in re.split(r"\r\n|\r|\n", output)
            if "##vso[" in line or "##[" in line or line.lstrip().startswith("::")]


def _hostile_change(box: Sandbox) -> None:
    seal_file(box, "a.enc.yaml", "k: s\n")
    box.commit("base")
    seal_file(box, "a.enc.yaml", f'k: s\n"{PREPEND}": x\nnote_unencrypted: "{SIGNERS}"\n"{MASK}": y\n'
                                 '"##[set-output name=ok]true": z\n')
    text = (box.repo / "a.enc.yaml").read_text()
    (box.repo / "a.enc.yaml").write_text(text.replace(
        "  recipients:\n", f'  recipients:\n    - type: "{MASK}"\n      wrapped: y\n', 1))
    (box.repo / f"{ANNOTATION}").write_text("password: hunter2\n")
    seal_file(box, f"{MASK}.enc.yaml", "k: s\n")
    box.commit("the change")


def test_the_oracle_finds_each_form_of_command() -> None:
    assert runner_commands(f"x {PREPEND}\n  {MASK}\ra ##[error]b\n{ANNOTATION}") == [
        f"x {PREPEND}", f"  {MASK}", "a ##[error]b", ANNOTATION]
    assert runner_commands("a::b\nfe80::1\n#\\x23vso[x]\n\\x3a:add-mask::x") == []


def test_keyless_commands_print_no_runner_command(sandbox: Sandbox) -> None:
    _hostile_change(sandbox)
    keyless = sandbox.keyless_env()
    for args in (["review", "HEAD~1", "HEAD"], ["review", "HEAD~1", "HEAD", "--format", "markdown"],
                 ["review", "HEAD~1", "HEAD", "--format", "json"], ["check"], ["diff", "--git", "HEAD~1..HEAD"],
                 ["status", "a.enc.yaml", f"{MASK}.enc.yaml"], ["recipients", "list", "a.enc.yaml"],
                 ["verify", "a.enc.yaml", ANNOTATION]):
        done = sandbox.sealfile(*args, check=False, env=keyless)
        assert done.returncode != 70, (args, done.stderr)
        assert runner_commands(done.stdout) == [] and runner_commands(done.stderr) == [], (args, done)
    shown = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=keyless).stdout
    assert '+ ["#\\x23vso[task.prependpath]/home/vsts/work/1/s/bin"]' in shown  # still legible
    assert "\\x3a:error file=README.md::ok.enc.yaml: NOT SEALED" in shown


def test_the_json_review_holds_the_names_unchanged(sandbox: Sandbox) -> None:
    _hostile_change(sandbox)
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", "--format", "json", check=False, env=sandbox.keyless_env())
    paths = [change["keypath"] for f in json.loads(done.stdout)["files"] for change in f["diff"]["values"]]
    assert json.dumps([PREPEND]) in paths and "##" not in done.stdout
