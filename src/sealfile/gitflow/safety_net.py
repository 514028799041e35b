"""A change that stops CI or a commit hook from running ``sealfile review`` or ``sealfile check``.

The review of one pull request judges that change; what judges the next ones is a CI workflow or a hook file in
the same repository, which a pull request can edit like any other file. A step deleted or commented out, or its
file deleted or moved away, lets the next change commit plaintext unremarked: a policy violation, as a sealed
file taken from sealfile's drivers or left to no ``sealed_files`` pattern is (the other safety nets a change can
take down). A run that sees it is one the change does not control (``pull_request_target``, a server's hook,
a required workflow); a team that moves the step to another file of the same change is not stopped.

Read as text, never as YAML or as a program: comment lines (``#``, ``//``) and trailing comments left out, each
line scanned once, what a file runs told by the words ``sealfile [flags] review|check`` or the pre-commit hook
id ``sealfile-check``. A step kept but made inert (``if: false``, ``|| true``) is not told.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath

from sealfile.gitflow.blobs import Blobs
from sealfile.gitflow.gitcli import Change

_RUN = re.compile(r"(?<![\w.-])sealfile(?:[ \t]+-{1,2}[\w=.:/-]*){0,8}[ \t]+(review|check)(?![\w-])")
"""``sealfile review``, ``python -m sealfile --quiet check``: at most 8 flags between (a line of thousands of
flags after each of thousands of 'sealfile' words costs each a bounded look, not a rescan)."""
_HOOK_ID = re.compile(r"(?<![\w.-])sealfile-check(?![\w-])")
"""The pre-commit hook id sealfile ships (``.pre-commit-hooks.yaml``)."""
_TRAILING_COMMENT = re.compile(r"[ \t](?:#|//).*")

_NAMES = frozenset({".gitlab-ci.yml", "bitbucket-pipelines.yml", ".pre-commit-config.yaml", ".pre-commit-config.yml",
                    "lefthook.yml", "lefthook.yaml", ".lefthook.yml", ".lefthook.yaml", ".circleci/config.yml"})
"""Files at the top of the repository that CI or a commit hook reads."""


def runs_guard(path: str) -> bool:
    """Whether ``path`` is a CI workflow or a commit hook file of a kind this check reads."""
    name = PurePosixPath(path).name
    return (path in _NAMES or name in ("azure-pipelines.yml", "azure-pipelines.yaml", "Jenkinsfile")
            or (path.startswith(".github/workflows/") and name.endswith((".yml", ".yaml")))
            or (path.startswith(".husky/") and not path.startswith(".husky/_/")))


def runs_sealfile(text: str) -> set[str]:
    """The sealfile commands (``review``, ``check``) ``text`` runs, comments left out."""
    found: set[str] = set()
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("#", "//")):
            continue
        code = _TRAILING_COMMENT.sub("", stripped)
        found.update(match.group(1) for match in _RUN.finditer(code))
        if _HOOK_ID.search(code):
            found.add("check")
    return found


def guards_removed(changes: Iterable[Change], old_blobs: Blobs, new_blobs: Blobs) -> list[str]:
    """A violation for each CI workflow or hook file of the change that ran ``sealfile review`` or ``check`` and no
    longer does (edited, deleted, moved to a name no CI reads), unless another file of the change runs it now."""
    gone: list[tuple[str, str]] = []
    started: set[str] = set()
    for change in changes:
        old_path = change.old_path or change.path
        before = _runs(old_path, old_blobs) if change.status != "A" or change.old_path else set()
        after = _runs(change.path, new_blobs) if change.status != "D" else set()
        gone += [(old_path, command) for command in sorted(before - after)]
        started |= after - before
    return [f"{path}: ran 'sealfile {command}' before this change and no longer does: the changes after it go "
            "unchecked there" for path, command in gone if command not in started]


def _runs(path: str, blobs: Blobs) -> set[str]:
    if not runs_guard(path):
        return set()
    return runs_sealfile(blobs.read_or_none(path) or "")
