"""``sealed_files`` patterns mean to ``check`` and ``review`` what they mean to git, which reads the same
patterns from the ``.gitattributes`` that ``git install`` writes (the diff and merge drivers)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sealfile.gitflow.sealed import matches_patterns
from tests.support.git import Sandbox

PATTERNS = ["config/**/*.yaml", "svc/*.yaml", "**/x/*.env", "*.enc.yaml", "a/**", "a/**/b/*.y?ml", "[!x]*.yaml",
            "sec[ra]ts/*", "x/[a-c]*.json", "**/*.json", "a**b/c", "conf[^i]g/*.yaml", "d[[:digit:]]/*.yaml",
            "\\*.yaml", "dir/?.yaml", "dir[/]x.yaml", "[]x]*.env", "*", "/x.yaml", "/dir/*.yaml"]
PATHS = ["config/x.yaml", "config/a/b.yaml", "svc/x.yaml", "svc/sub/x.yaml", "x/p.env", "deep/x/p.env",
         "a.enc.yaml", "d/a.enc.yaml", "a/b", "a/x/b/c.yml", "a/b/c.yaml", "y.yaml", "x.yaml", "secrets/k",
         "secats/k", "x/b.json", "x/d.json", "top.json", "d/e/f.json", "aXb/c", "ab/c", "a/b/c", "confog/k.yaml",
         "config/k.yaml", "d1/k.yaml", "dx/k.yaml", "*.yaml", "dir/a.yaml", "dir/ab.yaml", "dir/x.yaml", "].env",
         "d/x.yaml", "d/dir/a.yaml"]


def test_every_pattern_matches_what_git_matches(tmp_path: Path) -> None:
    """fnmatch was the decider: its '*' crosses '/' and its '**' is two '*', so 'config/**/*.yaml' missed
    config/x.yaml (plaintext there passed check and review while git ran the drivers on it) and
    'svc/*.yaml' took svc/sub/x.yaml, which git gives no driver."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    differ = []
    for pattern in PATTERNS:
        (tmp_path / ".gitattributes").write_text(f"{pattern} diff=yes\n")
        listed = subprocess.run(["git", "check-attr", "diff", "--", *PATHS], cwd=tmp_path, capture_output=True,
                                text=True, check=True).stdout.splitlines()
        for line in listed:
            path, _, value = line.split(": ")
            if (value == "yes") != matches_patterns(path, [pattern]):
                differ.append((pattern, path, value))
    assert differ == []


def test_check_covers_a_file_the_pattern_gives_to_git(sandbox: Sandbox) -> None:
    (sandbox.repo / ".sealfile.yaml").write_text("sealed_files: ['config/**/*.yaml']\n")
    (sandbox.repo / "config" / "deep").mkdir(parents=True)
    for name in ("config/db.yaml", "config/deep/db.yaml"):
        (sandbox.repo / name).write_text("password: leaked\n")
    done = sandbox.sealfile("check", "config/db.yaml", "config/deep/db.yaml", check=False)
    assert done.returncode == 3 and done.stderr.count("NOT SEALED") == 2, done.stderr
