from __future__ import annotations

import base64
import datetime as dt
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


def _b64(text: str, urlsafe: bool = False) -> str:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return encode(text.encode()).decode()


@pytest.mark.parametrize("user", ["u", "admin", "svc-account-7", ""])
def test_basic_authorization_headers_are_redacted(user: str) -> None:
    """base64 of user:password does not contain base64 of the password: the run is decoded."""
    redactor = RedactingFilter({"password": PASSWORD, "key": "sk-live-0123456789"})
    for secret in (PASSWORD, "sk-live-0123456789"):
        credentials = _b64(f"{user}:{secret}")
        for header in (f"Authorization: Basic {credentials}", f"proxy-authorization=Basic {credentials.rstrip('=')}",
                       f"headers={{'Authorization': 'Basic {credentials}'}}"):
            shown = redactor.redact(header)
            assert credentials.rstrip("=") not in shown and REDACTED in shown, header


def test_base64_of_a_larger_text_holding_a_value_is_redacted() -> None:
    """A JWT payload or a base64 config blob: the value sits at any offset inside."""
    redactor = RedactingFilter({"key": "sk-live-0123456789"})
    payload = _b64('{"sub": "app", "api_key": "sk-live-0123456789", "iat": 1}', urlsafe=True).rstrip("=")
    jwt = f"eyJhbGciOiJIUzI1NiJ9.{payload}.c2lnbmF0dXJl"
    assert payload not in redactor.redact(f"bearer {jwt}")
    assert redactor.redact("eyJhbGciOiJIUzI1NiJ9 connecting normally") == "eyJhbGciOiJIUzI1NiJ9 connecting normally"


def test_upper_case_and_hex_forms_are_redacted() -> None:
    secret = "pässwörd/Mixed+Case-9"
    redactor = RedactingFilter({"password": secret})
    raw = secret.encode()
    forms = [secret.upper(), secret.lower(), urllib.parse.quote(secret, safe=""),
             urllib.parse.quote(secret, safe="").lower(), raw.hex(), raw.hex().upper(), repr(raw), repr(raw).upper(),
             secret.encode("unicode_escape").decode(), base64.b16encode(raw).decode()]
    for form in forms:
        assert REDACTED in redactor.redact(f"value={form}"), form
        assert form not in redactor.redact(f"value={form}"), form


def test_extra_values_of_any_type_are_redacted(captured: tuple[logging.Logger, io.StringIO]) -> None:
    parent, stream = captured
    handler = parent.handlers[-1]
    handler.setFormatter(logging.Formatter("%(message)s ctx=%(ctx)s items=%(items)s port=%(port)s n=%(n)s"))
    redactor = redact_logs({"password": PASSWORD, "port": 5432}, parent)
    try:
        parent.info("request", extra={"ctx": {"user": "app", "password": PASSWORD}, "items": [PASSWORD, 1],
                                      "port": 5432, "n": 7})
    finally:
        redactor.remove()
    text = stream.getvalue()
    assert PASSWORD not in text and "5432" not in text
    assert text.strip() == (f"request ctx={{'user': 'app', 'password': '{REDACTED}'}} items=['{REDACTED}', 1] "
                            f"port={REDACTED} n=7")


@pytest.mark.parametrize("raw", [b"hmac-signing-key", bytes(range(200, 232))], ids=["text", "random"])
def test_a_binary_value_is_redacted_as_python_shows_bytes(raw: bytes, seal_file: SealFile) -> None:
    """Only the base64 of a ``!!binary`` value was looked for: ``log.info("key %s", key)`` showed
    ``b'hmac-signing-key'``, and neither its text, its escapes nor its ``.hex()`` were hidden."""
    secrets = sealfile.load_secrets(seal_file(f"key: !!binary {base64.b64encode(raw).decode()}\n"))
    key = secrets["key"]
    assert key == raw
    redactor = RedactingFilter(secrets)
    shown = [f"{key}", f"{key!r}", key.hex(), key.hex().upper(), base64.b64encode(key).decode(),
             base64.b64encode(b"user:" + key).decode()]
    if key.isascii():
        shown.append(key.decode())
    for text in shown:
        assert redactor.redact(f"key {text} end") in (f"key {REDACTED} end", f"key b'{REDACTED}' end"), text


@pytest.mark.parametrize("spelling", ["2031-04-05", "2031-04-05 06:07:08", "2031-04-05T06:07:08Z",
                                      "2031-04-05 06:07:08.5 +02:00"])
def test_a_date_value_is_redacted_as_python_shows_it(spelling: str, seal_file: SealFile) -> None:
    """A YAML timestamp loads as a ``date``/``datetime``: ``log.info("expires %r", v)`` showed
    ``datetime.date(2031, 4, 5)``, and ``str()`` of an aware one ``2031-04-05 06:07:08+00:00``, which
    the value's one text spelling (its ISO form) does not match."""
    secrets = sealfile.load_secrets(seal_file(f"card_expiry: {spelling}\n"))
    value = secrets["card_expiry"]
    assert isinstance(value, dt.date)
    redactor = RedactingFilter(secrets)
    for text in (f"{value}", f"{value!r}", value.isoformat()):
        assert redactor.redact(f"expiry {text} end") == f"expiry {REDACTED} end", text
