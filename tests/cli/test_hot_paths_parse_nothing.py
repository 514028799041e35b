"""The hot operations over every text the line scan reads never call a YAML parser: no ruamel scan of the text,
no parser nodes asked of a line-scan leaf or scan (a block scalar's node, containers, the metadata block's nodes),
no round trip. A structural edit (a new key, ``unset``) parses, and is not here.

Counted, not timed (:mod:`tests.support.parser_calls`), in this process: each command line runs through the
command's own code path (the click-free fast path, or click for ``updatekeys`` and ``recipients add``)."""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sealfile import forget_data_keys, load_env, load_secrets
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.model.paths import format_keypath
from sealfile.ops.seal import seal_text
from sealfile.stores.yaml.fastscan import fast_scan
from sealfile.stores.yaml.scan import parsed
from sealfile.stores.yaml.scan_check import CHECK_VARIABLE
from tests.support.fast_path import benchmark_corpus
from tests.support.parser_calls import parser_calls

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def _texts() -> dict[str, str]:
    """The benchmark's plaintext at several sizes and seeds, ended otherwise too (a comment after the last value,
    no final line break: the block is written before the one and without the other), and every file of the
    corpus the line scan reads."""
    texts = {}
    for values in (10, 100, 700):
        for seed in (8, 3):
            texts[f"benchmark {values} seed {seed}"] = benchmark_corpus(values, seed)
    texts["benchmark, a comment last"] = benchmark_corpus(50) + "# the end\n\n"
    texts["benchmark, no final line break"] = benchmark_corpus(50).rstrip("\n")
    for file in sorted(CORPUS.rglob("*")):
        if file.suffix in (".yaml", ".yml", ".cff") and file.is_file():
            text = file.read_bytes().decode("utf-8", "replace")
            if fast_scan(text, parsed) is not None:
                texts[str(file.relative_to(CORPUS))] = text
    return texts


TEXTS = _texts()


def _keypaths(text: str) -> tuple[list[str], list[str], list[str]]:
    """Key paths of sealed values to read and set (the first of each style, the last), of mappings or lists
    holding them, and of values the rules leave unencrypted written on one line (the first, the last)."""
    scanned = fast_scan(text, parsed)
    assert scanned is not None
    unencrypted = [any(str(segment).endswith("_unencrypted") for segment in leaf.path) for leaf in scanned.leaves]
    leaves = [leaf for leaf, plain in zip(scanned.leaves, unencrypted, strict=True)
              if type(leaf.value) is str and not plain]  # sealed: a plaintext value is not
    chosen = {leaf.style: leaf for leaf in reversed(leaves)}
    values = sorted({format_keypath(leaf.path) for leaf in [*chosen.values(), *leaves[-1:]]})
    parents = sorted({format_keypath(leaf.path[:-1]) for leaf in chosen.values() if len(leaf.path) > 1})
    plains = [leaf for leaf, plain in zip(scanned.leaves, unencrypted, strict=True)
              if plain and not isinstance(leaf.value, (dict, list)) and leaf.style not in ("|", ">")]
    return values[:3], parents[:2], sorted({format_keypath(leaf.path) for leaf in plains[:1] + plains[-1:]})


class Files:
    """The files one operation works on, each made afresh before a run."""

    def __init__(self, directory: Path, text: str, sealed: str, recipients: tuple[str, str]) -> None:
        self.directory, self.text, self.sealed, self.recipients = directory, text, sealed, recipients
        self.file, self.plain, self.out = directory / "s.yaml", directory / "p.yaml", directory / "o.yaml"
        self.values, self.parents, self.unencrypted = _keypaths(text)

    def fresh(self, config: bool = False) -> str:
        self.file.write_text(self.sealed)
        self.plain.write_text(self.text)
        self.out.unlink(missing_ok=True)
        rules = self.directory / ".sealfile.yaml"
        if config:  # a rule naming both recipients (the file has the first): updatekeys adds the second
            rules.write_text(f"creation_rules:\n  - path_regex: .*\\.yaml$\n    age: {','.join(self.recipients)}\n")
        else:
            rules.unlink(missing_ok=True)
        forget_data_keys()
        return str(self.file)


def _cli(*args: str) -> None:
    """One command line, in this process; a failure (any exit status but 0) raises, with its message."""
    from sealfile.cli import fast
    from sealfile.cli.app import main

    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = io.TextIOWrapper(io.BytesIO()), io.TextIOWrapper(io.BytesIO())
    status = None
    try:
        if not fast.run(list(args)):
            main(list(args))
    except SystemExit as done:
        status = done.code
    finally:
        err, (sys.stdout, sys.stderr) = sys.stderr, streams
    if status not in (0, None):
        err.flush()
        raise AssertionError(f"{' '.join(args[:2])} exited {status}: {err.buffer.getvalue().decode()[-300:]}")


def _each_value(run: Callable[[Files, str], None]) -> Callable[[Files], None]:
    def each(files: Files) -> None:
        for keypath in files.values:
            run(files, keypath)
    return each


def _settings(files: Files) -> None:
    from pydantic_settings import BaseSettings

    from sealfile.pydantic import SealedFileSettingsSource, SealedSettingsConfigDict

    class Settings(BaseSettings):
        model_config = SealedSettingsConfigDict(sealed_file=files.fresh(), extra="ignore")

    SealedFileSettingsSource(Settings)


OPERATIONS: dict[str, Callable[[Files], None]] = {
    "decrypt": lambda files: _cli("decrypt", files.fresh()),
    "decrypt in a repository with a .sealfile.yaml": lambda files: _cli("decrypt", files.fresh(config=True)),
    "decrypt --extract a value": _each_value(lambda files, keypath: _cli("decrypt", "--extract", keypath,
                                                                         files.fresh())),
    "decrypt --extract a mapping or list": lambda files: [_cli("decrypt", "--extract", keypath, files.fresh())
                                                           for keypath in files.parents],
    "decrypt --output-type json": lambda files: _cli("decrypt", "--output-type", "json", files.fresh()),
    "set an existing value": _each_value(lambda files, keypath: _cli("set", files.fresh(), keypath, "new-value")),
    "set an unencrypted value": lambda files: [_cli("set", files.fresh(), keypath, "new-value")
                                               for keypath in files.unencrypted],
    "set --type int": _each_value(lambda files, keypath: _cli("set", "--type", "int", files.fresh(), keypath, "42")),
    "set --rotate": _each_value(lambda files, keypath: _cli("set", "--rotate", files.fresh(), keypath, "v w")),
    "rotate": lambda files: _cli("rotate", files.fresh()),
    "status": lambda files: _cli("status", files.fresh()),
    "status --values --older-than": lambda files: _cli("status", "--values", "--older-than", "9d", files.fresh()),
    "verify": lambda files: _cli("verify", files.fresh()),
    "exec": lambda files: _cli("exec", "--prefix", "X_", files.fresh(), "--", "true"),
    "encrypt": lambda files: (files.fresh(), _cli("encrypt", "--age", files.recipients[0], "-o", str(files.out),
                                                  str(files.plain))),
    "encrypt by the creation rules": lambda files: (files.fresh(config=True), _cli("encrypt", "-o", str(files.out),
                                                                                   str(files.plain))),
    "updatekeys": lambda files: _cli("updatekeys", "-y", files.fresh(config=True)),
    "recipients add": lambda files: _cli("recipients", "add", "--age", files.recipients[1], files.fresh()),
    "load_secrets": lambda files: load_secrets(files.fresh()),
    "load_env": lambda files: load_env(files.fresh(), prefix="X_"),
    "pydantic settings": _settings,
}


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, both_implementations: str) -> Iterator[tuple[Path, str]]:
    """A directory to work in, and the recipient of the identity in the environment."""
    if both_implementations == "general":
        pytest.skip("the general implementation reads every text with ruamel's pure-Python parser")
    identity, recipient = generate_identity()
    monkeypatch.setenv("SEALFILE_AGE_KEY", identity)
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", "/nonexistent/sealfile-test-keys.txt")
    monkeypatch.delenv(CHECK_VARIABLE)  # the suite's check reads every text with ruamel too
    monkeypatch.setattr(os, "execve", lambda *args: sys.exit(0))  # exec: stop where the program would start
    monkeypatch.chdir(tmp_path)
    yield tmp_path, recipient
    forget_data_keys()


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_hot_operation_parses_no_text_the_line_scan_reads(operation: str, work: tuple[Path, str]) -> None:
    directory, recipient = work
    other = generate_identity()[1]
    found = {}
    for name, text in TEXTS.items():
        files = Files(directory, text, seal_text(text, [AgeKey(recipient)]), (recipient, other))
        with pytest.MonkeyPatch.context() as patch, parser_calls(patch) as calls:
            OPERATIONS[operation](files)
        if calls:
            found[name] = dict(calls)
    assert found == {}, json.dumps(found, indent=1)
    assert sum(name.startswith("real/") for name in TEXTS) > 30  # the corpus holds texts the line scan reads
    assert sum(bool(_keypaths(text)[2]) for text in TEXTS.values()) > 6  # and texts with unencrypted values
