"""Fuzzing the parsers and the metadata reader (hypothesis, bounded: 200 examples each, no deadline).

Properties:
- any text given to any store's readers either parses or raises a :class:`SealfileError`;
- any value tree given to the metadata reader either gives metadata or a :class:`FormatError`,
  and any recipient list gives a data key or a :class:`SealfileError` (never ``KeyError``...);
- a sealed file with random edits either fails with a :class:`SealfileError` or, if accepted,
  yields exactly the original values: an edit can break a file but never forge one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sealfile.envelope.datakey import forget_data_keys, unwrap_data_key
from sealfile.errors import FormatError, SealfileError
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.model.metadata import Metadata
from sealfile.ops.keyless import describe
from sealfile.ops.read import verify_text
from sealfile.ops.reader import read_document
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store

BOUNDED = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                           HealthCheck.too_slow])
PLAINTEXT = "db:\n  user: app\n  password: hunter2-fuzz\nlist:\n  - 1\n  - true\nport_unencrypted: 5432\n"
YAML_ALPHABET = st.sampled_from([*list("ab: -[]{}&*!|>'\"#%@`,?\n\t\\~01."), "ENC[", "sealfile", "version"])
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20)
TREES = st.recursive(SCALARS, lambda children: st.lists(children, max_size=4)
                     | st.dictionaries(st.text(max_size=8) | st.integers(), children, max_size=4), max_leaves=20)


@pytest.fixture(scope="module")
def age(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgeKey]:
    identity, recipient = generate_identity()
    path = tmp_path_factory.mktemp("fuzz") / "keys.txt"
    path.write_text(identity + "\n")
    path.chmod(0o600)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEALFILE_AGE_KEY_FILE", str(path))
        patch.delenv("SEALFILE_AGE_KEY", raising=False)
        forget_data_keys()
        yield AgeKey(recipient)
    forget_data_keys()


def only_sealfile_errors(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except SealfileError:
        return None


@BOUNDED
@given(text=st.lists(YAML_ALPHABET, max_size=80).map("".join))
def test_yaml_readers_never_raise_anything_else(text: str) -> None:
    store = get_store("yaml")
    for read in (store.load_fast, store.load_editable):
        only_sealfile_errors(read, text)
    only_sealfile_errors(read_document, text, get_store("yaml"))


@BOUNDED
@given(text=st.text(max_size=120) | st.lists(st.sampled_from([*list('{}[]:,"0-1.eE ntruflsaN\\'), "sealfile"]),
                                             max_size=60).map("".join))
def test_json_reader_never_raises_anything_else(text: str) -> None:
    only_sealfile_errors(get_store("json").load_fast, text)
    only_sealfile_errors(read_document, text, get_store("json"))


DOTENV_PIECES = st.sampled_from([*list("AB=\"'\\ #\n"), "export ", "sealfile_", "recipient_0="])


@BOUNDED
@given(text=st.text(max_size=120) | st.lists(DOTENV_PIECES, max_size=40).map("".join))
def test_dotenv_reader_never_raises_anything_else(text: str) -> None:
    only_sealfile_errors(get_store("dotenv").load_fast, text)
    only_sealfile_errors(read_document, text, get_store("dotenv"))


STANZAS = st.dictionaries(
    st.sampled_from(["type", "wrapped", "recipient", "arn", "extra"]) | st.text(max_size=5),
    st.sampled_from(["age", "evil", "age1notakey", "-----BEGIN AGE ENCRYPTED FILE-----"]) | SCALARS | TREES,
    max_size=5,
)
METADATA = st.fixed_dictionaries(
    {},
    optional={
        "version": st.sampled_from([1, 2, "1", 1.0, True, None]) | SCALARS,
        "recipients": st.lists(STANZAS, max_size=3) | TREES,
        "mac": st.text(max_size=10) | SCALARS,
        "unencrypted_suffix": SCALARS,
        "encrypted_regex": st.sampled_from(["(", "^a$", "[", "*"]) | SCALARS,
        "stray": TREES,
    },
) | TREES


@BOUNDED
@given(raw=METADATA)
def test_metadata_reader_gives_metadata_or_a_format_error(raw: Any, age: AgeKey) -> None:
    try:
        meta = Metadata.from_mapping(raw)
    except FormatError:
        return
    with contextlib.suppress(SealfileError):
        unwrap_data_key(meta.recipients)


@pytest.fixture(scope="module")
def sealed_files(age: AgeKey) -> dict[str, str]:
    return {
        "yaml": seal_text(PLAINTEXT, [age]),
        "json": seal_text(PLAINTEXT, [age], output=get_store("json")),
        "dotenv": seal_text("USER=app\nPASSWORD=hunter2-fuzz\n", [age], store=get_store("dotenv")),
    }


EDITS = st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.sampled_from(["delete", "insert", "replace"]),
                           st.sampled_from([*list("aA0=:-_ \n'\"[]{}#!*"), "ENC[", "]", "x" * 40])),
                 min_size=1, max_size=4)


def values(text: str, name: str) -> Any:
    return read_document(text, get_store(name)).open().data()


@BOUNDED
@given(name=st.sampled_from(["yaml", "json", "dotenv"]), edits=EDITS)
def test_an_edited_sealed_file_is_refused_or_unchanged(name: str, edits: list[tuple[float, str, str]],
                                                      sealed_files: dict[str, str]) -> None:
    original = sealed_files[name]
    text = original
    for where, operation, piece in edits:
        at = int(where * len(text))
        if operation == "delete":
            text = text[:at] + text[at + len(piece):]
        elif operation == "insert":
            text = text[:at] + piece + text[at:]
        else:
            text = text[:at] + piece + text[at + len(piece):]
    store = get_store(name)
    only_sealfile_errors(describe, text, store)
    try:
        verify_text(text, store)
    except SealfileError as err:
        event(f"refused: {type(err).__name__}")
        return
    event("accepted (layout-only edit)")
    assert values(text, name) == values(original, name), "an edited file verified with different values"

