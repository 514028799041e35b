"""An error, and every line naming a key path, is one line: a key's line break or escape is shown escaped."""

from __future__ import annotations

from pathlib import Path

import pytest

from sealfile.errors import FormatError
from sealfile.ops import change
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity


def test_an_error_shows_control_characters_of_its_key_path_and_file_escaped() -> None:
    err = FormatError("no such key", file="a\nb.json", keypath='["k\nl\x1b[31m"]')
    assert str(err) == 'a\\nb.json: ["k\\nl\\x1b[31m"]: no such key'
    assert str(FormatError("x", keypath="db.é😀")) == "db.é😀: x"


def test_a_dotenv_name_sealfile_cannot_write_is_named_on_one_line(age_identity: AgeIdentity) -> None:
    store = get_store("dotenv")
    sealed = seal_text("A=1\n", [age_identity.key], store=store)
    with pytest.raises(FormatError, match="dotenv names must start") as refused:
        change.set_value(sealed, '["k\\nl"]', "x", store)
    assert str(refused.value).startswith('["k\\nl"]: ') and "\n" not in str(refused.value)
    with pytest.raises(FormatError, match="dotenv names must start") as refused:
        change.set_value(sealed, '[""]', "x", store)
    assert refused.value.keypath == '[""]'


@pytest.mark.parametrize("name", ["s.json", "s.env"])
def test_set_and_unset_print_one_line(age_identity: AgeIdentity, run_cli: RunCli, tmp_path: Path, name: str) -> None:
    syntax = "json" if name.endswith(".json") else "dotenv"
    path = tmp_path / name
    path.write_text(seal_text('{"a": 1}' if syntax == "json" else "A=1\n", [age_identity.key],
                              store=get_store(syntax)), encoding="utf-8")
    keypath = '["k\nl\x1b"]'  # as typed in a shell: $'["k\nl\x1b"]'
    for command in (["set", path, keypath, "x"], ["unset", path, keypath]):
        result = run_cli(*command)
        assert result.stderr.count("\n") == 1, result.stderr
        assert "\x1b" not in result.stderr and '["k\\nl' in result.stderr
