"""``git merge`` through the installed driver where a side joined two documents of a YAML stream into one.

The join is followed where it is all that side did to the stream and the other side kept its documents where they
were (the other side's changes to either document land in the joined one, read back); anything else is left
conflicts as whole documents, with one line saying why the join was not followed (gitflow/merge_joins.py)."""

from __future__ import annotations

import pytest

from sealfile.gitflow.merge import merge_texts
from sealfile.kms.age import AgeKey
from sealfile.model.paths import ListIndex
from sealfile.ops.change import reseal_edited
from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.git import Sandbox, scan_for, scan_git_objects, seal_file

FILE = "stream.enc.yaml"
BASE = "---\nx: 1\n---\na: base-a\nb: base-b\n---\nc: base-c\n---\nz: base-z\n"
JOINED = "---\nx: 1\n---\na: base-a\nb: base-b\nc: base-c\n---\nz: base-z\n"


def _edit(box: Sandbox, plaintext: str) -> None:
    """The file edited to ``plaintext`` as ``sealfile edit`` reseals it (the data key and unchanged values kept)."""
    target = box.repo / FILE
    target.write_text(reseal_edited(target.read_text(), plaintext, get_store("yaml")))


def _merge(box: Sandbox, theirs: str, ours: str) -> str:
    seal_file(box, FILE, BASE)
    box.commit("base")
    box.diverge(lambda: _edit(box, theirs), lambda: _edit(box, ours))
    merged = box.git("merge", "--no-edit", "feature", check=False)
    return merged.stdout + merged.stderr


@pytest.mark.parametrize("joiner", ["theirs", "ours"])
def test_a_side_that_joined_two_documents_merges_with_the_others_changes(installed: Sandbox, joiner: str) -> None:
    """The other side changed values in both joined documents and in one after them: all land, in the joined one
    and the one after it (a conflict as whole documents before)."""
    changed = "---\nx: 1\n---\na: base-a\nb: other-b\n---\nc: other-c\n---\nz: other-z\n"
    output = _merge(installed, *((JOINED, changed) if joiner == "theirs" else (changed, JOINED)))
    assert "CONFLICT" not in output, output
    assert installed.sealfile("decrypt", FILE).stdout == \
        "---\nx: 1\n---\na: base-a\nb: other-b\nc: other-c\n---\nz: other-z\n"
    secrets = ["base-a", "other-b", "other-c", "other-z"]
    assert not any(s in output for s in secrets)
    assert scan_for(installed.root, secrets) == [] and scan_git_objects(installed, secrets) == []


WHY = {
    # the other side put a key of one document into the other: the two cannot be one mapping
    "a key in both": ("---\nx: 1\n---\na: base-a\nb: base-b\n---\nc: base-c\na: other-a\n---\nz: base-z\n",
                      "ours: its documents 1 and 2 both hold the key 'a'"),
    # the other side inserted a document: which documents the join's indices name would be a guess
    "documents inserted": ("---\nn: new\n---\nx: 1\n---\na: base-a\nb: base-b\n---\nc: other-c\n---\nz: base-z\n",
                           "ours inserted or removed documents too"),
}


@pytest.mark.parametrize("name", sorted(WHY))
def test_a_join_not_followed_says_why(installed: Sandbox, name: str) -> None:
    ours, why = WHY[name]
    output = _merge(installed, JOINED, ours)
    assert "CONFLICT" in output
    assert f"warning: theirs joined documents 1 and 2 of the stream into one; not followed: {why}" in output


def test_a_joiner_that_changed_the_stream_otherwise_is_not_followed(installed: Sandbox) -> None:
    """Theirs' joined document is then matched with the base's most alike it (the first, theirs changed ``b``),
    and ours' change to the second is in conflict with theirs removing it: documents from there on conflict."""
    output = _merge(installed, JOINED.replace("base-b", "theirs-b"),
                    "---\nx: 1\n---\na: base-a\nb: base-b\n---\nc: other-c\n---\nz: base-z\n")
    assert "CONFLICT at 1, 2, 3" in output, output
    assert "not followed: the merge driver follows a join only where that side changed nothing else" in output


@pytest.mark.parametrize(("base", "why"), [
    # an indented document after a key without a value: joined, it would be that key's mapping (only the read-back
    # comparing the data sees it: the text reads)
    ("---\nx: 1\n---\na:\n---\n  c: 3\n---\nz: 9\n", "base: its documents 1 and 2 do not read back as one"),
    # a document end marker: taking out the next '---' line leaves a document without one of its own
    ("---\nx: 1\n---\na: 1\n...\n---\nc: 3\n---\nz: 9\n", "base: its documents 1 and 2 do not read back as one"),
    # a document in flow style cannot follow a block mapping's keys
    ("---\nx: 1\n---\na: 1\n---\n{c: 3}\n---\nz: 9\n", "base: its documents 1 and 2 do not read back as one"),
    ("---\nx: 1\n---\na: 1\n--- # c\nc: 3\n---\nz: 9\n", "base: the '---' line starting its document 2 carries"),
])
def test_a_join_the_texts_cannot_follow_is_refused_by_its_read_back(sandbox: Sandbox, base: str, why: str) -> None:
    store = get_store("yaml")
    sealed = seal_text(base, [AgeKey.from_cli(sandbox.recipient)], store=store)
    ours = reseal_edited(sealed, base.replace("c: 3", "c: o3").replace("z: 9", "z: o9"), store)
    theirs = reseal_edited(sealed, f"---\nx: 1\n---\na:{' 1' if 'a: 1' in base else ''}\nc: 3\n---\nz: 9\n", store)
    result = merge_texts(sealed, ours, theirs, store)
    assert any(why in warning for warning in result.warnings), result.warnings
    assert (ListIndex(2),) in result.conflict_paths  # whole documents from the join on: ours' kept
    assert decrypt_text(result.text, store=store) == base.replace("c: 3", "c: o3").replace("z: 9", "z: o9")


def test_a_join_with_no_change_of_the_other_side_in_its_documents_merges_as_before(installed: Sandbox) -> None:
    """Ours changed only documents the join did not touch: matched as before (the joined one is new, the two it
    replaced removed), no word of the join."""
    output = _merge(installed, JOINED, BASE.replace("x: 1", "x: 2").replace("base-z", "other-z"))
    assert "CONFLICT" not in output and "joined" not in output
    assert installed.sealfile("decrypt", FILE).stdout == JOINED.replace("x: 1", "x: 2").replace("base-z", "other-z")
