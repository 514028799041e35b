"""JSON and dotenv files get the YAML guarantees: exact round trips, path binding, MAC, minimal diffs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import sealfile
from sealfile.errors import FormatError, KeyPathError, SealfileError
from sealfile.kms.age import AgeKey
from sealfile.ops import change
from sealfile.ops.read import decrypt_text, verify_text
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store, store_for
from tests.support.identities import AgeIdentity

JSON = get_store("json")
DOTENV = get_store("dotenv")


@pytest.fixture
def key(age_identity: AgeIdentity) -> AgeKey:
    return age_identity.key


json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=30),
)
json_keys = st.text(max_size=12).filter(lambda k: k != "sealfile")
json_trees = st.recursive(
    json_scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(json_keys, children, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=st.dictionaries(json_keys, json_trees, max_size=5))
def test_json_round_trips_exactly(key: AgeKey, tree: dict[str, Any]) -> None:
    plaintext = json.dumps(tree, indent=2, ensure_ascii=False)
    sealed = seal_text(plaintext, [key], store=JSON)
    document, _ = JSON.load_fast(sealed), None
    assert "sealfile" in document
    assert json.loads(decrypt_text(sealed, store=JSON)) == tree
    assert decrypt_text(sealed, store=JSON) == plaintext
    assert seal_text(decrypt_text(sealed, store=JSON), [], previous=sealed, store=JSON) == sealed


dotenv_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True).filter(
    lambda k: not k.startswith("sealfile_"))
dotenv_values = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00"),
                        max_size=30) | st.sampled_from(["a b", "x=y", "#not comment", "multi\nline", "q'uote", 'd"q',
                                                        "cr\rlf", "\r\n", "'q\r'"])


def read_as_python_dotenv_reads_a_file(text: str) -> dict[str, str | None]:
    """python-dotenv opens a file with universal newlines: a raw carriage return reaches its parser as \\n."""
    import io

    import dotenv

    return dict(dotenv.dotenv_values(stream=io.StringIO(text, newline=None)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.dictionaries(dotenv_names, dotenv_values, min_size=1, max_size=6))
def test_dotenv_round_trips_exactly(key: AgeKey, values: dict[str, str]) -> None:
    try:
        plaintext = DOTENV.dump(values)
    except FormatError:  # documented: a value ending in a backslash must be writable bare
        assume(any(v.endswith("\\") for v in values.values()))
        return
    assert DOTENV.load_fast(plaintext) == values  # our writer reads back as python-dotenv reads it
    assert read_as_python_dotenv_reads_a_file(plaintext) == values  # from a file too
    sealed = seal_text(plaintext, [key], store=DOTENV)
    assert all(f"\n{k}=ENC[" in "\n" + sealed for k in values)  # every value sealed, none left in clear
    assert DOTENV.load_fast(decrypt_text(sealed, store=DOTENV)) == values
    assert decrypt_text(sealed, store=DOTENV) == plaintext


@pytest.mark.parametrize("value", ["a\rb", "a\r\nb", "\ra", "a\r", "'a\rb'", 'a"\rb'])
def test_a_carriage_return_set_into_a_dotenv_file_is_decrypted_as_python_dotenv_reads_it(key: AgeKey,
                                                                                          value: str) -> None:
    """It was written raw inside quotes: python-dotenv, reading the file, took it for a line break."""
    sealed = seal_text("A=x\nB=y\n", [key], store=DOTENV)
    changed = change.set_value(sealed, "A", value, store=DOTENV)
    assert read_as_python_dotenv_reads_a_file(decrypt_text(changed, store=DOTENV)) == {"A": value, "B": "y"}


def test_dotenv_layout_is_kept(key: AgeKey) -> None:
    plaintext = (
        "# app settings\n"
        'export DB_PASSWORD="s3cret with spaces"\n'
        "API_KEY=abc123\n"
        "\n"
        "TOKEN='single $x'\n"
        'MULTI="line1\\nline2"\n'
        "PLAIN_unencrypted=visible # comment\n"
    )
    sealed = seal_text(plaintext, [key], store=DOTENV)
    assert "export DB_PASSWORD=ENC[" in sealed and "PLAIN_unencrypted=visible # comment" in sealed
    assert decrypt_text(sealed, store=DOTENV) == plaintext
    changed = change.set_value(sealed, "API_KEY", "new", DOTENV)
    diff = [line for line in changed.splitlines() if line not in sealed.splitlines()]
    assert len(diff) == 2 and diff[0].startswith("API_KEY=ENC[") and diff[1].startswith("sealfile_mac=")
    with pytest.raises(KeyPathError, match="a dotenv file is flat"):
        change.set_value(sealed, "nested.key", "x", DOTENV)


def test_json_one_value_change_is_one_line(key: AgeKey) -> None:
    plaintext = json.dumps({"db": {"user": "u", "password": "p"}, "port": 1}, indent=4)
    sealed = seal_text(plaintext, [key], store=JSON)
    changed = change.set_value(sealed, "db.password", "q", JSON)
    diff = [line for line in changed.splitlines() if line not in sealed.splitlines()]
    assert len(diff) == 2 and '"password": "ENC[' in diff[0] and '"mac":' in diff[1]


def _swap_first_two_tokens(text: str) -> str:
    first = text.index("ENC[")
    second = text.index("ENC[", first + 1)
    end1, end2 = text.index("]", first) + 1, text.index("]", second) + 1
    return text[:first] + text[second:end2] + text[end1:second] + text[first:end1] + text[end2:]


@pytest.mark.parametrize("store_name", ["json", "dotenv"])
@pytest.mark.parametrize("tamper", [
    _swap_first_two_tokens,
    lambda t: t.replace("ENC[gAAAAA", "ENC[gAAAAB", 1),
    lambda t: t.replace("visible", "altered", 1),
    lambda t: t.replace('"mac": "', '"mac": "A').replace("sealfile_mac=", "sealfile_mac=A"),
    lambda t: t.replace('"version": 2', '"version": 9').replace("sealfile_version=2", "sealfile_version=9"),
])
def test_tampering_is_refused(key: AgeKey, tmp_path: Path, store_name: str, tamper: Any) -> None:
    if store_name == "json":
        plaintext, name = json.dumps({"a": "one", "b": "two", "c_unencrypted": "visible"}, indent=2), "s.enc.json"
    else:
        plaintext, name = "A=one\nB=two\nC_unencrypted=visible\n", "s.enc.env"
    store = store_for(name)
    sealed = seal_text(plaintext, [key], store=store)
    verify_text(sealed, store)
    forged = tamper(sealed)
    assert forged != sealed
    path = tmp_path / name
    path.write_text(forged)
    with pytest.raises(SealfileError):
        sealfile.load_secrets(path)


def test_formats_chosen_by_name_and_overridable() -> None:
    assert store_for("x.enc.json").name == "json"
    assert store_for("x.enc.env").name == "dotenv"
    assert store_for(".env.enc").name == "dotenv"
    assert store_for("x.enc.yaml").name == "yaml"
    assert store_for("x.txt", "json").name == "json"
    with pytest.raises(FormatError):
        JSON.load_fast('{"a": 1, "a": 2}')


@pytest.mark.parametrize(("name", "syntax"), [(".env.production", "dotenv"), (".env.local", "dotenv"),
                                              (".env.production.enc", "dotenv"), ("config/.env.dev", "dotenv"),
                                              (".env.yaml", "yaml"), (".env.json", "json"), (".envrc", "yaml")])
def test_dotenv_tools_names_are_dotenv(name: str, syntax: str) -> None:
    """'.env.production', '.env.local' (dotenv-flow, Vite, Next.js): read as YAML, they could not be sealed
    at all; a syntax suffix still decides ('.env.yaml')."""
    assert store_for(name).name == syntax


@pytest.mark.parametrize("field", ["sealfile_version", "sealfile_mac", "sealfile_recipient_0",
                                   "sealfile_unencrypted_suffix"])
def test_a_dotenv_metadata_line_given_twice_is_refused(key: AgeKey, field: str) -> None:
    """python-dotenv keeps the last of two lines, a person reading the file the first: like a value
    given twice, one metadata field given twice has no one reading."""
    sealed = seal_text("USER=app\nPASSWORD=p\n", [key], store=get_store("dotenv"))
    line = next(line for line in sealed.splitlines(keepends=True) if line.startswith(field + "="))
    with pytest.raises(FormatError, match=r"invalid dotenv line \d+: duplicate key"):
        verify_text(sealed + line, get_store("dotenv"))
    head, sep, tail = sealed.partition("# sealfile metadata")
    with pytest.raises(FormatError, match="duplicate key"):
        verify_text(head + line + sep + tail, get_store("dotenv"))


@pytest.mark.parametrize(("refused", "keypath"), [
    (lambda sealed: seal_text("A=1\nx.y=2\nx.y=3\n", [], store=DOTENV), '["x.y"]'),  # a name given twice
    (lambda sealed: change.set_value(sealed, "db.password", "v", DOTENV), "db.password"),  # no line can hold it
], ids=["duplicate", "mapping"])
def test_a_dotenv_refusal_names_the_key_path(key: AgeKey, refused: Any, keypath: str) -> None:
    """Every refusal names the file and the key path: a mapping set into a dotenv file named only the file."""
    sealed = seal_text("USER=app\n", [key], store=DOTENV)
    with pytest.raises((FormatError, KeyPathError)) as refusal:
        refused(sealed)
    assert refusal.value.keypath == keypath


@pytest.mark.parametrize(("line", "expected"), [
    ("sealfile_version=" + "9" * 5000, "no integer 'version'"),  # past int()'s limit: an internal error
    ("sealfile_version=\u00b2", "no integer 'version'"),  # a superscript: isdigit() but not int()
    ("sealfile_version=\u0662", "no integer 'version'"),  # an Arabic-Indic 2: it read as version 2
    ("sealfile_key_group_" + "9" * 5000 + "_0={}", "unknown metadata field"),
    ("sealfile_recipient_\u0663={}", "unknown metadata field"),
    ("sealfile_recipient_00={}", "unknown metadata field"),  # read as a second stanza 0, ordered by the reader
    ("sealfile_recipient_2={}", "recipient_N lines must be numbered 0, 1, 2"),  # a gap after recipient_0
    ("sealfile_key_group_1_0={}", "key_group_N lines must be numbered 0, 1, 2"),
])
def test_a_dotenv_metadata_number_is_ascii_digits(key: AgeKey, line: str, expected: str) -> None:
    """Numbers and indexes in the metadata lines are read as a writer spells them, else refused in one line."""
    sealed = seal_text("USER=app\nPASSWORD=p\n", [key], store=get_store("dotenv"))
    stanza = next(text for text in sealed.splitlines() if text.startswith("sealfile_recipient_0="))
    lines = [text for text in sealed.splitlines() if not text.startswith(("sealfile_version=", "sealfile_recipient_0"))]
    version = [] if line.startswith("sealfile_version") else ["sealfile_version=2"]
    text = "\n".join([*lines, *version, line.replace("{}", stanza.partition("=")[2]),
                      *([stanza] if "recipient_0" not in line else [])]) + "\n"
    with pytest.raises(FormatError, match=expected):
        verify_text(text, get_store("dotenv"))


def test_a_name_dotenv_cannot_hold_is_named_where_a_whole_document_is_refused() -> None:
    """``import-sops`` of a dotenv file sops wrote with ``export A=1``, or sealing another syntax's
    document as dotenv: the refusal names the key (its mapping, the document, has no path)."""
    store = get_store("dotenv")
    assert store.first_unfit({"B": "2", "export A": "1"}, document=True) == (
        (), "dotenv names must start with a letter or '_' and hold only letters, digits, '_', '.' or '-', "
            "not [\"export A\"]")
    _, reason = store.first_unfit({"x\x1b[2J": "1"}, document=True) or ((), "")
    assert "\x1b" not in reason and "\\u001b[2J" in reason
