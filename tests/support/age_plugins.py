"""A test-only age plugin (``age-plugin-fake``, deliberately insecure) on PATH: no hardware plugin
can be installed here, and pyrage runs any plugin the same way."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import bech32

PLUGIN_BIN = Path(__file__).parent / "age_plugin_bin"


@dataclass(frozen=True)
class FakePluginKey:
    recipient: str
    """``age1fake1...``"""
    identity: str
    """``AGE-PLUGIN-FAKE-1...``"""


def new_plugin_key() -> FakePluginKey:
    secret = os.urandom(16)
    return FakePluginKey(bech32.encode("age1fake", secret), bech32.encode("age-plugin-fake-", secret).upper())


@pytest.fixture
def fake_plugin(monkeypatch: pytest.MonkeyPatch) -> FakePluginKey:
    """``age-plugin-fake`` on PATH (for subprocesses too), and a key for it."""
    monkeypatch.setenv("PATH", f"{PLUGIN_BIN}{os.pathsep}{os.environ['PATH']}")
    return new_plugin_key()
