"""The Go behaviour SOPS files depend on, ported: value tokens, number and time spellings, yaml.v3's resolver.

The matrix checks these end to end against the real sops; here each rule is pinned on its own,
with the values Go gives (``strconv``, ``encoding/json``, ``time``, yaml.v3 ``resolve.go``).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sealfile.sops.cipher import parse_token
from sealfile.sops.gonum import atoi, format_f, format_g, json_float, json_keeps_int, parse_bool, parse_float
from sealfile.sops.gotime import GoTime, marshal_text, rfc3339_seconds, unmarshal_text, yaml_timestamp
from sealfile.sops.goyaml import FLOAT, Unwalkable, resolve, scalar_value

GO_TOKEN = re.compile(r"ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]")
"""aes/cipher.go's pattern; Python's backtracking ``re`` finds the same groups (leftmost, greedy)."""
PIECES = st.sampled_from([",iv:", ",tag:", ",type:", "]", "[", ",", ":", "a", "=", "\n", "str"])


@settings(max_examples=800)
@given(st.lists(PIECES, max_size=16).map("".join))
def test_value_token_is_split_as_go_splits_it(rest: str) -> None:
    text = "ENC[AES256_GCM,data:" + rest
    match = GO_TOKEN.match(text)
    assert parse_token(text) == (match.groups() if match else None)


def test_value_token_split_is_linear_on_a_crafted_value() -> None:
    crafted = "ENC[AES256_GCM,data:" + ",iv:,tag:,type:" * 50_000
    assert parse_token(crafted) is None


FLOATS = [  # value, FormatFloat 'f', FormatFloat 'g', encoding/json
    (1.0, "1", "1", "1"),
    (-0.0, "-0", "-0", "-0"),
    (0.1, "0.1", "0.1", "0.1"),
    (1e-7, "0.0000001", "1e-07", "1e-7"),
    (0.0001, "0.0001", "0.0001", "0.0001"),
    (0.00001, "0.00001", "1e-05", "0.00001"),
    (123456.0, "123456", "123456", "123456"),
    (1e6, "1000000", "1e+06", "1000000"),
    (123456789.0, "123456789", "1.23456789e+08", "123456789"),
    (1e21, "1000000000000000000000", "1e+21", "1e+21"),
    (1.2345678901234568e29, "123456789012345680000000000000", "1.2345678901234568e+29", "1.2345678901234568e+29"),
    (5e-324, "0." + "0" * 323 + "5", "5e-324", "5e-324"),
]


@pytest.mark.parametrize(("value", "fixed", "general", "as_json"), FLOATS)
def test_float_spellings(value: float, fixed: str, general: str, as_json: str) -> None:
    assert (format_f(value), format_g(value), json_float(value)) == (fixed, general, as_json)


@pytest.mark.parametrize(("value", "kept"), [
    (2**53, True), (2**53 + 1, False), (123456789012345680, True), (123456789012345678, False),
    (2**60, False),  # Go prints the float64 as 1152921504606847000
    (10**20, True), (-(10**20), True), (10**21, False), (10**400, False),
])
def test_json_keeps_int(value: int, kept: bool) -> None:
    """Whether SOPS's JSON store, a float64 per number, prints the integer back with the same digits."""
    assert json_keeps_int(value) is kept


def test_special_floats() -> None:
    assert [format_f(v) for v in (math.inf, -math.inf, math.nan)] == ["+Inf", "-Inf", "NaN"]
    with pytest.raises(ValueError):
        json_float(math.nan)


@pytest.mark.parametrize(("text", "value"), [
    ("42", 42), ("+7", 7), ("-0", 0), ("007", 7), ("9223372036854775807", 2**63 - 1),
    ("9223372036854775808", None), ("1_000", None), (" 1", None), ("0x1F", None), ("1.0", None),
])
def test_atoi(text: str, value: int | None) -> None:
    if value is None:
        with pytest.raises(ValueError):
            atoi(text)
    else:
        assert atoi(text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("1.5", 1.5), ("-0", -0.0), ("1e3", 1000.0), (".5", 0.5), ("5.", 5.0), ("Inf", math.inf), ("-infinity", -math.inf),
    ("0x1p-2", 0.25), ("1e400", None), ("1_000.5", None), ("+nan", None), ("", None), ("1e", None),
])
def test_parse_float(text: str, value: float | None) -> None:
    if value is None:
        with pytest.raises(ValueError):
            parse_float(text)
    else:
        assert parse_float(text) == value and math.copysign(1, parse_float(text)) == math.copysign(1, value)


def test_parse_bool() -> None:
    assert [parse_bool(t) for t in ("1", "t", "TRUE", "True", "0", "F", "false")] == [True] * 4 + [False] * 3
    with pytest.raises(ValueError):
        parse_bool("yes")


@pytest.mark.parametrize(("text", "canonical"), [
    ("2024-05-01T10:20:30Z", "2024-05-01T10:20:30Z"),
    ("2024-05-01T10:20:30.100+00:00", "2024-05-01T10:20:30.1Z"),
    ("2024-05-01T10:20:30.123456789123-02:30", "2024-05-01T10:20:30.123456789-02:30"),
    ("2024-05-01T10:20:30,5Z", "2024-05-01T10:20:30.5Z"),
    ("2024-02-30T10:20:30Z", None), ("2024-05-01t10:20:30Z", None), ("2024-05-01T10:20:30", None),
    ("2024-05-01", None), ("2024-05-01T10:20:30z", None),
    ("2\u0660\u0662\u0664-05-01T10:20:30Z", None),  # Arabic-Indic digits: Python's int() reads them, Go does not
])
def test_time_unmarshal_text(text: str, canonical: str | None) -> None:
    if canonical is None:
        with pytest.raises(ValueError):
            unmarshal_text(text)
    else:
        assert unmarshal_text(text).text == canonical


def test_lastmodified_associated_data() -> None:
    assert rfc3339_seconds("2024-05-01T10:20:30.999Z") == "2024-05-01T10:20:30Z"
    assert rfc3339_seconds("2024-05-01T12:20:30+02:00") == "2024-05-01T12:20:30+02:00"


@pytest.mark.parametrize(("text", "value"), [
    ("017", 15), ("08", 8.0), ("0b101", 5), ("-0b101", -5), ("0o17", 15), ("0x1F", 31), ("1_000", 1000),
    ("+5", 5), (".5", 0.5), ("1e3", 1000.0), ("-0", 0), ("-0.0", -0.0), ("1e400", "1e400"),
    ("9223372036854775808", Unwalkable), ("-9223372036854775809", -9223372036854775809.0),
    ("yes", "yes"), ("on", "on"), ("True", True), ("TRUE", True), ("tRue", "tRue"), ("~", None), ("", None),
    ("<<", "<<"), ("2024-5-1", GoTime("2024-05-01T00:00:00Z")),
    ("2001-12-14 21:59:43.10", GoTime("2001-12-14T21:59:43.1Z")),
    ("2001-12-14 21:59:43.10 -5", "2001-12-14 21:59:43.10 -5"), ("2024-05-01T10:20:30", "2024-05-01T10:20:30"),
    ("2\u0660\u0662\u0664-\u0660\u0661-\u0660\u0661", "2\u0660\u0662\u0664-\u0660\u0661-\u0660\u0661"),
    ("2024-\uff10\uff11-01", "2024-\uff10\uff11-01"),  # fullwidth digits
    # each read as the real sops 3.11 reads it (sops decrypt --output-type json), in a differential round
    ("2001-12-14t21:59:43z", "2001-12-14t21:59:43z"), ("2001-12-15 2:59:43.10", GoTime("2001-12-15T02:59:43.1Z")),
    ("2024-05-01T1:02:03Z", GoTime("2024-05-01T01:02:03Z")),
    ("2001-12-14T21:59:43.000Z", GoTime("2001-12-14T21:59:43Z")),
    ("2001-12-14T21:59:43.1234567891Z", GoTime("2001-12-14T21:59:43.123456789Z")),
    ("2001-12-14T21:59:43 +01:00", "2001-12-14T21:59:43 +01:00"), ("2001-12-14 21:59:43.5Z", "2001-12-14 21:59:43.5Z"),
    ("2001-12-14T21:59:43.10-05", "2001-12-14T21:59:43.10-05"), ("2001-12-14T21:59Z", "2001-12-14T21:59Z"),
    ("2001-12-14T21:59:43+0100", "2001-12-14T21:59:43+0100"),
    ("1999-01-01 00:00:00 +00:00", "1999-01-01 00:00:00 +00:00"),
    ("2024-02-30", "2024-02-30"), ("0X1F", 31), ("0B1", 1), ("-017", -15), ("+0x1F", 31), ("0o0", 0), ("1__0", 10),
    ("0x_1F", 31), ("1_000.5", 1000.5), ("09.5", 9.5), ("1.", 1.0), ("+.5", 0.5), ("1:20", "1:20"),
    ("190:20:30", "190:20:30"), ("5e-324", 5e-324), ("1E3", 1000.0), ("1.0e+3", 1000.0), ("+.INF", float("inf")),
    ("-.Inf", float("-inf")), ("Y", "Y"), ("n", "n"), ("NO", "NO"), ("OFF", "OFF"), ("Null", None), ("NULL", None),
    ("nUll", "nUll"), ("0xFFFFFFFFFFFFFFFF", Unwalkable), ("18446744073709551616", 1.8446744073709552e19),
])
def test_yaml_v3_plain_scalars(text: str, value: Any) -> None:
    found = scalar_value(text, None, None)
    if value is Unwalkable:
        assert isinstance(found, Unwalkable)
    else:
        assert found == value and type(found) is type(value)


def test_yaml_v3_tags_and_quotes() -> None:
    assert scalar_value("017", '"', None) == "017"
    assert scalar_value("12", None, "tag:yaml.org,2002:str") == "12"
    assert scalar_value("1", None, FLOAT) == 1.0 and isinstance(scalar_value("1", None, FLOAT), float)
    assert scalar_value("aGk=", None, "tag:yaml.org,2002:binary") == "hi"
    assert scalar_value("x", None, "!custom") == "x"
    assert resolve(".nan", None)[0] == FLOAT and math.isnan(resolve(".nan", None)[1])
    assert yaml_timestamp("2024-13-01") is None


@pytest.mark.parametrize("moment", [
    dt.datetime(999, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
    dt.datetime(2024, 5, 1, 23, 30, 0, 120000, tzinfo=dt.timezone(dt.timedelta(hours=-2))),
])
def test_lastmodified_is_written_as_go_writes_it(moment: dt.datetime) -> None:
    """The one writer of SOPS times (:func:`marshal_text`) serves values and ``lastmodified`` alike: the
    metadata time was written with ``strftime``, whose ``%Y`` gives "999" for the year 999 (Go refuses it)."""
    from sealfile.kms.age import generate_identity
    from sealfile.sops.nodes import Branch, Item
    from sealfile.sops.rules import rule_from_metadata
    from sealfile.sops.writer import write_sops

    _, recipient = generate_identity()
    text = write_sops(Branch([Item("a", "b")]), kind="yaml", data_key=os.urandom(32), rule=rule_from_metadata({}),
                      groups=[[("age", Branch([Item("recipient", recipient), Item("enc", "x")]))]], now=moment)
    expected = rfc3339_seconds(marshal_text(moment.astimezone(dt.UTC)).text)
    assert f"lastmodified: \"{expected}\"" in text or f"lastmodified: '{expected}'" in text, text
    assert expected.startswith(f"{moment.astimezone(dt.UTC).year:04d}-")
    assert expected.endswith("Z")


@pytest.mark.parametrize("moment", [
    dt.datetime(999, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
    dt.datetime(2024, 5, 1, 3, 4, 5, 120000, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
    dt.datetime(2024, 5, 1, 3, 4, 5, 1, tzinfo=dt.timezone(-dt.timedelta(minutes=1))),
])
def test_marshal_text_reads_back(moment: dt.datetime) -> None:
    assert unmarshal_text(marshal_text(moment).text) == marshal_text(moment)
    assert dt.datetime.fromisoformat(marshal_text(moment).text.replace("Z", "+00:00")) == moment
