from __future__ import annotations

import time
from pathlib import Path

import pytest
from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from sealfile.errors import ConfigError, IntegrityError, SealfileError
from sealfile.pydantic import SealedFileSettingsSource, SealedSettingsConfigDict
from tests.support.sealing import SealFile, tamper
from tests.support.ssh import SshKeys, write_allowed_signers

pytest_plugins = ["tests.support.sealed_files"]

PLAINTEXT = """\
app:
  database:
    host: db.internal
    password: db-password-123
    port: 5432
  api_key: sk-live-abcdef
  debug: false
"""


class Database(BaseModel):
    host: str
    password: SecretStr
    port: int = 5432


def settings_class(path: Path | None, *, env_first: bool = True, section: str | None = "app") -> type[BaseSettings]:
    class Settings(BaseSettings):
        model_config = SealedSettingsConfigDict(
            sealed_file=path, sealed_file_section=section, env_prefix="MYAPP_", env_nested_delimiter="__"
        )
        database: Database
        api_key: SecretStr
        debug: bool = True

        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            sealed = SealedFileSettingsSource(settings_cls)
            return (init_settings, env_settings, sealed) if env_first else (init_settings, sealed, env_settings)

    return Settings


def test_secretstr_and_nested_fields_are_filled(seal_file: SealFile) -> None:
    settings = settings_class(seal_file(PLAINTEXT))()
    assert settings.api_key.get_secret_value() == "sk-live-abcdef"
    database = settings.database
    assert isinstance(database.password, SecretStr)
    assert database.password.get_secret_value() == "db-password-123"
    assert (database.host, database.port, settings.debug) == ("db.internal", 5432, False)
    assert "db-password-123" not in repr(settings) and "sk-live" not in repr(settings)


def test_environment_wins_when_listed_first(seal_file: SealFile, monkeypatch: pytest.MonkeyPatch) -> None:
    path = seal_file(PLAINTEXT)
    monkeypatch.setenv("MYAPP_DATABASE__HOST", "override.internal")
    assert settings_class(path)().database.host == "override.internal"
    assert settings_class(path, env_first=False)().database.host == "db.internal"


def test_a_tampered_file_is_an_error(seal_file: SealFile) -> None:
    path = seal_file(PLAINTEXT)
    tamper(path)
    with pytest.raises(IntegrityError):
        settings_class(path)()


def test_a_missing_file_is_an_error_not_a_fallback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYAPP_API_KEY", "from-env")
    monkeypatch.setenv("MYAPP_DATABASE__HOST", "h")
    monkeypatch.setenv("MYAPP_DATABASE__PASSWORD", "p")
    with pytest.raises(SealfileError, match="no such file"):
        settings_class(tmp_path / "absent.enc.yaml")()


def test_no_file_configured_is_an_error() -> None:
    with pytest.raises(ConfigError, match="no sealed file"):
        settings_class(None)()


def test_a_missing_section_names_the_file_and_the_section(seal_file: SealFile) -> None:
    base = seal_file(PLAINTEXT)
    other = seal_file("service:\n  api_key: other-key\n", name="other.enc.yaml")
    with pytest.raises(SealfileError) as caught:
        SealedFileSettingsSource(settings_class(base), sealed_file=[base, other])
    assert str(caught.value) == f"{other}: app: no such key"
    with pytest.raises(ConfigError) as single:
        SealedFileSettingsSource(settings_class(base, section="app.api_key"))
    assert str(single.value) == f"{base}: app.api_key: settings must come from a mapping, not a single value"


def test_files_are_named_as_load_secrets_takes_them(seal_file: SealFile) -> None:
    path = seal_file(PLAINTEXT)
    for spelled in (bytes(path), [bytes(path)], (p for p in [path])):
        assert SealedFileSettingsSource(settings_class(path), sealed_file=spelled)()["api_key"] == "sk-live-abcdef"
    with pytest.raises(TypeError, match="expected a file name"):
        SealedFileSettingsSource(settings_class(path), sealed_file=5)  # type: ignore[arg-type]


def test_source_repr_names_the_file_not_the_values(seal_file: SealFile) -> None:
    path = seal_file(PLAINTEXT)
    source = SealedFileSettingsSource(settings_class(path), sealed_file=path)
    assert str(path) in repr(source) and "db-password" not in repr(source)
    assert source()["database"]["password"] == "db-password-123"


def test_later_files_override_earlier_ones(seal_file: SealFile) -> None:
    base = seal_file(PLAINTEXT)
    extra = seal_file("app:\n  database:\n    host: replica.internal\n", name="override.enc.yaml")
    with pytest.warns(UserWarning, match="database.host: set in"):
        source = SealedFileSettingsSource(settings_class(base), sealed_file=[base, extra])
    data = source()
    assert data["database"]["host"] == "replica.internal" and data["database"]["password"] == "db-password-123"


def test_each_overridden_value_is_reported_as_load_secrets_reports_it(seal_file: SealFile) -> None:
    """The source merged files with a merge of its own, which replaced values silently."""
    from sealfile import OverriddenSecretWarning, load_secrets

    base = seal_file(PLAINTEXT)
    extra = seal_file("app:\n  database:\n    host: replica.internal\n    port: 5432\n", name="override.enc.yaml")
    with pytest.warns(OverriddenSecretWarning) as caught:
        data = SealedFileSettingsSource(settings_class(base), sealed_file=[base, extra])()
    assert [str(w.message) for w in caught] == [
        f"database.host: set in {base} and in {extra}; the value from {extra} is used"]
    assert "db.internal" not in str(caught[0].message) and "replica" not in str(caught[0].message)
    with pytest.warns(OverriddenSecretWarning):
        assert data == load_secrets([base, extra], extract="app", redacted=False)


def _raised_by(settings: type[BaseSettings]) -> BaseException:
    try:
        settings()
    except Exception as err:
        return err
    raise AssertionError("no error")


def _sealed_only(config: dict[str, object]) -> type[BaseSettings]:
    """Settings read from the sealed file alone, whose ``database`` no value of the file fits."""

    class Strict(BaseSettings):
        model_config = config  # type: ignore[assignment]
        database: dict[str, int]  # host and password are not numbers

        @classmethod
        def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                       **sources: PydanticBaseSettingsSource) -> tuple[PydanticBaseSettingsSource]:
            return (SealedFileSettingsSource(settings_cls),)

    return Strict


def test_a_validation_error_shows_no_sealed_value(seal_file: SealFile) -> None:
    """pydantic quotes the input that failed: a value of the wrong type, and the value of a key no field
    takes (``input_value='sk-live-abcdef'``), in the error an application logs or a crash reporter sends."""
    error = _raised_by(_sealed_only(SealedSettingsConfigDict(sealed_file=seal_file(PLAINTEXT),
                                                             sealed_file_section="app")))
    text = f"{error}{error!r}"
    assert "database.host" in text and "api_key" in text and "Extra inputs are not permitted" in text
    assert "db.internal" not in text and "db-password" not in text and "sk-live" not in text


def test_a_settings_class_that_would_show_values_in_its_errors_is_refused(seal_file: SealFile) -> None:
    from pydantic_settings import SettingsConfigDict

    path = seal_file(PLAINTEXT)
    plain = SettingsConfigDict(sealed_file=path, sealed_file_section="app")  # type: ignore[typeddict-unknown-key]
    shows = SealedSettingsConfigDict(sealed_file=path, sealed_file_section="app", hide_input_in_errors=False)
    for config in (plain, shows):
        error = _raised_by(_sealed_only(dict(config)))
        assert type(error) is ConfigError
        assert str(error) == ("Strict: model_config must set hide_input_in_errors=True (SealedSettingsConfigDict "
                              "does): pydantic's validation errors would show the sealed values")


def test_the_source_pins_signers_and_checks_ages_as_load_secrets_does(
        seal_file: SealFile, tmp_path: Path) -> None:
    """An application on pydantic-settings could pin its trusted signers only through the environment, and could
    not ask for fresh values at all: the source took no ``allowed_signers`` or ``max_age``."""
    from sealfile.runtime.freshness import StaleSecretError

    path = seal_file(PLAINTEXT)  # unsigned
    allowed = write_allowed_signers(tmp_path, SshKeys(tmp_path).get())
    config = SealedSettingsConfigDict(sealed_file=path, sealed_file_section="app",
                                      sealed_file_allowed_signers=allowed)
    assert f"unsigned, but only a signer in {allowed} may seal it" in str(_raised_by(_sealed_only(config)))
    old = seal_file(PLAINTEXT, set_at=int(time.time()) - 100 * 86400)
    config = SealedSettingsConfigDict(sealed_file=old, sealed_file_section="app", sealed_file_max_age="90d",
                                      sealed_file_on_stale="raise")
    error = _raised_by(_sealed_only(config))
    assert isinstance(error, StaleSecretError) and "app.database.password" in str(error), error

    class Settings(BaseSettings):
        model_config = SealedSettingsConfigDict(sealed_file=old, sealed_file_section="app")
        database: Database
        api_key: SecretStr
        debug: bool = True

        @classmethod
        def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                       **sources: PydanticBaseSettingsSource) -> tuple[PydanticBaseSettingsSource]:
            return (SealedFileSettingsSource(settings_cls, max_age="90d", on_stale="raise"),)

    assert isinstance(_raised_by(Settings), StaleSecretError)  # arguments, as sealed_file= is one


@pytest.mark.parametrize(("plaintext", "section", "keypath"), [
    ("1: 0\n", None, "[1]"),
    ("true: x\n", None, "[true]"),
    ("false: x\nb: 1\n", None, "[false]"),
    ("app:\n  a: 1\n  7: x\n", "app", "app[7]"),
])
def test_a_name_that_is_not_a_string_is_refused_naming_it(seal_file: SealFile, plaintext: str,
                                                         section: str | None, keypath: str) -> None:
    """A settings name is a string: a YAML key read as an integer or a boolean crashed pydantic-settings
    (``'int' object has no attribute 'lower'``) instead of a sealfile error naming the key."""
    from pydantic_settings import BaseSettings

    class Settings(BaseSettings):
        model_config = SealedSettingsConfigDict(sealed_file=seal_file(plaintext), sealed_file_section=section)

    with pytest.raises(ConfigError) as caught:
        SealedFileSettingsSource(Settings)
    assert caught.value.keypath == keypath
    assert "\n" not in str(caught.value) and "not a string" in str(caught.value)
