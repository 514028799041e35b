"""One review reads a bounded total of sealed files (``SEALFILE_REVIEW_MAX_MB``): a change can add any number
of hostile files at the per-file bound, and fifty of them held a review for minutes. Past the budget each file
is a violation, so the review fails rather than passing what it did not read."""

from __future__ import annotations

import json

from tests.support.git import Sandbox, seal_file

FILES = [f"svc{i}.enc.yaml" for i in range(4)]


def test_files_past_the_budget_are_not_reviewed_and_fail_the_review(sandbox: Sandbox) -> None:
    seal_file(sandbox, "base.enc.yaml", "a: 1\n")
    sandbox.commit("base")
    sizes = []
    for name in FILES:
        sizes.append(len(seal_file(sandbox, name, "".join(f"key{k}: v{k}\n" for k in range(40))).read_text()))
    sandbox.commit("four sealed files")
    budget = float(f"{(sizes[0] + sizes[1] + sizes[2] // 2) / (1024 * 1024):.9f}")  # two files fit, the third not
    env = {**sandbox.env, "SEALFILE_REVIEW_MAX_MB": str(budget)}

    done = sandbox.sealfile("review", "HEAD~1", "HEAD", "--format", "json", check=False, env=env)
    assert done.returncode == 3, done.stderr
    violations = {entry["path"]: entry["violations"] for entry in json.loads(done.stdout)["files"]}
    assert violations[FILES[0]] == violations[FILES[1]] == []
    for name in FILES[2:]:
        assert violations[name] == ["not reviewed: the sealed files of this change are more than "
                                    f"{budget:g} MiB in all, more than one review reads (review the change in "
                                    "parts, or raise SEALFILE_REVIEW_MAX_MB)"]

    assert sandbox.sealfile("review", "HEAD~1", "HEAD").returncode == 0  # the default reads them all


def test_a_budget_that_is_not_a_number_is_refused(sandbox: Sandbox) -> None:
    seal_file(sandbox, "base.enc.yaml", "a: 1\n")
    sandbox.commit("base")
    done = sandbox.sealfile("review", "HEAD", "HEAD", check=False,
                            env={**sandbox.env, "SEALFILE_REVIEW_MAX_MB": "lots"})
    assert done.returncode != 0
    assert "SEALFILE_REVIEW_MAX_MB must be a positive number of megabytes, not 'lots'" in done.stderr


def test_sealed_files_under_other_names_count_against_the_budget(sandbox: Sandbox) -> None:
    """A sealed file under a name no pattern covers is read within the review's budget as any sealed file is (finding
    it parses it): past the budget it fails as not reviewed, never passes unread as a data file."""
    seal_file(sandbox, "base.enc.yaml", "a: 1\n")
    sandbox.commit("base")
    size = len(seal_file(sandbox, "config.yaml", "".join(f"key{k}: v{k}\n" for k in range(40))).read_text())
    sandbox.commit("a sealed file under another name")
    env = {**sandbox.env, "SEALFILE_REVIEW_MAX_MB": f"{size / 2 / (1024 * 1024):.9f}"}
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", "--format", "json", check=False, env=env)
    assert done.returncode == 3, done.stdout
    violations = {entry["path"]: entry["violations"] for entry in json.loads(done.stdout)["files"]}
    assert violations["config.yaml"][0].startswith("not reviewed: the sealed files of this change are more than")
