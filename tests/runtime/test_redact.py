from __future__ import annotations

import base64
import io
import logging
import urllib.parse
from collections.abc import Iterator

import pytest

import sealfile
from sealfile.runtime.redact import REDACTED, RedactingFilter, redact_logs
from tests.support.sealing import SealFile

pytest_plugins = ["tests.support.sealed_files"]

PASSWORD = "correct horse/battery+staple"
PLAINTEXT = f"""\
database:
  password: "{PASSWORD}"
  port: 5432
api:
  key: sk-live-0123456789
  debug: true
  pin: "42"
"""


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger tree of our own: a parent with a handler, records logged to a child."""
    stream = io.StringIO()
    parent = logging.getLogger("sealfile-test-app")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    parent.addHandler(handler)
    parent.setLevel(logging.DEBUG)
    yield parent, stream
    parent.removeHandler(handler)


def test_a_log_record_with_a_loaded_secret_is_redacted(
    seal_file: SealFile, captured: tuple[logging.Logger, io.StringIO]
) -> None:
    parent, stream = captured
    secrets = sealfile.load_secrets(seal_file(PLAINTEXT))
    redactor = redact_logs(secrets, parent)
    try:
        child = logging.getLogger("sealfile-test-app.db")
        child.info("connecting with %s", secrets["database"]["password"])
        parent.warning("key=%s", secrets["api"]["key"])
    finally:
        redactor.remove()
    text = stream.getvalue()
    assert PASSWORD not in text and "sk-live-0123456789" not in text
    assert text.count(REDACTED) == 2


def test_an_exception_traceback_with_a_secret_is_redacted(
    seal_file: SealFile, captured: tuple[logging.Logger, io.StringIO]
) -> None:
    parent, stream = captured
    secrets = sealfile.load_secrets(seal_file(PLAINTEXT))
    redactor = redact_logs(secrets, parent)
    try:
        try:
            raise ValueError(f"login failed for password {secrets['database']['password']!r}")
        except ValueError:
            logging.getLogger("sealfile-test-app.auth").exception("request failed")
    finally:
        redactor.remove()
    text = stream.getvalue()
    assert "Traceback (most recent call last)" in text and "ValueError: login failed" in text
    assert PASSWORD not in text
    assert REDACTED in text


def test_common_encodings_are_redacted() -> None:
    redactor = RedactingFilter({"password": PASSWORD})
    quoted = urllib.parse.quote(PASSWORD, safe="")
    b64 = base64.b64encode(PASSWORD.encode()).decode()
    url_b64 = base64.urlsafe_b64encode(PASSWORD.encode()).decode().rstrip("=")
    text = f"dsn=postgres://u:{quoted}@h/db auth={b64} token={url_b64} form={urllib.parse.quote_plus(PASSWORD)}"
    assert redactor.redact(text) == f"dsn=postgres://u:{REDACTED}@h/db auth={REDACTED} token={REDACTED} form={REDACTED}"


def test_escaped_multi_line_values_are_redacted() -> None:
    pem = "-----BEGIN KEY-----\nMIIabc\n-----END KEY-----"
    redactor = RedactingFilter({"tls": {"key": pem}})
    assert redactor.redact(f"got {pem!r}") == f"got '{REDACTED}'"
    assert pem not in redactor.redact(f"raw {pem}")


def test_short_values_booleans_and_nulls_are_left_alone() -> None:
    redactor = RedactingFilter({"pin": "42", "on": True, "off": False, "none": None, "key": "abcd"})
    assert redactor.redact("pin 42 true false None abcd") == f"pin 42 true false None {REDACTED}"


def test_extra_fields_and_stack_info_are_redacted() -> None:
    redactor = RedactingFilter([PASSWORD])
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "msg", None, None, sinfo=f"stack {PASSWORD}")
    record.user_password = PASSWORD
    assert redactor.filter(record)
    assert record.user_password == REDACTED and record.stack_info == f"stack {REDACTED}"


def test_remove_undoes_it(captured: tuple[logging.Logger, io.StringIO]) -> None:
    parent, stream = captured
    redactor = redact_logs({"k": "visible-again"}, parent)
    redactor.remove()
    parent.info("visible-again")
    assert "visible-again" in stream.getvalue()
