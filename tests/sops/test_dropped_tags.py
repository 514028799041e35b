"""YAML tags added by hand to a SOPS file: read as sops reads them (yaml.v3 keeps a standard scalar tag as the
value's type and loses any other), and ``import-sops`` names each lost one by its key path, never its value."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sealfile.ops.import_sops import import_sops
from sealfile.sops.yamltree import dropped_tags
from tests.sops.conftest import AgeIdentity, run_sops, sealfile_cli, sops_encrypt

PLAIN = ("api: hunter2\nport: 5432\nname: db\nhosts:\n  - alpha\n  - beta\nnested:\n  inner: secretvalue\n"
         "note_unencrypted: hello\ncount_unencrypted: '7'\n")
VALUES = ("hunter2", "5432", "alpha", "beta", "secretvalue", "hello")


def _tag(text: str, key: str, tag: str) -> str:
    """``tag`` written after ``key:`` on its line (before ``key`` itself when it ends in ':', tagging the key)."""
    if key.endswith(":"):
        return re.sub(rf"(?m)^([ \t]*)({re.escape(key)})", rf"\g<1>{tag} \g<2>", text, count=1)
    return re.sub(rf"(?m)^([ \t]*{re.escape(key)}:)", rf"\g<1> {tag}", text, count=1)


CASES = [  # (where the tag goes, the tag, the key path a note names or None when sops keeps its meaning)
    ("api", "!Ref", "api (!Ref)"),
    ("port", "!!str", "port (!!str)"),           # an int in its ENC[...]: sops decrypts 5432, not '5432'
    ("name", "!!str", None),                     # a string stays one
    ("name", "!", None),
    ("nested", "!Thing", "nested (!Thing)"),     # a mapping
    ("hosts", "!!seq", None),
    ("-", "!custom", "hosts.0 (!custom)"),       # a list item
    ("note_unencrypted", "!Sub", "note_unencrypted (!Sub)"),
    ("count_unencrypted", "!!int", None),        # plaintext '7' read as the int the tag says
    ("name:", "!key", "name (!key)"),            # a tag on a key
]


@pytest.fixture
def sealed(sops_identity: AgeIdentity, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    plain = tmp_path / "plain.yaml"
    plain.write_text(PLAIN)
    return sops_encrypt(plain, tmp_path / "sealed.yaml", "--age", sops_identity.recipient).read_text()


@pytest.mark.parametrize(("where", "tag", "named"), CASES)
def test_import_names_each_tag_sops_drops(sealed: str, tmp_path: Path, where: str, tag: str,
                                          named: str | None) -> None:
    """The sealed file holds what ``sops decrypt`` gives; the note names the dropped tag's path only."""
    edited = _tag(sealed, where, tag) if where != "-" else sealed.replace("  - ENC", f"  - {tag} ENC", 1)
    assert edited != sealed
    tagged = tmp_path / "tagged.yaml"
    tagged.write_text(edited)
    theirs = run_sops(["decrypt", "--output-type", "json", str(tagged)])
    assert theirs.returncode == 0, theirs.stderr
    imported = import_sops(edited, path=str(tagged))
    notes = [note for note in imported.notes if "tag" in note]
    if named is None:
        assert notes == []
        return
    assert len(notes) == 1 and notes[0].endswith(f": {named}"), notes
    assert not any(value in notes[0] for value in VALUES)
    out = tmp_path / "imported.enc.yaml"
    out.write_text(imported.sealed)
    mine = sealfile_cli("decrypt", "--output-type", "json", str(out))
    assert mine.returncode == 0, mine.stderr
    assert mine.stdout.split() == theirs.stdout.split()


def test_cli_warns_once_for_many_tags_and_not_for_metadata(sealed: str, tmp_path: Path) -> None:
    """Every data tag in one line; a tag in the ``sops`` metadata is no data of the file; a list item's path
    has its index."""
    edited = sealed.replace(": ENC[", ": !Ref ENC[").replace("  - ENC[", "  - !Ref ENC[")
    edited = edited.replace("\nsops:\n", "\n!!str sops:\n").replace("    age:\n", "    age: !!seq\n", 1)
    many = "".join(f"k{i}: !Ref v{i}\n" for i in range(12))
    assert [path for path, _ in dropped_tags(many)][-1] == ("k11",)
    assert [path for path, _ in dropped_tags("a:\n  - x\n  # c\n  - !T y\n")] == [("a", 1)]
    tagged = tmp_path / "tagged.yaml"
    tagged.write_text(edited)
    done = sealfile_cli("import-sops", str(tagged), "-o", str(tmp_path / "out.enc.yaml"))
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "YAML tag" in line]
    assert len(warnings) == 1 and "6 YAML tag(s)" in warnings[0], done.stderr
    assert warnings[0].endswith("gives: api (!Ref), port (!Ref), name (!Ref), hosts.0 (!Ref), hosts.1 (!Ref), "
                                "nested.inner (!Ref)"), warnings
    assert not any(value in done.stderr for value in VALUES)


def test_no_note_without_tags(sealed: str, tmp_path: Path) -> None:
    assert not any("tag" in note for note in import_sops(sealed, path="sealed.yaml").notes)
