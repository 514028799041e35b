"""A change that stops CI or a commit hook from running ``sealfile review`` or ``sealfile check``.

The review of one pull request judges that change; what judges the next ones is a CI workflow or a hook file in
the same repository, which a pull request can edit like any other file. A step deleted or commented out, or its
file deleted or moved away, lets the next change commit plaintext unremarked: a policy violation, as a sealed
file taken from sealfile's drivers or left to no ``sealed_files`` pattern is (the other safety nets a change can
take down). A run that sees it is one the change does not control (``pull_request_target``, a server's hook,
a required workflow); a team that moves the step to another file of the same change is not stopped.

Read as text, never as YAML or as a program: comment lines (``#``, ``//``) and trailing comments left out, each
line scanned once, what a file runs told by the words ``sealfile [flags] review|check`` or the pre-commit hook
id ``sealfile-check``. A step kept but made inert counts as removed (:func:`runs_sealfile`): its mapping (a step, a
job, a hook, told by indentation alone) switched off by ``if: false``, ``continue-on-error: true``, GitLab's
``allow_failure: true`` or ``when: manual|never`` (also as the first item of its ``rules:``, when that item has no
``if``/``changes``/``exists``: no later rule is read), pre-commit's ``stages: [manual]`` or ``default_stages:
[manual]``, Azure's ``condition: false``, ``enabled: false`` or ``continueOnError: true``; a GitLab hidden job
(a top-level key starting with ``.``) that no job extends or aliases (its name or anchor appears nowhere else); its
exit status swallowed on its line (``|| true``, ``; true``, ``|| :``, ``|| exit 0``); or a bare ``exit 0`` or
``set +e`` before it in the same script. Not told here: a condition that is not a literal, triggers and filters
(GitHub ``on:``, ``paths:``, GitLab ``rules: - if:``, ``only:``, pre-commit ``files:``, ``needs:``, Jenkins ``when
{}``): :mod:`~sealfile.gitflow.guard_conditions` judges those a change adds or alters. Nor an ``exit 0`` inside an
``if``, ``allow_failure: {exit_codes: ...}``, a block list of ``stages``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
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


_SWITCHED_OFF = re.compile(
    r"(?:(?:if|condition|enabled):[ \t]*(?P<q1>['\"]?)(?:false|\$\{\{[ \t]*false[ \t]*\}\})(?P=q1)"
    r"|(?:continue-on-error|continueOnError|allow_failure):"
    r"[ \t]*(?P<q2>['\"]?)(?:true|\$\{\{[ \t]*true[ \t]*\}\})(?P=q2)"
    r"|when:[ \t]*(?P<q3>['\"]?)(?:manual|never)(?P=q3)"
    r"|(?:default_)?stages:[ \t]*\[[ \t]*(?P<q4>['\"]?)manual(?P=q4)[ \t]*\])[ \t]*\Z")
"""A key that switches off the mapping (step, job, hook) it is in, whatever else it holds."""
_SWALLOWED = re.compile(r"(?:\|\||;)[ \t]*(?:true|:|exit[ \t]+0)(?![\w-])")
"""An exit status thrown away after a command: a failing check then passes."""
_STOPPED = re.compile(r"(?:^|;|\[|,|^[\w.-]+:)[ \t]*['\"]?(?:exit[ \t]+0|set[ \t]+\+e)(?![\w-])")
"""``exit 0`` (nothing after it runs) or ``set +e`` (a failure goes on) as a statement of its own, not one an
``if``/``&&`` makes conditional: what follows in its script no longer fails the step."""
_KEY = re.compile(r"[\w.-]+:(?:[ \t]|\Z)")


_HIDDEN = re.compile(r"(\.[\w.-]+):[ \t]*(?:&([\w-]+))?\Z")
"""A top-level key GitLab reads as a hidden job (a template): it runs only where a job extends or aliases it."""
_NAMED = re.compile(r"[.*][\w.-]+")
_RULES = re.compile(r"rules:\Z")
_CONDITIONAL = re.compile(r"(?:if|changes|exists):")
"""A GitLab rule item holding one of these applies only where it matches; one without applies always."""


class _Mapping:
    """A mapping of a file read by indentation alone (a step, a job, a hook): what it runs, whether switched off.
    ``hidden``: a GitLab hidden job's name and anchor; ``rule``: the first item of a GitLab ``rules:`` list,
    unconditional so far (switched off, it switches off its job: no later rule is read)."""

    __slots__ = ("column", "found", "hidden", "off", "rule")

    def __init__(self, column: int, hidden: tuple[str, str | None] | None = None, rule: bool = False) -> None:
        self.column, self.found, self.off, self.hidden, self.rule = column, set[str](), False, hidden, rule


def runs_sealfile(text: str) -> set[str]:
    """The sealfile commands (``review``, ``check``) ``text`` runs, comments left out and steps made inert too
    (module doc): one pass over the lines, a stack of the mappings open at each."""
    stack = [_Mapping(-1)]
    stopped_at: int | None = None  # the indentation of a bare 'exit 0' / 'set +e': its script goes on below it
    hidden: tuple[str, str | None] | None = None  # the hidden job whose key the last line was
    rules = False  # the last line was a 'rules:' key

    names: list[Counter[str]] = []  # the words naming a job or an alias, counted once, where a hidden job runs one

    def used(job: tuple[str, str | None]) -> bool:  # extended (its name again) or aliased (its anchor)
        if not names:
            names.append(Counter(_NAMED.findall(text)))
        return names[0][job[0]] > 1 or (job[1] is not None and names[0]["*" + job[1]] > 0)
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if not stripped.strip() or stripped.startswith(("#", "//")):
            continue
        indent = len(line) - len(stripped)
        if stopped_at is not None and indent < stopped_at:
            stopped_at = None
        code = _TRAILING_COMMENT.sub("", stripped).rstrip()
        item = code == "-" or code.startswith(("- ", "-\t"))
        content = code[1:].lstrip() if item else code
        column = indent + len(code) - len(content) if item else indent
        _close(stack, column, item, used)
        if stack[-1].column < column:
            stack.append(_Mapping(column, hidden, rules and item))
        if stack[-1].rule and _CONDITIONAL.match(content):
            stack[-1].rule = False
        if _SWITCHED_OFF.match(content):
            stack[-1].off = True
        hidden = ((key := _HIDDEN.match(content)) and (key.group(1), key.group(2))) if indent == 0 else None
        rules = _RULES.match(content) is not None
        stack[-1].found.update(_live_runs(content, stopped_at is not None))
        if stopped_at is None and not _KEY.match(content) and _STOPPED.match(content):
            stopped_at = indent
    _close(stack, -1, False, used)
    return stack[0].found


def _close(stack: list[_Mapping], column: int, item: bool, used: Callable[[tuple[str, str | None]], bool]) -> None:
    """Close the mappings a line at ``column`` ends (deeper ones; its sibling, for a new list item), each passing
    what it runs to the one it is in unless switched off (a hidden job no other job ``used``; a first rule
    switched off switches off the job it is in)."""
    while stack[-1].column > column or (item and stack[-1].column == column and len(stack) > 1):
        closed = stack.pop()
        if closed.rule and closed.off:
            stack[-1].off = True
        elif not closed.off and closed.found and (closed.hidden is None or used(closed.hidden)):
            stack[-1].found |= closed.found


def _live_runs(code: str, stopped: bool) -> set[str]:
    """The commands ``code`` (one line) runs whose failure still fails it: none after an ``exit 0``/``set +e``."""
    if stopped or "sealfile" not in code:
        return set()
    first_stop, last_swallow = len(code), -1  # each looked for only where its words are: a scan in C first
    if "exit" in code or "+e" in code:
        first_stop = next((match.start() for match in _STOPPED.finditer(code)), first_stop)
    if "||" in code or ";" in code:
        last_swallow = max((match.start() for match in _SWALLOWED.finditer(code)), default=-1)
    found = {match.group(1) for match in _RUN.finditer(code)
             if first_stop > match.start() and last_swallow < match.end()}
    hook = _HOOK_ID.search(code)
    if hook and first_stop > hook.start() and last_swallow < hook.end():
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
