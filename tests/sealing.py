"""Helpers for tests that need sealed files (the fixtures are in ``tests/sealed_files.py``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sealfile.kms.age import AgeKey
from sealfile.ops import seal

SealFile = Callable[..., Path]
"""``seal_file(plaintext, name="secrets.enc.yaml", set_at=None) -> path`` (the fixture)."""


def seal_with_clock(plaintext: str, key: AgeKey, set_at: int) -> str:
    """Like ``seal.seal_text`` but every value records ``set_at`` as when it was set."""
    return seal.seal_text(plaintext, [key], clock=lambda: set_at)


def tamper(path: Path) -> None:
    """Swap two sealed values of a file: every token still decrypts, but the file is forged."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    sealed = [i for i, line in enumerate(lines) if "ENC[" in line]
    first, second = sealed[0], sealed[1]
    head_a, _, token_a = lines[first].partition("ENC[")
    head_b, _, token_b = lines[second].partition("ENC[")
    lines[first], lines[second] = head_a + "ENC[" + token_b, head_b + "ENC[" + token_a
    path.write_text("".join(lines), encoding="utf-8")
