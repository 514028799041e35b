"""Removing or adding any key of a YAML file, in any layout a person writes, is spliced into the user's
text: the decrypted result is the original with that entry's bytes taken out or put in, nothing else
changed and nothing written afresh from data (the layout, comments and spellings elsewhere lost).

The JSON twins are in tests/stores/test_json_dotenv_layout.py. A key whose removal would leave its
mapping empty is replaced by ``{}`` in its parent's entry (that entry's bytes only).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from sealfile.errors import FormatError, KeyPathError
from sealfile.kms.age import AgeKey
from sealfile.model.paths import Path, format_keypath, get_at
from sealfile.model.scalars import same_data
from sealfile.ops.change import set_value, unset_value
from sealfile.ops.read import decrypt_text
from sealfile.ops.spliced import SplicedSealed
from sealfile.stores import get_store
from sealfile.stores.yaml import roundtrip
from sealfile.stores.yaml.scan import Scan, scan
from tests.support.fast_path import age_key, seal
from tests.support.yaml_layouts import yaml_texts

__all__ = ["age_key"]

YAML = get_store("yaml")
SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.filter_too_much])


def _written_afresh(*_: Any, **__: Any) -> str:
    raise AssertionError("written afresh: the splice failed")


@pytest.fixture
def spliced_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roundtrip, "dump_roundtrip", _written_afresh)
    monkeypatch.setattr(type(YAML), "dump", _written_afresh)


def _sealable(text: str, key: AgeKey) -> tuple[Scan, str]:
    try:
        return scan(text), seal(text, key)
    except FormatError:  # the generator can write what YAML forbids (a tab after a key...)
        assume(False)
        raise


def _members(tree: Any, path: Path = ()) -> list[Path]:
    """Every mapping member's path (in lists too), a stream's documents by their index."""
    children = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else ()
    return [found for k, v in children
            for found in [(*path, k)] * isinstance(tree, dict) + _members(v, (*path, k))]


def _mappings(tree: Any, path: Path = ()) -> list[Path]:
    children = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else ()
    return [path] * isinstance(tree, dict) + [found for k, v in children for found in _mappings(v, (*path, k))]


def _tokens(sealed: str) -> dict[Path, str]:
    return dict(SplicedSealed(sealed, YAML, "c").tokens())


def _kept_tokens(before: str, after: str, changed: Path, rewritten: int = 0) -> None:
    """Every value outside ``changed`` keeps its token: its value and spelling are as they were, whatever
    now comes before or after it (blank lines, comments, the new entry, a line break the new entry gives
    the text's last line), at any line break; but ``rewritten`` (0 or 1) blocks written strip-chomped."""
    old = _tokens(before)
    moved = {path: token for path, token in _tokens(after).items()
             if path[:len(changed)] != changed and old.get(path) != token}
    assert len(moved) <= rewritten, [format_keypath(path) for path in moved]


def _first_difference(before: str, after: str) -> int:
    return next((i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b),
                min(len(before), len(after)))


def _change(before: str, after: str) -> tuple[str, str]:
    """The one run of ``before`` that ``after`` differs in, and what stands there instead."""
    start = _first_difference(before, after)
    end = 0
    while end < min(len(before), len(after)) - start and before[-1 - end] == after[-1 - end]:
        end += 1
    return before[start:len(before) - end], after[start:len(after) - end]


def _shifted_changes(before: str, after: str) -> list[tuple[str, str]]:
    """The run :func:`_change` finds, and those found when fewer of the unchanged characters at the end count
    as unchanged: in ``{  }`` -> ``{}`` the closing brace kept is the one written too."""
    removed, _ = _change(before, after)
    start = _first_difference(before, after)
    kept = len(before) - start - len(removed)
    return [(before[start:len(before) - end], after[start:len(after) - end]) for end in range(kept, -1, -1)]


def _emptied(gone: str, put: str) -> bool:
    """Whether a change is what removing a key writes: a removal, ``{}`` put where a mapping's last key went
    (what stays of it), with the comment beside the mapping's own key (``gone`` from after the ``{}``) kept."""
    value, mark, comment = put.partition("#")
    return bool(gone) and value.strip(" \t\r\n") in ("", "{}") and (not mark or mark + comment in gone)


@SETTINGS
@given(text=yaml_texts(), choice=st.integers(min_value=0))
@example(text="a:\n a:  # note\n  a: main\n", choice=1)  # a: {}  # note
@example(text="a:\n a: {  }\n", choice=1)  # the closing brace kept is the one written: {  } -> {}
@example(text="a: main\n---\na: main\n---\na:\t# tab\n a: main\n", choice=0)  # a: {}<TAB># tab: the tab kept
def test_yaml_unset_is_spliced(text: str, choice: int, age_key: AgeKey, spliced_only: None) -> None:
    scanned, sealed = _sealable(text, age_key)
    tree = scanned.tree
    paths = [path for path in _members(tree) if not (scanned.multi and len(path) == 2 and len(tree[path[0]]) == 1)]
    assume(paths)
    path = paths[choice % len(paths)]
    parent = get_at(tree, path[:-1])
    try:
        changed = unset_value(sealed, format_keypath(path))
    except KeyPathError as refused:  # removing an anchor an alias elsewhere still names
        assert "anchor" in str(refused)
        assume(False)
    opened = decrypt_text(changed)
    removed, written = _change(text, opened)
    assert any(_emptied(gone, put) for gone, put in _shifted_changes(text, opened)), (removed, written)
    del parent[path[-1]]
    assert same_data(scan(opened).tree, tree)
    _kept_tokens(sealed, changed, path)


@SETTINGS
@given(text=yaml_texts(), choice=st.integers(min_value=0))
# a new key after a block ending the text without a line break goes last, the block written |- (it went first)
@example(text="a:\n a:\n  a: main\n  db: main\n db: main\n---\na: {a: main}\n---\na: |\n main", choice=658537685)
@example(text="a: 1\nb: |+\n  x", choice=0)
def test_yaml_new_key_is_spliced(text: str, choice: int, age_key: AgeKey, spliced_only: None) -> None:
    """A new key goes into its mapping, block or flow, in any layout: the original text with the entry
    put in, everything around it byte for byte."""
    scanned, sealed = _sealable(text, age_key)
    tree = scanned.tree
    paths = _mappings(tree)
    assume(paths)
    path = paths[choice % len(paths)]
    changed = set_value(sealed, format_keypath((*path, "new ⁂")), "v")
    opened = decrypt_text(changed)
    unchomped, chomped = _unchomped(text, opened)
    removed, added = _change(text, unchomped)
    assert not removed and added.strip(" \r\n,") == "new ⁂: v", added
    _kept_tokens(sealed, changed, (*path, "new ⁂"), len(chomped))
    get_at(tree, path)["new ⁂"] = "v"  # last, after a block scalar ending the text with no line break too
    assert same_data(scan(opened).tree, tree)


def _unchomped(text: str, opened: str) -> tuple[str, str]:
    """``opened`` with the header of a block that ended ``text`` without a line break, which a new entry after it had
    written strip-chomped (``|``/``|+`` to ``|-``, the same value), written back as in ``text``; and the header's
    ``-`` ('' where none was written)."""
    at = _first_difference(text, opened)
    if text.endswith(("\n", "\r")) or opened[at:at + 1] != "-" or text[at - 1:at] not in "|>0123456789":
        return opened, ""
    return opened[:at] + ("+" if text[at:at + 1] == "+" else "") + opened[at + 1:], "-"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_comment_lines_under_a_removed_entry_go_with_it_at_any_line_break(newline: str, age_key: AgeKey) -> None:
    """Lines end at a CR alone too: such a file lost everything after the removed entry's comment."""
    sealed = seal("a: main\n # note\ndb: main\n---\na: main\n".replace("\n", newline), age_key)
    assert decrypt_text(unset_value(sealed, '[0]["a"]')) == "db: main\n---\na: main\n".replace("\n", newline)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize(("text", "keypath", "left"), [
    ("a: |+\n main\ndb: |\n main\n\n", "db", "a: |+\n main\n"),
    ("a: |+\n main\ndb: |\n main\n\nc: 1\n", "db", "a: |+\n main\nc: 1\n"),
    ("x:\n  a: |+\n    m\n  db: >\n    m\n\n\ny: 1\n", "x.db", "x:\n  a: |+\n    m\ny: 1\n"),
    ("l:\n- |+\n  m\n- |-\n  m\n\n", "l[1]", "l:\n- |+\n  m\n"),
    ("a: |+\n main\n# note\ndb: |\n main\n\nc: 1\n", "db", "a: |+\n main\n# note\n\nc: 1\n"),
    ("a: |+\n main\ndb: main\n\n---\na: main\n", "[0].db", "a: |+\n main\n---\na: main\n"),
    ("a: |+\n main\ndb: main\n  \n\nc: 1\n", "db", "a: |+\n main\nc: 1\n"),
    ("l:\n- |+\n  m\n- m\n\n", "l[1]", "l:\n- |+\n  m\n"),
    ("a: |+\n main\ndb:\n  k: m\n\n", "db", "a: |+\n main\n"),
])
def test_blank_lines_after_a_removed_entry_go_with_it_after_a_kept_block(newline: str, text: str, keypath: str,
                                                                         left: str, age_key: AgeKey) -> None:
    """The blank lines after a removed entry stay, parting the entries around it, unless a ``|+`` block
    ends right before it: they would become that block's text (the removal was refused), whether the
    entry removed is a block scalar (libyaml counts them in its span) or not."""
    sealed = seal(text.replace("\n", newline), age_key)
    assert decrypt_text(unset_value(sealed, keypath)) == left.replace("\n", newline)
