"""This process's environment put back after each test of a module that imports the fixture."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def restored_environment() -> Iterator[None]:
    """Tests that set LD_PRELOAD, PATH... in this process on purpose: everything is put back."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)
