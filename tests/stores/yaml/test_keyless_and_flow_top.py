"""Texts real YAML files hold that had no place for the metadata block (docs/format.md §1): a file
with no key yet (empty, comments, a lone ``---``, ``---`` then ``...``) and a top-level flow mapping (JSON written in a
``.yaml`` file). Each seals, decrypts byte for byte, and takes every writer; ``set`` of a new key
then ``unset`` of it gives the text back, and removing a file's last key leaves it with none."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from sealfile.kms.age import AgeKey
from sealfile.ops import change
from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_text
from sealfile.runtime.loader import load_secrets
from tests.support.identities import AgeIdentity

KEYLESS = ["", "\n\n", "# nothing yet\n", "# no final break", "---\n", "--- # secrets\n", "%YAML 1.2\n---\n",
           "\ufeff# bom\r\n", "# a\n\n# b\n\n", "---\n...\n", "--- # x\n# c\n...  # end"]
FLOW_TOP = ["{a: 1, b: x}\n", '{\n  "db": {"password": "p"},\n  "port": 5432\n}', "--- {a: 1}\n# end\n",
            "{a: 1}\n...\n", "{a: [1, 2], b: {c: d}} # note\r\n"]


@pytest.fixture
def key(age_identity: AgeIdentity) -> AgeKey:
    return age_identity.key


@pytest.mark.parametrize("text", KEYLESS + FLOW_TOP)
def test_seals_and_decrypts_byte_for_byte(key: AgeKey, text: str) -> None:
    assert decrypt_text(seal_text(text, [key])) == text


@pytest.mark.parametrize("text", KEYLESS)
def test_a_file_with_no_key_takes_a_first_key(key: AgeKey, text: str) -> None:
    sealed = seal_text(text, [key])
    with_key = change.set_value(sealed, "db.password", "hunter2")
    assert YAML(typ="safe").load(decrypt_text(with_key).lstrip("\ufeff")) == {"db": {"password": "hunter2"}}
    assert decrypt_text(change.unset_value(with_key, "db")) == text


@pytest.mark.parametrize("text", FLOW_TOP)
def test_a_top_level_flow_mapping_takes_every_writer(key: AgeKey, text: str) -> None:
    expected = YAML(typ="safe").load(text)
    sealed = seal_text(text, [key])
    assert decrypt_text(change.rotate(sealed)) == text
    added = change.set_value(sealed, "zz", "v")
    assert YAML(typ="safe").load(decrypt_text(added)) == {**expected, "zz": "v"}
    assert decrypt_text(change.unset_value(added, "zz")) == text
    # a new key goes on the line of the last one, or on a line of its own where each entry has one
    one_a_line = text.startswith("{\n")
    assert decrypt_text(change.set_value(sealed, "a", "9")).count("\n") == text.count("\n") + one_a_line


@pytest.mark.parametrize(("text", "left"), [
    ("a: 1\n", ""), ("# c\na: 1 # d\n# e\n", "# c\n# e\n"), ("{a: 1}\n", "{}\n"),
    # a '...' end marker needs a value before it ('...' alone does not parse): the mapping stays, empty
    ("a: 1\n...\n", "{}\n...\n"), ("a: 1 # c\n...\n# after\n", "{}\n...\n# after\n"),
    ("a: 1\r\n...\r\n", "{}\r\n...\r\n"), ("%YAML 1.2\n---\na: 1\n...\n", "%YAML 1.2\n---\n...\n")])
def test_removing_the_last_key_leaves_a_file_with_none(key: AgeKey, text: str, left: str) -> None:
    emptied = change.unset_value(seal_text(text, [key]), "a")
    assert decrypt_text(emptied) == left


def test_a_sealed_file_with_no_key_loads_as_an_empty_mapping(key: AgeKey, tmp_path: Path) -> None:
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text("# to be filled\n", [key]))
    assert load_secrets(path, redacted=False) == {}
