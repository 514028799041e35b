"""Real git in temporary repositories, sealfile run as ``python -m sealfile`` (as git runs the drivers)."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sealfile
from sealfile.gitflow.install import this_installation

SRC = str(Path(sealfile.__file__).resolve().parents[1])
SEALFILE = this_installation()
"""As ``sealfile git install`` writes it: never a ``sealfile`` from git's working directory."""


@dataclass
class Sandbox:
    root: Path
    repo: Path
    env: dict[str, str]
    recipient: str

    def git(self, *args: str, check: bool = True,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(["git", *args], cwd=self.repo, env=env or self.env, capture_output=True, text=True)
        if check and done.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed ({done.returncode}): {done.stderr}{done.stdout}")
        return done

    def sealfile(self, *args: str, check: bool = True, env: dict[str, str] | None = None,
                 stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([*shlex.split(SEALFILE), *args], cwd=self.repo, env=env or self.env,
                              capture_output=True, text=True, input=stdin)
        if check and done.returncode != 0:
            raise AssertionError(f"sealfile {' '.join(args)} failed ({done.returncode}): {done.stderr}")
        return done

    def sops(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """The real ``sops`` in the repository, opening files with this user's age identity."""
        from tests.support.sops_binary import run_sops

        done = run_sops(list(args), {**self.env, "SOPS_AGE_KEY_FILE": self.env["SEALFILE_AGE_KEY_FILE"]},
                        cwd=str(self.repo))
        if check and done.returncode != 0:
            raise AssertionError(f"sops {' '.join(args)} failed ({done.returncode}): {done.stderr}")
        return done

    def review_last(self, *args: str) -> tuple[int, str]:
        """``sealfile review HEAD~1 HEAD`` as CI runs it, without a key: (exit status, what it printed)."""
        done = self.sealfile("review", "HEAD~1", "HEAD", *args, check=False, env=self.keyless_env())
        return done.returncode, done.stdout

    def keyless_env(self) -> dict[str, str]:
        """The same user without any usable key."""
        return {**self.env, "SEALFILE_AGE_KEY_FILE": str(self.root / "no-such-keys.txt")}

    def commit(self, message: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)

    def diverge(self, theirs: Callable[[], object], ours: Callable[[], object], *, branch: str = "feature") -> None:
        """The two sides of a merge: ``theirs`` done and committed on a new branch ``branch``, then ``ours``
        on main."""
        self.git("checkout", "-q", "-b", branch)
        theirs()
        self.commit("theirs")
        self.git("checkout", "-q", "main")
        ours()
        self.commit("ours")



def seal_file(box: Sandbox, name: str, plaintext: str) -> Path:
    """Seal ``plaintext`` for the sandbox's recipient into ``repo/name`` (in-process: faster), in the
    syntax its name says."""
    from sealfile.kms.age import AgeKey
    from sealfile.ops.seal import seal_text
    from sealfile.stores import store_for

    target = box.repo / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(seal_text(plaintext, [AgeKey.from_cli(box.recipient)], store=store_for(name)))
    return target


def scan_for(root: Path, needles: list[str]) -> list[str]:
    """Files under ``root`` (and git objects, uncompressed) that contain any of ``needles``."""
    hits = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path}: {n}" for n in needles if n.encode() in data]
    return hits


def scan_git_objects(box: Sandbox, needles: list[str]) -> list[str]:
    out = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=box.repo, env=box.env,
                         capture_output=True, check=True).stdout
    return [f"git object store: {n}" for n in needles if n.encode() in out]


def section(shown: str, title: str) -> str:
    """The lines of one section of a text review (``POLICY VIOLATIONS:``, ``!!! RECIPIENTS CHANGED !!!``...): from
    its title to the blank line that ends it ("" when the review has no such section)."""
    if f"\n{title}\n" not in shown:
        return ""
    return shown.split(f"\n{title}\n", 1)[1].split("\n\n", 1)[0]
