"""A pydantic-settings source that fills a ``BaseSettings`` from a sealed file.

Install with ``pip install 'sealfile[pydantic]'``. Modelled on pydantic-settings' own
``YamlConfigSettingsSource``: the file is read once, when the source is built, and its tree
is handed to pydantic to validate, so ``SecretStr`` fields, nested models and aliases work as
they do for init arguments.

Unlike pydantic-settings' file sources, a missing, unreadable or tampered file is an error
(a :class:`sealfile.SealfileError` raised while the settings are built), never a silent
fall-back to other sources: a deployment that lost its secrets must not start on defaults.

Precedence is the order of ``settings_customise_sources``; an earlier source wins::

    class Settings(BaseSettings):
        model_config = SealedSettingsConfigDict(sealed_file="secrets.enc.yaml")
        database: Database
        api_key: SecretStr

        @classmethod
        def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                       dotenv_settings, file_secret_settings):
            # arguments, then environment variables (to override in one deployment), then the file
            return init_settings, env_settings, SealedFileSettingsSource(settings_cls)

Put ``SealedFileSettingsSource`` first to make the sealed file win over the environment.

pydantic's validation errors quote the input that failed (``input_value='hunter2'``), and a key of
the file that no field takes fails with its value: the settings class must hide inputs in errors
(``hide_input_in_errors=True``, which :func:`SealedSettingsConfigDict` sets), or the source refuses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sealfile.errors import ConfigError, ProviderUnavailable, raises_detached, warn_caller
from sealfile.model.paths import format_keypath
from sealfile.runtime.loader import Files, file_names, load_secrets
from sealfile.runtime.merge import OverriddenSecretWarning, merge_trees

try:
    from pydantic_settings import InitSettingsSource, SettingsConfigDict
    from typing_extensions import Unpack
except ImportError:  # pragma: no cover - exercised only without the extra
    raise ProviderUnavailable(
        "pydantic-settings is not installed; run `pip install 'sealfile[pydantic]'`"
    ) from None

if TYPE_CHECKING:
    import datetime as dt

    from pydantic_settings import BaseSettings

    from sealfile.ops.signatures import AllowedSignersSource
    from sealfile.runtime.freshness import OnStale



class SealedSettingsConfig(SettingsConfigDict, total=False):
    """``model_config`` keys the source reads when its arguments are not given."""

    sealed_file: Files | None
    sealed_file_section: str | None
    sealed_file_allowed_signers: AllowedSignersSource
    """Who may seal the files, as ``load_secrets(allowed_signers=...)`` takes it (an ``allowed_signers`` file)."""
    sealed_file_max_age: dt.timedelta | str | None
    sealed_file_on_stale: OnStale


def SealedSettingsConfigDict(**config: Unpack[SealedSettingsConfig]) -> SealedSettingsConfig:
    """``model_config`` for settings read from sealed files: pydantic-settings' ``SettingsConfigDict``
    with ``sealed_file``/``sealed_file_section``, and inputs hidden in validation errors unless said otherwise.
    A function spelled as the class it extends: a ``TypedDict`` cannot give a key a default."""
    return SealedSettingsConfig(**{"hide_input_in_errors": True, **config})


class SealedFileSettingsSource(InitSettingsSource):
    """Settings values from one or more sealed files, merged as ``load_secrets`` merges them: a later
    file's value replaces an earlier one's, mappings merge key by key, and each replaced value is
    reported with :class:`sealfile.OverriddenSecretWarning`."""

    @raises_detached
    def __init__(
        self,
        settings_cls: type[BaseSettings],
        sealed_file: Files | None = None,
        section: str | None = None,
        *,
        allowed_signers: AllowedSignersSource = None,
        max_age: dt.timedelta | str | None = None,
        on_stale: OnStale | None = None,
    ) -> None:
        config: dict[str, Any] = dict(settings_cls.model_config)
        files = sealed_file if sealed_file is not None else config.get("sealed_file")
        self.section: str | None = section if section is not None else config.get("sealed_file_section")
        self._checks: dict[str, Any] = {  # as load_secrets checks each file: signers first, then value ages
            "allowed_signers": allowed_signers if allowed_signers is not None
            else config.get("sealed_file_allowed_signers"),
            "max_age": max_age if max_age is not None else config.get("sealed_file_max_age"),
            "on_stale": on_stale or config.get("sealed_file_on_stale") or "warn"}
        if not files:
            raise ConfigError(f"{settings_cls.__name__}: no sealed file given (sealed_file=... or model_config)")
        if config.get("hide_input_in_errors") is not True:
            raise ConfigError(f"{settings_cls.__name__}: model_config must set hide_input_in_errors=True "
                              "(SealedSettingsConfigDict does): pydantic's validation errors would show the "
                              "sealed values")
        names = file_names(files)  # as load_secrets takes them: one name (str, bytes, a Path) or an iterable
        self.sealed_files: list[str] = [names] if isinstance(names, str) else names
        data, overrides = merge_trees([(path, self._read(path)) for path in self.sealed_files])
        for override in overrides:  # as load_secrets reports them: the key path and both files, never a value
            warn_caller(str(override), OverriddenSecretWarning)
        super().__init__(settings_cls, data)

    def _read(self, path: str) -> dict[str, Any]:
        tree = load_secrets(path, extract=self.section, redacted=False,  # errors name the file and the section
                            **self._checks)
        if not isinstance(tree, dict):
            raise ConfigError("settings must come from a mapping, not a single value", file=path,
                              keypath=self.section)
        for key in tree:  # pydantic-settings matches names as text: another key would crash it
            if not isinstance(key, str):
                kind = "a boolean" if isinstance(key, bool) else "an integer"
                raise ConfigError(f"a settings name is not a string: this key is {kind} (quote it)", file=path,
                                  keypath=f"{self.section or ''}{format_keypath((key,))}")
        return tree

    def __repr__(self) -> str:
        # InitSettingsSource's repr shows its values; this one names the files only.
        return f"{type(self).__name__}(sealed_files={self.sealed_files!r})"


__all__ = ["SealedFileSettingsSource", "SealedSettingsConfig", "SealedSettingsConfigDict"]
