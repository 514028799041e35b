"""Real git in temporary repositories, sealfile run as ``python -m sealfile`` (as git runs the drivers).

Each test gets its own HOME, global git config, TMPDIR and age identity, so nothing of the
user's (or another test's) leaks in, and plaintext scans can cover every temp file written.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sealfile.envelope.datakey import forget_data_keys
from sealfile.kms.age import add_identity
from tests.support.git import SEALFILE, SRC, Sandbox


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    home, tmp, repo = tmp_path / "home", tmp_path / "tmp", tmp_path / "repo"
    for directory in (home, tmp, repo):
        directory.mkdir(exist_ok=True)
    key_file = home / "keys.txt"
    recipient = add_identity(key_file)
    gitconfig = home / "gitconfig"
    gitconfig.write_text("[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "SEALFILE_", "XDG_"))},
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "SEALFILE_AGE_KEY_FILE": str(key_file),
        "PYTHONPATH": os.pathsep.join(p for p in (SRC, os.environ.get("PYTHONPATH")) if p),
    }
    for name in ("SEALFILE_AGE_KEY_FILE", "SEALFILE_AGE_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(key_file))
    forget_data_keys()
    box = Sandbox(tmp_path, repo, env, recipient)
    box.git("init", "-q")
    yield box
    forget_data_keys()


@pytest.fixture
def installed(sandbox: Sandbox) -> Sandbox:
    """A repository with the sealfile drivers installed (running this checkout's sealfile)."""
    sandbox.sealfile("git", "install", "--command", SEALFILE)
    sandbox.commit("gitattributes")
    return sandbox
