"""``sealfile edit`` on real files (tests/corpus/real/, MANIFEST.json), as a reviewer sees the result: the editor
(a script standing in for the user) makes one realistic edit to the decrypted text (tests/support/real_edits.py)
and the sealed file's Git diff shows that edit only.

- the sealed result decrypts to exactly the text saved, byte for byte (comments and layout as typed);
- every line of the sealed file the edit did not touch stays byte-identical (an unchanged value keeps its token)
  and the metadata changes in its ``mac`` only;
- saving unchanged writes nothing (the mtime stays) and says so;
- a save the format cannot read, or a key written twice, is refused in one line naming the file and the cause,
  the sealed file untouched; as is an editor killed by a signal. After every run, the workspace the editor was
  given and TMPDIR hold nothing.

A sample of the corpus runs here; ``SEALFILE_TEST_EDIT_CORPUS=all`` runs every file (exploring: about 4,000 runs,
~30 min of CPU)."""

from __future__ import annotations

import difflib
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.cli import cli_env
from tests.support.identities import AgeIdentity
from tests.support.real_edits import EDITS, MISTAKES, edited

REAL = Path(__file__).resolve().parents[1] / "corpus" / "real"


def _mappings(entry: dict[str, Any]) -> bool:
    """Whether every document of the file is a mapping (what sealfile seals; the rest is refused on purpose)."""
    if entry.get("store", "yaml") != "yaml":
        return True
    try:
        documents = YAML(typ="rt", pure=True).load_all((REAL / entry["file"]).read_bytes())
        return all(isinstance(document, dict) for document in documents)
    except Exception:  # a file ruamel's round-trip loader does not read is not in the sample
        return False


ENTRIES = [entry for entry in json.loads((REAL / "MANIFEST.json").read_text(encoding="utf-8"))
           if entry["parses"] and not entry["file"].endswith("utf-16.yaml")]
# one file of each shape that matters to a line-for-line diff: CRLF, a BOM, no final line break, comments between
# keys, both list indents, block scalars, several documents, anchors, tags, tabs, one-space indents
SAMPLE = [
    next(e["file"] for e in ENTRIES if e.get("store", "yaml") == "yaml" and e["crlf"] and _mappings(e)),
    "ansible/geerlingguy__ansible-role-docker__defaults__main.yml",
    *[next(e["file"] for e in ENTRIES if e.get("store", "yaml") == "yaml" and feature in e["features"] and _mappings(e))
      for feature in ("comment_between_key_and_value", "seq_at_key_column", "literal", "anchors", "app_tags",
                      "one_space_indent", "trailing_whitespace", "folded")],
    next(e["file"] for e in ENTRIES if e["multi_document"] and _mappings(e)),
    "json/dotnet__eShop__src__PaymentProcessor__appsettings.json",
    "json/devcontainers__templates__src__dotnet-mssql__devcontainer-template.json",
    "json/serverless__examples__aws-node-rest-api-typescript__tslint.json",
    "dotenv/motdotla__dotenv__tests__.env",
    "dotenv/bkeepers__dotenv__spec__fixtures__bom.env",
    "dotenv/laravel__laravel__.env.example",
]
# every file, taking the categories in turn (a run stopped early has seen every kind of file)
_RANK = {e["file"]: rank for category in {e["category"] for e in ENTRIES}
         for rank, e in enumerate(e for e in ENTRIES if e["category"] == category)}
_ROUND_ROBIN = sorted(ENTRIES, key=lambda e: (_RANK[e["file"]], e["category"]))
FILES = ([e["file"] for e in _ROUND_ROBIN if _mappings(e)] if os.environ.get("SEALFILE_TEST_EDIT_CORPUS") == "all"
         else SAMPLE)
_METADATA = {"yaml": re.compile(r"^sealfile:", re.M), "json": re.compile(r'"sealfile"\s*:'),
             "dotenv": re.compile(r"^# sealfile metadata", re.M)}
_TOKEN = re.compile(r"ENC\[[^\]]*\]")
_RESEALED = {"change": 1, "delete": 1, "rename": 1, "multiline": 1}  # the value edited; a renamed key's path is new
_MAC = re.compile(r'^\s*("mac"|mac\b|sealfile_mac\b)')


def _store(name: str) -> str:
    return name.split("/")[0] if name.split("/")[0] in ("json", "dotenv") else "yaml"


def _split(store: str, sealed: str) -> tuple[list[str], list[str]]:
    """The sealed text's data lines and metadata lines (a YAML block may come first, before a file's last document)."""
    lines = sealed.splitlines(keepends=True)
    start = sealed[:list(_METADATA[store].finditer(sealed))[-1].start()].count("\n")
    end = start + 1
    while store == "yaml" and end < len(lines) and lines[end][:1] in (" ", "\t"):
        end += 1
    end = end if store == "yaml" else len(lines)
    return lines[:start] + lines[end:], lines[start:end]


def _changed(before: list[str], after: list[str]) -> tuple[int, int]:
    """Lines removed and lines added from ``before`` to ``after``."""
    removed = added = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag != "equal":
            removed, added = removed + i2 - i1, added + j2 - j1
    return removed, added


def _edit(sealed: Path, wanted: str | None, tmp_path: Path, *, kill: bool = False) -> subprocess.CompletedProcess[str]:
    """``sealfile edit`` with an editor that saves ``wanted`` (None: saves nothing) and notes the path it got."""
    text = tmp_path / "wanted"
    if wanted is not None:
        text.write_bytes(wanted.encode("utf-8"))
    save = f'cp {shlex.quote(str(text))} "$0"; ' if wanted is not None else ""
    editor = f"sh -c 'echo \"$0\" > {shlex.quote(str(tmp_path / 'opened'))}; {save}{'kill -9 $$' if kill else ''}'"
    return subprocess.run([sys.executable, "-m", "sealfile", "edit", str(sealed)], cwd=sealed.parent,
                          env=cli_env({"EDITOR": editor, "TMPDIR": str(tmp_path / "tmp")}),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)


def _nothing_left(tmp_path: Path) -> None:
    """No plaintext on disk: the editor's workspace is gone (or empty) and TMPDIR is empty."""
    workspace = Path((tmp_path / "opened").read_text().strip()).parent
    assert not workspace.exists() or not any(workspace.iterdir()), sorted(workspace.iterdir())
    assert not any((tmp_path / "tmp").iterdir()), sorted((tmp_path / "tmp").iterdir())


def _sealed(name: str, identity: AgeIdentity, tmp_path: Path) -> tuple[Path, str]:
    store = _store(name)
    plain = (REAL / name).read_bytes().decode("utf-8")
    sealed = tmp_path / "work" / f"secrets.enc.{'env' if store == 'dotenv' else store}"
    sealed.parent.mkdir()
    (tmp_path / "tmp").mkdir()
    sealed.write_bytes(seal_text(plain, [identity.key], store=get_store(store)).encode("utf-8"))
    return sealed, plain


@pytest.mark.parametrize("edit", EDITS)
@pytest.mark.parametrize("name", FILES)
def test_an_edit_shows_in_the_sealed_diff_as_made(age_identity: AgeIdentity, tmp_path: Path, name: str,
                                                  edit: str) -> None:
    store = _store(name)
    wanted = edited(store, (REAL / name).read_bytes().decode("utf-8"), edit)
    if wanted is None:
        pytest.skip(f"no place for {edit} in this file")
    sealed, plain = _sealed(name, age_identity, tmp_path)
    before, mtime = sealed.read_bytes().decode("utf-8"), sealed.stat().st_mtime_ns
    done = _edit(sealed, wanted, tmp_path)
    _nothing_left(tmp_path)
    after = sealed.read_bytes().decode("utf-8")
    if edit == "unchanged":
        assert (done.returncode, done.stderr, after, sealed.stat().st_mtime_ns) == (
            0, f"{sealed}: no change\n", before, mtime)
        return
    assert (done.returncode, done.stderr) == (0, f"{sealed}: saved\n")
    assert decrypt_text(after, store=get_store(store)) == wanted
    (data_before, meta_before), (data_after, meta_after) = _split(store, before), _split(store, after)
    removed, added = _changed(plain.splitlines(keepends=True), wanted.splitlines(keepends=True))
    sealed_removed, sealed_added = _changed(data_before, data_after)
    # a value's token is one line however many lines its text is: never more lines than the edit's
    assert sealed_removed <= removed and sealed_added <= added, "".join(difflib.unified_diff(data_before, data_after))
    tokens_before, tokens_after = _TOKEN.findall("".join(data_before)), set(_TOKEN.findall("".join(data_after)))
    gone = [token for token in tokens_before if token not in tokens_after]  # the values sealed again
    assert len(gone) <= _RESEALED.get(edit, 0), (len(gone), len(tokens_before))
    metadata_diff = [line for line in difflib.ndiff(meta_before, meta_after) if line[:1] in "+-"]
    assert all(_MAC.search(line[2:]) for line in metadata_diff), metadata_diff


@pytest.mark.parametrize("mistake", [*MISTAKES, "killed"])
@pytest.mark.parametrize("name", FILES)
def test_a_save_that_cannot_be_sealed_changes_nothing(age_identity: AgeIdentity, tmp_path: Path, name: str,
                                                      mistake: str) -> None:
    store = _store(name)
    text = (REAL / name).read_bytes().decode("utf-8")
    wanted = edited(store, text, "change" if mistake == "killed" else mistake)
    if wanted is None:
        pytest.skip(f"no place for {mistake} in this file")
    sealed, _ = _sealed(name, age_identity, tmp_path)
    before, mtime = sealed.read_bytes(), sealed.stat().st_mtime_ns
    done = _edit(sealed, wanted, tmp_path, kill=mistake == "killed")
    _nothing_left(tmp_path)
    assert (sealed.read_bytes(), sealed.stat().st_mtime_ns) == (before, mtime)
    assert done.returncode != 0 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(f"sealfile: error: {sealed}"), done.stderr
    assert sorted(p.name for p in sealed.parent.iterdir()) == [sealed.name]
