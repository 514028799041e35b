"""The merge driver against git's plaintext three-way merge on JSON and dotenv files, as
tests/gitflow/test_merge_against_text.py compares it on YAML (the same rules: :func:`compare`)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from sealfile.kms.age import AgeKey
from tests.gitflow.test_merge_against_text import KNOWN, compare, plain_merge
from tests.support.git import Sandbox
from tests.support.merge_scripts_flat import env_versions, json_versions

JSON_GAP = '  "m1": 0,\n  "m2": 0,\n  "m3": 0,\n'


def _json_sides(base: str, theirs: str) -> tuple[str, str, str]:
    """``base``'s members, a gap, then ``"other": 1``; ours changes ``other``, theirs ``base``'s part."""
    def whole(members: str, other: str) -> str:
        return "{\n" + members + JSON_GAP + f'  "other": {other}\n' + "}\n"
    return whole(base, "1"), whole(base, "2"), whole(theirs, "1")


ENV_GAP = "M1=0\nM2=0\nM3=0\n"


def _env_sides(base: str, theirs: str) -> tuple[str, str, str]:
    return base + ENV_GAP + "OTHER=1\n", base + ENV_GAP + "OTHER=2\n", theirs + ENV_GAP + "OTHER=1\n"


EXAMPLES = {
    # theirs' value as theirs' text spells it: JSON escapes and number spellings, dotenv quotes or none
    "json escape": ("json", *_json_sides('  "a": "v1",\n', '  "a": "\\u00e9\\ud83d\\ude00",\n')),
    "json new member": ("json", *_json_sides('  "a": 1,\n', '  "a": 1,\n  "b": "\\ud83d\\ude00",\n')),
    "json number": ("json", *_json_sides('  "a": 1,\n', '  "a": 1.5e3,\n')),
    "json list": ("json", *_json_sides('  "a": [1],\n', '  "a": [1, "\\u00e9"],\n')),
    "json mapping": ("json", *_json_sides('  "a": 1,\n', '  "a": {"x": 1E2, "y": "\\u0041"},\n')),
    "dotenv bare": ("dotenv", *_env_sides('A="q x"\n', "A=t&x\n")),
    "dotenv single quotes": ("dotenv", *_env_sides("A=v1\n", "A='t s'\n")),
    "dotenv comment after the value": ("dotenv", *_env_sides("export A=x # note\n", "export A=t1\n")),
    "dotenv export": ("dotenv", *_env_sides("A=x\n", "export A=x2\n")),
    "dotenv new first key": ("dotenv", *_env_sides("A=v1\n", "B='t s'\nA=v1\n")),
    "dotenv new key": ("dotenv", *_env_sides("A=v1\n", "A=v1\nB=t&x # note\n")),
    # theirs empties a mapping or list: '{}' as theirs writes it, not the braces on lines of their own
    "json mapping emptied": ("json", *_json_sides('  "a": {\n    "x": 1\n  },\n', '  "a": {},\n')),
    "json list emptied": ("json", *_json_sides('  "a": [\n    1\n  ],\n', '  "a": [],\n')),
    "json file emptied": ("json", '{\n  "a": {\n    "b": 12\n  }\n}\n', '{\n  "a": {\n    "b": 12\n  }\n}\n', "{}\n"),
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_driver_agrees_with_the_plaintext_merge(sandbox: Sandbox, name: str) -> None:
    syntax, base, ours, theirs = EXAMPLES[name]
    assert plain_merge(base, ours, theirs)[1], "the example is one the text merge makes cleanly"
    assert compare(AgeKey.from_cli(sandbox.recipient), base, ours, theirs, syntax) is None


CONFLICTS = {
    # theirs empties the file, ours changed a member: a conflict there, ours' member kept (not '{}' over it)
    "emptied around a conflict": ('{\n  "- k": [1, "x"]\n}\n', '{\n  "- k": "o1"\n}\n', "{}\n"),
}


@pytest.mark.parametrize("name", sorted(CONFLICTS))
def test_the_driver_names_conflicts_as_it_merges(sandbox: Sandbox, name: str) -> None:
    assert compare(AgeKey.from_cli(sandbox.recipient), *CONFLICTS[name], "json") is None


def _check(sandbox: Sandbox, syntax: str, versions: tuple[str, str, str]) -> None:
    failure = compare(AgeKey.from_cli(sandbox.recipient), *versions, syntax)
    shown = "".join(f"--- {name}\n{text}" for name, text in zip(("base", "ours", "theirs"), versions, strict=True))
    assert failure is None or failure in KNOWN, f"{failure}\n{shown}"


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(versions=json_versions())
def test_generated_json_merges_agree_with_the_plaintext_merge(sandbox: Sandbox, versions: tuple[str, str, str]) -> None:
    """Generated JSON objects and edit scripts (tests/support/merge_scripts_flat.py)."""
    _check(sandbox, "json", versions)


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(versions=env_versions())
def test_generated_dotenv_merges_agree_with_the_plaintext_merge(sandbox: Sandbox,
                                                                versions: tuple[str, str, str]) -> None:
    """Generated dotenv files and edit scripts (tests/support/merge_scripts_flat.py)."""
    _check(sandbox, "dotenv", versions)
