"""A Unix time as messages show it, in UTC: the one spelling of ``status``, ``review``'s replay finding
and the allowed-signers lines (sealing times come from tokens, validity times from allowed_signers files).
``time`` only: ``datetime`` costs a command's start-up more than it gives here."""

from __future__ import annotations

import time

SECONDS = "%Y-%m-%d %H:%M:%SZ"
MINUTES = "%Y-%m-%d %H:%MZ"


def utc_stamp(unix_time: float, fmt: str = SECONDS) -> str:
    """``unix_time`` in UTC as ``fmt`` (a ``strftime`` format) writes it; a fraction of a second is dropped."""
    return time.strftime(fmt, time.gmtime(unix_time))
