"""Keep key material out of the debug records of the SDKs the cloud providers call.

An application that turns logging to DEBUG (or sets ``GOOGLE_SDK_PYTHON_LOGGING_SCOPE``) receives
every SDK's debug records. botocore puts whole request and response bodies in a record's text; the
Google clients put them in fields a structured formatter prints (``httpRequest``, ``httpResponse``:
Google's own formatter and Cloud Logging's handler do). A wrap request and an unwrap answer hold the
data key, an ``AssumeRole`` answer credentials. Such a record keeps its logger and level, but its
text and every field ``extra=`` gave it become a note: nobody needs those bodies logged by us.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

STANDARD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
"""Every attribute a LogRecord has before ``extra=`` adds its own."""
NOTE = "[sealfile: a KMS/STS body holding key material was not logged]"


class HideKeyMaterial(logging.Filter):
    """Replaces a record that names one of ``markers`` (``Plaintext``) in its text or its extra fields."""

    def __init__(self, markers: Iterable[str]) -> None:
        super().__init__()
        self.markers = tuple(markers)

    def filter(self, record: logging.LogRecord) -> bool:
        extra = [name for name in vars(record) if name not in STANDARD_FIELDS]
        text = record.getMessage() + "".join(repr(getattr(record, name)) for name in extra)
        if any(marker in text for marker in self.markers):
            record.msg, record.args = NOTE, ()
            for name in extra:
                setattr(record, name, NOTE)
        return True


def hide_key_material(loggers: Iterable[str], markers: Iterable[str]) -> None:
    """Filter the records of each named logger (once per process, however many clients are made).
    A logger's filter sees only what is logged on it, so each SDK module that logs bodies is named."""
    for name in loggers:
        logger = logging.getLogger(name)
        if not any(isinstance(each, HideKeyMaterial) for each in logger.filters):
            logger.addFilter(HideKeyMaterial(markers))
