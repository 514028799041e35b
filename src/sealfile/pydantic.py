"""Public import path of the pydantic-settings source: see :mod:`sealfile.integrations.pydantic`."""

from sealfile.integrations.pydantic import SealedFileSettingsSource, SealedSettingsConfigDict

__all__ = ["SealedFileSettingsSource", "SealedSettingsConfigDict"]
