"""The version 1 sealed file of the corpus (written by sealfile 0.1's own code) and the identity it opens with."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

V1 = Path(__file__).resolve().parents[1] / "corpus" / "v1"


@pytest.fixture
def v1_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """The identity the version 1 fixture was sealed for, as the age key file sealfile reads."""
    key = tmp_path / "keys.txt"
    key.write_text((V1 / "age-key.txt").read_text())
    key.chmod(0o600)
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(key))
    yield key
