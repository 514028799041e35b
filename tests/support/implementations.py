"""Every verb through both implementations of the sealed-document model (the fast one and the general one).

Import :func:`both_implementations` into a directory's conftest: each test there runs twice, once
with ``SEALFILE_FAST_PATH=0`` (subprocesses inherit it), so the two can never drift apart.
"""

from __future__ import annotations

import pytest

from sealfile.ops.reader import FAST_PATH_ENV


@pytest.fixture(autouse=True, params=["fast", "general"])
def both_implementations(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    implementation: str = request.param
    if implementation == "general":
        monkeypatch.setenv(FAST_PATH_ENV, "0")
    else:
        monkeypatch.delenv(FAST_PATH_ENV, raising=False)
    return implementation
