"""Every ``.sealfile.yaml`` field and ``SEALFILE_*`` variable the code reads is documented, and every field a
documented config uses, and every variable the docs name, is read.

A field the docs show that the code refuses ('unknown field') breaks a reader's first config; a field the code
reads that no page names is one nobody finds. The fields are the code's own lists (the top level, a creation
rule's, a key group's recipient kinds, ``trust:``'s), so a new one fails here until a page names it.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from ruamel.yaml import YAML

from sealfile.cli.app import cli
from sealfile.kms.registry import BUILTIN
from sealfile.kms.trust import TARGET_KINDS
from sealfile.ops.config import DEFAULT_SEALED_PATTERNS, TOP_LEVEL
from sealfile.ops.creation_rules import RULE_FIELDS
from tests.support.markdown import fences

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = [ROOT / "README.md", ROOT / "docs" / "format.md"]
"""Where a reader looks a field up."""
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
VARIABLE = r"(?<![\w])SEALFILE_[A-Z0-9_]*[A-Z0-9]_?"
TEST_SWITCHES = {"SEALFILE_CHECK_FAST_SCAN"}
"""Read by the code, set by the test suite only."""
READERS = ["src", "scripts", ".ci", "examples", "tests/reliability"]
"""Where a variable the docs name may be read: the package, the scripts and CI the README describes, the examples,
the reliability report's test."""
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


def _option_variables(command: click.Command, prefix: str = "SEALFILE") -> Iterator[str]:
    """``SEALFILE_<COMMAND>_<OPTION>`` of every option (README: every option can come from the environment)."""
    for param in command.params:
        if isinstance(param, click.Option) and param.allow_from_autoenv and param.expose_value:
            yield from (f"{prefix}_{flag[2:].replace('-', '_').upper()}" for flag in param.opts if flag[:2] == "--")
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            yield from _option_variables(sub, f"{prefix}_{name.replace('-', '_').upper()}")


def _variables(paths: list[Path]) -> set[str]:
    return {name for path in paths for name in re.findall(VARIABLE, path.read_text(encoding="utf-8", errors="replace"))}


def test_every_variable_the_code_reads_is_documented_and_every_documented_one_is_read() -> None:
    documented = _variables([*PAGES, *(ROOT / "examples").rglob("*.md")])
    sources = [file for root in READERS for file in (ROOT / root).rglob("*") if file.is_file()
               and file.suffix in ("", ".py", ".sh")]
    read = _variables(sources) | set(_option_variables(cli))
    quoted = {name for file in (ROOT / "src").rglob("*.py")
              for name in re.findall(r"[\"'](SEALFILE_[A-Z0-9_]+)", file.read_text(encoding="utf-8"))}
    prefixes = tuple(name for name in read if name.endswith("_"))
    assert sorted(name for name in documented if name not in read and not name.startswith(prefixes)) == []
    assert sorted(quoted - documented - set(_option_variables(cli)) - TEST_SWITCHES
                  - {name for name in quoted if name.endswith("_")}) == []


def _help_texts(command: click.Command) -> Iterator[str]:
    yield command.help or ""
    yield from (param.help or "" for param in command.params if isinstance(param, click.Option))
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            yield from _help_texts(sub)


def test_each_list_of_the_default_sealed_files_patterns_is_whole() -> None:
    """Where a page, the pre-commit hook's definition or a command's help lists the default ``sealed_files``,
    it lists every pattern (the hook's comment missed ``.env.*.enc`` when that default was added)."""
    texts = {path.name: path.read_text(encoding="utf-8") for path in [*PAGES, ROOT / ".pre-commit-hooks.yaml"]}
    texts["--help"] = "\n".join(_help_texts(cli))
    partial = [(name, text.count("\n", 0, at) + 1) for name, text in texts.items()
               for at in [m.start() for m in re.finditer(re.escape("*.enc.yml"), text)]
               if not all(pattern in text[max(at - 200, 0):at + 400] for pattern in DEFAULT_SEALED_PATTERNS)]
    assert sum(text.count("*.enc.yml") for text in texts.values()) >= 5
    assert partial == []


def test_each_numeric_setting_is_documented_with_its_default() -> None:
    """Every limit read from the environment (files/settings.py) is named in the docs with its default nearby
    (`SEALFILE_LOCK_WAIT`, default 10 s): a changed default fails here until the pages say the new one."""
    from sealfile.cli.forked import MAX_WORKERS, WORKERS_ENV
    from sealfile.files.io import DEFAULT_MAX_FILE_MB, MAX_FILE_MB_ENV
    from sealfile.files.locking import DEFAULT_LOCK_WAIT, LOCK_WAIT_ENV
    from sealfile.gitflow.review_budget import DEFAULT_REVIEW_MAX_MB, REVIEW_MAX_MB_ENV
    from sealfile.kms.aws.client import DEFAULT_MAX_ATTEMPTS
    from sealfile.kms.base import DEFAULT_KMS_TIMEOUT, KMS_TIMEOUT_ENV
    from sealfile.kms.passphrase import DEFAULT_PROMPT_TIMEOUT, PROMPT_TIMEOUT_ENV
    from sealfile.stores.node_limit import DEFAULT_MAX_NODES, MAX_NODES_ENV

    settings = [(MAX_WORKERS, WORKERS_ENV), (DEFAULT_MAX_FILE_MB, MAX_FILE_MB_ENV), (DEFAULT_LOCK_WAIT, LOCK_WAIT_ENV),
                (DEFAULT_REVIEW_MAX_MB, REVIEW_MAX_MB_ENV), (DEFAULT_MAX_ATTEMPTS, "AWS_MAX_ATTEMPTS"),
                (DEFAULT_KMS_TIMEOUT, KMS_TIMEOUT_ENV), (DEFAULT_MAX_NODES, MAX_NODES_ENV),
                (DEFAULT_PROMPT_TIMEOUT, PROMPT_TIMEOUT_ENV)]
    text = "\n".join(page.read_text(encoding="utf-8") for page in PAGES)
    sources = (ROOT / "src" / "sealfile" / "files" / "settings.py").read_text(encoding="utf-8")
    assert sources.count("def positive_setting") == 1
    called = {file.name for file in (ROOT / "src").rglob("*.py") if "positive_setting(" in file.read_text()}
    assert len(called) - 1 == len(settings), "a new numeric setting: add it here"
    undocumented = [variable for default, variable in settings
                    if not any(re.search(rf"(?<![\d,.]){int(default):,}(?![\d,])", text[at - 200:at + 200])
                               for at in (m.start() for m in re.finditer(variable, text)))]
    assert undocumented == []


def test_the_format_names_each_metadata_field_a_reader_takes_and_stanza_fields_it_reads() -> None:
    """docs/format.md §2's table is the metadata a reader accepts (unknown fields are refused), and each stanza
    field §3 names for a kind (`- `hc_vault_transit`: `vault_address`...`) is one that kind's class reads."""
    from sealfile.kms.registry import provider_class
    from sealfile.model import metadata

    page = (ROOT / "docs" / "format.md").read_text(encoding="utf-8")
    table = page.split("## 2. Metadata", 1)[1].split("\n\n", 2)[1]
    named = set(re.findall(r"^\| `(\w+)` \|", table, re.MULTILINE))
    named |= {name for row in re.findall(r"^\| one rule .*$", table, re.MULTILINE)
              for name in re.findall(r"`(\w+)`", row)}
    assert named == metadata._KNOWN_FIELDS_V2
    section = page.split("## 3. Data key", 1)[1].split("### 3.1", 1)[0]
    bullets = re.findall(r"^- `(\w+)`: (.*?)(?=^- |\Z)", section, re.MULTILINE | re.DOTALL)
    assert {kind for kind, _ in bullets} >= {"age", "ssh", "keyring", "pgp", "hc_vault_transit"}
    for kind, text in bullets:
        fields = set(re.findall(r"`([a-z]\w*)`", text.split(". ", 1)[0])) - {"wrapped"}
        assert fields and fields <= set(provider_class(kind).config_fields or ()), kind
