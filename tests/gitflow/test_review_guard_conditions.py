"""``review`` of a change that keeps the step running sealfile but alters when it runs
(:mod:`sealfile.gitflow.guard_conditions`): triggers, path filters, ``if``/``rules``/``only``/``needs``/``when``,
pre-commit's ``files``/``exclude``/``types``/``stages``. Proven never to run for the sealed files: a violation;
otherwise named for the reviewer; conditions the base already had, and edits elsewhere, stay quiet."""

from __future__ import annotations

import pytest

from tests.gitflow.test_review_safety_net import PRE_COMMIT
from tests.support.git import Sandbox, seal_file

WORKFLOW = """name: secrets
on: [pull_request]
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: make lint
  review:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with: {fetch-depth: 0}
      - run: sealfile review origin/main HEAD --format markdown
"""
STEP = "      - run: sealfile review origin/main HEAD --format markdown\n"
GITLAB = "build:\n  script: [make]\nreview:\n  script:\n    - sealfile review $CI_MERGE_REQUEST_DIFF_BASE_SHA HEAD\n"
HOOK = "      - id: sealfile-check\n"
JENKINS = ("pipeline {\n  stages {\n    stage('s') {\n      steps { sh 'sealfile review origin/main HEAD' }\n    }\n"
           "  }\n}\n")
FLOW = ".github/workflows/secrets.yml"
LONG_WHEN = JENKINS.replace("      steps", "      when { anyOf { "
                            + "; ".join(f"branch 'r{n}'" for n in range(500)) + " } }\n      steps")
"""A ``when`` block of 7,000 characters: a change at its end was past the 4,000 read, and went unnamed."""


def _write(box: Sandbox, name: str, text: str) -> None:
    (box.repo / name).parent.mkdir(parents=True, exist_ok=True)
    (box.repo / name).write_text(text)


def _review(box: Sandbox, name: str, before: str, after: str) -> tuple[int, str]:
    seal_file(box, "config/prod.enc.yaml", "db:\n  password: hunter2\n")
    _write(box, name, before)
    box.commit("base")
    _write(box, name, after)
    box.commit("change")
    return box.review_last()


NEVER = {  # the step kept, the text proving it never runs for config/prod.enc.yaml
    "on: no pull_request or push": (FLOW, WORKFLOW, WORKFLOW.replace("on: [pull_request]", "on: [workflow_dispatch]")),
    "on: paths": (FLOW, WORKFLOW, WORKFLOW.replace("on: [pull_request]", "on:\n  pull_request:\n    paths:\n"
                                                                         "      - 'docs/**'\n      - '*.md'")),
    "on: paths-ignore": (FLOW, WORKFLOW, WORKFLOW.replace(
        "on: [pull_request]", "on:\n  pull_request:\n    paths-ignore: ['config/**']\n  push:\n"
                              "    paths-ignore:\n      - '**.yaml'")),
    "if: an event not in on": (FLOW, WORKFLOW, WORKFLOW.replace(
        "  review:\n    runs-on:", "  review:\n    if: github.event_name == 'nope'\n    runs-on:")),
    "if: an event no change runs": (FLOW, WORKFLOW, WORKFLOW.replace("[pull_request]", "[pull_request, schedule]")
                                     .replace(STEP, STEP + "        if: ${{ github.event_name == 'schedule' }}\n")),
    "needs a job switched off": (FLOW, WORKFLOW, WORKFLOW.replace(
        "      - run: make lint\n", "      - run: make lint\n    if: false\n").replace(
        "  review:\n    runs-on:", "  review:\n    needs: [lint]\n    runs-on:")),
    "gitlab rules: changes": (".gitlab-ci.yml", GITLAB, GITLAB.replace(
        "review:\n", "review:\n  rules:\n    - changes: [docs/**/*]\n    - if: $CI_COMMIT_TAG\n      when: never\n")),
    "gitlab only: changes": (".gitlab-ci.yml", GITLAB, GITLAB.replace(
        "review:\n", "review:\n  only:\n    changes:\n      - '*.md'\n")),
    "pre-commit files": (".pre-commit-config.yaml", PRE_COMMIT, PRE_COMMIT.replace(
        HOOK, HOOK + "        files: ^docs/\n")),
    "pre-commit exclude": (".pre-commit-config.yaml", PRE_COMMIT, PRE_COMMIT.replace(
        HOOK, HOOK + "        exclude: '\\.ya?ml$'\n")),
    "pre-commit types": (".pre-commit-config.yaml", PRE_COMMIT, PRE_COMMIT.replace(
        HOOK, HOOK + "        types: [python]\n")),
    "pre-commit exclude_types": (".pre-commit-config.yaml", PRE_COMMIT, PRE_COMMIT.replace(
        HOOK, HOOK + "        exclude_types: [yaml]\n")),
    "pre-commit top-level exclude": (".pre-commit-config.yaml", PRE_COMMIT, "exclude: ^config/\n" + PRE_COMMIT),
}


@pytest.mark.parametrize(("name", "before", "after"), NEVER.values(), ids=NEVER.keys())
def test_a_condition_proving_the_step_never_runs_fails_the_review(sandbox: Sandbox, name: str, before: str,
                                                                  after: str) -> None:
    """Each passed unremarked (exit 0): the step kept, it never ran again for a change to a sealed file."""
    status, shown = _review(sandbox, name, before, after)
    assert status == 3, shown
    assert f"{name}:" in shown and "before this change and no longer does for the sealed files" in shown, shown


ALTERED = {  # not proven from the text: named for the reviewer, the review not failed
    "step if": (FLOW, WORKFLOW, WORKFLOW.replace(STEP, STEP + "        if: github.actor != 'someone'\n"), 14),
    "on: branches": (FLOW, WORKFLOW, WORKFLOW.replace("on: [pull_request]",
                                                      "on:\n  pull_request:\n    branches: [release]"), 2),
    "needs": (FLOW, WORKFLOW, WORKFLOW.replace("  review:\n    runs-on:", "  review:\n    needs: lint\n    runs-on:"),
              9),
    "gitlab rules: if": (".gitlab-ci.yml", GITLAB, GITLAB.replace(
        "review:\n", "review:\n  rules:\n    - if: $NO_SUCH_VARIABLE\n"), 4),
    "gitlab except": (".gitlab-ci.yml", GITLAB, GITLAB.replace("review:\n", "review:\n  except: [merge_requests]\n"),
                      4),
    "gitlab needs": (".gitlab-ci.yml", GITLAB, GITLAB.replace("review:\n", "review:\n  needs: [build]\n"), 4),
    "pre-commit stages": (".pre-commit-config.yaml", PRE_COMMIT, PRE_COMMIT.replace(
        HOOK, HOOK + "        stages: [post-checkout]\n"), 6),
    "pre-commit files still matching": (".pre-commit-config.yaml", PRE_COMMIT, PRE_COMMIT.replace(
        HOOK, HOOK + "        files: ^(config|docs)/\n"), 6),
    "jenkins when": ("Jenkinsfile", JENKINS, JENKINS.replace(
        "      steps", "      when { branch 'nope' }\n      steps"), 4),
    "jenkins when past 4,000 characters": ("Jenkinsfile", LONG_WHEN, LONG_WHEN.replace(
        "branch 'r499' }", "branch 'r499'; not { branch 'main' } }"), 4),
}


@pytest.mark.parametrize(("name", "before", "after", "line"), ALTERED.values(), ids=ALTERED.keys())
def test_a_condition_altered_is_named_for_the_reviewer(sandbox: Sandbox, name: str, before: str, after: str,
                                                       line: int) -> None:
    """Each passed silently: nothing in the review said the step might no longer run."""
    status, shown = _review(sandbox, name, before, after)
    assert status == 0, shown
    assert f"{name}:{line}: this change alters when the sealfile step runs" in shown, shown


FILTERED = WORKFLOW.replace("on: [pull_request]", "on:\n  pull_request:\n    paths: [docs/**]")
QUIET = {
    "another job's if": (FLOW, WORKFLOW, WORKFLOW.replace("      - run: make lint\n",
                                                          "      - run: make lint\n        if: false\n")),
    "a step added": (FLOW, WORKFLOW, WORKFLOW + "      - run: echo done  # if: false\n"),
    "a condition removed": (FLOW, WORKFLOW.replace(STEP, STEP + "        if: github.actor != 'someone'\n"), WORKFLOW),
    "an existing filter kept": (FLOW, FILTERED, FILTERED.replace("make lint", "make lint test")),
    "another hook's files": (".pre-commit-config.yaml", PRE_COMMIT, PRE_COMMIT + "        files: ^src/\n"),
    "gitlab another job's rules": (".gitlab-ci.yml", GITLAB, GITLAB.replace(
        "build:\n", "build:\n  rules:\n    - changes: [src/**/*]\n")),
}


@pytest.mark.parametrize(("name", "before", "after"), QUIET.values(), ids=QUIET.keys())
def test_edits_elsewhere_in_the_file_stay_quiet(sandbox: Sandbox, name: str, before: str, after: str) -> None:
    status, shown = _review(sandbox, name, before, after)
    assert status == 0, shown
    assert "when the sealfile step runs" not in shown and "no longer does" not in shown, shown


def test_a_hostile_ci_file_is_read_in_bounded_time() -> None:
    """Read as text: conditions nested thousands deep, thousands of ``when {`` blocks and of condition keys cost
    no deep recursion and no rescan each (the blocks are the change's)."""
    import time

    from sealfile.gitflow.guard_conditions import _judged

    job = "jobs:\n  r:\n    steps:\n" + STEP
    nested = "on:\n" + "".join(" " * depth + "- a:\n" for depth in range(2, 6000, 2)) + job
    flat = "".join(f"if: x{n}\n" for n in range(20000)) + job
    whens = "when { branch 'x' } " * 20000 + "sh 'sealfile review origin/main HEAD'\n"
    inside = "when { " * 20000 + "sh 'sealfile review origin/main HEAD'\n"  # each within the one before
    started = time.process_time()
    for name, text in ((FLOW, nested), (FLOW, flat), ("Jenkinsfile", whens), ("Jenkinsfile", inside)):
        violations, attention = _judged(name, STEP, text, {"review"}, lambda: ["config/prod.enc.yaml"])
        assert not violations and attention
    assert time.process_time() - started < 5
