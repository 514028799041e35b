"""``review`` of a change that stops CI or a commit hook from running ``sealfile review``/``sealfile check``
(:mod:`sealfile.gitflow.safety_net`): the step deleted, commented out, or its file deleted or moved away."""

from __future__ import annotations

import pytest

from tests.support.git import Sandbox

WORKFLOW = """name: secrets
on: [pull_request]
jobs:
  review:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with: {fetch-depth: 0}
      - run: pip install sealfile
      - run: sealfile review origin/main HEAD --format markdown
"""
PRE_COMMIT = """repos:
  - repo: https://github.com/example/sealfile
    rev: v1.0.0
    hooks:
      - id: sealfile-check
  - repo: https://github.com/psf/black
    rev: 24.1.0
    hooks:
      - id: black
"""
WITHOUT_HOOK = PRE_COMMIT.split("  - repo: https://github.com/psf/black")[0].replace(
    "      - id: sealfile-check\n", "      - id: trailing-whitespace\n")


def _write(box: Sandbox, name: str, text: str) -> None:
    (box.repo / name).parent.mkdir(parents=True, exist_ok=True)
    (box.repo / name).write_text(text)


@pytest.mark.parametrize(("name", "before", "after", "command"), [
    (".github/workflows/secrets.yml", WORKFLOW, WORKFLOW.replace("- run: sealfile review", "# - run: sealfile review"),
     "review"),
    (".gitlab-ci.yml", "review:\n  script:\n    - sealfile review $CI_MERGE_REQUEST_DIFF_BASE_SHA HEAD\n",
     "review:\n  script:\n    - echo skipped\n", "review"),
    ("azure-pipelines.yml", "steps:\n  - script: python -m sealfile check\n", "steps:\n  - script: echo ok\n", "check"),
    (".circleci/config.yml", "jobs:\n  r:\n    steps:\n      - run: sealfile --quiet review main HEAD\n", "jobs: {}\n",
     "review"),
    ("Jenkinsfile", "pipeline { stages { stage('s') { steps { sh 'sealfile review origin/main HEAD' } } } }\n",
     "pipeline { stages { stage('s') { steps { // sh 'sealfile review origin/main HEAD'\n } } } }\n", "review"),
    ("bitbucket-pipelines.yml", "pipelines:\n  default:\n    - step:\n        script: [sealfile review main HEAD]\n",
     "pipelines:\n  default:\n    - step:\n        script: [make]\n", "review"),
    (".pre-commit-config.yaml", PRE_COMMIT, WITHOUT_HOOK, "check"),
    (".husky/pre-commit", "#!/bin/sh\nsealfile check\n", "#!/bin/sh\nnpm test\n", "check"),
    ("lefthook.yml", "pre-commit:\n  commands:\n    secrets:\n      run: sealfile check {staged_files}\n",
     "pre-commit:\n  commands:\n    lint:\n      run: npm run lint  # sealfile check {staged_files}\n", "check"),
])
def test_a_change_that_stops_running_sealfile_fails_the_review(sandbox: Sandbox, name: str, before: str, after: str,
                                                               command: str) -> None:
    """Such a change passed unremarked (exit 0): the next pull request's plaintext then meets no check."""
    _write(sandbox, name, before)
    sandbox.commit("base")
    _write(sandbox, name, after)
    sandbox.commit("quietly")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert f"{name}: ran 'sealfile {command}' before this change and no longer does" in shown, shown


def test_a_deleted_or_moved_away_workflow_fails_the_review(sandbox: Sandbox) -> None:
    _write(sandbox, ".github/workflows/secrets.yml", WORKFLOW)
    _write(sandbox, ".pre-commit-config.yaml", PRE_COMMIT)
    sandbox.commit("base")
    sandbox.git("rm", "-q", ".pre-commit-config.yaml")
    sandbox.git("mv", ".github/workflows/secrets.yml", ".github/disabled.yml")
    sandbox.commit("away")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert ".pre-commit-config.yaml: ran 'sealfile check' before this change and no longer does" in shown
    assert ".github/workflows/secrets.yml: ran 'sealfile review' before this change and no longer does" in shown


def test_a_step_moved_to_another_workflow_or_kept_passes(sandbox: Sandbox) -> None:
    """A team that moves the step, or edits the file around it, is not stopped."""
    _write(sandbox, ".github/workflows/secrets.yml", WORKFLOW)
    _write(sandbox, ".github/workflows/lint.yml", "on: [push]\njobs: {}\n")
    sandbox.commit("base")
    _write(sandbox, ".github/workflows/secrets.yml", "on: [push]\njobs: {}\n")
    _write(sandbox, ".github/workflows/all.yml", WORKFLOW.replace("pip install sealfile", "pip install sealfile==2"))
    _write(sandbox, ".github/workflows/lint.yml", "on: [push, pull_request]\njobs: {}\n")
    sandbox.commit("moved")
    status, shown = sandbox.review_last()
    assert status == 0, shown
    assert "no longer does" not in shown


def test_a_hostile_workflow_is_read_in_bounded_time(sandbox: Sandbox) -> None:
    """Read as text (never as YAML): many 'sealfile' words each followed by many flags cost no rescan each."""
    import time

    from sealfile.gitflow.safety_net import runs_sealfile

    text = ("sealfile " + "--a " * 5000) * 200
    started = time.process_time()
    assert runs_sealfile(text) == set()
    assert runs_sealfile(text + "\nsealfile review x y\n") == {"review"}
    nested = "".join(" " * depth + "- if: x\n" for depth in range(0, 1000, 2)) * 10  # mappings open and closed
    swallowed = ("sealfile review " + ";" + " " * 1000) * 200 + "\n"
    assert runs_sealfile(nested + nested + swallowed) == {"review"}
    assert time.process_time() - started < 2


STEP = "      - run: sealfile review origin/main HEAD --format markdown\n"
GITLAB = "review:\n  script:\n    - sealfile review $CI_MERGE_REQUEST_DIFF_BASE_SHA HEAD\n"
HOOK = "      - id: sealfile-check\n"

# (file, before, what the change makes of it): the step is kept but can no longer fail anything
INERT = {
    "step if: false": (".github/workflows/secrets.yml", WORKFLOW,
                       WORKFLOW.replace(STEP, STEP + "        if: false\n")),
    "step if: ${{ false }}": (".github/workflows/secrets.yml", WORKFLOW, WORKFLOW.replace(
        STEP, "      - if: ${{ false }}\n        run: sealfile review origin/main HEAD --format markdown\n")),
    "job if: false": (".github/workflows/secrets.yml", WORKFLOW,
                      WORKFLOW.replace("    runs-on:", "    if: 'false'\n    runs-on:")),
    "continue-on-error": (".github/workflows/secrets.yml", WORKFLOW,
                          WORKFLOW.replace(STEP, STEP + "        continue-on-error: true\n")),
    "|| true": (".github/workflows/secrets.yml", WORKFLOW, WORKFLOW.replace("markdown\n", "markdown || true\n")),
    "; true": (".github/workflows/secrets.yml", WORKFLOW, WORKFLOW.replace("markdown\n", "markdown; true\n")),
    "|| :": (".husky/pre-commit", "#!/bin/sh\nsealfile check\n", "#!/bin/sh\nsealfile check || :\n"),
    "set +e": (".github/workflows/secrets.yml", WORKFLOW,
               WORKFLOW.replace(STEP, "      - run: |\n          set +e\n          sealfile review origin/main HEAD\n"
                                      "          echo done\n")),
    "exit 0 before": (".husky/pre-commit", "#!/bin/sh\nsealfile check\n", "#!/bin/sh\nexit 0\nsealfile check\n"),
    "gitlab exit 0 before": (".gitlab-ci.yml", GITLAB,
                             GITLAB.replace("    - sealfile", "    - exit 0\n    - sealfile")),
    "allow_failure": (".gitlab-ci.yml", GITLAB, GITLAB + "  allow_failure: true\n"),
    "when: manual": (".gitlab-ci.yml", GITLAB, GITLAB + "  when: manual\n"),
    "when: never": (".gitlab-ci.yml", GITLAB, GITLAB.replace("  script:", "  when: never\n  script:")),
    "gitlab hidden job": (".gitlab-ci.yml", GITLAB, "." + GITLAB),
    "gitlab first rule when: never": (".gitlab-ci.yml", GITLAB, GITLAB.replace(
        "  script:", "  rules:\n    - when: never\n    - if: $CI_MERGE_REQUEST_IID\n  script:")),
    "pre-commit default_stages: [manual]": (".pre-commit-config.yaml", PRE_COMMIT,
                                            "default_stages: [manual]\n" + PRE_COMMIT),
    "azure condition: false": ("azure-pipelines.yml", "steps:\n  - script: python -m sealfile check\n",
                               "steps:\n  - script: python -m sealfile check\n    condition: false\n"),
    "azure continueOnError": ("azure-pipelines.yml", "steps:\n  - script: python -m sealfile check\n",
                              "steps:\n  - script: python -m sealfile check\n    continueOnError: true\n"),
    "stages: [manual]": (".pre-commit-config.yaml", PRE_COMMIT,
                         PRE_COMMIT.replace(HOOK, HOOK + "        stages: [manual]\n")),
}


@pytest.mark.parametrize(("name", "before", "after"), INERT.values(), ids=INERT.keys())
def test_a_step_made_inert_fails_the_review_as_a_removed_one(sandbox: Sandbox, name: str, before: str,
                                                             after: str) -> None:
    """Kept but unable to fail (skipped, manual, its exit status thrown away): it passed unremarked (exit 0)."""
    _write(sandbox, name, before)
    sandbox.commit("base")
    _write(sandbox, name, after)
    sandbox.commit("inert")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert f"{name}: ran 'sealfile " in shown and "before this change and no longer does" in shown, shown


LIVE = {
    "if: a condition": (".github/workflows/secrets.yml", WORKFLOW.replace(
        "    runs-on:", "    if: github.event_name == 'pull_request'\n    runs-on:")),
    "another step inert": (".github/workflows/secrets.yml", WORKFLOW.replace(
        "      - run: pip install sealfile\n", "      - run: pip install sealfile || true\n        if: false\n"
                                              "        continue-on-error: true\n")),
    "&& echo": (".github/workflows/secrets.yml", WORKFLOW.replace("markdown\n", "markdown && echo reviewed\n")),
    "exit 0 in an if": (".github/workflows/secrets.yml", WORKFLOW.replace(
        STEP, "      - run: |\n          if [ -z \"$BASE\" ]; then\n            exit 0\n          fi\n"
              "          sealfile review origin/main HEAD\n")),
    "exit 0 in an earlier step": (".github/workflows/secrets.yml", WORKFLOW.replace("pip install sealfile", "exit 0")),
    "gitlab rules when: never": (".gitlab-ci.yml", GITLAB.replace(
        "  script:", "  rules:\n    - if: $CI_PIPELINE_SOURCE == 'schedule'\n      when: never\n    - when: always\n"
                     "  script:")),
    "gitlab hidden job extended": (".gitlab-ci.yml", "." + GITLAB + "review-mr:\n  extends: .review\n"),
    "gitlab first rule conditional": (".gitlab-ci.yml", GITLAB.replace(
        "  script:", "  rules:\n    - when: never\n      if: $CI_PIPELINE_SOURCE == 'schedule'\n  script:")),
    "another hook manual": (".pre-commit-config.yaml", PRE_COMMIT.replace(
        "      - id: black\n", "      - id: black\n        stages: [manual]\n")),
}


@pytest.mark.parametrize(("name", "after"), LIVE.values(), ids=LIVE.keys())
def test_a_step_still_able_to_fail_passes(sandbox: Sandbox, name: str, after: str) -> None:
    """Near misses: a condition that is not a literal, another step or hook made inert, an exit in an ``if``."""
    before = {".gitlab-ci.yml": GITLAB, ".pre-commit-config.yaml": PRE_COMMIT}.get(name, WORKFLOW)
    _write(sandbox, name, before)
    sandbox.commit("base")
    _write(sandbox, name, after)
    sandbox.commit("edited")
    status, shown = sandbox.review_last()
    assert status == 0, shown
    assert "no longer does" not in shown
