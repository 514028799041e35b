"""An age identity in the environment and helpers to seal text with it (fast-path tests)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sealfile import forget_data_keys
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.ops.seal import seal_text
from sealfile.ops.spliced import SplicedOpen, SplicedSealed
from sealfile.stores import get_store
from sealfile.stores.yaml.basics import Engine

YAML = get_store("yaml")

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture
def age_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[AgeKey]:
    identity, recipient = generate_identity()
    monkeypatch.setenv("SEALFILE_AGE_KEY", identity)
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", "/nonexistent/sealfile-test-keys.txt")
    forget_data_keys()
    yield AgeKey(recipient)
    forget_data_keys()


def seal(plaintext: str, key: AgeKey) -> str:
    return seal_text(plaintext, [key])


def engine_open(sealed: str, engine: Engine) -> SplicedOpen:
    return SplicedSealed(sealed, YAML, engine).open()


def general_decrypt(sealed: str) -> str:
    """``decrypt`` through the reference engine (the pure-Python parser, one token at a time)."""
    return engine_open(sealed, "pure").plaintext()


def spliced_decrypt(sealed: str) -> str:
    """``decrypt`` through the fast engine (the C parser, bulk decryption)."""
    return engine_open(sealed, "c").plaintext()


def spliced_set(sealed: str, keypath: str, value: Any) -> str:
    """A ``set`` through the fast engine."""
    document = engine_open(sealed, "c")
    document.set(keypath, value)
    return document.dump()


def benchmark_corpus(values: int, seed: int = 8) -> str:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        corpus = importlib.import_module("corpus")
    finally:
        sys.path.remove(str(BENCHMARKS))
    text: str = corpus.plaintext(values, seed)
    return text
