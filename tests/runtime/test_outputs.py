from __future__ import annotations

import base64
import datetime as dt
import io
import json

import dotenv
import jsonschema
import pytest
from ruamel.yaml import YAML

from sealfile.errors import ConfigError
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
                                                 ("ok", "has.dot"), ("ok", "x" * 64)])
def test_k8s_secret_refuses_invalid_names(name: str, namespace: str | None) -> None:
    with pytest.raises(ConfigError):
        to_k8s_secret({"a": "b"}, name=name, namespace=namespace)


def test_k8s_secret_needs_a_name_and_unknown_formats_are_refused() -> None:
    with pytest.raises(ConfigError):
        render({"a": "b"}, "k8s-secret")
    with pytest.raises(ConfigError):
        render({"a": "b"}, "toml")
