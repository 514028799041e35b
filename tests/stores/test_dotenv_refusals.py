"""A dotenv line python-dotenv cannot read is refused naming the line it is on (not the first of the blank
lines before it, which python-dotenv reads with it), its name where it has one, and what is wrong, never
its value; a name given twice or without ``=`` names its own line too. Found on real files (compose-go's and
phpdotenv's fixtures, a YAML file named ``.env``), refused as ``invalid dotenv line 2`` with no cause."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sealfile.errors import FormatError
from sealfile.model.paths import format_keypath
from sealfile.stores import get_store

SECRET = "s3cr3t-value"
BEFORE = ["", "A=1\n", "A=1\n\n\n", "A=1\n  \n\t\n", "A=1\r\n\r\n", "A=1\r\r", "# c\n\n"]
REFUSED = [  # (the bad line, its name, what the message says is wrong)
    ("INVALID LINE\n", None, "text after the first word that is not '='"),
    ("export SOME THING=1\n", None, "text after the first word that is not '='"),
    (f"TOKEN: {SECRET}\n", "TOKEN", "'TOKEN: value' is YAML's spelling: dotenv needs TOKEN=value"),
    (f'TOKEN="{SECRET}\n', "TOKEN", "the value's opening \" is never closed"),
    (f"export TOKEN='{SECRET}\n", "TOKEN", "the value's opening ' is never closed"),
    (f'TOKEN="{SECRET}" {SECRET}\n', "TOKEN", "text after the value's closing \""),
    (f"TOKEN='{SECRET}'{SECRET}\n", "TOKEN", "text after the value's closing '"),
    (f"={SECRET}\n", None, "no name before the '='"),
    (f"'TOKEN={SECRET}\n", None, "a name in ' quotes that are never closed"),
]


def _line_of(text: str, part: str) -> int:
    return len(re.split(r"\r\n|\r|\n", text[:text.index(part)]))


def _refusal(text: str) -> FormatError:
    with pytest.raises(FormatError) as refused:
        get_store("dotenv").load_editable(text)
    return refused.value


@pytest.mark.parametrize("before", BEFORE)
@pytest.mark.parametrize(("line", "name", "cause"), REFUSED)
def test_an_unreadable_line_is_named_with_its_line_and_cause(before: str, line: str, name: str | None,
                                                              cause: str) -> None:
    refused = _refusal(before + line + "B=2\n")
    where = _line_of(before + line, line)
    assert refused.message.startswith(f"invalid dotenv line {where}: {cause}"), refused.message
    assert refused.keypath == (format_keypath((name,)) if name else None)
    assert SECRET not in str(refused) and "\n" not in str(refused)


@pytest.mark.parametrize("before", BEFORE)
def test_a_name_given_twice_or_without_a_value_names_its_own_line(before: str) -> None:
    text = "Z=1\n" + before + "\n\nZ=2\n"
    twice = _refusal(text)
    assert twice.message == f"invalid dotenv line {_line_of(text, 'Z=2')}: duplicate key" and twice.keypath == "Z"
    text = before + "\n  \nDEBUG\n"
    with pytest.raises(FormatError) as unvalued:
        get_store("dotenv").check_sealable(get_store("dotenv").load_editable(text))
    assert unvalued.value.message.startswith(f"line {_line_of(text, 'DEBUG')} names DEBUG without")


def test_the_cli_names_the_file_line_and_cause_in_one_line(tmp_path: Path, age_identity, run_cli) -> None:  # type: ignore[no-untyped-def]
    plain = tmp_path / ".env"
    text = f"A=1\n\n# the database\nDB_PASSWORD: {SECRET}\n"
    plain.write_text(text)
    done = run_cli("encrypt", "--age", age_identity.recipient, "--in-place", str(plain))
    assert done.returncode == 1 and plain.read_text() == text
    assert done.stderr.strip().splitlines() == [
        f"sealfile: error: {plain}: DB_PASSWORD: invalid dotenv line 4: 'DB_PASSWORD: value' is YAML's "
        "spelling: dotenv needs DB_PASSWORD=value"], done.stderr
