"""The decoding layer's bounds (:mod:`sealfile.gitflow.blob_views`): a committed file is attacker-written, so an
archive or an encoding that expands past the file bound, or nests too deep, is named as not read, and the work
done is what the bound allows, counted in decoded bytes and views."""

from __future__ import annotations

import base64
import bz2
import gzip
import io
import lzma
import struct
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from sealfile.gitflow import blob_views, text_encodings
from sealfile.gitflow.blob_views import MAX_MEMBERS, views
from tests.support.archives import zip_bytes
from tests.support.blob_views import views_in_fresh_process

LIMIT_MB = "1"


@pytest.fixture(autouse=True)
def _one_mebibyte(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEALFILE_MAX_FILE_MB", LIMIT_MB)


def _decoded(found: blob_views.Views) -> int:
    return sum(len(view.text) for view in found.found if view.where)


def test_a_gzip_bomb_is_read_up_to_the_bound_and_named() -> None:
    bomb = gzip.compress(b"a" * (50 * 1024 * 1024))
    found = views("dump.sql.gz", bomb)
    assert found.not_read == ["gzip of dump.sql.gz: expands past 1 MiB (SEALFILE_MAX_FILE_MB): not opened"]
    assert _decoded(found) == 0


def test_a_zip_whose_header_lies_about_a_members_size_is_read_up_to_the_bound() -> None:
    honest = zip_bytes({"big.txt": b"a" * (3 * 1024 * 1024)})
    # the central directory's uncompressed size (offset 24 of its entry) said small: the read is bounded all the same
    at = honest.rindex(b"PK\x01\x02")
    lying = honest[:at + 24] + struct.pack("<I", 10) + honest[at + 28:]
    for data in (honest, lying):
        found = views("a.zip", data)
        assert len(found.not_read) == 1, found.not_read  # past the bound, or damaged (its checksum then fails)
        assert ("expands past 1 MiB" if data is honest else "does not open") in found.not_read[0], found.not_read
        assert _decoded(found) <= 1024 * 1024


def test_an_archive_of_too_many_members_is_not_opened() -> None:
    found = views("many.zip", zip_bytes({f"f{n}.txt": b"x" for n in range(MAX_MEMBERS + 1)}))
    assert found.not_read == [f"an archive of more than {MAX_MEMBERS} files: not opened"]
    assert found.found == []


def test_nesting_past_the_depth_is_named_and_the_depth_within_is_read() -> None:
    inner = b"db:\n  password: x\n  user: y\n"
    for depth in range(blob_views.MAX_DEPTH):
        inner = zip_bytes({"prod.yaml" if depth == 0 else f"l{depth}.zip": inner})
    assert any(v.text.startswith("db:") for v in views("ok.zip", inner).found)
    deeper = views("deep.zip", zip_bytes({"l9.zip": inner}))
    assert [note.endswith("deep: not opened") for note in deeper.not_read] == [True]


def test_tar_members_and_base64_of_an_archive_are_read() -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        member = tarfile.TarInfo("etc/.env")
        member.size = 20
        archive.addfile(member, io.BytesIO(b"A_PASSWORD=x\nB=yyy\n\n"))
    encoded = base64.b64encode(out.getvalue()).decode()
    found = views("secret.yaml", f"kind: Secret\ndata:\n  backup.tgz: {encoded}\n".encode())
    assert [(v.where, v.name) for v in found.found if v.where] == [
        ("member etc/.env of gzip of base64 in data.backup.tgz", "etc/.env")]


@pytest.mark.parametrize("text", [
    "image: nginx@sha256:" + "ab" * 32,
    "checksum: " + "0123456789abcdef" * 4,
    "name: ThisIsAVeryLongIdentifierName\n",
    "path: /usr/local/lib/python3/site-packages/foo\n",
    "commit: 0879c83e1a2b3c4d5e6f708192a3b4c5d6e7f809\n",
])
def test_names_hashes_and_paths_in_base64s_alphabet_are_no_base64(text: str) -> None:
    assert [v.where for v in views("values.yaml", text.encode()).found] == [""]


def test_the_real_file_corpus_holds_no_decoded_copy_nor_credential() -> None:
    """Every file under tests/ (the real configuration files of the corpus, and the tests' own sources) decoded
    and judged against the sealed files among them: no encoded text is a copy, nor holds a credential."""

    from sealfile.gitflow.copy_index import SealedCopies
    from sealfile.gitflow.leaks import sealed_leaves
    from sealfile.gitflow.plaintext_copies import decoded_findings

    files = [p for p in Path(__file__).parents[1].rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    copies = SealedCopies()
    for path in files:
        copies.add(str(path), sealed_leaves(str(path), path.read_bytes().decode("utf-8", "replace")))
    found = [(str(path), decoded_findings(views(str(path), path.read_bytes()), copies)) for path in files]
    assert len(files) > 600
    assert [(path, lines) for path, lines in found if lines != ([], [])] == []


def test_a_json_escaped_copy_and_a_programs_string_literal() -> None:
    """A JSON text's escaped string is decoded (``\\u0070assword``); a program's string literals are code."""
    escaped = '{"note": "db:\\n  \\u0070assword: s3cret-a91\\n  user: app\\n"}\n'
    assert [v.text for v in views("log.json", escaped.encode()).found if v.where] == [
        "db:\n  password: s3cret-a91\n  user: app\n"]
    assert [v.where for v in views("setup.py", f"NOTE = {escaped}".encode()).found] == [""]


HOSTILE_LINES = {  # each line took the scans' backtracking patterns time quadratic in it: hours for these
    "log.json": '["' + '\\"' * 300_000 + "\n",  # a quote that opens no JSON string, from every quote
    "curl.txt": "x" + "%" * 600_000 + "\n",  # a run holding no %XX, searched from every position
    "values.yaml": "a: " + '"' * 65_000 + "x\n" + "b: " + "," * 65_000 + "y\n",  # a value before optional quotes
    "printf.sh": "printf '\\x41\\x41\\x41\\x41' \"" + '\\"' * 300_000 + "\n",  # \\x escapes, then no closing quote
}


@pytest.mark.parametrize("name", list(HOSTILE_LINES))
def test_a_hostile_line_is_scanned_in_time_linear_in_it(name: str, tmp_path: Path) -> None:
    """In a fresh process given a minute (the patterns took hours), which must use a few seconds of CPU."""
    (tmp_path / name).write_text(HOSTILE_LINES[name])
    shown, seconds, _ = views_in_fresh_process(tmp_path / name, "[view.where for view in found.found]")
    assert shown == ("['', '\\\\x escapes on line 1']" if name == "printf.sh" else "['']") and seconds < 5


def test_one_line_of_many_encoded_texts_gives_no_more_than_the_bound() -> None:
    """The count of encoded texts was checked after each line: one line of 400,000 gave them all."""
    from sealfile.gitflow.text_encodings import MAX_FOUND, escaped

    assert len(escaped("curl -d '" + "%41&" * 400_000 + "'\n")) == MAX_FOUND + 1
    assert len(escaped('["' + '\\u0041", "' * 200_000 + '"]\n')) == MAX_FOUND + 1


def test_json_literals_are_those_the_backtracking_search_finds() -> None:
    import random
    import re

    from sealfile.gitflow.text_encodings import json_literals

    backtracking = re.compile(r'"((?:[^"\\]|\\.)*)"')
    pick = random.Random(41)
    lines = ["".join(pick.choice('"\\a, ') for _ in range(pick.randint(0, 12))) for _ in range(20_000)]
    assert [json_literals(line) for line in lines] == [backtracking.findall(line) for line in lines]


@pytest.mark.parametrize("compress", [bz2.compress, lzma.compress], ids=["bzip2", "xz"])
def test_a_bzip2_or_xz_bomb_is_read_up_to_the_bound_and_named(compress: Callable[[bytes], bytes]) -> None:
    kind = "bzip2" if compress is bz2.compress else "xz"
    found = views("dump.sql.x", compress(b"a" * (50 * 1024 * 1024)))
    assert found.not_read == [f"{kind} of dump.sql.x: expands past 1 MiB (SEALFILE_MAX_FILE_MB): not opened"]
    assert _decoded(found) == 0


def test_past_the_bound_on_base64_words_the_rest_is_named_as_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Words that decode to nothing count too: a thousand of them before a copy must not hide it unsaid."""
    monkeypatch.setattr(text_encodings, "MAX_WORDS", 10)
    monkeypatch.setattr(blob_views, "MAX_WORDS", 10)
    copy = base64.b64encode(b"db:\n  password: x\n  user: y\n").decode()
    found = views("run.sh", (" ".join(["Abcdefgh"] * 11) + f"\necho {copy}\n").encode())
    assert found.not_read == ["the file: more than 10 base64 words: the rest not read"]
    assert [view.where for view in found.found] == [""]
    within = views("run.sh", (" ".join(["Abcdefgh"] * 9) + f"\necho {copy}\n").encode())
    assert within.not_read == [] and [view.where for view in within.found] == ["", "base64 on line 2"]
