from __future__ import annotations

import datetime as dt

import pytest

from sealfile.errors import ConfigError, FormatError
from sealfile.runtime.flatten import NameCollisionError, flatten


def test_nested_keys_become_upper_case_names() -> None:
    tree = {"database": {"password": "pw", "host-name": "db.local"}, "api": {"key.v2": "k"}}
    assert flatten(tree) == {"DATABASE_PASSWORD": "pw", "DATABASE_HOST_NAME": "db.local", "API_KEY_V2": "k"}


def test_list_positions_are_numbers_and_order_is_kept() -> None:
    tree = {"hosts": ["a", {"name": "b"}], "z": 1, "a": 2}
    assert list(flatten(tree).items()) == [("HOSTS_0", "a"), ("HOSTS_1_NAME", "b"), ("Z", "1"), ("A", "2")]


def test_values_are_text() -> None:
    tree = {
        "on": True, "off": False, "none": None, "port": 5432, "ratio": 0.5,
        "day": dt.date(2024, 5, 1), "blob": b"\x00\x01", "text": "x\ny",
    }
    assert flatten(tree) == {
        "ON": "true", "OFF": "false", "NONE": "", "PORT": "5432", "RATIO": "0.5",
        "DAY": "2024-05-01", "BLOB": "AAE=", "TEXT": "x\ny",
    }


def test_prefix_goes_in_front() -> None:
    assert flatten({"db": {"pw": "x"}}, prefix="APP_") == {"APP_DB_PW": "x"}


def test_bad_prefix_is_refused() -> None:
    with pytest.raises(ConfigError):
        flatten({"a": "b"}, prefix="APP-")


def test_empty_containers_give_no_name() -> None:
    assert flatten({"a": {}, "b": [], "c": "x"}) == {"C": "x"}


def test_collision_names_both_paths_and_no_value() -> None:
    with pytest.raises(NameCollisionError) as info:
        flatten({"database": {"password": "secret-one"}, "database_password": "secret-two"})
    message = str(info.value)
    assert "database.password" in message and "database_password" in message and "DATABASE_PASSWORD" in message
    assert "secret" not in message


def test_a_scalar_cannot_be_flattened() -> None:
    with pytest.raises(FormatError):
        flatten("just a value")


@pytest.mark.parametrize(("tree", "keypath", "name"), [
    ({"2fa": {"secret": "s3cret-one"}}, "[\"2fa\"][\"secret\"]", "2FA_SECRET"),
    (["s3cret-one"], "0", "0"),
    ({7: "s3cret-one"}, "[7]", "7"),
])
def test_a_name_no_shell_can_set_is_refused_with_its_key_path(tree: object, keypath: str, name: str) -> None:
    with pytest.raises(FormatError) as refused:
        flatten(tree)
    assert str(refused.value) == (f"{keypath}: gives the name {name}, which starts with a digit: no shell can set "
                                  "it (use a prefix)")
    assert flatten(tree, prefix="APP_") == {f"APP_{name}": "s3cret-one"}


@pytest.mark.parametrize("value", ["a\0b", "s3cret-\ud800"])
def test_a_value_no_environment_can_hold_is_refused_for_every_output(value: str) -> None:
    """The dotenv and Kubernetes outputs give the same variables as load_env, or none."""
    from sealfile.runtime.outputs import to_dotenv, to_k8s_secret

    for render in (flatten, to_dotenv, lambda tree: to_k8s_secret(tree, name="web")):
        with pytest.raises(FormatError, match=r"^db\.pw: holds .*no environment variable can"):
            render({"db": {"pw": value}})
