from __future__ import annotations

import os

import pytest

import sealfile
from sealfile.errors import IntegrityError
from tests.support.sealing import SealFile, tamper

pytest_plugins = ["tests.support.sealed_files"]

PLAINTEXT = """\
database:
  password: s3cret-value
  port: 5432
feature_on: true
"""
NAMES = ("DATABASE_PASSWORD", "DATABASE_PORT", "FEATURE_ON", "APP_DATABASE_PASSWORD")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)


def test_load_env_sets_flattened_names(seal_file: SealFile, monkeypatch: pytest.MonkeyPatch) -> None:
    names = sealfile.load_env(seal_file(PLAINTEXT))
    assert os.environ["DATABASE_PASSWORD"] == "s3cret-value"
    assert os.environ["DATABASE_PORT"] == "5432" and os.environ["FEATURE_ON"] == "true"
    assert dict(names) == {"DATABASE_PASSWORD": "s3cret-value", "DATABASE_PORT": "5432", "FEATURE_ON": "true"}
    assert "s3cret" not in repr(names)


def test_existing_variables_win_unless_override(seal_file: SealFile, monkeypatch: pytest.MonkeyPatch) -> None:
    path = seal_file(PLAINTEXT)
    monkeypatch.setenv("DATABASE_PORT", "6000")
    sealfile.load_env(path)
    assert os.environ["DATABASE_PORT"] == "6000"
    sealfile.load_env(path, override=True)
    assert os.environ["DATABASE_PORT"] == "5432"


def test_the_mapping_returned_is_what_the_environment_now_holds(seal_file: SealFile,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A variable the deployment set is kept, and the mapping says so: an application reading its settings from
    the returned mapping runs with what ``os.environ`` holds (it returned the file's 5432 while 6000 was in use)."""
    path = seal_file(PLAINTEXT)
    monkeypatch.setenv("DATABASE_PORT", "6000")
    names = sealfile.load_env(path)
    assert dict(names) == {"DATABASE_PASSWORD": "s3cret-value", "DATABASE_PORT": "6000", "FEATURE_ON": "true"}
    assert all(os.environ[name] == value for name, value in names.items())
    assert dict(sealfile.load_env(path, override=True))["DATABASE_PORT"] == "5432" == os.environ["DATABASE_PORT"]


def test_prefix(seal_file: SealFile) -> None:
    sealfile.load_env(seal_file(PLAINTEXT), prefix="APP_")
    assert os.environ["APP_DATABASE_PASSWORD"] == "s3cret-value"
    assert "DATABASE_PASSWORD" not in os.environ


def test_load_secrets_env_true(seal_file: SealFile, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_PORT", "6000")
    secrets = sealfile.load_secrets(seal_file(PLAINTEXT), env=True)
    assert secrets["database"]["port"] == 5432
    assert os.environ["DATABASE_PASSWORD"] == "s3cret-value" and os.environ["DATABASE_PORT"] == "6000"


def test_a_tampered_file_sets_nothing(seal_file: SealFile) -> None:
    path = seal_file(PLAINTEXT)
    tamper(path)
    with pytest.raises(IntegrityError):
        sealfile.load_env(path)
    assert not any(name in os.environ for name in NAMES)
