"""decrypt's YAML means to a YAML 1.1 reader (PyYAML) what load_secrets returns, and a file that
declares another YAML version is refused on every path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

import sealfile
from sealfile.errors import FormatError
from sealfile.kms.age import AgeKey
from sealfile.ops.seal import seal_text
from sealfile.stores.yaml.portable import portable
from sealfile.stores.yaml.reader import load_fast
from sealfile.stores.yaml.scalars import float_text
from tests.support.cli import cli_env

pytest_plugins = ["tests.support.sealed_files"]

# Every spelling a YAML 1.1 reader takes otherwise, as values and as keys, sealed and in plaintext.
TRICKY = ["yes", "Yes", "NO", "on", "Off", "y", "n", "N", "0o12", "012", "08", "12:30", "190:20:30", "1:30.5",
          "1e3", "1.0e3", "-.5", "1.", "1_000", "0x1F", "0b101", "+12", "-0", ".inf", "-.Inf", ".NaN", "0o7",
          "2001-12-14", "true", "null", "~", "plain", "1.5"]
KEYS = ["yes", "Yes", "NO", "on", "Off", "y", "n", "N", "12:30", "190:20:30", "1:30.5", "0o12", "08", "plain"]
PLAINTEXT = "".join(f"v{i}: {t}\nv{i}_unencrypted: {t}\n" for i, t in enumerate(TRICKY)) + "".join(
    f"{t}: key-{i}\n" for i, t in enumerate(KEYS)) + "list_unencrypted: [yes, 012, 1e3]\n"


def _pyyaml(text: str) -> object:
    return yaml.safe_load(text)


def _normal(data: object) -> object:
    """NaN compares unequal to itself: compare its text instead."""
    if isinstance(data, dict):
        return {_normal(k): _normal(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_normal(v) for v in data]
    return "nan" if isinstance(data, float) and data != data else data


def _decrypt(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "sealfile", "decrypt", *args], capture_output=True, text=True,
                          env=cli_env(), timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_decrypt_output_means_the_same_to_pyyaml(age_key: AgeKey, tmp_path: Path) -> None:
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text(PLAINTEXT, [age_key]))
    loaded = sealfile.load_secrets(path, redacted=False)
    assert loaded["v0"] == "yes" and loaded["v1"] == "Yes" and loaded["v11"] == "12:30"  # what the file means
    assert _decrypt(str(path)) == PLAINTEXT  # by default, the file's own text byte for byte
    for output in (_decrypt("--portable", str(path)), _decrypt("--portable", "--output-type", "yaml", str(path))):
        assert "%YAML" not in output
        assert _normal(_pyyaml(output)) == _normal(loaded)
    # a value sealfile spells itself is written so that YAML 1.1 readers agree, even byte-exact
    subprocess.run([sys.executable, "-m", "sealfile", "set", str(path), "new", "on"], env=cli_env(), check=True,
                   capture_output=True)
    assert _pyyaml(_decrypt(str(path)))["new"] == "on"


@pytest.mark.parametrize("plaintext", [
    "\ufeffa: yes\nb: 012\nc: 1e3\n",                       # a byte-order mark: every position was one off
    "a: 1\rb: yes\rc: plain\r",                              # lone CR line breaks: no token was found
    "base: &b\n  x: 1\n  y: s\nother:\n  <<: *b\n  y: t\n",   # a key a merge names again: re-spelled twice
    "a: &a {y: 1}\nc: {<<: [*a], z: on}\n",
])
def test_portable_output_of_any_layout_means_the_same_to_pyyaml(age_key: AgeKey, tmp_path: Path,
                                                                 plaintext: str) -> None:
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text(plaintext, [age_key]), newline="")
    output = _decrypt("--portable", str(path))
    assert _pyyaml(output) == sealfile.load_secrets(path, redacted=False)


@pytest.mark.parametrize(("syntax", "plaintext"), [
    ("json", '{"yes": 1, "on": {"n": "y", "l": ["off", "12:30"]}}\n'), ("dotenv", "yes=on\nN=12:30\n"),
    ("json", "{}\n"), ("json", '{"a": {}}'), ("dotenv", ""),
])
def test_a_file_sealed_into_yaml_from_another_syntax_reads_back_the_same_everywhere(
        age_key: AgeKey, tmp_path: Path, syntax: str, plaintext: str) -> None:
    """Sealed from JSON or dotenv into YAML, keys such as ``yes`` and ``on`` were written plain (booleans to
    YAML 1.1 readers), and an empty document was given a MAC the YAML reader refuses (its read-back
    went through another reader than the one every command uses)."""
    from sealfile.stores import get_store

    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text(plaintext, [age_key], store=get_store(syntax), output=get_store("yaml")))
    loaded = sealfile.load_secrets(path, redacted=False)
    for output in (_decrypt(str(path)), _decrypt("--output-type", "yaml", str(path))):
        assert (_pyyaml(output) or {}) == loaded
    assert _pyyaml(path.read_text())["sealfile"]["version"] == 2


@pytest.mark.parametrize(("keypath", "value", "kind"), [
    ("new", "1e-7", "float"), ("new", "1e20", "float"), ("a", "1e-7", "float"), ("l.1", "5e-324", "float"),
    ("sub", "{x: 1e-7, l: [2.5e+20]}", "yaml"), ("l", "[1e16]", "yaml"),
])
def test_a_float_set_means_the_same_to_pyyaml(age_key: AgeKey, tmp_path: Path, keypath: str, value: str,
                                              kind: str) -> None:
    """A float sealfile wrote as a new key, subtree or list item was spelled as ruamel spells it
    (``1e-07``), which YAML 1.1 readers read as a string; a replaced value was spelled ``1.0e-07``."""
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text("a: 1\nl:\n  - 0\n", [age_key]))
    subprocess.run([sys.executable, "-m", "sealfile", "set", "--type", kind, str(path), keypath, value],
                   env=cli_env(), check=True, capture_output=True)
    assert _pyyaml(_decrypt(str(path))) == sealfile.load_secrets(path, redacted=False)


@pytest.mark.parametrize("plaintext", ["a: yes\n---\nb: 1:20\n", "a: x\tyes\nb: [c\td]\n"])
def test_streams_and_tabs_mean_the_same_to_pyyaml(plaintext: str, age_key: AgeKey, tmp_path: Path) -> None:
    """--portable of a stream of documents failed with an internal error; a plain value holding a tab was
    left plain, where PyYAML ends the value at the tab and then cannot read on."""
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text(plaintext, [age_key]))
    output = _decrypt("--portable", str(path))
    assert list(yaml.safe_load_all(output)) == list(YAML(typ="safe").load_all(plaintext))


def test_an_extracted_subtree_means_the_same_to_pyyaml(age_key: AgeKey, tmp_path: Path) -> None:
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text("db:\n  enabled: off\n  port: 0o17\n  at: 12:30\n", [age_key]))
    extracted = _decrypt("--portable", "--extract", "db", str(path))
    assert _pyyaml(extracted) == {"enabled": "off", "port": 15, "at": "12:30"}


@pytest.mark.parametrize("directive", ["%YAML 1.1", "%YAML 1.0", "%YAML 2.0"])
def test_a_file_declaring_another_yaml_version_is_refused_on_every_path(
        age_key: AgeKey, tmp_path: Path, directive: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.enc.yaml"
    path.write_text(f"{directive}\n---\n" + seal_text("a: yes\n", [age_key]))
    for fast in ("1", "0"):
        monkeypatch.setenv("SEALFILE_FAST_PATH", fast)
        with pytest.raises(FormatError, match=r"only YAML 1\.2 is supported"):
            sealfile.load_secrets(path)
        done = subprocess.run([sys.executable, "-m", "sealfile", "decrypt", str(path)], capture_output=True,
                              text=True, env=cli_env(), timeout=60)
        assert done.returncode == 1 and "only YAML 1.2 is supported" in done.stderr and not done.stdout


TOKENS = st.one_of(st.sampled_from(TRICKY), st.text(alphabet="0123456789:._eE+-xobyYnNoO~", min_size=1, max_size=8))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(TOKENS, TOKENS), min_size=1, max_size=6))
def test_any_plain_scalar_reads_the_same_in_pyyaml_after_portable(pairs: list[tuple[str, str]]) -> None:
    lines = [f"k{i}: {value}\n" for i, (_, value) in enumerate(pairs)]
    lines += [f"{key}: x{i}\n" for i, (key, _) in enumerate(pairs)]
    lines.append("flow: [" + ", ".join(value for _, value in pairs) + "]\n")
    text = "".join(lines)
    try:
        expected = load_fast(text)
    except FormatError:  # not YAML at all (or duplicate keys): nothing to print
        return
    assert _normal(_pyyaml(portable(text))) == _normal(expected)


@pytest.mark.parametrize("value", [1e20, 1.5e-7, 1000.0, -0.0, 0.1, float("inf"), float("-inf"), 123456789.0])
def test_floats_are_written_so_both_versions_read_them_back(value: float) -> None:
    text = float_text(value)
    assert yaml.safe_load(f"a: {text}")["a"] == value == load_fast(f"a: {text}")["a"]


def test_text_libyaml_cannot_parse_is_made_portable_with_ruamels_own_parser() -> None:
    """A time inside a flow list is YAML 1.2 that libyaml refuses: decrypt must still print it."""
    text = "in_flow: [on, 2024-01-01 10:00:00, 0o17]\n"
    assert portable(text) == 'in_flow: ["on", 2024-01-01 10:00:00, 15]\n'


@pytest.mark.parametrize("written", ["2024-01-01T23:59:59.9999999Z", "2024-01-01 10:00:00.123456789 +5",
                                     "2024-01-01T10:00:00.1234567"])
def test_a_time_finer_than_a_microsecond_is_refused_never_rounded(written: str) -> None:
    """ruamel rounded the fraction (a day later, for the first), PyYAML cut it: each read its own time."""
    with pytest.raises(FormatError, match="a time finer than a microsecond"):
        portable(f"at: {written}\n")
    with pytest.raises(FormatError, match="a time finer than a microsecond"):
        load_fast(f"at: {written}\n")


@pytest.mark.parametrize("written", ["2024-01-01T10:00:00.123456Z", "2024-01-01T10:00:00.1234560000Z"])
def test_a_time_to_the_microsecond_reads_alike(written: str) -> None:
    text = f"at: {written}\n"
    assert yaml.safe_load(portable(text)) == load_fast(text)


@pytest.mark.parametrize("plaintext", [
    "db: &a1 0o17\n", "db: [&a 0o17, &b yes]\n", "- &x yes\n", "a: &a1 0o17\nb: *a1\n", "&k yes: 1\n",
    "a: &a\n  on\n", "a: &a 12:30\n",
])
def test_an_anchored_plain_scalar_means_the_same_to_pyyaml(plaintext: str) -> None:
    """An anchor before a plain scalar hid it from the re-spelling: ``db: &a1 0o17`` is 15, PyYAML read '0o17'."""
    wanted = list(YAML(typ="safe").load_all(plaintext))
    assert list(yaml.load_all(portable(plaintext), Loader=yaml.CSafeLoader)) == wanted
    assert list(YAML(typ="safe").load_all(portable(plaintext))) == wanted
