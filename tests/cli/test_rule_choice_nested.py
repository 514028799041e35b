"""One rule for a file under nested ``.sealfile.yaml`` files, whichever command asks (ops/rule_recipients.py
``rule_for_file``): the first match of the nearest config whose first match names recipients, else (none does)
the nearest first match, which names none. ``encrypt`` and ``edit`` of a new file seal for it, ``updatekeys``
applies it, ``recipients remove`` warns of it, ``set`` is guarded by it, and each names the config that decided;
an invalid config on the way is refused by every command, in one line naming it. Real age keys, the ``sealfile``
command."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest

from sealfile.kms.age import generate_identity
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity

BOB = generate_identity()[1]
CAROL = generate_identity()[1]
PLAIN = "db:\n  pw: old-secret-71\n  user: app\n"


class Layout(NamedTuple):
    root: str
    """The repository's own .sealfile.yaml ({me}: the user's recipient)."""
    nested: str | None
    """prod/.sealfile.yaml (None: there is none)."""
    named: str
    """The directory the files are named in ('lnk' leads to prod)."""
    decides: str
    """root, nested: the config whose rule names the recipients; flags: none does (they come from the command
    line); invalid: prod/.sealfile.yaml is refused."""


ROOT = "creation_rules:\n  - path_regex: \\.enc\\.yaml$\n    age: [{me}, " + BOB + "]\n"
NESTED = "creation_rules:\n  - path_regex: .*\n    age: [{me}, " + CAROL + "]\n"
NO_RECIPIENTS = "creation_rules:\n  - path_regex: .*\n    encrypted_regex: ^pw$\n"
LAYOUTS = {
    "no nested config": Layout(ROOT, None, "prod", "root"),
    "nested with recipients": Layout(ROOT, NESTED, "prod", "nested"),
    "nested without recipients": Layout(ROOT, NO_RECIPIENTS, "prod", "root"),
    "nested not matching": Layout(ROOT, "creation_rules:\n  - path_regex: ^nothing$\n    age: " + CAROL + "\n",
                                  "prod", "root"),
    "nested without rules": Layout(ROOT, "sealed_files: ['*.enc.yaml']\n", "prod", "root"),
    "nested empty": Layout(ROOT, "", "prod", "root"),
    "nested invalid": Layout(ROOT, "creation_rules: 5\n", "prod", "invalid"),
    "nested invalid rule": Layout(ROOT, "creation_rules:\n  - path_regex: '('\n    age: " + CAROL + "\n", "prod",
                                  "invalid"),
    "nested unknown field": Layout(ROOT, "signer:\n  eve: x\n", "prod", "invalid"),
    "linked dir (judged at the link)": Layout(ROOT, NO_RECIPIENTS, "lnk", "root"),
    "nested without recipients, none above": Layout(NO_RECIPIENTS, NO_RECIPIENTS, "prod", "flags"),
}


class Repo(NamedTuple):
    top: Path
    layout: Layout
    me: str

    @property
    def dir(self) -> Path:
        return self.top / self.layout.named

    @property
    def deciding_config(self) -> Path:
        return self.top / ("prod" if self.layout.decides == "nested" else "") / ".sealfile.yaml"

    @property
    def rule_recipients(self) -> set[str]:
        return {"root": {self.me, BOB}, "nested": {self.me, CAROL}}.get(self.layout.decides, set())


@pytest.fixture(params=LAYOUTS)
def repo(request: pytest.FixtureRequest, tmp_path: Path, age_identity: AgeIdentity, run_cli: RunCli) -> Repo:
    layout = LAYOUTS[request.param]
    top = (tmp_path / "repo").resolve()
    (top / "prod").mkdir(parents=True)
    (top / "lnk").symlink_to("prod")
    subprocess.run(["git", "init", "-q", str(top)], check=True)
    (top / ".sealfile.yaml").write_text(layout.root.format(me=age_identity.recipient))
    (top / "prod" / "plain.yaml").write_text(PLAIN)
    for name, recipients in (("mine", [age_identity.recipient]), ("all", [age_identity.recipient, BOB, CAROL]),
                             ("root", [age_identity.recipient, BOB]), ("nested", [age_identity.recipient, CAROL])):
        done = run_cli("encrypt", top / "prod" / "plain.yaml", "-o", top / "prod" / f"{name}.enc.yaml",
                       *(f"--age={key}" for key in recipients))
        assert done.returncode == 0, done.stderr
    if layout.nested is not None:  # written after the files are sealed: an invalid one refuses that too
        (top / "prod" / ".sealfile.yaml").write_text(layout.nested.format(me=age_identity.recipient))
    return Repo(top, layout, age_identity.recipient)


def recipients_in(file: Path, me: str) -> set[str]:
    text = file.read_text()
    return {key for key in (me, BOB, CAROL) if key in text}


def refused_naming_the_invalid_config(done: subprocess.CompletedProcess[str], repo: Repo) -> None:
    assert done.returncode != 0, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(repo.top / "prod" / ".sealfile.yaml") in lines[0], done.stderr
    assert "old-secret" not in done.stderr


def refused_for_want_of_recipients(done: subprocess.CompletedProcess[str], repo: Repo) -> None:
    assert done.returncode != 0, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(repo.top / "prod" / ".sealfile.yaml") in lines[0], done.stderr
    assert "names no recipients" in lines[0], done.stderr


def test_encrypt_seals_a_new_file_for_the_rule(repo: Repo, run_cli: RunCli) -> None:
    new = repo.dir / "new.enc.yaml"
    done = run_cli("encrypt", repo.top / "prod" / "plain.yaml", "-o", new)
    if repo.layout.decides == "invalid":
        return refused_naming_the_invalid_config(done, repo)
    if repo.layout.decides == "flags":
        return refused_for_want_of_recipients(done, repo)
    assert done.returncode == 0, done.stderr
    assert recipients_in(new, repo.me) == repo.rule_recipients


def test_edit_seals_a_new_file_for_the_rule(repo: Repo, run_cli: RunCli) -> None:
    new = repo.dir / "edited.enc.yaml"
    done = run_cli("edit", new, env={"EDITOR": "sh -c 'echo pw: s-1 > \"$1\"' sh"})
    if repo.layout.decides == "invalid":
        assert not new.exists()
        return refused_naming_the_invalid_config(done, repo)
    if repo.layout.decides == "flags":
        return refused_for_want_of_recipients(done, repo)
    assert done.returncode == 0, done.stderr
    assert recipients_in(new, repo.me) == repo.rule_recipients


def test_updatekeys_applies_the_rule(repo: Repo, run_cli: RunCli) -> None:
    file = repo.dir / "mine.enc.yaml"
    before = file.read_bytes()
    done = run_cli("updatekeys", "--yes", file)
    if repo.layout.decides == "invalid":
        assert file.read_bytes() == before
        return refused_naming_the_invalid_config(done, repo)
    if repo.layout.decides == "flags":
        assert file.read_bytes() == before
        return refused_for_want_of_recipients(done, repo)
    assert done.returncode == 0, done.stderr
    assert recipients_in(file, repo.me) == repo.rule_recipients


def test_recipients_remove_warns_when_the_rule_still_names_the_key(repo: Repo, run_cli: RunCli) -> None:
    """From a file sealed for its rule's recipients (else the guard refuses), remove the rule's other key."""
    decides = repo.layout.decides if repo.layout.decides in ("root", "nested") else "root"
    key = {"root": BOB, "nested": CAROL}[decides]
    file = repo.dir / f"{decides}.enc.yaml"
    before = file.read_bytes()
    done = run_cli("recipients", "remove", file, "--age", key)
    if repo.layout.decides == "invalid":
        assert file.read_bytes() == before
        return refused_naming_the_invalid_config(done, repo)
    assert done.returncode == 0, done.stderr
    warned = [line for line in done.stderr.splitlines() if "still lists" in line]
    if repo.layout.decides == "flags":
        assert not warned, done.stderr
    else:
        assert len(warned) == 1 and str(repo.deciding_config) in warned[0], done.stderr


def test_set_is_guarded_by_the_rule(repo: Repo, run_cli: RunCli) -> None:
    file = repo.dir / "all.enc.yaml"
    before = file.read_bytes()
    done = run_cli("set", file, "db.pw", "new-secret-93")
    if repo.layout.decides == "invalid":
        assert file.read_bytes() == before
        return refused_naming_the_invalid_config(done, repo)
    if repo.layout.decides == "flags":
        assert done.returncode == 0, done.stderr
        return None
    assert done.returncode != 0 and file.read_bytes() == before, done.stderr
    lines = done.stderr.strip().splitlines()
    extra = ({repo.me, BOB, CAROL} - repo.rule_recipients).pop()
    assert len(lines) == 1 and f"age {extra}" in lines[0] and str(repo.deciding_config) in lines[0], done.stderr
    assert "new-secret" not in done.stderr


def test_check_reads_every_config_on_the_way(repo: Repo, run_cli: RunCli) -> None:
    done = run_cli("check", repo.dir / "mine.enc.yaml", cwd=repo.top)
    if repo.layout.decides == "invalid":
        return refused_naming_the_invalid_config(done, repo)
    assert done.returncode == 0, done.stderr
