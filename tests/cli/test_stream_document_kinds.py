"""Every verb on every kind of document a stream (or a one-document file) may hold, through the real CLI with a real
age key, as on an ordinary mapping document: ``set`` gives a document without values its first key (byte for byte
elsewhere, sealed, read back), ``unset`` empties it again, ``rotate``, ``decrypt --extract``, ``edit`` with no
change, ``diff``. A document whose top level is not a mapping (``null``, ``~``, a scalar, a list) is refused where it
would enter, naming the file and the place (docs/format.md §1)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from sealfile.cli import commands  # noqa: F401  (registers the commands)
from sealfile.cli.app import cli
from sealfile.runtime.loader import load_secrets
from tests.support.identities import AgeIdentity

NEW = "s3cret-new"

# document 1's kind -> (its text, what ``set 1.newkey s3cret-new`` makes of it)
KINDS = {
    "a mapping": ("k: 1\n", "k: 1\nnewkey: s3cret-new\n"),
    "{}": ("{}\n", "{newkey: s3cret-new}\n"),
    "empty": ("", "newkey: s3cret-new\n"),
    "only comments": ("# one\n# two\n", "# one\n# two\nnewkey: s3cret-new\n"),
    "ended by ...": ("...\n", "newkey: s3cret-new\n...\n"),
}
STREAMS = {
    "middle, " + kind: (f"a: s3cret-a\n---\n{doc}---\nz: 9\n", f"a: s3cret-a\n---\n{after}---\nz: 9\n")
    for kind, (doc, after) in KINDS.items()
}
STREAMS |= {
    "last, " + kind: (f"a: s3cret-a\n---\n{doc}", f"a: s3cret-a\n---\n{after}")
    for kind, (doc, after) in KINDS.items() if kind != "ended by ..."
}
STREAMS |= {
    "middle, --- {}": ("a: s3cret-a\n--- {}\n---\nz: 9\n", "a: s3cret-a\n--- {newkey: s3cret-new}\n---\nz: 9\n"),
    "middle, a comment on the marker": ("a: s3cret-a\n--- # off\n\n---\nz: 9\n",
                                        "a: s3cret-a\n--- # off\n\nnewkey: s3cret-new\n---\nz: 9\n"),
    "last, no final line break": ("a: s3cret-a\n---", "a: s3cret-a\n---\nnewkey: s3cret-new"),
    "empty, after an empty first": ("---\n---\n---\nz: 9\n", "---\n---\nnewkey: s3cret-new\n---\nz: 9\n"),
    "%YAML, explicit markers": ("%YAML 1.2\n---\na: s3cret-a\n...\n%YAML 1.2\n---\n...\n---\nz: 9\n...\n",
                                "%YAML 1.2\n---\na: s3cret-a\n...\n%YAML 1.2\n---\nnewkey: s3cret-new\n...\n---\n"
                                "z: 9\n...\n"),
}
CASES = {**STREAMS, **{name + ", CRLF": (plain.replace("\n", "\r\n"), after.replace("\n", "\r\n"))
                       for name, (plain, after) in STREAMS.items()}}
ONE_DOCUMENT = {  # the top-level key path of a one-document file
    "{}": ("{}\n", "{newkey: s3cret-new}\n"),
    "empty": ("", "newkey: s3cret-new\n"),
    "---": ("---\n", "---\nnewkey: s3cret-new\n"),
    "only comments, CRLF": ("# c\r\n", "# c\r\nnewkey: s3cret-new\r\n"),
}


def _cli(*args: object, editor: str | None = None) -> Result:
    return CliRunner().invoke(cli, [str(arg) for arg in args], env={"EDITOR": editor} if editor else None)


def _sealed(tmp_path: Path, identity: AgeIdentity, plaintext: str, name: str = "s.enc.yaml") -> Path:
    plain = tmp_path / "plain.yaml"
    plain.write_bytes(plaintext.encode())
    result = _cli("encrypt", "--age", identity.recipient, plain)
    assert result.exit_code == 0, result.stderr
    path = tmp_path / name
    path.write_bytes(result.stdout_bytes)
    return path


def _plaintext(path: Path) -> str:
    result = _cli("decrypt", path)
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes.decode()


def _checked(path: Path, expected: str) -> None:
    """Sealed (no value in the clear), verified, decrypted byte for byte, and read so by the reader."""
    assert b"s3cret" not in path.read_bytes()
    assert _cli("verify", path).exit_code == 0
    assert _plaintext(path) == expected
    data = load_secrets(path, redacted=False)
    documents = list(yaml.safe_load_all(expected))
    assert data == (documents if len(documents) > 1 else documents[0] or {})


@pytest.mark.parametrize(("plaintext", "expected"), CASES.values(), ids=CASES.keys())
def test_set_gives_any_document_a_key_and_every_verb_follows(age_identity: AgeIdentity, tmp_path: Path,
                                                              plaintext: str, expected: str) -> None:
    path = _sealed(tmp_path, age_identity, plaintext)
    before = path.read_bytes()
    _checked(path, plaintext)
    edited = _cli("edit", path, editor="true")
    assert edited.exit_code == 0 and path.read_bytes() == before, edited.stderr
    assert (tmp_path / "old.enc.yaml").write_bytes(before)

    result = _cli("set", path, "1.newkey", NEW)
    assert result.exit_code == 0, result.stderr
    _checked(path, expected)
    assert _cli("decrypt", "--extract", "1.newkey", path).stdout == NEW
    diff = _cli("diff", tmp_path / "old.enc.yaml", path)
    assert "+ 1.newkey: ENC#" in diff.stdout and NEW not in diff.stdout
    after_set = path.read_bytes()
    assert _cli("edit", path, editor="true").exit_code == 0 and path.read_bytes() == after_set
    assert _cli("rotate", path).exit_code == 0
    _checked(path, expected)

    assert _cli("unset", path, "1.newkey").exit_code == 0
    emptied = _plaintext(path)
    assert list(yaml.safe_load_all(emptied))[1] == ({"k": 1} if "k: 1" in plaintext else {})
    if plaintext.replace("\r\n", "\n") in ("a: s3cret-a\n---\n{}\n---\nz: 9\n", "a: s3cret-a\n--- {}\n---\nz: 9\n"):
        assert emptied == plaintext  # a set then an unset gives the document back as it was
    _checked(path, emptied)


@pytest.mark.parametrize(("plaintext", "expected"), ONE_DOCUMENT.values(), ids=ONE_DOCUMENT.keys())
def test_a_file_without_values_takes_its_first_key(age_identity: AgeIdentity, tmp_path: Path, plaintext: str,
                                                   expected: str) -> None:
    path = _sealed(tmp_path, age_identity, plaintext)
    assert _cli("set", path, "newkey", NEW).exit_code == 0
    _checked(path, expected)
    assert _cli("decrypt", "--extract", "newkey", path).stdout == NEW


@pytest.mark.parametrize("keypath", ["0", "1", "[1]", "2", "5"])
@pytest.mark.parametrize("args", [("v",), ("--replace", "v"), ("--type", "yaml", "{x: 1}")])
def test_a_key_path_naming_a_whole_document_is_refused_naming_it(age_identity: AgeIdentity, tmp_path: Path,
                                                                 keypath: str, args: tuple[str, ...]) -> None:
    """Was "no such key" naming no key path, or "please report it"."""
    path = _sealed(tmp_path, age_identity, "a: s3cret-a\n--- {}\n---\n")
    before = path.read_bytes()
    result = _cli("set", path, keypath, *args)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"sealfile: error: {path}: {keypath}: ")
    assert "whole document" in result.stderr or "holds a mapping" in result.stderr
    assert path.read_bytes() == before


@pytest.mark.parametrize("keypath", ["3.k", "[3].k", "9.k.deeper", "x.k"])
def test_a_document_past_the_streams_end_is_refused_naming_its_documents(age_identity: AgeIdentity, tmp_path: Path,
                                                                         keypath: str) -> None:
    """``3.k`` was "a new document cannot be added by a key path" and ``9.k`` "use the next index to append",
    which is ``3``: both now name the documents there are and the way to add one."""
    path = _sealed(tmp_path, age_identity, "a: s3cret-a\n--- {}\n---\n")
    before = path.read_bytes()
    result = _cli("set", path, keypath, "v")
    assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"sealfile: error: {path}: {keypath}: ")
    assert "the stream's documents are 0 to 2 (a new document is added with sealfile edit)" in result.stderr
    assert path.read_bytes() == before


@pytest.mark.parametrize("document", ["null", "~", "hello", "- 1", "!!null ''", "[]"])
@pytest.mark.parametrize("where", ["a: 1\n---\n{}\n---\nz: 9\n", "a: 1\n---\n{}\n", "{}\n"])
def test_a_document_that_is_not_a_mapping_is_refused_where_it_enters(age_identity: AgeIdentity, tmp_path: Path,
                                                                     document: str, where: str) -> None:
    """Chosen: such a document holds no key a key path could name, so a file holding one is refused, naming the file
    and the document's line, by ``encrypt`` and by ``edit`` alike (the format's rule, docs/format.md §1)."""
    plain = tmp_path / "plain.yaml"
    plain.write_text(where.replace("{}", document, 1))
    result = _cli("encrypt", "--age", age_identity.recipient, plain)
    assert result.exit_code == 1 and result.stdout == "" and result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"sealfile: error: {plain}: the top level of a document must be a mapping")
    line = where.split("\n").index("{}") + 1
    assert f"line {line}," in result.stderr
    path = _sealed(tmp_path, age_identity, where)
    before = path.read_bytes()
    script = tmp_path / "editor.py"
    script.write_text(f"import sys\nt = open(sys.argv[1]).read()\nopen(sys.argv[1], 'w').write(t.replace('{{}}', "
                      f"{document!r}, 1))\n")
    edited = _cli("edit", path, editor=f"python3 {script}")
    assert edited.exit_code != 0 and "top level of a document must be a mapping" in edited.stderr
    assert path.read_bytes() == before
