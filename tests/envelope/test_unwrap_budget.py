"""Loading many files sealed under one data key costs one KMS (here: age) unwrap per process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sealfile import forget_data_keys, load_secrets
from sealfile.kms.age import AgeKey
from sealfile.ops.read import decrypt_text, verify_text
from sealfile.ops.seal import seal_text
from tests.support.fast_path import age_key, seal

__all__ = ["age_key"]


@pytest.fixture
def unwraps(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every call that reaches the provider (after the data-key cache), recorded."""
    calls: list[str] = []
    original: Callable[[AgeKey, str], bytes] = AgeKey._unwrap

    def counting(self: AgeKey, wrapped: str) -> bytes:
        calls.append(self.key_id)
        return original(self, wrapped)

    monkeypatch.setattr(AgeKey, "_unwrap", counting)
    return calls


def _files(tmp_path: Path, key: AgeKey, count: int, *, shared: bool) -> list[Path]:
    first = seal("app:\n  password: p0\n", key)
    paths = []
    for index in range(count):
        text = f"app:\n  password: p{index}\n  extra: {index}\n"
        sealed = seal_text(text, [key], previous=first) if shared else seal(text, key)
        path = tmp_path / f"s{index}.yaml"
        path.write_text(sealed)
        paths.append(path)
    return paths


def test_files_sharing_a_data_key_unwrap_once(tmp_path: Path, age_key: AgeKey, unwraps: list[str]) -> None:
    paths = _files(tmp_path, age_key, 8, shared=True)
    forget_data_keys()
    unwraps.clear()
    loaded = [load_secrets(path) for path in paths]
    for path in paths:
        verify_text(path.read_text())
        decrypt_text(path.read_text())
    assert [d["app"]["password"] for d in loaded] == [f"p{i}" for i in range(8)]
    assert len(unwraps) == 1


def test_files_with_their_own_data_keys_unwrap_once_each(tmp_path: Path, age_key: AgeKey,
                                                         unwraps: list[str]) -> None:
    paths = _files(tmp_path, age_key, 3, shared=False)
    forget_data_keys()
    unwraps.clear()
    for path in paths * 2:
        load_secrets(path)
    assert len(unwraps) == 3
