"""Typed settings from a sealed file with pydantic-settings (``pip install 'sealfile[pydantic]'``).

Run:  python settings.py secrets.enc.yaml
      REPORTS_DATABASE__HOST=replica.internal python settings.py secrets.enc.yaml   # env overrides

Precedence (first wins): constructor arguments, then ``REPORTS_*`` environment variables,
then the sealed file. A missing or tampered file stops the program: there is no fall-back.
"""

from __future__ import annotations

import sys

from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from sealfile.pydantic import SealedFileSettingsSource, SealedSettingsConfigDict


class Database(BaseModel):
    host: str
    user: str
    password: SecretStr


class Smtp(BaseModel):
    host: str
    password: SecretStr


class Settings(BaseSettings):
    model_config = SealedSettingsConfigDict(
        sealed_file="secrets.enc.yaml", env_prefix="REPORTS_", env_nested_delimiter="__"
    )

    database: Database
    smtp: Smtp
    log_level: str = "WARNING"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, SealedFileSettingsSource(settings_cls)


def load(path: str) -> Settings:
    """Settings from ``path`` (overriding ``model_config``'s default file name)."""

    class FromPath(Settings):
        model_config = SealedSettingsConfigDict(sealed_file=path)

    return FromPath()


def main(path: str) -> None:
    settings = load(path)
    print(settings)  # SecretStr fields print as '**********'
    db = settings.database
    print(f"database: {db.user}@{db.host}, password of {len(db.password.get_secret_value())} characters")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "secrets.enc.yaml")
