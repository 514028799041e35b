from __future__ import annotations

import datetime as dt
import time
import warnings

import pytest

import sealfile
from sealfile.errors import ConfigError
from sealfile.runtime.freshness import SecretAgeWarning, StaleSecretError, parse_age, stale_paths
from tests.support.sealing import SealFile

pytest_plugins = ["tests.support.sealed_files"]

PLAINTEXT = "database:\n  password: old-password\napi_key: old-key-value\n"
HUNDRED_DAYS_AGO = int(time.time()) - 100 * 86400


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("5m", 300), ("2h", 7200), ("90d", 90 * 86400),
                                               ("2w", 14 * 86400), (" 7 d ", 7 * 86400)])
def test_parse_age(text: str, seconds: int) -> None:
    assert parse_age(text) == dt.timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["90", "d", "1y", "-3d", "1.5d", "", "1000000000d", "99999999999999999999w",
                                  "9" * 5000 + "s"])
def test_parse_age_refuses_nonsense(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_age(text)


def test_stale_paths_oldest_first() -> None:
    now = 1_000_000
    set_at = {"a": now - 10, "b": now - 1000, "c": now - 500}
    assert stale_paths(set_at, "100s", now=now) == ["b", "c"]


def test_old_values_warn_with_their_paths(seal_file: SealFile) -> None:
    path = seal_file(PLAINTEXT, set_at=HUNDRED_DAYS_AGO)
    with pytest.warns(SecretAgeWarning) as record:
        secrets = sealfile.load_secrets(path, max_age="90d")
    assert secrets["api_key"] == "old-key-value"
    message = str(record[0].message)
    assert "database.password" in message and "api_key" in message and "old-" not in message
    assert record[0].filename == __file__  # points at the caller, not at sealfile


def test_old_values_raise_when_asked(seal_file: SealFile) -> None:
    path = seal_file(PLAINTEXT, set_at=HUNDRED_DAYS_AGO)
    with pytest.raises(StaleSecretError) as info:
        sealfile.load_secrets(path, max_age=dt.timedelta(days=90), on_stale="raise")
    assert str(path) in str(info.value) and "old-" not in str(info.value)


def test_fresh_values_pass_silently(seal_file: SealFile) -> None:
    path = seal_file(PLAINTEXT)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sealfile.load_secrets(path, max_age="90d", on_stale="raise")
        sealfile.load_env(path, max_age="1h")


def test_exported_names() -> None:
    assert sealfile.SecretAgeWarning is SecretAgeWarning and sealfile.StaleSecretError is StaleSecretError
