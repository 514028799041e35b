"""A change to a condition that decides whether a CI or hook step running sealfile runs at all.

:mod:`~sealfile.gitflow.safety_net` fails a change that removes the step or makes it inert by a literal; the
step can also be kept and never run: a workflow's ``on:`` or ``paths:``, a job's or step's ``if:``, GitLab's
``rules:``/``only:``/``except:``/``needs:``, pre-commit's ``files:``/``exclude:``/``types:``/``stages:``,
Jenkins' ``when {}``. Each such condition a change adds or alters, in the mappings (file, job, step, hook) that
hold a sealfile run, is named for a reviewer (:func:`conditions_changed`, attention: most such edits are a team's
own, and most conditions cannot be judged from text); where the text proves the step never runs for the
committed sealed files (:mod:`~sealfile.gitflow.never_runs`), a violation as removing it is. Conditions the base
already had are not named: a repository's existing set-up makes no noise. Read as text, by indentation, as
:mod:`~sealfile.gitflow.safety_net` reads it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sealfile.gitflow.blobs import Blobs
from sealfile.gitflow.ci_blocks import Unjudged, read_block
from sealfile.gitflow.gitcli import Change, git
from sealfile.gitflow.never_runs import dead, workflow_events
from sealfile.gitflow.safety_net import runs_guard, runs_sealfile

_CONDITION = re.compile(
    r"(?P<q>['\"]?)(?P<key>on|if|needs|rules|only|except|when|changes|extends|workflow|files|exclude|types|types_or"
    r"|exclude_types|stages|default_stages|condition|trigger|pr|dependsOn|filters|unless|requires|glob|skip"
    r"|tags|branches)(?P=q):(?:[ \t]|\Z)")
"""Keys that decide whether the mapping they are in (a file, a job, a step, a hook) runs, in any CI kind read."""
_TRAILING_COMMENT = re.compile(r"[ \t]#.*")
_WHEN_BLOCK = re.compile(r"\bwhen[ \t]*\{")
_BRACE = re.compile(r"[{}]")

@dataclass
class Condition:
    key: str
    line: int
    lines: list[tuple[int, str]]
    """The block: each line's indentation (relative to the key's column) and text."""

    @property
    def text(self) -> str:
        return "\n".join(" " * indent + code for indent, code in self.lines)


@dataclass
class _Frame:
    column: int
    conditions: list[Condition] = field(default_factory=list)
    found: set[str] = field(default_factory=set)


def governing(text: str, judge: Callable[[Condition], str | None] | None = None) -> tuple[list[Condition], set[str],
                                                                                          list[tuple[Condition, str]]]:
    """The conditions of the mappings holding a sealfile run; the commands still run where ``judge`` (why a
    condition never holds, or ``None``) is given; and the conditions it judged so, each with why."""
    stack, kept, judged = [_Frame(-1)], list[Condition](), list[tuple[Condition, str]]()
    capture: tuple[Condition, int] | None = None

    def close(frame: _Frame) -> None:
        why = [(c, reason) for c in frame.conditions if judge and (reason := judge(c))] if frame.found else []
        kept.extend(frame.conditions if frame.found else [])
        judged.extend(why)
        stack[-1].found |= set() if why else frame.found
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip(" ")
        if not stripped.strip() or stripped.startswith(("#", "//")):
            continue
        indent = len(line) - len(stripped)
        code = _TRAILING_COMMENT.sub("", stripped).rstrip()
        if capture is not None and indent > capture[1]:
            capture[0].lines.append((indent - capture[1], code))
            continue
        capture = None
        item = code == "-" or code.startswith(("- ", "-\t"))
        content = code[1:].lstrip() if item else code
        column = indent + len(code) - len(content) if item else indent
        while stack[-1].column > column or (item and stack[-1].column == column and len(stack) > 1):
            close(stack.pop())
        if stack[-1].column < column:
            stack.append(_Frame(column))
        if key := _CONDITION.match(content):
            condition = Condition(key.group("key"), number, [(0, content)])
            stack[-1].conditions.append(condition)
            capture = (condition, column)
        elif "sealfile" in content:
            stack[-1].found |= runs_sealfile(content)
    while len(stack) > 1:
        close(stack.pop())
    return kept, stack[0].found, judged


def _jenkins(text: str) -> list[Condition]:
    """Each ``when { ... }`` of a Jenkinsfile that runs sealfile (its braces matched, to the text's end if they
    never close): read whole, not per stage. A ``when`` inside another is part of that one's text, so each
    character is read once, however long or many the blocks (a bound of 4,000 characters left a change past it
    unnamed)."""
    found, line, counted, end = [], 1, 0, -1
    for start in (m.start() for m in _WHEN_BLOCK.finditer(text)):
        if start <= end:  # within the block before: read with it
            continue
        line, counted = line + text.count("\n", counted, start), start  # each part of the text counted once
        depth, end = 0, len(text) - 1
        for brace in _BRACE.finditer(text, text.index("{", start)):
            depth += 1 if brace.group() == "{" else -1
            if depth == 0:
                end = brace.start()
                break
        block = " ".join(text[start:end + 1].split())
        found.append(Condition("when", line, [(0, block)]))
    return found


def conditions_changed(changes: Iterable[Change], old_blobs: Blobs, new_blobs: Blobs,
                       sealed: Callable[[], Sequence[str]]) -> tuple[list[str], list[str]]:
    """Violations (a changed condition proves a sealfile step of the file never runs for the ``sealed`` files)
    and lines for attention (each other condition the change adds or alters there), per CI file changed."""
    violations: list[str] = []
    attention: list[str] = []
    listed: list[Sequence[str]] = []  # the sealed files, listed once where a condition needs them

    def sealed_once() -> Sequence[str]:
        if not listed:
            listed.append(sealed())
        return listed[0]
    for change in changes:
        if change.status == "D" or not runs_guard(change.path):
            continue
        old = old_blobs.read_or_none(change.old_path or change.path) or ""
        new = new_blobs.read_or_none(change.path) or ""
        running = runs_sealfile(new)
        if not runs_sealfile(old) or not running:  # never ran, or removed: safety_net says so
            continue
        found = _judged(change.path, old, new, running, sealed_once)
        violations += found[0]
        attention += found[1]
    return violations, attention


def _judged(path: str, old: str, new: str, running: set[str],
            sealed: Callable[[], Sequence[str]]) -> tuple[list[str], list[str]]:
    """:func:`conditions_changed` for one file that ran sealfile before and after the change."""
    jenkins = path.rsplit("/", 1)[-1] == "Jenkinsfile"
    before = Counter(c.text for c in (_jenkins(old) if jenkins else governing(old)[0]))
    added = []
    for condition in _jenkins(new) if jenkins else governing(new)[0]:
        if before[condition.text] > 0:
            before[condition.text] -= 1
        else:
            added.append(condition)
    if not added:
        return [], []
    events, skipped = _events(governing(new)[0]), _jobs_off(new)
    fresh = {c.line for c in added}  # a condition's line names it in each reading

    def judge(condition: Condition) -> str | None:
        return dead(condition.key, condition.lines, path, events, sealed(), skipped) if condition.line in fresh \
            else None
    live, judged = (running, []) if jenkins else governing(new, judge)[1:]
    said = {c.line for c, _ in judged}
    violations = [f"{path}:{judged[0][0].line}: ran 'sealfile {command}' before this change and no longer does "
                  f"for the sealed files ({judged[0][1]}): the changes after it go unchecked there"
                  for command in sorted(running - live if judged else ())]
    return violations, [f"{path}:{c.line}: this change alters when the sealfile step runs ({c.key}:): check that it "
                        "still runs for every change to a sealed file" for c in added if c.line not in said]


def _events(conditions: list[Condition]) -> frozenset[str] | None:
    """The events of the workflow's ``on:`` (a top-level key), where read."""
    for condition in conditions:
        if condition.key == "on" and condition.lines[0][1].startswith(("on:", "'on':", '"on":')):
            try:
                block = read_block(condition.lines)
            except Unjudged:
                return None
            triggers = workflow_events(block.get("on") if isinstance(block, dict) else None)
            return frozenset(triggers) if triggers is not None else None
    return None


_JOB = re.compile(r"  (?P<q>['\"]?)(?P<job>[\w-]+)(?P=q):[ \t]*\Z")
_JOB_OFF = re.compile(r"    if:[ \t]*(?P<q>['\"]?)(?:false|\$\{\{[ \t]*false[ \t]*\}\})(?P=q)[ \t]*\Z")


def _jobs_off(text: str) -> frozenset[str]:
    """The jobs of a GitHub workflow (under a top-level ``jobs:``, indented two spaces) whose own ``if:`` is a
    literal false: one that ``needs:`` such a job is skipped with it."""
    off, job, in_jobs = set(), None, False
    for line in text.splitlines():
        code = _TRAILING_COMMENT.sub("", line).rstrip()
        if code and not code.startswith((" ", "#")):
            in_jobs, job = code == "jobs:", None
        elif in_jobs and (named := _JOB.match(code)):
            job = named.group("job")
        elif in_jobs and job and _JOB_OFF.match(code):
            off.add(job)
    return frozenset(off)


def sealed_paths(rev: str, root: Path, matches: Callable[[str], bool]) -> list[str]:
    """The sealed files committed at ``rev``: what a CI filter must let the step run for."""
    return [name for name in git(["ls-tree", "-r", "-z", "--name-only", rev], root).split("\0")
            if name and matches(name)]
