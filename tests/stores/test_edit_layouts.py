"""Edits keep the rest of a real file byte for byte (docs/format.md §1): shapes found by sealing real
JSON and dotenv files and editing them through the command line (samples anonymised, cut to the lines
that matter).

A ``set`` rewrites one value's place, an ``unset`` cuts one entry, and ``set`` of a new name followed
by ``unset`` of it gives the file back exactly.
"""

from __future__ import annotations

import pytest

from sealfile.kms.age import AgeKey
from sealfile.ops import change
from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.identities import AgeIdentity

DOTENV = get_store("dotenv")


@pytest.fixture
def key(age_identity: AgeIdentity) -> AgeKey:
    return age_identity.key


@pytest.mark.parametrize(("plaintext", "name", "expected"), [
    ("APP_ENV=production\r\nDB_PASSWORD=hunter2", "DB_PASSWORD", "APP_ENV=production\r\nDB_PASSWORD=x"),  # autocrlf
    ("A=1\r\nC=three # why", "C", "A=1\r\nC=x # why"),
    ("A=1\r\r\nC='three'", "C", "A=1\r\r\nC='x'"),  # CRs alone break no line to a shell: refused, unless before LF
])
def test_setting_the_unended_last_line_of_a_dotenv_file_adds_no_line_break(
        key: AgeKey, plaintext: str, name: str, expected: str) -> None:
    """The last value of a CRLF file without a final line break: its new line had a lone LF after it."""
    sealed = seal_text(plaintext, [key], store=DOTENV)
    assert decrypt_text(change.set_value(sealed, name, "x", DOTENV), store=DOTENV) == expected


@pytest.mark.parametrize(("plaintext", "name", "expected"), [
    ("A=1\n\nB=2\nC=3\n", "B", "A=1\n\nC=3\n"),  # a section's first entry: the blank line before it stays
    ("# db\nA=1\n\n\n  B=2\r\n", "B", "# db\nA=1\n\n\n"),
    ("\nA=1\nB=2\n", "A", "\nB=2\n"),
])
def test_unsetting_a_dotenv_entry_cuts_its_own_line(key: AgeKey, plaintext: str, name: str, expected: str) -> None:
    sealed = seal_text(plaintext, [key], store=DOTENV)
    assert decrypt_text(change.unset_value(sealed, name, DOTENV), store=DOTENV) == expected


@pytest.mark.parametrize("plaintext", [
    "A=1\n\n\n",                  # a file ending in blank lines: the new name goes after them
    "APP=x\nOPTION-B=def\n\n",
    "A=1\r\n\r\n",
])
def test_a_new_dotenv_name_set_then_unset_gives_the_file_back(key: AgeKey, plaintext: str) -> None:
    sealed = seal_text(plaintext, [key], store=DOTENV)
    added = change.set_value(sealed, "NEW_NAME", "v", DOTENV)
    assert decrypt_text(added, store=DOTENV).startswith(plaintext)
    assert decrypt_text(change.unset_value(added, "NEW_NAME", DOTENV), store=DOTENV) == plaintext
