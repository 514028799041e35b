"""A dotenv file's recipient lines are JSON read as a JSON file is: one meaning for each stanza."""

from __future__ import annotations

import pytest

from sealfile.errors import FormatError
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.ops.reader import read_document
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store


@pytest.fixture(scope="module")
def sealed() -> str:
    return seal_text("PASSWORD=hunter2\n", [AgeKey(generate_identity()[1])], store=get_store("dotenv"))


@pytest.mark.parametrize(("added", "cause"), [
    ('"type": "aws_kms", ', "duplicate key"),  # Python's json kept the last "type", other readers the first
    ('"\\ud800": 1, ', "lone surrogate"),
])
def test_a_recipient_line_a_json_file_could_not_hold_is_refused(sealed: str, added: str, cause: str) -> None:
    hostile = sealed.replace("sealfile_recipient_0='{", "sealfile_recipient_0='{" + added, 1)
    assert hostile != sealed
    with pytest.raises(FormatError, match=cause) as caught:
        read_document(hostile, get_store("dotenv"))
    assert caught.value.keypath == "sealfile_recipient_0"
    assert "hunter2" not in str(caught.value)


def test_a_sealed_dotenv_file_still_reads(sealed: str) -> None:
    assert read_document(sealed, get_store("dotenv")).metadata.recipients
