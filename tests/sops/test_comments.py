"""Encrypted comments: each is matched to the container SOPS bound it to, in one pass.

A comment is bound to the path of the mapping or list holding it; SOPS keeps one it cannot
decrypt as it is. Reading must not try every comment against every container: a file an
attacker shapes with many of both would take minutes.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

import sealfile
from sealfile import sops
from sealfile.sops import output
from tests.sops.conftest import AgeIdentity, assert_same, run_sops, sealfile_cli, sops_decrypt, sops_encrypt

CONTAINERS = 1000
TIME_BUDGET_S = 5.0
"""Generous for a shared two-core machine; trying every comment against every container took 71 s."""


@pytest.fixture(scope="module")
def many_comments(sops_identity: AgeIdentity, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SOPS file with a thousand mappings, each holding a comment that does not decrypt.

    SOPS writes the comments; flipping a byte of each leaves the MAC valid (comments are not in it)
    and makes every comment one that no container opens: the most work for a reader that guesses."""
    work = tmp_path_factory.mktemp("comments")
    plain = work / "plain.yaml"
    plain.write_text("".join(f"k{i}:\n  # note {i}\n  v: x{i}\n" for i in range(CONTAINERS)))
    sealed = sops_encrypt(plain, work / "sealed.yaml", "--age", sops_identity.recipient)
    text = re.sub(r"#ENC\[AES256_GCM,data:(.)", lambda m: f"#ENC[AES256_GCM,data:{'B' if m[1] == 'A' else 'A'}",
                  sealed.read_text())
    sealed.write_text(text)
    assert len(text) > 200_000
    return sealed


def test_many_unopenable_comments_read_in_linear_time(many_comments: Path, sops_identity: AgeIdentity,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    text = many_comments.read_text()
    started = time.process_time()  # the work done, whatever else the machine runs meanwhile
    shown = output.plaintext(sops.open_text(text, "yaml", comments=True))
    elapsed = time.process_time() - started
    assert elapsed < TIME_BUDGET_S, f"{elapsed:.1f} s of CPU"
    assert isinstance(shown, str) and shown.count("#ENC[AES256_GCM,") == CONTAINERS  # kept, as SOPS keeps them
    assert run_sops(["decrypt", str(many_comments)]).stdout.count("#ENC[AES256_GCM,") == CONTAINERS


def test_comments_decrypt_in_their_own_container(sops_identity: AgeIdentity, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    plain = tmp_path / "plain.yaml"
    plain.write_text("# top\na:\n  # in a\n  b:\n    # in b\n    c: 1\n  # end of a\nlist:\n  # in list\n  - x\n")
    sealed = sops_encrypt(plain, tmp_path / "sealed.yaml", "--age", sops_identity.recipient)
    shown = output.plaintext(sops.open_text(sealed.read_text(), "yaml", comments=True))
    assert isinstance(shown, str)
    for comment in ("# top", "# in a", "# in b", "# end of a", "# in list"):
        assert comment in shown
    assert "ENC[" not in shown


PLAIN_COMMENTS_IN_LISTS = [
    # A comment after the dash of an item that is a list ("- # note"), as SOPS writes it back.
    ("encrypted_comment_regex: secret", "a:\n  - # other\n    - # secret\n      - x\n    - y\n"),
    # A comment line after an item that is a mapping or a list belongs before the next item.
    ("encrypted_comment_regex: secret", "a:\n  - k: v\n  # secret\n  - - x\n  - y\n"),
    ("encrypted_comment_regex: secret", "a:\n  - - x\n  # secret\n  - y\n  - z\n"),
    ("encrypted_comment_regex: secret", "a:\n  - k: v\n  # secret\n  - y\n"),
    ("unencrypted_comment_regex: plain", "a:\n  - - x\n  # plain\n  - y\nb: z\n"),
]


@pytest.mark.parametrize(("rule", "plain_text"), PLAIN_COMMENTS_IN_LISTS)
def test_plaintext_comments_in_lists_are_where_sops_reads_them(rule: str, plain_text: str, sops_identity: AgeIdentity,
                                                               tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under a comment rule SOPS leaves comments in plaintext; which values it encrypted depends on
    the list each comment is in, so a comment read into another list makes the file unreadable."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    config = tmp_path / ".sops.yaml"
    config.write_text(f"creation_rules:\n  - age: {sops_identity.recipient}\n    {rule}\n")
    plain = tmp_path / "plain.yaml"
    plain.write_text(plain_text)
    done = run_sops(["--config", str(config), "encrypt", str(plain)])
    assert done.returncode == 0, done.stderr
    sealed = tmp_path / "sealed.yaml"
    sealed.write_text(done.stdout)
    assert "type:str]" in done.stdout and re.search(r"(- |k: )\"?[vxyz]\"?$", done.stdout, re.M)  # some of each
    assert_same(sealfile.load_secrets(sealed, redacted=False), sops_decrypt(sealed, sops_identity.key_file))
    shown = output.plaintext(sops.open_text(done.stdout, "yaml", comments=True))
    assert isinstance(shown, str)
    for line in plain_text.splitlines():
        if "#" in line:
            assert "# " + line.split("# ", 1)[1] in shown


def test_foot_comments_of_nested_mappings_are_all_shown(sops_identity: AgeIdentity, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Comments after the last item of mappings ending on the same line hang on one item: each is shown,
    in decrypt and in the sealed file import-sops writes (the outer one replaced the inner one)."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    plain = tmp_path / "plain.yaml"
    plain.write_text("a:\n  b:\n    c:\n      # deep\n      d: 1\n    # end of b\n  # end of a\n# the end\n")
    sealed = sops_encrypt(plain, tmp_path / "sealed.yaml", "--age", sops_identity.recipient)
    theirs = run_sops(["decrypt", str(sealed)]).stdout
    assert theirs.count("#") == 4
    assert output.decrypt(sealed.read_text(), "yaml") == theirs
    imported = tmp_path / "imported.enc.yaml"
    assert sealfile_cli("import-sops", str(sealed), "-o", str(imported)).returncode == 0
    shown = sealfile_cli("decrypt", str(imported)).stdout
    assert [line.strip() for line in shown.splitlines() if "#" in line] == ["# deep", "# end of b", "# end of a",
                                                                            "# the end"]


@pytest.mark.parametrize("rule", ["encrypted_comment_regex: secret", "unencrypted_comment_regex: keep"])
@pytest.mark.parametrize("separator", ["\\u2028", "\\u2029"])
def test_comments_after_values_sops_writes_with_raw_line_separators(rule: str, separator: str,
                                                                    sops_identity: AgeIdentity, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """SOPS writes U+2028 and U+2029 raw inside quoted values, where YAML parsers start a new line: the
    comments after such a value are on the lines the parser counts, not hidden inside the value."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    config = tmp_path / ".sops.yaml"
    config.write_text(f"creation_rules:\n  - age: {sops_identity.recipient}\n    {rule}\n")
    plain = tmp_path / "plain.yaml"
    plain.write_text(f'# keep\nx: "a{separator}b"\n# secret\nk: v\n'
                     f'l:\n  # keep\n  - "c{separator}d"\n  # secret\n  - w\n')
    done = run_sops(["--config", str(config), "encrypt", str(plain)])
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(separator.encode().decode("unicode_escape")) == 2 and done.stdout.count("type:str]") == 3
    sealed = tmp_path / "sealed.yaml"
    sealed.write_text(done.stdout)
    assert_same(sealfile.load_secrets(sealed, redacted=False), sops_decrypt(sealed, sops_identity.key_file))
    shown = sealfile_cli("decrypt", str(sealed))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.count("# secret") == 2


@pytest.mark.parametrize("plaintext", ["[s]\n# comment\nk = 'v' ; inline\n",
                                       "[s]\n; one\n# two\nk = v\n\n[t]\nx = 1 # after\n",
                                       "[s]\r\n# comment\r\nk = 'v' ; inline\r\n"])
def test_ini_comment_of_several_lines_printed_as_yaml(plaintext: str, sops_identity: AgeIdentity, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """go-ini keeps a key's comment lines (and one after its value) in one comment: each line is a YAML comment
    line, as sops prints it, never a line of data."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    plain = tmp_path / "plain.ini"
    plain.write_bytes(plaintext.encode())
    sealed = sops_encrypt(plain, tmp_path / "sealed.ini", "--age", sops_identity.recipient)
    theirs = run_sops(["decrypt", "--output-type", "yaml", str(sealed)])
    assert theirs.returncode == 0, theirs.stderr
    ours = sealfile_cli("decrypt", "--output-type", "yaml", str(sealed))
    assert (ours.returncode, ours.stdout) == (0, theirs.stdout), ours.stderr


@pytest.mark.parametrize("plaintext", ["m:\n  block: |+\n    x\n\n  # end\n  # two\nn: 1\n",
                                       "l:\n  - |+\n    x\n\n  # end\n", "block: |+\n    x\n\n# the end\n",
                                       "m:\n  block: |\n    x\n  # end\nn: 1\n",
                                       "a:\n  b:\n    c: |+\n      x\n\n    # c\n  # b\n# a\n"])
def test_comment_after_a_block_at_the_end_of_its_container(plaintext: str, sops_identity: AgeIdentity,
                                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A comment closing a mapping or list whose last value is a ``|`` block follows the block's last line, as
    sops prints it: a blank line between them would be the block's content after ``|+`` (decrypt and import-sops
    refused such a file)."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    plain = tmp_path / "plain.yaml"
    plain.write_text(plaintext)
    sealed = sops_encrypt(plain, tmp_path / "sealed.yaml", "--age", sops_identity.recipient)
    theirs = run_sops(["decrypt", str(sealed)])
    assert theirs.returncode == 0, theirs.stderr
    ours = sealfile_cli("decrypt", str(sealed))
    assert (ours.returncode, ours.stdout) == (0, theirs.stdout), ours.stderr
    imported, back = tmp_path / "imported.enc.yaml", tmp_path / "back.yaml"
    assert sealfile_cli("import-sops", str(sealed), "-o", str(imported)).returncode == 0
    assert sealfile_cli("export-sops", str(imported), "-o", str(back)).returncode == 0
    assert run_sops(["decrypt", str(back)]).stdout == theirs.stdout


COMMENTS_AFTER_NESTED_ITEMS = [
    # sops writes each "# c" on its own line before the item it heads, left of the collections ending above it
    "l:\n  - k:\n      - 1\n  - # c\n    b: 2\n",
    "l:\n  - k:\n      m: 1\n  - # c\n    b: 2\n",
    "l:\n  - - k:\n        - 1\n  - # c\n    b: 2\n",
    "a:\n  l:\n    - k:\n        - m:\n            - 1\n    - # c\n      b: 2\n  # d\n  z: 1\n",
]


@pytest.mark.parametrize("rule", ["", "unencrypted_comment_regex: ^ c$"])
@pytest.mark.parametrize("plaintext", COMMENTS_AFTER_NESTED_ITEMS)
def test_comment_after_an_item_ending_in_nested_collections(rule: str, plaintext: str, sops_identity: AgeIdentity,
                                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A comment sops writes left of the collections closing before it goes after the item they end, in its
    own container, as sops shows it (it went before that item: the item was not yet in its list), in the file
    sops encrypted, after ``sops set`` and ``sops rotate``, and in the file import-sops writes."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    config = tmp_path / ".sops.yaml"
    config.write_text(f"creation_rules:\n  - age: {sops_identity.recipient}\n    {rule}\n")
    plain = tmp_path / "plain.yaml"
    plain.write_text(plaintext)
    done = run_sops(["--config", str(config), "encrypt", str(plain)])
    assert done.returncode == 0 and "\n    #" in done.stdout, done.stderr
    sealed = tmp_path / "sealed.yaml"
    sealed.write_text(done.stdout)
    for edit in ([], ["set", str(sealed), '["added"]', '"x"'], ["rotate", "-i", str(sealed)]):
        if edit:
            assert run_sops(edit).returncode == 0
        theirs = run_sops(["decrypt", str(sealed)])
        assert theirs.returncode == 0, theirs.stderr
        ours = sealfile_cli("decrypt", str(sealed))
        assert (ours.returncode, ours.stdout) == (0, theirs.stdout), ours.stderr
    imported = tmp_path / "imported.enc.yaml"
    assert sealfile_cli("import-sops", str(sealed), "-o", str(imported)).returncode == 0
    shown = sealfile_cli("decrypt", str(imported)).stdout
    assert [line.strip() for line in shown.splitlines()] == [line.strip() for line in theirs.stdout.splitlines()]


@pytest.mark.parametrize("plaintext", ["l:\n  - # c\n    - x\n    - y\n", "l:\n  - - # c\n      k: 1\n",
                                       "l:\n  - # c\n    - # d\n      k: 1\n    - y\nm: 1\n"])
def test_comment_heading_a_list_item_that_is_a_list(plaintext: str, sops_identity: AgeIdentity, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The comments before a nested list's first item (and its first mapping's) print before the dash of the
    item holding that list, as sops prints them (they went on a line of their own after a bare dash)."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    plain = tmp_path / "plain.yaml"
    plain.write_text(plaintext)
    sealed = sops_encrypt(plain, tmp_path / "sealed.yaml", "--age", sops_identity.recipient)
    theirs = run_sops(["decrypt", str(sealed)])
    ours = sealfile_cli("decrypt", str(sealed))
    assert (ours.returncode, ours.stdout) == (0, theirs.stdout), ours.stderr


NESTED_LIST_HEADINGS = ["a:\n  - - # c\n      - x\n    - y\n", "a:\n  - z\n  - - # c\n      # d\n      - x\n",
                        "a:\n  - # c\n    - # d\n      - x\n", "a:\n  - - - # c\n        - x\n",
                        "a:\n  - - # c\n      - - # d\n          - k: 1\n"]


@pytest.mark.parametrize("plaintext", NESTED_LIST_HEADINGS)
def test_comment_heading_a_list_nested_in_a_list_item(plaintext: str, sops_identity: AgeIdentity, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Where a list two deep in list items is headed by a comment, sops prints it after the outer dash on its
    line (``- # c``), in ``decrypt`` and in the file ``import-sops`` writes (it went on a line of its own
    after a bare dash); the following comment lines, and the list, below it at the list's column."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    plain = tmp_path / "plain.yaml"
    plain.write_text(plaintext)
    sealed = sops_encrypt(plain, tmp_path / "sealed.yaml", "--age", sops_identity.recipient)
    theirs = run_sops(["decrypt", str(sealed)])
    assert "- # " in theirs.stdout, theirs.stderr
    ours = sealfile_cli("decrypt", str(sealed))
    assert (ours.returncode, ours.stdout) == (0, theirs.stdout), ours.stderr
    imported = tmp_path / "imported.enc.yaml"
    assert sealfile_cli("import-sops", str(sealed), "-o", str(imported)).returncode == 0
    assert sealfile_cli("decrypt", str(imported)).stdout == theirs.stdout


@pytest.mark.parametrize("plaintext", ["a:\n  b:\n    k: 1\n  # c\n", "a:\n  b:\n    l:\n      - x\n  # c\n"])
def test_comment_ending_the_document_that_sops_cannot_open_itself(plaintext: str, sops_identity: AgeIdentity,
                                                                   tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """sops binds a last comment indented to an outer mapping to that mapping, then looks for it in the
    innermost one and prints its ciphertext; we open it and show it in the mapping it was written in."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    plain = tmp_path / "plain.yaml"
    plain.write_text(plaintext)
    sealed = sops_encrypt(plain, tmp_path / "sealed.yaml", "--age", sops_identity.recipient)
    theirs = run_sops(["decrypt", str(sealed)])
    assert theirs.returncode == 0 and "#ENC[AES256_GCM," in theirs.stdout, theirs.stderr
    ours = sealfile_cli("decrypt", str(sealed))
    assert (ours.returncode, ours.stdout.endswith("\n    # c\n"), "ENC[" in ours.stdout) == (0, True, False)
