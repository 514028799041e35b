from __future__ import annotations

import base64
import datetime as dt
import io
import json

import dotenv
import jsonschema
import pytest
from ruamel.yaml import YAML

from sealfile.errors import ConfigError, FormatError
from sealfile.runtime.outputs import render, to_dotenv, to_k8s_secret
from tests.support.k8s_schema import validate_secret_manifest

DATA = {
    "database": {"password": "p@ss w0rd$HOME", "port": 5432, "hosts": ["a.internal", "b.internal"]},
    "tls": {"key": "-----BEGIN KEY-----\nMIIabc\n-----END KEY-----\n"},
    "quote": "it's \"quoted\" \\ and %NOT_EXPANDED%",
    "enabled": True,
    "nothing": None,
    "since": dt.date(2024, 1, 2),
}
FLAT = {
    "DATABASE_PASSWORD": "p@ss w0rd$HOME", "DATABASE_PORT": "5432",
    "DATABASE_HOSTS_0": "a.internal", "DATABASE_HOSTS_1": "b.internal",
    "TLS_KEY": "-----BEGIN KEY-----\nMIIabc\n-----END KEY-----\n",
    "QUOTE": "it's \"quoted\" \\ and %NOT_EXPANDED%",
    "ENABLED": "true", "NOTHING": "", "SINCE": "2024-01-02",
}


def test_yaml_and_json_keep_order_and_types() -> None:
    loaded = YAML(typ="safe").load(render(DATA, "yaml"))
    assert loaded == DATA and list(loaded) == list(DATA)
    assert json.loads(render(DATA, "json"))["since"] == "2024-01-02"
    assert list(json.loads(render(DATA, "json"))) == list(DATA)


def test_dotenv_round_trips_through_python_dotenv() -> None:
    text = to_dotenv(DATA)
    assert text.startswith("DATABASE_PASSWORD='p@ss w0rd$HOME'\n")
    assert dict(dotenv.dotenv_values(stream=io.StringIO(text), interpolate=False)) == FLAT


def test_dotenv_prefix() -> None:
    assert to_dotenv({"db": {"pw": "x"}}, prefix="APP_") == "APP_DB_PW='x'\n"


def test_k8s_secret_is_a_valid_manifest_with_base64_data() -> None:
    manifest = validate_secret_manifest(to_k8s_secret(DATA, name="my-app.secrets", namespace="prod"))
    assert manifest["metadata"] == {"name": "my-app.secrets", "namespace": "prod"}
    assert manifest["type"] == "Opaque"
    decoded = {k: base64.b64decode(v).decode() for k, v in manifest["data"].items()}
    assert decoded == FLAT


def test_the_schema_check_can_fail() -> None:
    good = to_k8s_secret({"a": "b"}, name="ok")
    with pytest.raises(jsonschema.ValidationError):
        validate_secret_manifest(good.replace("name: ok", "name: Not_OK"))
    with pytest.raises(jsonschema.ValidationError):
        validate_secret_manifest(good.replace("A: Yg==", "A: not base64!"))
    with pytest.raises(jsonschema.ValidationError):
        validate_secret_manifest(good.replace("apiVersion: v1", "apiVersion: v2"))


@pytest.mark.parametrize(("name", "namespace"), [("Upper", None), ("-dash", None), ("a" * 254, None),
                                                 ("ok", "has.dot"), ("ok", "x" * 64), ("web\n", None),
                                                 ("ok", "prod\n")])
def test_k8s_secret_refuses_invalid_names(name: str, namespace: str | None) -> None:
    with pytest.raises(ConfigError):
        to_k8s_secret({"a": "b"}, name=name, namespace=namespace)


def test_k8s_secret_needs_a_name_and_unknown_formats_are_refused() -> None:
    with pytest.raises(ConfigError):
        render({"a": "b"}, "k8s-secret")
    with pytest.raises(ConfigError):
        render({"a": "b"}, "toml")


# Strings a YAML 1.1 or 1.2 reader could read as something else, and values of every YAML type.
EVERY_TYPE = {
    "looks_like": ["yes", "on", "N", "0755", "0o755", "1_000", "2024-01-01", ".inf", "~", "null", "0x1F", "1:20",
                   "1e3", "=", "<<", "", " x ", "a #b", "- x", "! t"],
    "line_breaks_apart": ["\x85", "a\u2028b", "\u2029", "x\ufeffy", "one\x85two\n", "\x85 \x85"],
    "text": ["multi\nline  \n\n", "tab\t", "\U0001f600 \u202eRTL\u200f", "\x01\x1b[0m\x7f", "a\0b", "it's \"q\" \\"],
    "numbers": [0, -1, 2**70, -(2**100), 0.5, -0.0, 1e20, 5e-324, float("inf"), float("nan")],
    "times": [dt.date(2024, 1, 1), dt.datetime(2024, 1, 1, 10, 0), dt.datetime(2024, 1, 1, 10, 0, 0, 123456,
              tzinfo=dt.timezone(dt.timedelta(hours=-3, minutes=-30)))],
    "other": [True, False, None, b"\x00\xff", {}, []],
    1: "an integer key", "1": "a string key", False: "a boolean key",
}


def test_yaml_means_the_same_to_yaml_1_1_and_1_2_readers() -> None:
    """U+0085 was written raw inside single quotes, where PyYAML reads a line break (folded to a space)."""
    import yaml as pyyaml

    from sealfile.model.scalars import same_data

    text = render(EVERY_TYPE, "yaml")
    assert same_data(YAML(typ="safe", pure=True).load(text), EVERY_TYPE)
    by_pyyaml = pyyaml.safe_load(text)
    assert same_data(by_pyyaml, EVERY_TYPE), by_pyyaml["line_breaks_apart"]


def test_json_refuses_keys_it_would_spell_alike() -> None:
    """``1`` and ``"1"`` were both written as ``"1"``: a reader kept one and lost the other value."""
    with pytest.raises(FormatError) as refused:
        render({"db": [{"port": 1, 5432: "s3cret-a", "5432": "s3cret-b"}]}, "json")
    assert str(refused.value) == 'db.0: the keys [5432] and ["5432"] are both the JSON key "5432"'
    with pytest.raises(FormatError, match=r'^the keys \[true\] and \["true"\] are both the JSON key "true"'):
        render({True: 1, "true": 2}, "json")
    assert json.loads(render({1: "a", "2": "b", False: "c"}, "json")) == {"1": "a", "2": "b", "false": "c"}


def test_k8s_secret_refuses_a_key_the_api_server_would() -> None:
    with pytest.raises(FormatError) as refused:
        to_k8s_secret({"app": {"k" * 250: "s3cret"}}, name="web")
    assert str(refused.value) == (f"app.{'k' * 250}: gives a name of 254 characters; a Kubernetes Secret's keys "
                                  "hold at most 253")



def test_k8s_secret_refuses_more_values_than_the_api_server_takes() -> None:
    # The API server sums the decoded values of data (ValidateSecret: more than 1 MiB is "Too long").
    at_limit = {"a": "x" * (1 << 19), "b": "\u00e9" * (1 << 18)}  # 512 KiB + 512 KiB of UTF-8: exactly 1 MiB
    assert len(base64.b64decode(YAML(typ="safe").load(to_k8s_secret(at_limit, name="web"))["data"]["B"])) == 1 << 19
    with pytest.raises(FormatError) as refused:
        to_k8s_secret({**at_limit, "app": {"c": "y"}}, name="web")
    assert str(refused.value) == ("app.c: brings the Secret's values to 1,048,577 bytes; Kubernetes takes at most "
                                  "1,048,576 in one Secret (split the file, or --extract a part)")


UTC = dt.UTC


@pytest.mark.parametrize(("value", "spelled"), [
    (dt.date(2024, 1, 2), "2024-01-02"),
    (dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), "2024-01-02T03:04:05Z"),
    (dt.datetime(2001, 12, 14, 21, 59, 43, 100000, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
     "2001-12-14T21:59:43.1-05:00"),
    (dt.datetime(2024, 1, 1, 0, 0, 0, 120, tzinfo=UTC), "2024-01-01T00:00:00.00012Z"),
    (dt.datetime(2024, 1, 2, 3, 4, 5), "2024-01-02T03:04:05"),  # no zone given: none invented
])
def test_times_are_spelled_as_files_and_sops_spell_them(value: dt.date, spelled: str) -> None:
    """A UTC time was written ``+00:00`` and a fraction padded to six digits (``.100000``): JSON, dotenv and
    ``--extract`` gave other text than the file's ``2024-01-02T03:04:05Z``, and than ``sops decrypt`` gives."""
    assert json.loads(render({"at": value}, "json")) == {"at": spelled}
    assert dotenv.dotenv_values(stream=io.StringIO(to_dotenv({"at": value}))) == {"AT": spelled}
    from sealfile.model.scalars import scalar_text

    assert scalar_text(value) == spelled
    assert YAML(typ="safe").load(f"at: {spelled}\n") == {"at": value}  # and YAML reads the same time back


@pytest.mark.parametrize("loader", ["CSafeLoader", "SafeLoader"])
def test_k8s_secret_means_the_same_to_yaml_1_1_readers(loader: str) -> None:
    """Keys such as Y, ON or NULL and names such as yes are booleans or null to YAML 1.1 readers (PyYAML,
    the yaml.v2 under sigs.k8s.io/yaml): written quoted; values go in data as base64, never stringData."""
    import yaml as pyyaml

    words = ["y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf", "e1", "_1"]
    values = ["", "yes", "12:30", "\n", "\r\n", "\t", "\u2028", "\ufeff", "\x85", "'\"\\$`#", " # x ", "~"]
    data = {**{word: f"v{i}" for i, word in enumerate(words)}, **{f"val{i}": v for i, v in enumerate(values)}}
    manifest = pyyaml.load(to_k8s_secret(data, name="yes", namespace="on"), Loader=getattr(pyyaml, loader))
    assert manifest["metadata"] == {"name": "yes", "namespace": "on"} and "stringData" not in manifest
    assert {key: base64.b64decode(value).decode() for key, value in manifest["data"].items()} == {
        key.upper(): value for key, value in data.items()}


@pytest.mark.parametrize(("data", "refusal"), [
    ({"db": {None: "s3cret-a", "null": "s3cret-b"}}, 'db: the keys [null] and null are both the JSON key "null"'),
    ({dt.date(2024, 1, 2): "a", "2024-01-02": "b"}, 'the keys [2024-01-02] and ["2024-01-02"] are both the JSON key '
                                                    '"2024-01-02"'),
    ({"a": {float("inf"): 1}}, "a: the key [.inf] has no JSON spelling (JSON has no NaN or infinity)"),
])
def test_json_refuses_keys_of_any_type_it_would_spell_alike_or_cannot_spell(data: dict[object, object],
                                                                           refusal: str) -> None:
    """``render`` takes any data (a library caller's, PyYAML's): ``{None: a, "null": b}`` was written with the JSON key
    "null" twice (a reader kept one value), and a date or binary key crashed with a TypeError."""
    with pytest.raises(FormatError) as refused:
        render(data, "json")
    assert str(refused.value) == refusal and "s3cret" not in str(refused.value)


def test_json_spells_a_key_of_any_type_as_its_value_is_spelled() -> None:
    data = {None: 1, dt.date(2024, 1, 2): 2, b"\x00\xff": 3, 1.5: 4, dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC): 5}
    assert json.loads(render(data, "json")) == {"null": 1, "2024-01-02": 2, "AP8=": 3, "1.5": 4,
                                                "2024-01-02T03:04:05Z": 5}
