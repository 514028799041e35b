"""The README's pre-commit configurations, pasted as they are, run by the real ``pre-commit``: a
plaintext ``secrets/app.enc.json`` or ``.env.enc`` cannot be committed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.git import Sandbox, seal_file
from tests.support.markdown import fences

ROOT = Path(__file__).resolve().parents[2]
HOOK_CONFIGS = [f.text for f in fences((ROOT / "README.md").read_text(encoding="utf-8"))
                if f.language == "yaml" and "id: sealfile-check" in f.text]
REMOTE = next(text for text in HOOK_CONFIGS if "repo: local" not in text)
LOCAL = next(text for text in HOOK_CONFIGS if "repo: local" in text)
PLAINTEXT_LEAKS = {"secrets/app.enc.json": '{"password": "leak-json-77"}\n', ".env.enc": "TOKEN=leak-env-78\n"}


def _project(name: str) -> str:
    """A ``name = "value"`` line of pyproject.toml (the project's version, its repository URL)."""
    found = re.search(rf'^{name} = "([^"]+)"$', (ROOT / "pyproject.toml").read_text(), re.M)
    assert found, name
    return found.group(1)


def _pre_commit(box: Sandbox, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=box.repo, env=box.env,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture
def hooked(sandbox: Sandbox) -> Sandbox:
    """The sandbox with ``sealfile`` on PATH (as an installed command) and pre-commit's own cache."""
    bin_dir = sandbox.root / "bin"
    bin_dir.mkdir()
    launcher = bin_dir / "sealfile"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m sealfile "$@"\n')
    launcher.chmod(0o755)
    sandbox.env["PATH"] = f"{bin_dir}:{sandbox.env['PATH']}"
    sandbox.env["PRE_COMMIT_HOME"] = str(sandbox.root / "pre-commit-cache")
    return sandbox


def _stage_leaks(box: Sandbox) -> None:
    for name, text in PLAINTEXT_LEAKS.items():
        (box.repo / name).parent.mkdir(parents=True, exist_ok=True)
        (box.repo / name).write_text(text)
    seal_file(box, "ok.enc.yaml", "password: fine-79\n")
    (box.repo / "notes.txt").write_text("not a secret\n")
    box.git("add", "-A")


def test_the_local_hook_blocks_plaintext_json_and_dotenv_at_commit(hooked: Sandbox) -> None:
    (hooked.repo / ".pre-commit-config.yaml").write_text(LOCAL)
    installed = _pre_commit(hooked, "install")
    assert installed.returncode == 0, installed.stderr
    _stage_leaks(hooked)
    refused = hooked.git("commit", "-q", "-m", "leak", check=False)
    assert refused.returncode != 0
    output = refused.stdout + refused.stderr
    for name in PLAINTEXT_LEAKS:
        assert f"error: {name}: NOT SEALED" in output
    assert "ok.enc.yaml" not in output.replace("sealfile: check:", "")
    assert "leak-json-77" not in output and "leak-env-78" not in output
    assert hooked.git("rev-parse", "--verify", "HEAD", check=False).returncode != 0  # nothing committed

    for name in PLAINTEXT_LEAKS:
        hooked.sealfile("encrypt", "--age", hooked.recipient, "-i", name)
    hooked.git("add", "-A")
    hooked.git("commit", "-q", "-m", "sealed")



def test_the_hook_refuses_a_picked_conflict_it_is_not_given(hooked: Sandbox) -> None:
    """pre-commit gives the hook only the files staged against HEAD outside a merge: a cherry-pick whose only change
    to a sealed file conflicted leaves HEAD's version there, and ``git add`` stages no change to it."""
    hooked.sealfile("git", "install", "--command", f"{sys.executable} -m sealfile")
    (hooked.repo / ".pre-commit-config.yaml").write_text(LOCAL)
    seal_file(hooked, "app.enc.yaml", "password: base-pw\n")
    hooked.commit("base")
    assert _pre_commit(hooked, "install").returncode == 0
    hooked.diverge(lambda: (hooked.sealfile("set", "app.enc.yaml", "password", "theirs-pw"),
                            (hooked.repo / "notes.txt").write_text("theirs\n")),
                   lambda: hooked.sealfile("set", "app.enc.yaml", "password", "ours-pw"))
    assert hooked.git("cherry-pick", "feature", check=False).returncode != 0
    hooked.git("add", "app.enc.yaml")
    refused = hooked.git("commit", "--no-edit", check=False)
    assert refused.returncode != 0
    assert "app.enc.yaml: unresolved merge conflict at password" in refused.stdout + refused.stderr
    hooked.sealfile("git", "resolve", "app.enc.yaml")
    hooked.git("commit", "--no-edit")


@pytest.mark.parametrize("types", [(), ("-t", "prepare-commit-msg")], ids=["framework-hooks", "framework-owns-it"])
def test_a_blind_rebase_continue_is_refused_beside_the_framework(hooked: Sandbox, types: tuple[str, ...]) -> None:
    """'git rebase --continue' runs no pre-commit hook: the prepare-commit-msg hook 'sealfile git install' writes
    refuses the conflict, whether pre-commit installs its hooks beside it or takes that hook over (it keeps ours as
    prepare-commit-msg.legacy and runs it)."""
    hooked.sealfile("git", "install", "--command", f"{sys.executable} -m sealfile")
    (hooked.repo / ".pre-commit-config.yaml").write_text(LOCAL)
    seal_file(hooked, "app.enc.yaml", "password: base-pw\n")
    hooked.commit("base")
    assert _pre_commit(hooked, "install", *types).returncode == 0
    hooked.diverge(lambda: (hooked.sealfile("set", "app.enc.yaml", "password", "theirs-pw"),
                            (hooked.repo / "notes.txt").write_text("theirs\n")),
                   lambda: hooked.sealfile("set", "app.enc.yaml", "password", "ours-pw"))
    assert hooked.git("rebase", "main", "feature", check=False).returncode != 0
    hooked.git("add", "app.enc.yaml")
    refused = hooked.git("-c", "core.editor=true", "rebase", "--continue", check=False)
    assert refused.returncode != 0
    assert "app.enc.yaml: unresolved merge conflict at password" in refused.stdout + refused.stderr
    hooked.sealfile("git", "resolve", "app.enc.yaml")
    hooked.git("-c", "core.editor=true", "rebase", "--continue")


@pytest.mark.parametrize("name", ["secrets.enc.yaml", "app.enc.json", ".env.enc"])
def test_a_sealed_file_staged_in_part_is_refused_by_whoever_has_a_key(hooked: Sandbox, name: str) -> None:
    """'git add -p' can take a value's line and leave the 'mac' line (or the reverse): the blob committed
    would open for nobody. The committer's key finds it."""
    (hooked.repo / ".pre-commit-config.yaml").write_text(LOCAL)
    assert _pre_commit(hooked, "install").returncode == 0
    names = [f"key_{i}" for i in range(12)]  # the first value and the mac line: hunks of their own
    plaintext = (json.dumps({n: f"v{i}" for i, n in enumerate(names)}, indent=2) + "\n" if name.endswith(".json")
                 else "".join(f"{n}={'v' + str(i)}\n" for i, n in enumerate(names)) if name.endswith(".enc")
                 else "".join(f"{n}: v{i}\n" for i, n in enumerate(names)))
    seal_file(hooked, name, plaintext)
    hooked.git("add", "-A")
    hooked.git("commit", "-q", "-m", "secrets")
    hooked.sealfile("set", name, "key_0", "changed-81")
    staged = subprocess.run(["git", "add", "-p", name], cwd=hooked.repo, env=hooked.env, input="y\nn\n",
                            capture_output=True, text=True, timeout=60)
    assert staged.returncode == 0, staged.stderr
    assert len(hooked.git("diff", "--no-textconv", "-U0", name).stdout.split("\n@@")) == 2  # the mac line left

    refused = hooked.git("commit", "-q", "-m", "half", check=False)
    assert refused.returncode != 0
    output = refused.stdout + refused.stderr
    assert f"error: {name}: the file MAC does not match" in output
    assert f"stage it whole: git add {name}" in output
    assert "changed-81" not in output
    hooked.git("add", name)
    hooked.git("commit", "-q", "-m", "whole")
    assert hooked.sealfile("decrypt", name, "--extract", "key_0").stdout == "changed-81"

@pytest.mark.slow
def test_the_hook_from_the_repository_at_the_release_tag(hooked: Sandbox, tmp_path_factory: pytest.TempPathFactory
                                                        ) -> None:
    """pre-commit clones the repository at ``rev`` and installs sealfile there (from PyPI's packages)."""
    url, version = _project("Repository"), _project("version")
    assert f"repo: {url}\n" in REMOTE
    assert f"rev: v{version}\n" in REMOTE, "the README's rev is the tag of this version"
    release = tmp_path_factory.mktemp("release") / "sealfile"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(release)], check=True, env=hooked.env)
    subprocess.run(["git", "tag", "-f", f"v{version}"], cwd=release, check=True, env=hooked.env)  # a clone may have it
    (hooked.repo / ".pre-commit-config.yaml").write_text(REMOTE.replace(url, str(release)))
    _stage_leaks(hooked)
    done = _pre_commit(hooked, "run")
    assert done.returncode == 1, done.stdout + done.stderr
    for name in PLAINTEXT_LEAKS:
        assert f"error: {name}: NOT SEALED" in done.stdout
