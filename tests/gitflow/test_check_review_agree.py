"""``check`` (before a commit) and ``review`` (once pushed) judge the files outside the ``sealed_files`` patterns
with one implementation (:func:`sealfile.gitflow.leaks.judge_file`): over the same tree they name the same files
for the same findings, whatever each says about what to do. ``check`` used to skip credential lines in files of no
data syntax and keys named like secrets in plaintext data files, which ``review`` named."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys

import pytest

from tests.support.git import Sandbox, seal_file

SEALED = "config/prod.enc.yaml"
TOKEN = "7vq3" + "xw2kd9mz5p1r8tb6"
FIXTURES = {
    "config/prod.yaml": "db:\n  password: s3cret-a91\n  user: app\napi:\n  token: t-7\n",  # a decrypted copy
    "config/copy.txt": base64.b64encode(b"db:\n  password: s3cret-a91\n  user: app\napi:\n  token: t-7\n").decode(),
    "values.yaml": "auth:\n  password: Zq9xLm3kP2\nurl: postgres://app:Zk8s9dLq2mN@db/app\n",
    "deploy.sh": "#!/bin/sh\ncurl https://ci:Hk29sLq8xx@reg.example.com/\n",
    "ci/.netrc": f"machine api.heroku.com\n  login ops@example.com\n  password {TOKEN}\n",
    ".npmrc": f"//pkgs.example.com/npm/:_authToken={TOKEN}\n",
    "app.properties": "password=Sp9ringPw1x\n",
    "notes.md": "nothing here\n",
    "tmp/other.yaml": "smtp:\n  password: m41l-pw-77\n  host: mx\n",  # a copy of a sealed file the commit leaves as is
}
OTHER = "secrets/other.enc.yaml"


def _findings(lines: list[str]) -> set[tuple[str, str]]:
    """(file, finding) with what to do about it cut off (check and review say different things there)."""
    found = set()
    for line in lines:
        path, _, finding = line.partition(": ")
        found.add((path.removesuffix(" (staged version)"), re.split(r"\? |; ", finding)[0]))
    return found


def test_check_and_review_agree_on_every_finding_over_the_same_tree(sandbox: Sandbox) -> None:
    seal_file(sandbox, SEALED, "db:\n  password: s3cret-a91\n  user: app\napi:\n  token: t-7\n")
    seal_file(sandbox, OTHER, "smtp:\n  password: m41l-pw-77\n  host: mx\n")  # not given to check: unchanged
    sandbox.commit("base")
    for name, text in FIXTURES.items():
        (sandbox.repo / name).parent.mkdir(parents=True, exist_ok=True)
        (sandbox.repo / name).write_text(text)
    sandbox.git("add", "-f", *FIXTURES)
    sandbox.git("commit", "-q", "-m", "leaks")
    reviewed = sandbox.review_last()[1]
    review_lines = [line.strip() for line in reviewed.splitlines()
                    if line.strip().split(": ", 1)[0] in FIXTURES]
    checked = sandbox.sealfile("check", *FIXTURES, SEALED, check=False, env=sandbox.keyless_env())
    check_lines = [line.split(": ", 2)[2] for line in checked.stderr.splitlines()
                   if line.startswith(("sealfile: error: ", "sealfile: warning: "))]
    in_review, in_check = _findings(review_lines), _findings(check_lines)
    assert in_review == in_check, (sorted(in_review ^ in_check), reviewed, checked.stderr)
    # every class is there: a copy, an encoded copy, a secret's name, a credential's shape, a credential line
    assert {path for path, _ in in_check} == set(FIXTURES) - {"notes.md"}
    assert checked.returncode == 3
    assert any(path == "tmp/other.yaml" and OTHER in finding for path, finding in in_check), in_check
    for secret in ("m41l-pw-77", "s3cret-a91", "Zq9xLm3kP2", "Zk8s9dLq2mN", "Hk29sLq8xx", TOKEN, "Sp9ringPw1x"):
        assert secret not in reviewed and secret not in checked.stderr


PASSWORD = "Zq9x" + "Lm3kP2w"
SHAPES = {  # a decrypted value leaked by accident in a pull request, in shapes found by neither name nor copy before
    "ci/build.log": (f"+ export DB_PASSWORD={PASSWORD}\n+ ./deploy.sh\n",
                     "line 1: a variable named like a secret set to a literal value, in plaintext"),
    "home/.bash_history": (f"ls\nexport API_TOKEN='{PASSWORD}'\n",
                           "line 2: a variable named like a secret set to a literal value, in plaintext"),
    "infra/terraform.tfstate": (json.dumps({"version": 4, "resources": [{"instances": [{"attributes": {
        "username": "app", "password": PASSWORD}}]}]}, indent=2),
        "resources.0.instances.0.attributes.password: named like a secret, in plaintext"),
    "k8s/deploy.yaml": ("kind: Deployment\nspec:\n  containers:\n  - env:\n    - name: LOG_LEVEL\n      value: debug\n"
                        f"    - name: DB_PASSWORD\n      value: {PASSWORD}\n"
                        "    - name: API_KEY\n      value: <REQUIRED>\n",
                        "spec.containers.0.env.1.value: the value of a variable named like a secret, in plaintext"),
    "trace.har": (json.dumps({"log": {"entries": [{"request": {"headers": [
        {"name": "Accept", "value": "text/html"}, {"name": "Authorization", "value": f"Bearer {PASSWORD}"}]}}]}}),
        "log.entries.0.request.headers.1.value: the value of a variable named like a secret, in plaintext"),
    ".yarnrc": (f'"//registry.npmjs.org/:_authToken" "{PASSWORD}"\n',
                "line 1: a Yarn registry credential (_authToken), in plaintext"),
    "app.py": ("password = request.form['password']\nPASSWORD_FILE=/run/secrets/db\nTOKEN=$(cat token)\n", None),
    # a shell continuation splitting the value: the shell sets API_TOKEN to the whole of it
    "scripts/release.sh": (f"#!/bin/sh\nset -e\nexport API_TOKEN={PASSWORD[:2]}\\\n{PASSWORD[2:]}\n./release\n",
                           "line 3: a variable named like a secret set to a literal value, in plaintext"),
}


def test_review_and_check_name_values_leaked_in_logs_state_and_env_lists(sandbox: Sandbox) -> None:
    """A CI log's ``set -x`` trace, a shell history, Terraform's state, a Deployment's ``env`` list, a HAR
    capture's headers, Yarn 1's ``.yarnrc``: each named (never shown) by both; stand-ins and code are not."""
    seal_file(sandbox, SEALED, f"db:\n  password: {PASSWORD}\n  user: app\n")
    sandbox.commit("base")
    for name, (text, _) in SHAPES.items():
        (sandbox.repo / name).parent.mkdir(parents=True, exist_ok=True)
        (sandbox.repo / name).write_text(text)
    sandbox.git("add", "-f", *SHAPES)
    sandbox.git("commit", "-q", "-m", "leaks")
    reviewed = sandbox.review_last()[1]
    checked = sandbox.sealfile("check", *SHAPES, check=False, env=sandbox.keyless_env()).stderr
    for name, (_, finding) in SHAPES.items():
        if finding is None:
            assert name not in reviewed and name not in checked
            continue
        assert f"{name}: {finding}" in reviewed, (name, reviewed)
        assert f"warning: {name}: {finding}" in checked, (name, checked)
    assert "env.2" not in reviewed and "env.0" not in reviewed  # <REQUIRED>, LOG_LEVEL
    assert PASSWORD not in reviewed and PASSWORD not in checked


def _staged_files_hook(box: Sandbox) -> None:
    """What the pre-commit framework runs: ``sealfile check`` given the staged files only."""
    hook = box.repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\ngit diff --cached --name-only -z --diff-filter=ACMR | "
                    f"xargs -0 '{sys.executable}' -m sealfile check\n")
    hook.chmod(0o755)


def test_the_hook_stops_a_copy_of_a_sealed_file_the_commit_does_not_touch(sandbox: Sandbox) -> None:
    """``sealfile decrypt prod.enc.yaml -o tmp/prod.yaml; git add tmp``: only the copy is staged, in another
    directory; the hook compared it with the staged sealed files (none) and its own directory's, and passed it."""
    seal_file(sandbox, "prod.enc.yaml", "db:\n  password: h00k-pw-19\n  user: app\n")
    sandbox.commit("base")
    _staged_files_hook(sandbox)
    (sandbox.repo / "tmp").mkdir()
    (sandbox.repo / "tmp" / "prod.yaml").write_text("db:\n  password: h00k-pw-19\n  user: app\n")
    sandbox.git("add", "-f", "tmp/prod.yaml")
    done = sandbox.git("commit", "-q", "-m", "oops", check=False)
    assert done.returncode != 0, done.stderr
    assert "sealfile: error: tmp/prod.yaml: holds every key path of prod.enc.yaml in plaintext" in done.stderr
    assert "h00k-pw-19" not in done.stderr + done.stdout
    sub = sandbox.repo / "tmp"  # run from a subdirectory, the same copy named the same way
    ran = subprocess.run([sys.executable, "-m", "sealfile", "check", "prod.yaml"], cwd=sub, env=sandbox.env,
                         capture_output=True, text=True, check=False)
    assert ran.returncode == 3 and "prod.yaml: holds every key path of prod.enc.yaml" in ran.stderr, ran.stderr


def test_check_says_what_the_bound_left_uncompared(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bounded as ``review`` is (:data:`~sealfile.gitflow.sealed_tree.TREE_BYTES`): past it, a warning, never
    silence."""
    from sealfile.gitflow import sealed_tree
    from sealfile.gitflow.leaks import copies_in_worktree

    seal_file(sandbox, "prod.enc.yaml", "db:\n  password: b0und-pw-3\n  user: app\n")
    sandbox.commit("base")
    monkeypatch.setattr(sealed_tree, "TREE_BYTES", 0)
    monkeypatch.chdir(sandbox.repo)
    found = copies_in_worktree({"tmp/prod.yaml": b"db:\n  password: b0und-pw-3\n  user: app\n"}, [], str)
    assert found["tmp/prod.yaml"][0] == []
    assert any("1 sealed file(s) not compared" in line for line in found["tmp/prod.yaml"][1]), found
