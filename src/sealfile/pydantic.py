"""Public import path of the pydantic-settings source: see :mod:`sealfile.integrations.pydantic`."""

from sealfile.integrations.pydantic import SealedFileSettingsSource, SealedSettingsConfig, SealedSettingsConfigDict

__all__ = ["SealedFileSettingsSource", "SealedSettingsConfig", "SealedSettingsConfigDict"]
