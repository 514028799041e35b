"""The ``sealfile`` command: click commands only; the work happens in the library."""

from sealfile.cli.app import main

__all__ = ["main"]
