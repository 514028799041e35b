"""How much one ``review`` reads of sealed files. Each is bounded (``SEALFILE_MAX_FILE_MB``), and so is their
sum: a change is written by whoever pushes it, and fifty hostile files at the bound kept a review busy for
minutes (each megabyte of a sealed file costs the review up to a second). Past the budget a file is a
violation, "not reviewed", so the review fails instead of passing what it did not read.
"""

from __future__ import annotations

from sealfile.errors import FormatError
from sealfile.files.settings import positive_setting

REVIEW_MAX_MB_ENV = "SEALFILE_REVIEW_MAX_MB"
DEFAULT_REVIEW_MAX_MB = 128.0
"""Both sides of about 6,000 ordinary 10 KiB files: a rotation of every file of a large repository."""


class ReadBudget:
    """The characters of sealed files one review may still read (``SEALFILE_REVIEW_MAX_MB``)."""

    def __init__(self) -> None:
        self._megabytes = positive_setting(REVIEW_MAX_MB_ENV, DEFAULT_REVIEW_MAX_MB, unit="megabytes", kind=float)
        self._left = int(self._megabytes * 1024 * 1024)

    def charge(self, *texts: str | None) -> None:
        """Count a file's versions against the budget; :class:`FormatError` (nothing counted) past it."""
        size = sum(len(text) for text in texts if text is not None)
        if size > self._left:
            raise FormatError(f"not reviewed: the sealed files of this change are more than "
                              f"{self._megabytes:g} MiB in all, more than one review reads (review "
                              f"the change in parts, or raise {REVIEW_MAX_MB_ENV})")
        self._left -= size
