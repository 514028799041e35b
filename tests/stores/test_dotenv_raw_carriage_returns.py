"""A raw CR or CRLF inside a quoted dotenv value (a file saved on Windows) is a line feed to python-dotenv,
which opens a path with universal newlines: sealfile read ``a\\r\\nb`` where the application reads ``a\\nb``,
so ``exec``, ``load_env`` and ``--output-type json`` gave a value the plaintext file never gave it, and
``--output-type dotenv`` refused it. An escaped CR (``"\\r"``) is a CR to both."""

from __future__ import annotations

import json
from pathlib import Path

import dotenv
import pytest

from sealfile.kms.age import AgeKey
from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.identities import AgeIdentity

FILES = [
    'L="a\r\nb"\r\n',
    "L='a\r\nb'\r\n",
    'L="a\rb"\n',
    "L='a\rb'\n",
    'K=v\r\nL="a\r\n\r\nb"\r\nM="c\\rd"\r\n',
    'L="a\\rb\r\nc"\r\n',
    'L="x"\r\nM="a\\r\\nb"\r\n',
]


@pytest.mark.parametrize("text", FILES)
def test_values_are_read_as_python_dotenv_reads_the_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / ".env"
    path.write_bytes(text.encode())
    read = get_store("dotenv").load_editable(text)
    assert {key: str(read[key]) for key in read} == dict(dotenv.dotenv_values(path))


@pytest.mark.parametrize("text", FILES)
def test_sealed_and_opened_the_file_is_byte_for_byte_and_its_values_the_applications(
        age_identity: AgeIdentity, tmp_path: Path, text: str) -> None:
    path = tmp_path / ".env"
    path.write_bytes(text.encode())
    store = get_store("dotenv")
    sealed = seal_text(text, [AgeKey(age_identity.recipient)], store=store)
    assert decrypt_text(sealed, store=store) == text
    as_json = json.loads(decrypt_text(sealed, store=store, output=get_store("json")))
    assert as_json == dict(dotenv.dotenv_values(path))
