"""Which values are encrypted, decided three ways for one creation rule: by the real ``sops`` (from a
``.sops.yaml``), by ``sealfile encrypt`` (the ``.sealfile.yaml`` that ``import-sops .sops.yaml`` converts it to:
model/rules.py) and by
sealfile's SOPS reader, ``import-sops`` and ``export-sops`` (sops/rules.py and the conversions between the
two). Every way must pick the same leaves, over keys of every kind: text that looks like a number, a
boolean or null, the empty key, the suffix itself, unicode, keys in lists of mappings, nested matches."""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sealfile.model.scalars import is_sealed
from tests.sops.conftest import AgeIdentity, run_sops
from tests.support.cli import run_cli

Leaf = tuple[Any, ...]
RUNS = itertools.count()
"""A directory of its own for each example (hypothesis runs them all in one test's ``tmp_path``)."""

DOCUMENT = {
    "1": "a", "true": "b", "null": "c", "": "d", "_unencrypted": "e", "x_unencrypted": "f", "é_pass": "g",
    "password": "h", "list": [{"password": "i", "1": "j", "ok": "k"}, "plain", ["deep"]],
    "nested": {"password": {"deep": "l"}, "2": {"3": "m"}, "x_unencrypted": {"password": "n"}},
    "ключ_pass": 5, "日本": True,
}
TABLE = [
    ("encrypted_regex", "^1$"), ("encrypted_regex", "pass"), ("encrypted_regex", "^$"),
    ("encrypted_regex", "^(true|null)$"), ("encrypted_regex", "^(True|None)$"), ("encrypted_regex", "^2$"),
    ("encrypted_regex", "\\w_pass$"), ("encrypted_regex", "^[^a-z]"), ("unencrypted_regex", "^(1|true|null)$"),
    ("unencrypted_regex", "^$"), ("unencrypted_regex", "pass"), ("unencrypted_suffix", "_unencrypted"),
    ("unencrypted_suffix", "_pass"), ("unencrypted_suffix", "1"), ("encrypted_suffix", "_pass"),
    ("encrypted_suffix", "_unencrypted"), ("encrypted_suffix", "."),
]


def _leaves(node: Any, path: Leaf = ()) -> dict[Leaf, Any]:
    if isinstance(node, dict):
        return {leaf: value for key, inner in node.items() if (path or key != "sops")
                for leaf, value in _leaves(inner, (*path, key)).items()}
    if isinstance(node, list):
        return {leaf: value for index, inner in enumerate(node)
                for leaf, value in _leaves(inner, (*path, index)).items()}
    return {path: node}


def sops_encrypted(text: str) -> set[Leaf]:
    return {leaf for leaf, value in _leaves(yaml.safe_load(text)).items()
            if isinstance(value, str) and value.startswith("ENC[AES256_GCM,")}


def sealed(text: str) -> set[Leaf]:
    first = next(yaml.safe_load_all(text))  # the metadata may follow in a document of its own
    return {leaf for leaf, value in _leaves(first).items() if is_sealed(value)}


def _rule_file(path: Path, recipient: str, rule: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump({"creation_rules": [{"age": recipient, **rule}]}), encoding="utf-8")


def agreement(document: dict[str, Any], kind: str, pattern: str, mac_only: bool, identity: AgeIdentity,
              work: Path) -> dict[str, Any]:
    """What each way encrypts, beside what SOPS encrypts (``sops``): each entry a set of leaves, or an error."""
    work.mkdir(parents=True, exist_ok=True)
    env = {"SOPS_AGE_KEY_FILE": str(identity.key_file), "SEALFILE_AGE_KEY_FILE": str(identity.key_file)}
    (work / "plain.yaml").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    _rule_file(work / ".sops.yaml", identity.recipient, {kind: pattern, **({"mac_only_encrypted": True} if mac_only
                                                                            else {})})
    done = run_sops(["--config", str(work / ".sops.yaml"), "encrypt", str(work / "plain.yaml")], {**os.environ, **env})
    assert done.returncode == 0, done.stderr
    (work / "s.yaml").write_text(done.stdout, encoding="utf-8")
    found: dict[str, Any] = {"sops": sops_encrypted(done.stdout)}
    shown = run_cli("decrypt", "s.yaml", env=env, cwd=work)
    theirs = run_sops(["decrypt", str(work / "s.yaml")], {**os.environ, **env})
    found["read"] = (yaml.safe_load(shown.stdout) == yaml.safe_load(theirs.stdout)) if shown.returncode == 0 \
        else shown.stderr.strip()
    imported = run_cli("import-sops", "s.yaml", env=env, cwd=work)
    found["import-sops"] = sealed(imported.stdout) if imported.returncode == 0 else imported.stderr.strip()
    if pattern:  # the .sops.yaml as a team moving over converts it (its patterns are Go's, sealfile's Python's)
        converted = run_cli("import-sops", ".sops.yaml", "-o", ".sealfile.yaml", env=env, cwd=work)
        assert converted.returncode == 0, converted.stderr
        own = run_cli("encrypt", "plain.yaml", "-o", "f.enc.yaml", env=env, cwd=work)
        found["encrypt"] = sealed((work / "f.enc.yaml").read_text("utf-8")) if own.returncode == 0 \
            else own.stderr.strip()
        if own.returncode == 0:
            back = run_cli("export-sops", "f.enc.yaml", "-o", "e.yaml", env=env, cwd=work)
            found["export-sops"] = sops_encrypted((work / "e.yaml").read_text("utf-8")) if back.returncode == 0 \
                else back.stderr.strip()
    return found


def assert_agree(found: dict[str, Any]) -> None:
    expected = found.pop("sops")
    assert found.pop("read") is True
    assert found == dict.fromkeys(found, expected)


@pytest.mark.parametrize(("kind", "pattern"), TABLE)
def test_every_way_encrypts_what_sops_encrypts(kind: str, pattern: str, sops_identity: AgeIdentity,
                                               tmp_path: Path) -> None:
    assert_agree(agreement(DOCUMENT, kind, pattern, False, sops_identity, tmp_path))


def test_mac_only_encrypted_reads_and_imports_alike(sops_identity: AgeIdentity, tmp_path: Path) -> None:
    found = agreement(DOCUMENT, "encrypted_regex", "^(1|password)$", True, sops_identity, tmp_path)
    assert found["sops"] == {("1",), ("password",), ("list", 0, "password"), ("list", 0, "1"),
                             ("nested", "password", "deep"), ("nested", "x_unencrypted", "password")}
    assert_agree(found)


KEYS = st.sampled_from(["1", "0", "-1", "true", "false", "null", "~", "", "_unencrypted", "x_unencrypted",
                        "_unencrypted_x", "pass", "password", "é_pass", "ключ", "日本語", "a b", "x.y", "MAC"])
SCALARS = st.text("abc12", min_size=1, max_size=4) | st.integers(-5, 99) | st.booleans()
DOCUMENTS = st.recursive(SCALARS, lambda inner: st.lists(inner, min_size=1, max_size=3)
                         | st.dictionaries(KEYS, inner, min_size=1, max_size=4), max_leaves=12)
PATTERNS = {
    "encrypted_regex": ["^1$", "pass", "^$", "^(true|null|~)$", "[0-9]", "é", "\\.", "^_", "^x", "word$"],
    "unencrypted_regex": ["^1$", "pass", "^$", "^(true|null|~)$", "[0-9]", "é", "^_", " "],
    "unencrypted_suffix": ["_unencrypted", "pass", "1", "é_pass", "x", "ass"],
    "encrypted_suffix": ["_unencrypted", "pass", "1", "é_pass", "x", "."],
}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=st.dictionaries(KEYS, DOCUMENTS, min_size=1, max_size=5),
       rule=st.sampled_from(sorted(PATTERNS)).flatmap(lambda kind: st.tuples(st.just(kind),
                                                                             st.sampled_from(PATTERNS[kind]))),
       mac_only=st.booleans())
def test_random_documents_encrypt_alike_every_way(document: dict[str, Any], rule: tuple[str, str], mac_only: bool,
                                                  sops_identity: AgeIdentity, tmp_path: Path) -> None:
    assert_agree(agreement(document, *rule, mac_only, sops_identity, tmp_path / str(next(RUNS))))


NON_STRING = [  # (plaintext, rule, the key path set is given): the rule matches an integer or boolean key's text
    ("password: a\n1: secret\n", {"encrypted_regex": "^(password|1)$"}, "[1]"),
    ("db:\n  - true: secret\n", {"encrypted_regex": "^true$"}, "db[true]"),
    ("x:\n  -3: secret\n", {"encrypted_regex": "3"}, "x[-3]"),
    ("7: kept plain\nother: sealed\n", {"unencrypted_regex": "^7$"}, "[7]"),
    ("11: kept plain\n", {"unencrypted_suffix": "1"}, "a[11]"),
]


@pytest.mark.parametrize(("plaintext", "rule", "keypath"), NON_STRING)
def test_a_rule_that_would_match_a_non_string_key_is_refused(plaintext: str, rule: dict[str, str], keypath: str,
                                                            sops_identity: AgeIdentity, tmp_path: Path) -> None:
    """SOPS reads every key as text and refuses a file with any other key; sealfile's rules look at string keys
    only (docs/format.md §6). Where that reading would change the answer, sealfile refuses to seal, naming the
    key, rather than leave ``1: secret`` in plaintext under ``encrypted_regex: ^(password|1)$``."""
    env = {"SOPS_AGE_KEY_FILE": str(sops_identity.key_file), "SEALFILE_AGE_KEY_FILE": str(sops_identity.key_file)}
    (tmp_path / "plain.yaml").write_text(plaintext, encoding="utf-8")
    _rule_file(tmp_path / ".sops.yaml", sops_identity.recipient, rule)
    refused = run_sops(["--config", str(tmp_path / ".sops.yaml"), "encrypt", str(tmp_path / "plain.yaml")],
                       {**os.environ, **env})
    assert refused.returncode != 0 and "non-string key" in refused.stderr
    _rule_file(tmp_path / ".sealfile.yaml", sops_identity.recipient, rule)
    done = run_cli("encrypt", "plain.yaml", "-o", "f.enc.yaml", env=env, cwd=tmp_path)
    assert done.returncode == 1 and "looks at string keys only" in done.stderr, done.stderr
    assert not (tmp_path / "f.enc.yaml").exists()
    # mappings under x and a: below nothing, ``x[-3]`` is a list index (set then makes a list), not a key
    (tmp_path / "plain.yaml").write_text("other: x\nx: {k: v}\na: {k: v}\n", encoding="utf-8")
    assert run_cli("encrypt", "plain.yaml", "-o", "f.enc.yaml", env=env, cwd=tmp_path).returncode == 0
    before = (tmp_path / "f.enc.yaml").read_bytes()
    placed = run_cli("set", "f.enc.yaml", keypath, "secret", env=env, cwd=tmp_path)
    assert placed.returncode == 1 and "looks at string keys only" in placed.stderr, placed.stderr
    assert (tmp_path / "f.enc.yaml").read_bytes() == before


def test_a_non_string_key_the_rule_does_not_match_seals_as_sops_reads_its_text(sops_identity: AgeIdentity,
                                                                                tmp_path: Path) -> None:
    env = {"SEALFILE_AGE_KEY_FILE": str(sops_identity.key_file)}
    (tmp_path / "plain.yaml").write_text("2: a\ntrue: b\npassword: c\n", encoding="utf-8")
    _rule_file(tmp_path / ".sealfile.yaml", sops_identity.recipient, {"encrypted_regex": "^pass"})
    done = run_cli("encrypt", "plain.yaml", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sealed(done.stdout) == {("password",)}


@pytest.mark.parametrize(("plaintext", "rule"), [
    ("db:\n  1: x\n", {"encrypted_regex": "^"}),  # "db" already seals it: the key's text changes nothing
    ("plain_unencrypted:\n  1: x\n", {"unencrypted_regex": "_unencrypted|1"}),
])
def test_a_non_string_key_whose_text_changes_nothing_seals(plaintext: str, rule: dict[str, str],
                                                           sops_identity: AgeIdentity, tmp_path: Path) -> None:
    env = {"SEALFILE_AGE_KEY_FILE": str(sops_identity.key_file)}
    (tmp_path / "plain.yaml").write_text(plaintext, encoding="utf-8")
    _rule_file(tmp_path / ".sealfile.yaml", sops_identity.recipient, rule)
    done = run_cli("encrypt", "plain.yaml", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sealed(done.stdout) == ({("db", 1)} if "db" in plaintext else set())
