"""``sealed_files`` patterns mean to ``check`` and ``review`` what they mean to git, which reads the same
patterns from the ``.gitattributes`` that ``git install`` writes (the diff and merge drivers)."""

from __future__ import annotations

import random
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


def test_random_patterns_and_paths_match_as_git_matches_them(tmp_path: Path) -> None:
    """Patterns and paths built from glob pieces, non-ASCII names, unclosed classes, leading and trailing
    slashes (a fixed seed: the same cases on every run), each compared with ``git check-attr``. git
    matches UTF-8 bytes (``??`` is one two-byte character), an unclosed ``[`` matches nothing, and so
    do ``//x`` and a directory's ``x/``."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    chooser = random.Random(20261204)
    pieces = ["*", "**", "?", "/", "a", "b", ".", "x", "[a-c]", "[!a]", "[^b]", "[]]", "[[:alpha:]]", "\\*", "\\a",
              "\u00e9", "A", "-", "[", "]", "**/", "/**", "[a-]", "[\\]]", "{a,b}"]
    names = ["a", "b", "x", ".", "/", "\u00e9", "A", "c", "ab", "]", "[", "*", "-", "e\u0301", ":"]
    differ = []
    for _ in range(80):
        pattern = "".join(chooser.choice(pieces) for _ in range(chooser.randint(1, 5)))
        built = ("".join(chooser.choice(names) for _ in range(chooser.randint(1, 6))).strip("/") for _ in range(12))
        paths = sorted({path for path in built if path and "//" not in path and not {".", ".."} & set(path.split("/"))})
        (tmp_path / ".gitattributes").write_text(f"{pattern} diff=yes\n", encoding="utf-8")
        listed = subprocess.run(["git", "-c", "core.quotePath=false", "check-attr", "-z", "diff", "--", *paths],
                                cwd=tmp_path, capture_output=True, text=True, check=True).stdout.split("\0")
        for path, value in zip(listed[0::3], listed[2::3], strict=False):
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
