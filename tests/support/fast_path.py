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
from sealfile.kms.base import MasterKey
from sealfile.model.rules import EncryptionRules
from sealfile.ops.seal import seal_text, seal_tree
from sealfile.ops.spliced import SplicedOpen, scan_sealed
from sealfile.ops.tree import TreeSealed, dump_with_metadata
from sealfile.stores import get_store

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


def general_decrypt(sealed: str) -> str:
    """``decrypt`` as the general implementation writes it (what the fast one must match)."""
    return TreeSealed(sealed, YAML).open().plaintext()


def fast_open(sealed: str) -> SplicedOpen:
    document = scan_sealed(sealed, YAML)
    assert document is not None, "the scan left this file to the general path"
    return document.open()


def spliced_decrypt(sealed: str) -> str | None:
    """The fast implementation's spliced plaintext, ``None`` where it would hand over."""
    return fast_open(sealed).spliced_plaintext()


def spliced_set(sealed: str, keypath: str, value: Any) -> str | None:
    """A ``set`` through the fast implementation; ``None`` if it had to hand over to the general one."""
    document = fast_open(sealed)
    document.set(keypath, value)
    return None if document.handed_over else document.dump()


def seal_document(document: Any, keys: list[MasterKey], rules: EncryptionRules | None = None) -> str:
    """A round-trip YAML tree built in a test, sealed and written as the general path writes it."""
    meta = seal_tree(document, YAML, keys, rules)
    return dump_with_metadata(document, meta, YAML, like=None)


def benchmark_corpus(values: int) -> str:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        corpus = importlib.import_module("corpus")
    finally:
        sys.path.remove(str(BENCHMARKS))
    text: str = corpus.plaintext(values)
    return text
