"""An age identity in the environment and helpers to seal text with it (fast-path tests)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sealfile import forget_data_keys
from sealfile.envelope.core import split_metadata, unseal
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.ops.seal import seal_text
from sealfile.stores.yaml import roundtrip as yaml_store

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


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


def roundtrip_decrypt(sealed: str) -> str:
    """``decrypt`` as the round-trip emitter writes it (the general path the fast one must match)."""
    document = yaml_store.load_roundtrip(sealed)
    meta = split_metadata(document)
    unseal(document, meta, styler=yaml_store.styled)
    return yaml_store.dump_roundtrip(document, yaml_store.guess_layout(sealed))


def benchmark_corpus(values: int) -> str:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        corpus = importlib.import_module("corpus")
    finally:
        sys.path.remove(str(BENCHMARKS))
    text: str = corpus.plaintext(values)
    return text
