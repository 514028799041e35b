"""JSON and dotenv files keep the user's text byte for byte, as YAML files do (docs/format.md §1).

Texts are generated as people write them (any spacing, tabs, CRLF, escapes, number spellings,
inline and multi-line containers; ``KEY = value``, ``export``, quotes, comments, bare keys, a
missing final line break), and each must come back from ``decrypt`` exactly; a one-value ``set``
changes that value's line only.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from sealfile.errors import FormatError
from sealfile.kms.age import AgeKey
from sealfile.model.paths import format_keypath, get_at
from sealfile.ops import change
from sealfile.ops.read import decrypt_text
from sealfile.ops.reader import read_document
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from sealfile.stores.dotenv_lines import NAME
from tests.support.identities import AgeIdentity
from tests.support.json_dotenv_texts import dotenv_documents, dotenv_reading, json_documents

JSON = get_store("json")
DOTENV = get_store("dotenv")
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture
def key(age_identity: AgeIdentity) -> AgeKey:
    return age_identity.key


def _data(sealed: str, store: Any) -> Any:
    return read_document(sealed, store).open().data()


# --- JSON -------------------------------------------------------------------------------------

def _scalar_paths(tree: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(tree, dict):
        return [found for k, v in tree.items() for found in _scalar_paths(v, (*path, k))]
    if isinstance(tree, list):
        return [found for i, v in enumerate(tree) for found in _scalar_paths(v, (*path, i))]
    return [path]


@SETTINGS
@given(plaintext=json_documents)
def test_json_texts_come_back_byte_for_byte(key: AgeKey, plaintext: str) -> None:
    sealed = seal_text(plaintext, [key], store=JSON)
    assert decrypt_text(sealed, store=JSON) == plaintext
    assert _data(sealed, JSON) == json.loads(plaintext.removeprefix("\ufeff"))


@SETTINGS
@given(plaintext=json_documents, choice=st.integers(min_value=0))
def test_json_set_changes_one_line(key: AgeKey, plaintext: str, choice: int) -> None:
    tree = json.loads(plaintext.removeprefix("\ufeff"))
    paths = _scalar_paths(tree)
    assume(paths)
    path = paths[choice % len(paths)]
    keypath = format_keypath(tuple(path))
    sealed = seal_text(plaintext, [key], store=JSON)
    changed = change.set_value(sealed, keypath, "a new value ⁂", JSON)
    opened = decrypt_text(changed, store=JSON)
    before, after = plaintext.split("\n"), opened.split("\n")
    assert len(before) == len(after)
    assert sum(old != new for old, new in zip(before, after, strict=True)) == 1
    assert '"a new value ⁂"' in opened
    sealed_lines, changed_lines = sealed.split("\n"), changed.split("\n")
    differing = [new for old, new in zip(sealed_lines, changed_lines, strict=True) if old != new]
    assert len(sealed_lines) == len(changed_lines)
    assert all("ENC[" in line or '"mac":' in line for line in differing)


def test_json_layout_examples(key: AgeKey) -> None:
    plaintext = ('{\n    "a" : "\\u00e9\\/x",\n\t"b": 1.0e3, "c": 1.50, "big": 12345678901234567890123,\n'
                 '  "n": null, "t": true, "arr": [1, "two",{"x":"y"}], "neg": -0\n}')
    sealed = seal_text(plaintext, [key], store=JSON)
    assert sealed.startswith('{\n    "a" : "ENC[')
    assert decrypt_text(sealed, store=JSON) == plaintext
    added = change.set_value(sealed, "extra", "x", JSON)
    assert decrypt_text(added, store=JSON) == plaintext[:-2] + ', "extra": "x"\n}'
    removed = change.unset_value(added, "arr", JSON)
    assert decrypt_text(removed, store=JSON) == plaintext.replace(' "arr": [1, "two",{"x":"y"}],', "")[:-2] + (
        ', "extra": "x"\n}')


@pytest.mark.parametrize(("text", "sealed_head", "added"), [
    ("{\n}\n", '{\n  "sealfile": {\n    "version"', '{\n  "k": "v"\n}\n'),
    ("{\r\n}\r\n", '{\r\n  "sealfile": {\r\n    "version"', '{\r\n  "k": "v"\r\n}\r\n'),
    ("{\n\n}", '{\n\n  "sealfile": {\n    "version"', '{\n\n  "k": "v"\n}'),
    ("{\n\t}\n", '{\n\t"sealfile": {\n\t\t"version"', '{\n\t"k": "v"\n\t}\n'),
    ('{\n  "a": {\n  },\n  "b": 1\n}\n', None, '{\n  "a": {\n    "k": "v"\n  },\n  "b": 1\n}\n'),
])
def test_a_member_written_into_an_empty_mapping_over_lines_is_on_a_line_of_its_own(
        key: AgeKey, text: str, sealed_head: str | None, added: str) -> None:
    """``{`` and ``}`` on lines of their own with nothing between: the metadata (or a key ``set`` adds) went
    at the brace's indentation and its ``}`` onto the closing brace's line (``}}``)."""
    sealed = seal_text(text, [key], store=JSON)
    if sealed_head is not None:
        assert sealed.startswith(sealed_head)
        assert sealed.rstrip("\r\n").endswith(("\n  }\n}", "\r\n  }\r\n}", "\n\t}\n\t}"))
    assert decrypt_text(sealed, store=JSON) == text
    keypath = "a.k" if sealed_head is None else "k"
    assert decrypt_text(change.set_value(sealed, keypath, "v", JSON), store=JSON) == added


@pytest.mark.parametrize(("text", "where"), [('{"a": 1E400}', "a"), ('{"a": {"b": [0, -1e999]}}', "a.b.1")])
def test_json_numbers_beyond_a_float_are_refused(key: AgeKey, text: str, where: str) -> None:
    with pytest.raises(FormatError, match="too large for a 64-bit float") as refused:
        seal_text(text, [key], store=JSON)
    assert refused.value.keypath == where and "999" not in str(refused.value)


# --- dotenv -----------------------------------------------------------------------------------

@SETTINGS
@given(plaintext=dotenv_documents)
@example(plaintext='B= # note\nA="#"')  # an empty value before a comment: no '#' right after a value (explore)
def test_dotenv_texts_come_back_byte_for_byte(key: AgeKey, plaintext: str) -> None:
    reading = dotenv_reading(plaintext)
    assume(reading)
    sealed = seal_text(plaintext, [key], store=DOTENV)
    assert decrypt_text(sealed, store=DOTENV) == plaintext
    assert _data(sealed, DOTENV) == reading


@SETTINGS
@given(plaintext=dotenv_documents, choice=st.integers(min_value=0))
def test_dotenv_set_changes_one_line(key: AgeKey, plaintext: str, choice: int) -> None:
    reading = dotenv_reading(plaintext)
    assume(reading)
    assert reading is not None
    name = sorted(reading)[choice % len(reading)]
    sealed = seal_text(plaintext, [key], store=DOTENV)
    if not NAME.fullmatch(name):  # a value written afresh after a name a shell reads as a command: outside the seal
        with pytest.raises(FormatError, match=r"invalid dotenv line \d+: blanks around '=', or a name quoted"):
            change.set_value(sealed, name, "fresh", DOTENV)
        return
    changed = change.set_value(sealed, name, "fresh", DOTENV)
    assert _data(changed, DOTENV) == {**reading, name: "fresh"}
    differing = [new for old, new in zip(sealed.split("\n"), changed.split("\n"), strict=False) if old != new]
    names = [line.removeprefix("\ufeff").split("=", 1)[0].strip().removeprefix("export ").strip()
             for line in differing]
    assert set(names) <= {name, name.removeprefix("\ufeff"), "sealfile_mac"}


def test_dotenv_layout_examples(key: AgeKey) -> None:
    plaintext = ("# app\nexport DB_URL=\"postgres://u:p@h/db\"\nAPI_KEY = 'abc def'   # note\nEMPTY=\n"
                 'MULTI="line1\nline2"\nSPACED=  padded value  \nLAST=no final line break')
    sealed = seal_text(plaintext, [key], store=DOTENV)
    assert "API_KEY = ENC[" in sealed and "   # note\n" in sealed and not sealed.endswith("\n")
    assert decrypt_text(sealed, store=DOTENV) == plaintext
    changed = change.set_value(sealed, "API_KEY", "new", DOTENV)  # written afresh: '=' as a shell reads it
    assert decrypt_text(changed, store=DOTENV) == plaintext.replace("API_KEY = 'abc def'", "API_KEY='new'")


@pytest.mark.parametrize("plaintext", [
    "'quoted key'=value\n",       # python-dotenv reads 'KEY' as KEY
    "KEY=#not a comment\n",        # a value starting with #
    "export export= \n",           # the key named export, empty
    "KEY= #only a comment\n",      # an empty value
    "A=1\r\r\nB='two'\r\r\nC=\r\r\n",    # CR CR LF: lone CRs a shell reads as blanks (a file broken by CRs
                                     # alone: tests/gitflow/test_dotenv_layout_shells_read.py)
    "A=1\r\r\n",
    "'}'=1\nX=a\\\n",              # a value ending in a backslash: only its recorded line spells it
    "A=1\n\ufeffB=2\n",           # a byte-order mark starting a later line is part of the name
    "#\n\ufeff=1\n",
])
def test_dotenv_lines_as_python_dotenv_reads_them(key: AgeKey, plaintext: str) -> None:
    reading = dotenv_reading(plaintext)
    assert reading
    sealed = seal_text(plaintext, [key], store=DOTENV)
    assert decrypt_text(sealed, store=DOTENV) == plaintext
    assert _data(sealed, DOTENV) == reading
    name = next(iter(reading))
    if not NAME.fullmatch(name):  # a value written afresh after a name a shell reads as a command: outside the seal
        with pytest.raises(FormatError, match=r"invalid dotenv line \d+: blanks around '=', or a name quoted"):
            change.set_value(sealed, format_keypath((name,)), "new value", DOTENV)
        return
    changed = change.set_value(sealed, format_keypath((name,)), "new value", DOTENV)
    assert dotenv_reading(decrypt_text(changed, store=DOTENV)) == {**reading, name: "new value"}


@pytest.mark.parametrize("line_break", ["\r\n"])
def test_a_dotenv_file_whose_line_breaks_changed_after_sealing_keeps_one_metadata_block(
        key: AgeKey, line_break: str) -> None:
    """git's core.autocrlf checks out a file sealed with LF as CRLF: 'set' writes the metadata again
    in the file's own line breaks, once, and the header stays out of the values."""
    plaintext = "A=1\n# c\nB=2\n"
    checked_out = seal_text(plaintext, [key], store=DOTENV).replace("\n", line_break)
    changed = change.set_value(checked_out, "A", "5", DOTENV)
    assert changed.count("# sealfile metadata") == 1
    rest = changed.replace(line_break, "")
    assert "\n" not in rest and "\r" not in rest  # no other line break anywhere, the metadata's included
    assert decrypt_text(changed, store=DOTENV) == "A=5\n# c\nB=2\n".replace("\n", line_break)
    assert decrypt_text(checked_out, store=DOTENV) == plaintext.replace("\n", line_break)


def test_a_dotenv_file_whose_line_breaks_became_carriage_returns_alone_is_refused(key: AgeKey) -> None:
    """Read before (as the test above, with CRs alone), refused now: a shell reads the decrypted file as one
    line, python-dotenv as several (tests/gitflow/test_dotenv_layout_shells_read.py)."""
    checked_out = seal_text("A=1\n# c\nB=2\n", [key], store=DOTENV).replace("\n", "\r")
    with pytest.raises(FormatError) as refused:
        change.set_value(checked_out, "A", "5", DOTENV)
    assert refused.value.message.startswith("invalid dotenv line 1: a carriage return alone"), refused.value
    with pytest.raises(FormatError) as refused:
        decrypt_text(checked_out, store=DOTENV)
    assert refused.value.message.startswith("invalid dotenv line 1: a carriage return alone"), refused.value



def _set_read_alike(ran: str) -> list[str]:
    return [f"$(touch {ran})", f"`touch {ran}`", f"${{VAR:-$(touch {ran})}}", "a$b", "$HOME", "multi\nline\n",
            "tab\there", "ends in \\", "back\\slash", "\\n two characters", "it's", 'say "hi"', "a b", "#x"]


@pytest.mark.parametrize("line", ["K=old\n", "K='old'\n", 'K="old"\n', "OTHER=1\n"])
def test_a_value_set_in_a_dotenv_file_reads_alike_to_python_dotenv_and_a_shell(
        key: AgeKey, line: str, tmp_path: Any) -> None:
    """A value ``set`` spells itself means the same in the decrypted file to python-dotenv and to a shell
    sourcing it (``"$(id)"`` ran ``id``, ``"a\\nb"`` was two characters, a bare final backslash joined the
    next line); ``${...}``, which python-dotenv may interpolate in any quotes, stays literal to the shell."""
    from tests.runtime.test_dotenv_readers import SHELLS, _shell_reads

    ran = tmp_path / "ran"
    sealed = seal_text(line, [key], store=DOTENV)
    for value in _set_read_alike(str(ran)):
        sealed = change.set_value(sealed, "K", value, DOTENV)
        plaintext = decrypt_text(sealed, store=DOTENV)
        assert (dotenv_reading(plaintext) or {})["K"] == value
        path = tmp_path / "out.env"
        path.write_text(plaintext + "\nNEXT=after\n")
        for shell in SHELLS:
            read = _shell_reads(path, shell)
            assert (read.get("K"), read.get("NEXT")) == (value, "after"), (shell, value)
        assert not ran.exists(), value


@pytest.mark.parametrize("source", ["yaml", "json"])
def test_a_file_sealed_into_dotenv_from_another_syntax_reads_alike_to_python_dotenv_and_a_shell(
        key: AgeKey, source: str, tmp_path: Any) -> None:
    """``encrypt --output-type dotenv`` spells the values afresh as ``set`` does: a YAML ``"$(id)"`` was
    written double-quoted, and ran ``id`` in a shell sourcing the decrypted file."""
    from sealfile.ops.seal import seal_plaintext
    from tests.runtime.test_dotenv_readers import SHELLS, _shell_reads

    ran = tmp_path / "ran"
    values = {f"V{index}": value for index, value in enumerate(_set_read_alike(str(ran)))}
    plaintext = json.dumps(values)
    sealed = seal_plaintext(plaintext, get_store(source), [key], output=DOTENV)
    decrypted = decrypt_text(sealed, store=DOTENV)
    assert dotenv_reading(decrypted) == values
    path = tmp_path / "out.env"
    path.write_text(decrypted)
    for shell in SHELLS:
        read = _shell_reads(path, shell)
        assert {name: read.get(name) for name in values} == values, shell
    assert not ran.exists()


def _member_paths(tree: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every object member's path, in lists too."""
    children = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else ()
    return [found for k, v in children
            for found in [(*path, k)] * isinstance(tree, dict) + _member_paths(v, (*path, k))]


@SETTINGS
@given(plaintext=json_documents, choice=st.integers(min_value=0))
def test_json_unset_is_spliced(key: AgeKey, plaintext: str, choice: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the layout (comma first or last, tabs, CRLF, nested), removing a member is spliced
    into the user's text, never written afresh (the layout lost) because a splice failed."""
    tree = json.loads(plaintext.removeprefix("\ufeff"))
    paths = _member_paths(tree)
    assume(paths)
    path = paths[choice % len(paths)]
    sealed = seal_text(plaintext, [key], store=JSON)
    with monkeypatch.context() as patched:
        patched.setattr(type(JSON), "dump_part", _written_afresh)
        changed = change.unset_value(sealed, format_keypath(tuple(path)), JSON)
    opened = decrypt_text(changed, store=JSON)
    parent = get_at(tree, tuple(path[:-1]))
    del parent[path[-1]]
    assert json.loads(opened.removeprefix("\ufeff")) == tree


def _written_afresh(*_: Any) -> str:
    raise AssertionError("written afresh: the splice failed")


def _object_paths(tree: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    children = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else ()
    return [path] * isinstance(tree, dict) + [found for k, v in children for found in _object_paths(v, (*path, k))]


@SETTINGS
@given(plaintext=json_documents, choice=st.integers(min_value=0))
def test_json_new_member_is_spliced(key: AgeKey, plaintext: str, choice: int,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A new member goes into its object, in any layout, spliced into the user's text."""
    tree = json.loads(plaintext.removeprefix("\ufeff"))
    paths = _object_paths(tree)
    path = paths[choice % len(paths)]
    sealed = seal_text(plaintext, [key], store=JSON)
    with monkeypatch.context() as patched:
        patched.setattr(type(JSON), "dump_part", _written_afresh)
        changed = change.set_value(sealed, format_keypath((*path, "new ⁂")), "v", JSON)
    get_at(tree, tuple(path))["new ⁂"] = "v"
    assert json.loads(decrypt_text(changed, store=JSON).removeprefix("\ufeff")) == tree
