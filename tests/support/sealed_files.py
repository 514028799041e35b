"""Fixtures that make real sealed files for application-facing tests.

Use them with ``pytest_plugins = ["tests.support.sealed_files"]`` in a test module.
Each test gets its own age identity in a 0600 file named by ``SEALFILE_AGE_KEY_FILE`` and a
clean data-key cache, so nothing leaks between tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sealfile.envelope.datakey import forget_data_keys
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.ops.seal import seal_text
from tests.support.sealing import SealFile, seal_with_clock


@pytest.fixture
def age_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AgeKey]:
    identity, recipient = generate_identity()
    key_file = tmp_path / "age-keys.txt"
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(identity + "\n")
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(key_file))
    monkeypatch.delenv("SEALFILE_AGE_KEY", raising=False)
    forget_data_keys()
    yield AgeKey(recipient)
    forget_data_keys()


@pytest.fixture
def seal_file(age_key: AgeKey, tmp_path: Path) -> SealFile:
    """``seal_file(plaintext, name="secrets.enc.yaml", set_at=None) -> path`` of a sealed file."""

    def make(plaintext: str, name: str = "secrets.enc.yaml", set_at: int | None = None) -> Path:
        sealed = seal_text(plaintext, [age_key]) if set_at is None else seal_with_clock(plaintext, age_key, set_at)
        path = tmp_path / name
        path.write_text(sealed, encoding="utf-8")
        return path

    return make
