"""A change cannot make every review read an unbounded number of ``.sealfile.yaml`` files."""

from __future__ import annotations

from sealfile.gitflow.patterns import MAX_CONFIGS
from tests.support.git import Sandbox, seal_file


def test_a_change_adding_more_configs_than_the_limit_fails_review_and_install(sandbox: Sandbox) -> None:
    seal_file(sandbox, "prod.enc.yaml", "db:\n  password: s3cret-a91\n")
    sandbox.commit("base")
    for index in range(MAX_CONFIGS + 1):
        config = sandbox.repo / f"d{index}" / ".sealfile.yaml"
        config.parent.mkdir()
        config.write_text("sealed_files: ['*.enc.yaml']\n")
    sandbox.commit("configs everywhere")

    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False)
    assert done.returncode not in (0, 3), done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"1,001 .sealfile.yaml files, more than the {MAX_CONFIGS:,}" in lines[0], done.stderr
    installed = sandbox.sealfile("git", "install", check=False)  # its .gitattributes block covers every config
    assert installed.returncode != 0 and "more than the 1,000" in installed.stderr, installed.stderr


def test_configs_at_a_revision_are_read_in_one_git_process(sandbox: Sandbox) -> None:
    from sealfile.gitflow.patterns import at_revision

    for name in ("a", "b", "c"):
        (sandbox.repo / name).mkdir()
        (sandbox.repo / name / ".sealfile.yaml").write_text(f"sealed_files: ['{name}.secret']\n")
    sandbox.commit("three configs")
    patterns = at_revision("HEAD", sandbox.repo)
    assert patterns.matches("b/x/b.secret") and not patterns.matches("b/a.secret")
