"""Keep loaded secret values out of logs: a ``logging.Filter`` that rewrites each record.

The filter knows every loaded value and the forms it commonly takes in text: URL-quoted
(``quote`` and ``quote_plus``), base64 of the whole value (standard and URL-safe, with and
without padding), hex, the escaped forms ``repr``/JSON give a string with quotes or newlines
(and ``repr`` of its bytes); a binary value also as ``str()``/``repr()`` of the bytes show it, its
hex and the text it decodes to; each matched without regard to case (``%2F`` and ``%2f``, an
upper-cased value, upper-case hex). A base64 run that decodes to text holding a value
(``Authorization: Basic`` of ``user:password``, a JWT payload) is redacted whole. Each
occurrence in a record's message, its formatted exception traceback, its stack info and any
attribute added with ``extra=`` (a mapping or number as much as a string: it becomes the
redacted text of its ``str()``) becomes ``[REDACTED]``. A record costs about the same however many
values are loaded (:mod:`sealfile.runtime.literals`).

Values shorter than :data:`MIN_LENGTH` (4) characters are not redacted: hiding every ``on``
or ``42`` would garble logs while protecting nothing a guess would not find. Booleans and
nulls are never redacted.

Where filters run: a filter on a *logger* sees only records logged through that very logger;
records from child loggers reach the parent's *handlers* without passing its filters. So
:func:`redact_logs` puts the filter on the logger and on each handler it has at that moment;
a handler added later needs ``handler.addFilter(the_filter)`` (the filter is returned).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import logging
import re
import urllib.parse
from collections.abc import Iterable
from typing import Any

from sealfile.kms.sdk_logs import STANDARD_FIELDS
from sealfile.runtime.flatten import env_value
from sealfile.runtime.literals import literal_bytes_pattern, literal_pattern

REDACTED = "[REDACTED]"
MIN_LENGTH = 4

# LogRecord attributes that hold no logged data (or are redacted on their own): left as they are.
_OWN_FIELDS = frozenset({"name", "levelname", "pathname", "filename", "module", "funcName", "processName",
                         "threadName", "taskName", "msg", "exc_text", "stack_info"})
# Runs of base64 (either alphabet) long enough to hold something worth hiding.
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{8,}={0,2}")


def leaf_values(tree: Any) -> Iterable[Any]:
    """Every scalar in a mapping/list tree (iterative: loaded trees can be deep)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend(node)
        else:
            yield node


def encodings(text: str) -> set[str]:
    """The spellings of one value that are worth looking for in log text."""
    raw = text.encode("utf-8", "surrogatepass")
    forms = {
        text,
        urllib.parse.quote(text, safe=""),
        urllib.parse.quote(text),
        urllib.parse.quote_plus(text),
        repr(text)[1:-1],
        ascii(text)[1:-1],
        repr(raw)[2:-1],
        json.dumps(text)[1:-1],
        json.dumps(text, ensure_ascii=False)[1:-1],
        raw.hex(),
    }
    for b64 in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        forms.add(b64.decode("ascii"))
        forms.add(b64.decode("ascii").rstrip("="))
    return {form for form in forms if len(form) >= MIN_LENGTH}


def _texts(values: Iterable[Any]) -> list[str]:
    """Each value as the texts it is shown as: its one text spelling (:func:`env_value`; base64 for binary),
    and for a binary value also what ``str()`` and ``repr()`` of the bytes show, their hex and the text they
    decode to, which a binary value's base64 alone never matches; a date or time also as ``str()``,
    ``repr()`` and ``isoformat()`` show it (``2027-01-02 03:04:05+00:00``, ``datetime.date(2027, 1, 2)``)."""
    texts = []
    for value in values:
        if value is None or isinstance(value, bool):
            continue
        shown = [env_value(value)]
        if isinstance(value, bytes) and len(value) >= MIN_LENGTH:
            shown += [repr(value)[2:-1], value.hex()]
            with contextlib.suppress(UnicodeDecodeError):  # random key bytes have no text
                shown.append(value.decode("utf-8"))
        if isinstance(value, (dt.date, dt.time)):
            shown += [str(value), repr(value), value.isoformat()]
        texts += [text for text in shown if len(text) >= MIN_LENGTH]
    return texts


def secret_pattern(values: Iterable[Any]) -> re.Pattern[str] | None:
    """One regular expression matching any spelling of any value (longest first, case ignored), or None."""
    forms: set[str] = set()
    for text in _texts(values):
        forms |= encodings(text)
    return literal_pattern(forms)


def _raw_pattern(values: list[Any]) -> re.Pattern[bytes] | None:
    """The values as bytes, for what a base64 run decodes to (a binary value: its own bytes too)."""
    raw = [text.encode("utf-8", "surrogatepass") for text in _texts(values)]
    raw += [value for value in values if isinstance(value, bytes) and len(value) >= MIN_LENGTH]
    return literal_bytes_pattern(raw)


def _decoded(run: str) -> bytes:
    """A base64 run's bytes in either alphabet (padding added, a stray last character dropped)."""
    body = run.rstrip("=")
    body = body[: len(body) - 1] if len(body) % 4 == 1 else body
    padded = body + "=" * (-len(body) % 4)
    altchars = b"-_" if ("-" in body or "_" in body) else None
    try:
        return base64.b64decode(padded, altchars=altchars)
    except ValueError:
        return b""


class RedactingFilter(logging.Filter):
    """Replaces loaded secret values in every record it sees; never drops a record."""

    def __init__(self, secrets: Any) -> None:
        super().__init__()
        values = list(leaf_values(secrets) if isinstance(secrets, (dict, list)) else [secrets])
        self._pattern = secret_pattern(values)
        self._raw = _raw_pattern(values)
        self._installed: list[logging.Filterer] = []

    def redact(self, text: str) -> str:
        if self._pattern is None:
            return text
        text = self._pattern.sub(REDACTED, text)
        return _BASE64_RUN.sub(self._redact_run, text)

    def _redact_run(self, run: re.Match[str]) -> str:
        assert self._raw is not None
        return REDACTED if self._raw.search(_decoded(run.group(0))) else run.group(0)

    def filter(self, record: logging.LogRecord) -> bool:
        if self._pattern is None:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: logging reports it later; keep the raw parts
            message = str(record.msg)
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        # the formatted text is kept; the live exception (whose repr may show a value) is dropped
        record.exc_info = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for name, value in list(vars(record).items()):
            if isinstance(value, str) and name not in _OWN_FIELDS:
                setattr(record, name, self.redact(value))
            elif name not in STANDARD_FIELDS and not isinstance(value, (str, bool)) and value is not None:
                self._redact_extra(record, name, value)
        return True

    def _redact_extra(self, record: logging.LogRecord, name: str, value: Any) -> None:
        """An ``extra=`` value that is not a string (a mapping, a list, a number): a formatter shows its
        ``str()``, so when that holds a secret the attribute becomes the redacted text."""
        try:
            text = str(value)
        except Exception:  # an object whose str() fails cannot be shown by a formatter either
            return
        redacted = self.redact(text)
        if redacted != text:
            setattr(record, name, redacted)

    def install(self, target: logging.Filterer) -> None:
        if self not in target.filters:
            target.addFilter(self)
            self._installed.append(target)

    def remove(self) -> None:
        """Take this filter off every logger and handler :func:`redact_logs` put it on."""
        for target in self._installed:
            target.removeFilter(self)
        self._installed.clear()


def redact_logs(secrets: Any, logger: logging.Logger | str | None = None) -> RedactingFilter:
    """Redact every value of ``secrets`` (a loaded tree, or one value) from ``logger``'s output.

    ``logger`` defaults to the root logger, whose handlers receive the records of every logger
    that propagates. Call it after configuring logging (``logging.basicConfig``); returns the
    filter so that handlers added later can take it too, and ``.remove()`` undoes it.
    """
    target = logger if isinstance(logger, logging.Logger) else logging.getLogger(logger)
    redactor = RedactingFilter(secrets)
    redactor.install(target)
    for handler in target.handlers:
        redactor.install(handler)
    return redactor
