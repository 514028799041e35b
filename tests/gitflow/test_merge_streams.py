"""Multi-document YAML streams through the merge driver (real git; docs/format.md §1, §7 for empty documents):
documents merge by index, each as a mapping; documents one side inserted or removed are matched to the base's (a key
is never merged into another document: where the match is a guess, each document it reaches is a conflict); documents
theirs appended or removed at the end are taken."""

from __future__ import annotations

import stat

import pytest

from sealfile.errors import FormatError
from sealfile.gitflow.merge import merge_texts
from sealfile.kms.age import AgeKey
from sealfile.ops.change import plaintext_for_editing, reseal_edited, set_value, unset_value
from sealfile.ops.read import decrypt_text, verify_text
from sealfile.ops.seal import seal_text
from tests.support.git import Sandbox, seal_file

FILE = "manifests.enc.yaml"


def _merged(box: Sandbox, plaintext: str, theirs: tuple[str, str], ours: tuple[str, str]) -> str:
    seal_file(box, FILE, plaintext)
    box.commit("base")
    box.diverge(lambda: box.sealfile("set", FILE, *theirs), lambda: box.sealfile("set", FILE, *ours))
    merge = box.git("merge", "--no-edit", "feature", check=False)
    return merge.stdout + merge.stderr


def test_changes_in_different_documents_merge_cleanly(installed: Sandbox) -> None:
    output = _merged(installed, "a: 1\nb: 2\n---\nc: 3\n", ("[1].c", "theirs-c"), ("[0].a", "ours-a"))
    assert "CONFLICT" not in output and "top level" not in output
    installed.sealfile("verify", FILE)
    assert installed.sealfile("decrypt", FILE).stdout == "a: ours-a\nb: 2\n---\nc: theirs-c\n"
    assert installed.git("status", "--porcelain").stdout == ""


@pytest.mark.parametrize("plaintext, theirs_path, expected", [
    ("a: 1\n---\nc: 3\n---\n", "[1].c", "a: ours-a\n---\nc: theirs-c\n---\n"),  # a trailing '---' (helm template)
    ("a: 1\n---\n---\nc: 3\n", "[2].c", "a: ours-a\n---\n---\nc: theirs-c\n"),  # an empty document between
])
def test_empty_documents_are_kept_and_the_result_verifies(installed: Sandbox, plaintext: str, theirs_path: str,
                                                          expected: str) -> None:
    output = _merged(installed, plaintext, (theirs_path, "theirs-c"), ("[0].a", "ours-a"))
    assert "CONFLICT" not in output
    installed.sealfile("verify", FILE)
    assert installed.sealfile("decrypt", FILE).stdout == expected


def test_the_same_key_of_one_document_conflicts_at_its_path(installed: Sandbox) -> None:
    output = _merged(installed, "a: 1\n---\nc: 3\nd: 4\n", ("[1].c", "theirs-c"), ("[1].c", "ours-c"))
    assert "CONFLICT at 1.c" in output and "top level" not in output
    installed.sealfile("verify", FILE)
    assert installed.sealfile("decrypt", FILE, "--extract", "[1].c").stdout == "ours-c"


@pytest.mark.parametrize("appended, expected", [
    ("---\\nnew: 5\\n", "a: ours-a\n---\nc: 3\n---\nnew: 5\n"),
    ("---\\n", "a: ours-a\n---\nc: 3\n---\n"),  # an empty document: sealed with its documents entry (§7)
])
def test_documents_theirs_appended_are_taken(installed: Sandbox, appended: str, expected: str) -> None:
    box = installed
    editor = box.root / "append.sh"
    editor.write_text(f"#!/bin/sh\nprintf -- '{appended}' >> \"$1\"\n")
    editor.chmod(editor.stat().st_mode | stat.S_IXUSR)
    seal_file(box, FILE, "a: 1\n---\nc: 3\n")
    box.commit("base")
    box.diverge(lambda: box.sealfile("edit", FILE, env={**box.env, "EDITOR": str(editor), "VISUAL": str(editor)}),
                lambda: box.sealfile("set", FILE, "[0].a", "ours-a"))
    merge = box.git("merge", "--no-edit", "feature", check=False)
    assert merge.returncode == 0, merge.stdout + merge.stderr
    box.sealfile("verify", FILE)
    assert box.sealfile("decrypt", FILE).stdout == expected


def _appending(box: Sandbox, text: str) -> dict[str, str]:
    editor = box.root / f"append{len(text)}.sh"
    editor.write_text(f"#!/bin/sh\nprintf -- '{text}' >> \"$1\"\n")
    editor.chmod(editor.stat().st_mode | stat.S_IXUSR)
    return {**box.env, "EDITOR": str(editor), "VISUAL": str(editor)}


def test_documents_both_appended_differently_conflict_at_the_document_in_git(installed: Sandbox) -> None:
    box = installed
    seal_file(box, FILE, "a: 1\n---\nc: 3\n")
    box.commit("base")
    box.diverge(lambda: box.sealfile("edit", FILE, env=_appending(box, "---\\ntheirs: 1\\n")),
                lambda: box.sealfile("edit", FILE, env=_appending(box, "---\\nours: 2\\n")))
    merge = box.git("merge", "--no-edit", "feature", check=False)
    assert merge.returncode != 0
    assert "CONFLICT at 2" in merge.stdout + merge.stderr
    assert "UU manifests.enc.yaml" in box.git("status", "--porcelain").stdout
    box.sealfile("verify", FILE)
    assert box.sealfile("decrypt", FILE).stdout == "a: 1\n---\nc: 3\n---\nours: 2\n"
    box.git("add", FILE)
    found = box.sealfile("check", check=False)  # the conflict is recorded: a blind commit is refused
    assert found.returncode == 3 and "unresolved merge conflict at 2" in found.stderr, found.stderr


# --- documents moved by one side: index i is no longer the base's document i (in memory, real age) ---------

def _edit(text: str, old: str, new: str) -> str:
    return reseal_edited(text, plaintext_for_editing(text).replace(old, new, 1))


@pytest.fixture
def key(sandbox: Sandbox) -> AgeKey:
    return AgeKey.from_cli(sandbox.recipient)


def test_a_change_to_a_document_theirs_moved_up_follows_it(key: AgeKey) -> None:
    # theirs removes document 1; document 2 (which ours changes) becomes theirs' document 1, alike but for `c`
    base = seal_text("a: 1\n---\nc: 3\nk: same\n---\nc: 4\nk: same\n", [key])
    result = merge_texts(base, set_value(base, "[2].k", "ours"), _edit(base, "---\nc: 3\nk: same\n", ""))
    assert result.conflicts == []
    verify_text(result.text)
    assert decrypt_text(result.text) == "a: 1\n---\nc: 4\nk: ours\n"


def test_a_change_to_a_document_theirs_moved_down_follows_it(key: AgeKey) -> None:
    # theirs inserts a document first: ours' change to document 1 lands on it at theirs' index 2, not on document 1
    base = seal_text("k: same\nn: 1\n---\nk: same\nn: 2\n", [key])
    theirs = _edit(base, "k: same\nn: 1\n", "k: same\nn: 0\n---\nk: same\nn: 1\n")
    result = merge_texts(base, set_value(base, "[1].k", "ours"), theirs)
    assert result.conflicts == []
    verify_text(result.text)
    assert decrypt_text(result.text) == "k: same\nn: 0\n---\nk: same\nn: 1\n---\nk: ours\nn: 2\n"


def test_a_document_changed_beside_one_inserted_matching_two_alike_is_a_conflict(key: AgeKey) -> None:
    # theirs' documents 0 and 1 are each as near the base's 0: which one it became is a guess, never merged into
    base = seal_text("k: same\nn: 1\n---\nk: same\nn: 2\n", [key])
    theirs = _edit(base, "k: same\nn: 1\n", "k: same\nn: 0\n---\nk: same\nn: 5\n")
    result = merge_texts(base, set_value(base, "[0].k", "ours"), theirs)
    assert result.conflicts and all(len(p) == 1 for p in result.conflict_paths if p is not None)
    assert decrypt_text(result.text) == "k: ours\nn: 1\n---\nk: same\nn: 2\n"


def test_a_document_whose_one_value_both_changed_beside_one_inserted_conflicts_at_its_key(key: AgeKey) -> None:
    # theirs inserts a document first and changes the base's 0's only value: no value in common, but its key
    base = seal_text("a: v1\n---\nd: 1\n", [key])
    result = merge_texts(base, set_value(base, "[0].a", "o1"), _edit(base, "a: v1\n", "n: t\n---\na: t1\n"))
    assert [str(p[-1]) for p in result.conflict_paths if p is not None] == ["a"]
    assert decrypt_text(result.text) == "n: t\n---\na: o1\n---\nd: 1\n"


def test_documents_ours_appended_are_kept_with_theirs_changes(key: AgeKey) -> None:
    base = seal_text("a: 1\n---\nc: 3\n", [key])
    result = merge_texts(base, _edit(base, "c: 3\n", "c: 3\n---\n---\nd: 4\n"), set_value(base, "[1].c", "t"))
    assert result.conflicts == []
    verify_text(result.text)
    assert decrypt_text(result.text) == "a: 1\n---\nc: t\n---\n---\nd: 4\n"


def test_documents_both_appended_differently_conflict_at_the_document(key: AgeKey) -> None:
    base = seal_text("a: 1\n---\nc: 3\n", [key])
    result = merge_texts(base, _edit(base, "c: 3\n", "c: 3\n---\nx: 1\n"), _edit(base, "c: 3\n", "c: 3\n---\ny: 1\n"))
    assert result.conflicts == ["2"]
    assert decrypt_text(result.text) == "a: 1\n---\nc: 3\n---\nx: 1\n"


def test_a_stream_with_aliases_merges_by_document_too(key: AgeKey) -> None:
    base = seal_text("a: &x 1\nb: *x\n---\nc: 3\n", [key])
    result = merge_texts(base, set_value(base, "[0].a", "two"), set_value(base, "[1].c", "t"))
    assert result.conflicts == []
    verify_text(result.text)
    assert decrypt_text(result.text) == "a: &x two\nb: *x\n---\nc: t\n"


@pytest.mark.parametrize("plaintext, removed, expected", [
    ("a: 1\n---\nc: 3\n---\ne: 5\n", "---\ne: 5\n", "a: x\n---\nc: 3\n"),
    ("a: 1\n---\nc: 3\n---\n", "---\n", "a: x\n---\nc: 3\n"),
    ("a: 1\n---\n---\nc: 3\n---\n---\n", "---\n---\n", "a: x\n---\n---\nc: 3\n"),
])
def test_documents_theirs_removed_from_the_end_are_removed(key: AgeKey, plaintext: str, removed: str,
                                                          expected: str) -> None:
    base = seal_text(plaintext, [key])
    theirs = reseal_edited(base, plaintext_for_editing(base).removesuffix(removed))
    result = merge_texts(base, set_value(base, "[0].a", "x"), theirs)
    assert result.conflicts == []
    verify_text(result.text)
    assert decrypt_text(result.text) == expected


def test_a_document_theirs_emptied_is_refused_naming_it(key: AgeKey) -> None:
    base = seal_text("a: 1\n---\nc: 3\n---\ne: 5\n", [key])
    with pytest.raises(FormatError, match="theirs empties document 1 of the stream"):
        merge_texts(base, set_value(base, "[0].a", "x"), _edit(base, "c: 3\n", ""))


@pytest.mark.parametrize("plaintext, expected", [
    ("a: 1\n---\nc: 3\n---\ne: 5\n", "a: x\n---\n{}\n---\ne: 5\n"),
    ("a: 1\r\n---\r\n# c\r\nc: 3\r\n", "a: x\r\n---\r\n# c\r\n{}\r\n"),
])
def test_a_documents_last_key_removed_by_either_side_merges(key: AgeKey, plaintext: str, expected: str) -> None:
    """``unset 1.c`` leaves document 1 holding ``{}`` (the documents after it keep their indices): the merge
    takes that removal of a key as any other, from theirs or kept from ours."""
    base = seal_text(plaintext, [key])
    emptied, changed = unset_value(base, "1.c"), set_value(base, "[0].a", "x")
    for ours, theirs in ((changed, emptied), (emptied, changed)):
        result = merge_texts(base, ours, theirs)
        assert result.conflicts == []
        verify_text(result.text)
        assert decrypt_text(result.text) == expected


def test_a_documents_last_key_unset_merges_in_git(installed: Sandbox) -> None:
    seal_file(installed, FILE, "a: 1\n---\nc: 3\n---\ne: 5\n")
    installed.commit("base")
    installed.diverge(lambda: installed.sealfile("unset", FILE, "1.c"),
                      lambda: installed.sealfile("set", FILE, "[2].e", "ours-e"))
    merge = installed.git("merge", "--no-edit", "feature", check=False)
    assert merge.returncode == 0, merge.stdout + merge.stderr
    installed.sealfile("verify", FILE)
    assert installed.sealfile("decrypt", FILE).stdout == "a: 1\n---\n{}\n---\ne: ours-e\n"


@pytest.mark.parametrize("plaintext, expected", [
    ("a: 1\n---\n---\ne: 5\n", "a: x\n---\nk: t\nl: u\n---\ne: 5\n"),
    ("a: 1\r\n---\r\n# off\r\n---\r\ne: 5\r\n", "a: x\r\n---\r\n# off\r\nk: t\r\nl: u\r\n---\r\ne: 5\r\n"),
    ("a: 1\n---\n", "a: x\n---\nk: t\nl: u\n"),
    ("a: 1\n--- {}\n", "a: x\n--- {k: t, l: u}\n"),
])
def test_keys_set_into_a_document_without_values_merge_from_either_side(key: AgeKey, plaintext: str,
                                                                        expected: str) -> None:
    """``set 1.k`` gives an empty document its first key; the merge driver refused that from theirs ("writes keys
    into the empty document")."""
    base = seal_text(plaintext, [key])
    filled, changed = set_value(set_value(base, "1.k", "t"), "1.l", "u"), set_value(base, "[0].a", "x")
    for ours, theirs in ((changed, filled), (filled, changed)):
        result = merge_texts(base, ours, theirs)
        assert result.conflicts == []
        verify_text(result.text)
        assert decrypt_text(result.text) == expected


def test_keys_both_sides_set_into_an_empty_document_merge_by_key(key: AgeKey) -> None:
    base = seal_text("a: 1\n---\n---\ne: 5\n", [key])
    result = merge_texts(base, set_value(base, "1.o", "ours"), set_value(base, "1.t", "theirs"))
    assert result.conflicts == []
    verify_text(result.text)
    assert decrypt_text(result.text) == "a: 1\n---\nt: theirs\no: ours\n---\ne: 5\n"  # theirs' first, as in a mapping
    same = merge_texts(base, set_value(base, "1.k", "ours"), set_value(base, "1.k", "theirs"))
    assert same.conflicts == ["1.k"]
    assert decrypt_text(same.text) == "a: 1\n---\nk: ours\n---\ne: 5\n"


def test_a_key_set_into_an_empty_document_merges_in_git(installed: Sandbox) -> None:
    seal_file(installed, FILE, "a: 1\n---\n---\ne: 5\n")
    installed.commit("base")
    installed.diverge(lambda: installed.sealfile("set", FILE, "1.k", "theirs-k"),
                      lambda: installed.sealfile("set", FILE, "[2].e", "ours-e"))
    merge = installed.git("merge", "--no-edit", "feature", check=False)
    assert merge.returncode == 0, merge.stdout + merge.stderr
    installed.sealfile("verify", FILE)
    assert installed.sealfile("decrypt", FILE).stdout == "a: 1\n---\nk: theirs-k\n---\ne: ours-e\n"
