"""What an application gets from a failed load holds no decrypted value: not in the message, and not in
what error reporters send with it: each frame's local variables (Sentry's default, ``capture_locals``)
and each chained exception. Warnings name the application's line that called sealfile."""

from __future__ import annotations

import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import sealfile
from tests.support.sealing import SealFile

pytest_plugins = ["tests.support.sealed_files"]

VALUES = ("user-7Q2ZC", "password-X9K4T", "host-A1B2C", "key-M3N8P")
PLAINTEXT = f"database:\n  user: {VALUES[0]}\n  password: {VALUES[1]}\nhosts: [{VALUES[2]}]\napi_key: {VALUES[3]}\n"
HUNDRED_DAYS_AGO = int(time.time()) - 100 * 86400


def _everything_reported(err: BaseException) -> str:
    """The text of ``err`` as a reporter that sends frames' variables and every chained exception sees it."""
    seen: list[BaseException] = []
    pending = [err]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.append(current)
        pending += [e for e in (current.__cause__, current.__context__, *getattr(current, "attempts", ())) if e]
    return "".join("".join(traceback.TracebackException.from_exception(e, capture_locals=True).format())
                   for e in seen)


def _failure(load: Callable[[], Any]) -> BaseException:
    try:
        load()
    except Exception as err:
        return err
    raise AssertionError("the load did not fail")


def _failures(seal_file: SealFile) -> dict[str, Callable[[], Any]]:
    path = seal_file(PLAINTEXT)
    old = seal_file(PLAINTEXT, name="old.enc.yaml", set_at=HUNDRED_DAYS_AGO)
    other = seal_file(PLAINTEXT.replace("X9K4T", "other"), name="b.enc.yaml")
    return {
        "no such key": lambda: sealfile.load_secrets(path, extract="database.nope"),
        "stale": lambda: sealfile.load_secrets(old, max_age="90d", on_stale="raise"),
        "stale warning made an error": lambda: sealfile.load_secrets(old, max_age="90d"),
        "env name": lambda: sealfile.load_secrets(path, env=True, env_prefix="9"),
        "env hook": lambda: sealfile.load_env(path, allow_env=(), prefix="LD_"),
        "no such key in several files": lambda: sealfile.load_secrets([path, other], extract="database.nope"),
        "override made an error": lambda: sealfile.load_env([path, other]),
    }


@pytest.mark.parametrize("case", ["no such key", "stale", "stale warning made an error", "env name", "env hook",
                                  "no such key in several files", "override made an error"])
def test_a_failed_load_carries_no_value_in_its_frames_or_chain(case: str, seal_file: SealFile) -> None:
    """The frames the error was raised through held the decrypted tree (``tree``, ``trees``, ``names``)."""
    load = _failures(seal_file)[case]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        err = _failure(load)
    assert isinstance(err, (sealfile.SealfileError, Warning)), err
    reported = _everything_reported(err)
    assert str(err) in reported
    assert [value for value in VALUES if value in reported] == []


def test_a_bug_keeps_where_it_happened_without_the_variables(seal_file: SealFile,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from sealfile.runtime import loader

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise TypeError("a bug")

    monkeypatch.setattr(loader, "export", broken)
    err = _failure(lambda: sealfile.load_secrets(seal_file(PLAINTEXT), env=True))
    assert type(err) is TypeError
    reported = _everything_reported(err)
    assert "raised inside sealfile at:" in reported and "in load_secrets" in reported and "in broken" in reported
    assert [value for value in VALUES if value in reported] == []


def test_ctrl_c_during_a_load_carries_no_value_in_its_frames(seal_file: SealFile,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A KeyboardInterrupt kept sealfile's frames, whose variables held the decrypted tree: what IPython, rich or
    a debugger shows of a Ctrl-C."""
    from sealfile.runtime import loader

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(loader, "export", interrupted)
    with pytest.raises(KeyboardInterrupt) as stopped:
        sealfile.load_secrets(seal_file(PLAINTEXT), env=True)
    reported = _everything_reported(stopped.value)
    assert "raised inside sealfile at:" in reported and "in interrupted" in reported
    assert [value for value in VALUES if value in reported] == []


def test_warnings_name_the_applications_line_for_one_file_and_several(seal_file: SealFile) -> None:
    """With several files, the age warning named a line of sealfile and the override warning the caller's caller."""
    old = seal_file(PLAINTEXT, name="old.enc.yaml", set_at=HUNDRED_DAYS_AGO)
    other = seal_file(PLAINTEXT.replace("X9K4T", "other"), name="b.enc.yaml", set_at=HUNDRED_DAYS_AGO)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        line = _line_after()
        sealfile.load_secrets(old, max_age="90d")
        sealfile.load_secrets([old, other], max_age="90d")
    assert [(w.category, w.filename, w.lineno) for w in record] == [
        (sealfile.SecretAgeWarning, __file__, line),
        (sealfile.SecretAgeWarning, __file__, line + 1),
        (sealfile.SecretAgeWarning, __file__, line + 1),
        (sealfile.OverriddenSecretWarning, __file__, line + 1),
    ]


def _line_after() -> int:
    """The line after the caller's."""
    frame = traceback.extract_stack(limit=2)[0]
    assert frame.lineno is not None
    return frame.lineno + 1


def test_the_pydantic_source_fails_without_values_in_its_frames(seal_file: SealFile, tmp_path: Path) -> None:
    from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

    from sealfile.pydantic import SealedFileSettingsSource, SealedSettingsConfigDict

    class Settings(BaseSettings):
        model_config = SealedSettingsConfigDict(sealed_file=seal_file(PLAINTEXT), sealed_file_section="api_key")

        @classmethod
        def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                       **sources: PydanticBaseSettingsSource) -> tuple[PydanticBaseSettingsSource]:
            return (SealedFileSettingsSource(settings_cls),)

    err = _failure(Settings)
    assert str(err).endswith("settings must come from a mapping, not a single value")
    assert [value for value in VALUES if value in _everything_reported(err)] == []
