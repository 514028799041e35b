"""Every ``.sealfile.yaml`` field the code reads is documented, and every field a documented config uses is read.

A field the docs show that the code refuses ('unknown field') breaks a reader's first config; a field the code
reads that no page names is one nobody finds. The fields are the code's own lists (the top level, a creation
rule's, a key group's recipient kinds, ``trust:``'s), so a new one fails here until a page names it.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from sealfile.kms.registry import BUILTIN
from sealfile.kms.trust import TARGET_KINDS
from sealfile.ops.config import TOP_LEVEL
from sealfile.ops.creation_rules import RULE_FIELDS
from tests.support.markdown import fences

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = [ROOT / "README.md", ROOT / "docs" / "format.md"]
"""Where a reader looks a field up."""
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
RULE = {*RULE_FIELDS, *BUILTIN}


def test_every_field_the_code_reads_is_named_in_the_reference() -> None:
    """Named in a code span of the reference, or used in a config it shows."""
    named = set(re.findall(r"`([a-z_]+):?`", "\n".join(page.read_text(encoding="utf-8") for page in REFERENCE)))
    for _, config in configs():
        named |= {*config, *config.get("trust", {})}
    assert sorted({*TOP_LEVEL, *RULE, *TARGET_KINDS} - named) == []


def configs() -> Iterator[tuple[str, dict[str, Any]]]:
    """Each YAML fence of the docs that is a ``.sealfile.yaml`` (a mapping with a top-level field of one)."""
    for page in PAGES:
        for fence in fences(page.read_text(encoding="utf-8")):
            if fence.language == "yaml" and re.search(rf"^({'|'.join(TOP_LEVEL)}):", fence.text, re.MULTILINE):
                yield f"{page.relative_to(ROOT)}:{fence.line}", YAML(typ="safe").load(fence.text)


def unknown_fields(config: dict[str, Any]) -> list[str]:
    unknown = [f"{key}" for key in config if key not in TOP_LEVEL]
    for index, rule in enumerate(config.get("creation_rules") or []):
        unknown += [f"creation_rules.{index}.{key}" for key in rule if key not in RULE]
        for number, group in enumerate(rule.get("key_groups") or []):
            unknown += [f"creation_rules.{index}.key_groups.{number}.{key}" for key in group if key not in BUILTIN]
    return unknown + [f"trust.{key}" for key in config.get("trust") or {} if key not in TARGET_KINDS]


def test_the_checker_finds_a_misspelt_field() -> None:
    config = {"signer": {}, "creation_rules": [{"kms": "arn", "key_groups": [{"agee": ["x"]}]}], "trust": {"host": []}}
    assert unknown_fields(config) == ["signer", "creation_rules.0.kms", "creation_rules.0.key_groups.0.agee",
                                      "trust.host"]


def test_every_config_the_docs_show_uses_fields_the_code_reads() -> None:
    shown = list(configs())
    assert len(shown) >= 3
    assert [(where, field) for where, config in shown for field in unknown_fields(config)] == []
