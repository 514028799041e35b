"""Whether a condition of a CI or hook file proves that the step it governs never runs for the sealed files.

Judged only where the text proves it (:mod:`~sealfile.gitflow.guard_conditions` reports every other condition a
change writes for a reviewer to read): a GitHub workflow whose ``on:`` names none of ``push``, ``pull_request``,
``pull_request_target``, ``merge_group``, or whose ``paths:``/``paths-ignore:`` of each of those leave out every
committed sealed file; a GitHub ``if:`` that is ``github.event_name == 'x'``, ``x`` not among its ``on:`` events or
not one of those; a GitHub ``needs:`` naming a job switched off by ``if: false``; a
GitLab ``rules:`` whose every item is ``when: never`` or has ``changes:`` that leave out every sealed file (no
rule matches: the job is not added), an ``only: {changes: ...}`` that does; pre-commit's ``files:`` matching none
of them, ``exclude:`` matching all, ``types``/``types_or``/``exclude_types`` that leave out all (told by their
extensions, as ``identify`` names them). A pattern not read exactly (a glob with ``[``, ``{``, ``+``, ``\\``; a
regular expression not searchable in linear time), no sealed file committed, or a block :mod:`.ci_blocks` does
not read: not proven, so only reported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any

from sealfile.errors import SealfileError
from sealfile.gitflow.ci_blocks import Unjudged, read_block
from sealfile.model.linear_regex import compile_linear

RUNNING_EVENTS = ("push", "pull_request", "pull_request_target", "merge_group")
"""The GitHub events that run a workflow for a change to the repository's files."""
_TAGS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml", ".ini": "ini"}
"""identify's tag of a sealed file by its extension (each also ``file``, ``text``, ``non-executable``)."""
_EVENT_IS = re.compile(r"(?:\$\{\{)?[ \t]*github\.event_name[ \t]*==[ \t]*(?P<q>['\"])(?P<event>[\w-]+)(?P=q)"
                       r"[ \t]*(?:\}\})?")


def dead(key: str, lines: list[tuple[int, str]], path: str, events: frozenset[str] | None,
         sealed: Sequence[str], skipped: frozenset[str] = frozenset()) -> str | None:
    """Why the condition ``key`` (its block's ``lines``) of CI file ``path`` never lets its step run for a change to
    the ``sealed`` files, or ``None`` where the text does not prove it. ``events``: the workflow's ``on:`` events,
    where read; ``skipped``: its jobs switched off by a literal ``if: false`` (a job needing one is skipped too)."""
    try:
        block = read_block(lines)
    except Unjudged:
        return None
    value = block.get(key) if isinstance(block, dict) else None
    try:
        if path.startswith(".github/workflows/"):
            return _github(key, value, events, sealed, skipped)
        if path == ".gitlab-ci.yml":
            return _gitlab(key, value, sealed)
        if PurePosixPath(path).name.startswith(".pre-commit-config"):
            return _pre_commit(key, value, sealed)
    except (Unjudged, SealfileError, ValueError, re.error):
        return None
    return None


def workflow_events(value: Any) -> dict[str, Any] | None:
    """A workflow's ``on:`` as event -> its filters (``None`` for none), or ``None`` where not read."""
    if isinstance(value, str):
        return {value: None}
    if isinstance(value, list) and all(isinstance(event, str) for event in value):
        return dict.fromkeys(value)
    return value if isinstance(value, dict) else None


def _github(key: str, value: Any, events: frozenset[str] | None, sealed: Sequence[str],
            skipped: frozenset[str]) -> str | None:
    if key == "needs":
        never = sorted(set(_listed(value)) & skipped)
        return f"needs: '{never[0]}', a job that never runs (if: false)" if never else None
    if key == "if" and isinstance(value, str) and events is not None:
        named = _EVENT_IS.fullmatch(value.strip())
        if named and named.group("event") not in events:
            return f"if: the workflow never runs on '{named.group('event')}'"
        if named and named.group("event") not in RUNNING_EVENTS:
            return f"if: only on '{named.group('event')}', which no change to the files runs"
        return None
    triggers = workflow_events(value) if key == "on" else None
    if triggers is None:
        return None
    running = [event for event in RUNNING_EVENTS if event in triggers]
    if not running:
        return "on: none of push, pull_request, pull_request_target, merge_group"
    if sealed and not any(_github_accepts(triggers[event], name) for event in running for name in sealed):
        return "on: its paths filters leave out every sealed file"
    return None


def _github_accepts(filters: Any, name: str) -> bool:
    if not isinstance(filters, dict):
        return True
    wanted, ignored = filters.get("paths"), filters.get("paths-ignore")
    if wanted is not None:
        return _last_match(_listed(wanted), name, default=False)
    if ignored is not None:
        return not _last_match(_listed(ignored), name, default=False)
    return True


def _last_match(patterns: list[str], name: str, *, default: bool) -> bool:
    """GitHub's filter: the last pattern that matches decides, a ``!`` one negatively."""
    state = default
    for pattern in patterns:
        negated = pattern.startswith("!")
        if _glob(pattern[1:] if negated else pattern).fullmatch(name):
            state = not negated
    return state


@lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    """A path glob: ``**`` any characters, ``*`` and ``?`` none of ``/``; other special characters not read."""
    if any(char in pattern for char in "[]{}+\\"):
        raise Unjudged
    parts = re.split(r"(\*\*/?|\*|\?)", pattern)
    table = {"**": ".*", "**/": "(?:.*/)?", "*": "[^/]*", "?": "[^/]"}
    return re.compile("".join(table.get(part, re.escape(part)) for part in parts))


def _listed(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    raise Unjudged


def _gitlab(key: str, value: Any, sealed: Sequence[str]) -> str | None:
    if not sealed:
        return None
    if key == "rules" and isinstance(value, list) and value and all(
            isinstance(rule, dict) and (rule.get("when") == "never" or (
                "changes" in rule and not _changes_any(rule["changes"], sealed))) for rule in value):
        return "rules: no rule adds the job for a change to a sealed file"
    if key == "only" and isinstance(value, dict) and "changes" in value and not _changes_any(value["changes"], sealed):
        return "only: changes leave out every sealed file"
    return None


def _changes_any(changes: Any, sealed: Sequence[str]) -> bool:
    paths = changes.get("paths") if isinstance(changes, dict) else changes
    return any(_glob(pattern).fullmatch(name) for pattern in _listed(paths) for name in sealed)


def _pre_commit(key: str, value: Any, sealed: Sequence[str]) -> str | None:
    if not sealed or (key in ("files", "exclude") and not isinstance(value, str)):
        return None
    if key == "files" and not any(compile_linear(value).search(name) for name in sealed):
        return "files: matches no sealed file"
    if key == "exclude" and all(compile_linear(value).search(name) for name in sealed):
        return "exclude: matches every sealed file"
    if key in ("types", "types_or", "exclude_types"):
        tags = [_tags(name) for name in sealed]
        wanted = set(_listed(value))
        if None in tags:
            return None
        kept = [t for t in tags if t is not None and (
            wanted <= t if key == "types" else wanted & t if key == "types_or" else not wanted & t)]
        return None if kept else f"{key}: leaves out every sealed file"
    return None


def _tags(name: str) -> set[str] | None:
    tag = _TAGS.get(PurePosixPath(name).suffix.lower())
    return {"file", "text", "non-executable", tag} if tag else None
