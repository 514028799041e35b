"""YAML aliases and merge keys (docs/format.md §1, §6, §7): the data is what ruamel's safe loader
reads, each value is sealed once where it is written, the seal covers what every alias and merge
names, and expansion is bounded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML

from sealfile.errors import FormatError, IntegrityError, SealfileError
from sealfile.model.paths import ListIndex, iter_leaves
from sealfile.model.rules import EncryptionRules
from sealfile.model.scalars import same_data
from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_text
from sealfile.runtime.loader import load_secrets
from sealfile.stores.yaml import aliases
from sealfile.stores.yaml.aliases import with_refs
from sealfile.stores.yaml.basics import Engine
from sealfile.stores.yaml.scan import scan
from tests.support.alias_texts import RAILS
from tests.support.identities import AgeIdentity

ENGINES: list[Engine] = ["c", "pure"]

TEXTS = [
    "a: &x v\nb: *x\n",
    "a: &x {k: 1, l: [2, 3]}\nb: *x\nc: [*x, *x]\n",
    "a: &x [1, {q: &q 2}]\nb: [*a1, *q]\n".replace("*a1", "*x"),
    "a: &a {x: 1, y: 2}\nb: &b {y: 3, z: 4}\nc: {<<: [*a, *b], w: 0}\nd: {<<: [*b, *a]}\n",
    "a: &a {x: 1, y: 2}\nc:\n  y: 9\n  <<: *a\n  w: 0\n",
    "a: &a {x: 1}\nb: &b {<<: *a, y: 2}\nc: {<<: *b, z: 3}\nd: *b\n",
    "a: &a {x: {n: 1}}\nb:\n  <<: *a\n  x: {n: 2}\n",
    "l: &l [{x: 1}, {y: 2}]\nm: {<<: *l}\n",
    "a: &a {}\nb: {<<: *a}\nc: {<<: *a, k: v}\n",
    "e: &e\nf: *e\ng: &g []\nh: [*g, *g]\n",
    "a: &x |\n  block\n  text\nb: *x\n",
    "a: &x 'quoted'\nb: {c: *x}\n",
    "a: &x !!int '7'\nb: *x\n",
    "a: !!str &x 12\nb: *x\nc: !<tag:yaml.org,2002:str> &y\n  y\nd: [*y]\n",  # a string's tag before its anchor
    "a: &x 2001-12-14\nb: [*x]\n",
    "d0: &d {k: v}\n---\nd1: &d {k: w}\nx: *d\n",
    "default: &default\n  adapter: postgresql\n  password: pw\ndevelopment:\n  <<: *default\n  database: dev\n"
    "production:\n  <<: *default\n  password: prod\n",
    "db:\n  <<: {adapter: postgres, pool: 5}\n  pool: 6\n",  # mappings written in the merge key
    "a: &a {z: 0, x: 9}\nm:\n  <<: [*a, {x: 1, q: [1, {r: 2}]}]\n",
    "a: &a {z: 0, x: 9}\nm:\n  <<: [{x: 1}, *a, {z: 3, x: 2}]\n",
    "m:\n  <<:\n    x: 1\n    y: &y 2\n  k: *y\nn: {<<: {}}\n<<: {top: 1}\n",
    # merges inside a mapping written in a merge key (what sops writes for Compose's nested anchors)
    "a:\n  <<:\n    d:\n      <<: {c: h}\n",
    "a:\n  <<:\n    <<: [{p: 1}, {q: 2}]\n    d:\n      r:\n        <<: {c: h}\n  e: 1\n",
    "b: &b {c: h}\na:\n  <<:\n    d: {<<: *b, x: 1}\n    l: [{<<: *b}]\n",
]


def _safe(text: str) -> Any:
    documents = list(YAML(typ="safe").load_all(text))
    return documents[0] if len(documents) == 1 else documents


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("text", TEXTS)
def test_the_tree_is_what_ruamels_safe_loader_reads(text: str, engine: Engine) -> None:
    """Types and key order included (merged keys first, as ``SafeConstructor`` orders them), and
    no object held at two places (``iter_leaves`` refuses a container met twice)."""
    tree = scan(text, engine=engine).tree
    assert same_data(tree, _safe(text))
    list(iter_leaves(tree))


_SCALARS = st.sampled_from(["v", "1", "'q'", "true", "~", "s3cret", "2.5"])


def _merged_value(maps: list[int]) -> st.SearchStrategy[str]:
    """A value of a mapping written in a merge key: a scalar, or a mapping that merges in turn."""
    inner = [st.just("{<<: {p: v}, q: w}")] + ([st.sampled_from([f"{{<<: *a{i}}}" for i in maps])] if maps else [])
    return st.one_of(_SCALARS, *inner)


@st.composite
def _alias_texts(draw: st.DrawFn) -> str:
    """Anchored scalars, sequences and mappings, each followed by values that alias or merge any
    anchor before it, in block and flow forms."""
    lines: list[str] = []
    kinds: list[str] = []
    for index in range(draw(st.integers(1, 7))):
        earlier = [i for i, kind in enumerate(kinds) if kind != "alias"]
        maps = [i for i in earlier if kinds[i] == "map"]
        choice = draw(st.sampled_from(["scalar", "seq", "map", "alias", "merge", "merge_list", "nested",
                                       "merge_inline"]))
        if choice == "alias" and earlier:
            lines.append(f"k{index}: *a{draw(st.sampled_from(earlier))}")
            kinds.append("alias")
        elif choice in ("merge", "merge_list", "merge_inline") and (maps or choice == "merge_inline"):
            chosen = draw(st.lists(st.sampled_from(maps), min_size=1, max_size=3)) if maps else []
            merged = f"*a{chosen[0]}" if choice == "merge" else "[" + ", ".join(f"*a{i}" for i in chosen) + "]"
            if choice == "merge_inline":  # a mapping written in the merge key, alone or among aliases
                keys = draw(st.lists(st.sampled_from(["x", "y", "z", "w"]), unique=True, max_size=3))
                written = "{" + ", ".join(f"{key}: {draw(_merged_value(maps))}" for key in keys) + "}"
                merged = written if not chosen or draw(st.booleans()) else \
                    "[" + ", ".join([f"*a{i}" for i in chosen] + [written]) + "]"
            own = draw(st.lists(st.sampled_from(["x", "y", "z", "w"]), unique=True, max_size=3))
            body = [f"  <<: {merged}", *(f"  {key}: {draw(_SCALARS)}" for key in own)]
            position = draw(st.integers(0, len(own)))
            body.insert(position, body.pop(0))
            lines.append(f"k{index}: &a{index}\n" + "\n".join(body))
            kinds.append("map")
        elif choice == "seq":
            items = [f"*a{draw(st.sampled_from(earlier))}" if earlier and draw(st.booleans()) else draw(_SCALARS)
                     for _ in range(draw(st.integers(0, 3)))]
            lines.append(f"k{index}: &a{index} [" + ", ".join(items) + "]")
            kinds.append("seq")
        elif choice in ("map", "nested"):
            keys = draw(st.lists(st.sampled_from(["x", "y", "z", "w"]), unique=True, max_size=3))
            values = [f"*a{draw(st.sampled_from(earlier))}" if choice == "nested" and earlier else draw(_SCALARS)
                      for _ in keys]
            pairs = ", ".join(f"{k}: {v}" for k, v in zip(keys, values, strict=True))
            lines.append(f"k{index}: &a{index} {{{pairs}}}")
            kinds.append("map")
        else:
            lines.append(f"k{index}: &a{index} {draw(_SCALARS)}")
            kinds.append("scalar")
    return "\n".join(lines) + "\n"


@given(_alias_texts())
def test_generated_alias_and_merge_texts_read_as_the_safe_loader_reads_them(text: str) -> None:
    expected = _safe(text)
    for engine in ENGINES:
        tree = scan(text, engine=engine).tree
        assert same_data(tree, expected), engine
        list(iter_leaves(tree))


@given(_alias_texts(), st.sampled_from(["^x$", "^k1$", "y|z", "^nothing$"]))
def test_generated_texts_seal_open_and_decrypt_as_written(text: str, pattern: str) -> None:
    """Sealed (a rule that encrypts some paths, aliases included), opened through the reader's own
    path on both engines (MAC, every token, its aliases filled in), and decrypted byte for byte."""
    import os

    from sealfile.model.metadata import Stanza
    from sealfile.ops.document import Reuse
    from sealfile.ops.seal import seal_plaintext
    from sealfile.ops.spliced import SplicedSealed
    from sealfile.stores import get_store

    data_key = os.urandom(32)  # no recipient key at work: a stanza of any wrapped text
    stanza = Stanza.from_mapping({"type": "age", "recipient": "age1" + "q" * 58, "wrapped": "AAAA"})
    sealed = seal_plaintext(text, get_store("yaml"), [], EncryptionRules("encrypted_regex", pattern),
                            reuse=Reuse(data_key, ((stanza,),), {}))
    for engine in ENGINES:
        document = SplicedSealed(sealed, get_store("yaml"), engine)
        opened = document.open_with(data_key)
        assert same_data(opened.data(), _safe(text))
        # every value at every path it has, each list's items in order (readers rebuild shapes from them)
        values = [path for path, value in iter_leaves(opened.data()) if not isinstance(value, (dict, list))]
        # a mapping written in a merge key (<<: {x: 1}) is written at the path ending in "<<", at no place of
        # the data: its values are there where the merge puts them
        placed = [(path, value) for path, value in document.leaves() if "<<" not in path]
        seen = [path for path, value in placed if not isinstance(value, (dict, list))]
        assert sorted(map(repr, seen)) == sorted(map(repr, values))
        last: dict[Any, int] = {}
        for path, _ in placed:  # empty collections too: an item may be one
            for depth, segment in enumerate(path):
                if isinstance(segment, ListIndex):
                    assert segment in (last.get(path[:depth], -1), last.get(path[:depth], -1) + 1), path
                    last[path[:depth]] = segment
        assert opened.plaintext() == text


def test_no_two_places_share_an_object(age_identity: AgeIdentity, tmp_path: Path) -> None:
    """ruamel's loader gives ``b`` the very dict of ``a``; an app changing one would change both."""
    path = tmp_path / "s.yaml"
    path.write_text(seal_text("a: &x {k: [1, 2]}\nb: *x\nc: {<<: *x}\n", [age_identity.key]))
    data = load_secrets(path, redacted=False)
    data["a"]["k"].append(3)
    assert data["b"] == {"k": [1, 2]} and data["c"] == {"k": [1, 2]}




@pytest.mark.parametrize("text", [RAILS, *TEXTS])
def test_each_value_is_sealed_once_where_it_is_written(age_identity: AgeIdentity, text: str) -> None:
    sealed = seal_text(text, [age_identity.key])
    assert decrypt_text(sealed) == text
    body = sealed.partition("\nsealfile:")[0]
    assert body.count("ENC[") == len([leaf for leaf in scan(text).leaves if not isinstance(leaf.value, (dict, list))])
    assert body.count("*") == text.count("*") and body.count("&") == text.count("&")


# --- the seal covers what aliases and merges name ----------------------------------------------

TAMPERED = {
    "an alias re-pointed": ("dev_pw: &dev dev-secret\nprod_pw: &prod prod-secret\napp: {password: *prod}\n",
                            ("password: *prod", "password: *dev")),
    "merge order swapped": ("a: &a {pw: one}\nb: &b {pw: two}\nc:\n  <<: [*a, *b]\n",
                            ("<<: [*a, *b]", "<<: [*b, *a]")),
    "an anchor moved": ("a: &x first-secret\nb: second-secret\nc: *x\n", ("a: &x ", "a: ")),
    "a merge removed": ("a: &a {pw: one}\nc:\n  <<: *a\n  k: v\n", ("  <<: *a\n", "")),
    "an alias replaced by its anchor's token": ("a: &x s3cret\nb: *x\n", None),
}


@pytest.mark.parametrize("case", list(TAMPERED))
def test_re_pointing_swapping_or_moving_is_refused(age_identity: AgeIdentity, tmp_path: Path, case: str) -> None:
    plaintext, change = TAMPERED[case]
    sealed = seal_text(plaintext, [age_identity.key])
    if change is None:
        token = sealed.split("a: &x ", 1)[1].split("\n", 1)[0]
        forged = sealed.replace("b: *x", "b: " + token, 1)
    elif case == "an anchor moved":
        forged = sealed.replace("a: &x ", "a: ", 1).replace("b: ENC", "b: &x ENC", 1)
    else:
        forged = sealed.replace(*change, 1)
    assert forged != sealed
    path = tmp_path / "s.yaml"
    path.write_text(forged)
    with pytest.raises(SealfileError) as info:
        load_secrets(path)
    assert isinstance(info.value, (IntegrityError, FormatError))
    assert "secret" not in str(info.value)


# --- rules see every path a value has (§6) ------------------------------------------------------

ALIASED_PASSWORD = "common: {user: app, pw: &pw s3cret}\ndb: {password: *pw}\n"


def test_a_value_the_rule_encrypts_at_an_alias_path_is_sealed_where_written(age_identity: AgeIdentity,
                                                                             tmp_path: Path) -> None:
    sealed = seal_text(ALIASED_PASSWORD, [age_identity.key], EncryptionRules("encrypted_regex", "^password$"))
    assert "s3cret" not in sealed and "user: app" in sealed and 'pw: &pw "ENC[' in sealed
    path = tmp_path / "s.yaml"
    path.write_text(sealed)
    assert load_secrets(path, redacted=False) == {"common": {"user": "app", "pw": "s3cret"},
                                                  "db": {"password": "s3cret"}}


def test_a_plaintext_value_the_rule_encrypts_at_an_alias_path_is_refused(age_identity: AgeIdentity,
                                                                         tmp_path: Path) -> None:
    """Sealed under a rule that encrypts nothing here, then the rule edited (with the MAC made again
    by a data-key holder): the reader must see ``db.password`` holds a plaintext."""
    from sealfile.envelope.mac import compute_mac
    from sealfile.ops.reader import read_document
    from sealfile.stores import get_store

    store = get_store("yaml")
    sealed = seal_text(ALIASED_PASSWORD, [age_identity.key], EncryptionRules("encrypted_regex", "^nothing$"))
    document = read_document(sealed, store)
    data_key = document.open().reuse().data_key
    forged = sealed.replace("encrypted_regex: ^nothing$", "encrypted_regex: ^password$", 1)
    forged_document = read_document(forged, store)
    entries = with_refs(forged_document.mac_input, forged_document.scan.refs)  # type: ignore[attr-defined]
    mac = compute_mac(data_key, forged_document.metadata, entries)
    forged = forged.replace(document.metadata.mac, mac, 1)
    path = tmp_path / "s.yaml"
    path.write_text(forged)
    with pytest.raises(IntegrityError, match="in plaintext") as info:
        load_secrets(path)
    assert info.value.keypath == "common.pw"
    from sealfile.gitflow.check import check_text
    assert any("plaintext value" in finding.message for finding in check_text(forged, "s.yaml"))


# --- bounded work -------------------------------------------------------------------------------


def _laughs(levels: int) -> str:
    lines = ["l0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("engine", ENGINES)
def test_an_alias_bomb_is_refused_before_it_expands(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten aliases of ten aliases, nine levels: 10^9 values once expanded. Refused in one line with
    the path, having copied no more than the bound allows (work counted, not time)."""
    copied = 0
    original = aliases.copied_data

    def counting(value: Any) -> Any:
        nonlocal copied
        copied += 1
        return original(value)

    monkeypatch.setattr(aliases, "copied_data", counting)
    with pytest.raises(FormatError, match="would expand the file to more than") as info:
        scan(_laughs(9), engine=engine)
    assert "\n" not in str(info.value) and info.value.keypath is not None
    assert copied <= aliases.EXPANSION_FLOOR + 100


def test_many_aliases_of_a_real_size_are_read() -> None:
    """A file that really holds many copies (300 services aliasing one 50-key mapping) is read."""
    env = "x-env: &env {" + ", ".join(f"K{i}: v{i}" for i in range(50)) + "}\n"
    text = env + "".join(f"s{i}: {{environment: *env}}\n" for i in range(300))
    assert len(scan(text).tree) == 301


def _deep_bomb(depth: int, copies: int) -> str:
    """A list of 1,000 values nested ``depth`` levels deep, aliased ``copies`` times: a few kB."""
    deep = "[" * depth + ", ".join(["x"] * 1000) + "]" * depth
    return f"deep: &d {deep}\n" + "".join(f"c{i}: *d\n" for i in range(copies))


@pytest.mark.parametrize("engine", ENGINES)
def test_aliases_of_deeply_nested_values_are_refused_by_the_length_of_their_paths(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each copied value has a path as long as it is deep, built and walked by every reader: 90
    aliases of 1,000 values 90 levels deep (4 kB) are 90,000 values, under the bound on values, but
    8 million path segments (2.4 s, 130 MB to scan, more to open). Refused, having made no more
    segments than the bound allows."""
    made = 0
    original = aliases.Echo

    def counting(leaf: Any, path: Any, *rest: Any) -> Any:
        nonlocal made
        made += len(path)
        return original(leaf, path, *rest)

    monkeypatch.setattr(aliases, "Echo", counting)
    with pytest.raises(FormatError, match="paths of more than 1,000,000 keys and indices") as info:
        scan(_deep_bomb(90, 90), engine=engine)
    assert info.value.keypath == "c10" and made <= aliases.SEGMENTS_FLOOR
    assert len(scan(_deep_bomb(5, 90), engine=engine).echoes) == 90_000  # shallow: the bound on values is the one


def test_a_wide_merge_list_is_read_in_work_linear_in_its_length() -> None:
    """``<<: [*a0, ..., *a399]`` of 400 one-key mappings: each source's keys were looked for among
    every merged key (160,000 steps for 400 values; 3.4 s for a 385 kB text). Counted in bytecode
    instructions run in the walk of anchors, not in time."""
    import sys

    from sealfile.stores.yaml import alias_walk

    def merge_of(count: int) -> str:
        sources = "".join(f"a{i}: &a{i} {{k{i}: v}}\n" for i in range(count))
        return sources + "m: {<<: [" + ", ".join(f"*a{i}" for i in range(count)) + "]}\n"

    def counted(text: str) -> int:
        steps = 0

        def trace(frame: Any, event: str, _arg: Any) -> Any:
            nonlocal steps
            if frame.f_code.co_filename != alias_walk.__file__:
                return None
            frame.f_trace_opcodes = True
            if event == "opcode":
                steps += 1
            return trace

        sys.settrace(trace)
        try:
            scan(text)
        finally:
            sys.settrace(None)
        return steps

    counted(merge_of(2))  # Python 3.12 reports no opcode event in the first traced run of a code object
    small, large = counted(merge_of(100)), counted(merge_of(400))
    assert large < 5 * small, (small, large)


@pytest.mark.parametrize("text", ["a: &x v\nb: *x\n", "a: &x [v]\nl:\n  - 1\n  - *x\n", "a: &x {k: v}\nb:\n  *x\n"])
def test_the_metadata_block_follows_a_last_value_that_is_an_alias(age_identity: AgeIdentity, text: str) -> None:
    """An alias's node is its anchor's: the block once went after the anchor's line, in the middle."""
    sealed = seal_text(text, [age_identity.key])
    assert sealed.index("sealfile:") > sealed.rindex("*x")


def test_a_merge_of_a_change_at_an_anchor_changes_only_the_anchor(age_identity: AgeIdentity) -> None:
    """Git's merge driver applies theirs' changes path by path: a change at an anchored value shows at
    every path that merges it too, and those must follow it, not be written out as keys of their own."""
    from sealfile.gitflow.merge import merge_texts

    base = seal_text(RAILS, [age_identity.key])
    ours = seal_text(RAILS.replace("app_dev", "app_dev2"), [], previous=base)
    theirs = seal_text(RAILS.replace("rails-default-secret", "s2"), [], previous=base)
    for first, second in ((ours, theirs), (theirs, ours)):
        merged = merge_texts(base, first, second)
        assert merged.conflicts == []
        assert decrypt_text(merged.text) == RAILS.replace("app_dev", "app_dev2").replace("rails-default-secret", "s2")


@pytest.mark.parametrize("text", ["m: &m\n  p: 1\nn: *m\n", "l: &l\n  - 1\nl2: [*l]\n", "f: [&q {p: 1}, *q]\n",
                                  "x: !!map &x {p: 1}\ny: {<<: *x}\n"])
def test_a_collection_set_at_its_anchor_keeps_the_anchor_its_aliases_name(age_identity: AgeIdentity,
                                                                        text: str) -> None:
    """Written afresh, the collection lost its anchor and every alias of it named nothing: ``set``
    (and Git's merge driver, which sets theirs' changes) was refused as sealfile's own mistake."""
    from sealfile.ops.reader import read_document
    from sealfile.stores import get_store

    sealed = seal_text(text, [age_identity.key], EncryptionRules("encrypted_regex", "^nothing$"))
    document = read_document(sealed, get_store("yaml")).open()
    path = next(iter(scan(text).copies)).source
    keypath = ".".join(str(int(segment)) if isinstance(segment, ListIndex) else str(segment) for segment in path)
    document.set(keypath, {"p": 2})
    plaintext = document.plaintext()
    assert _safe(plaintext) == document.data() and len(list(iter_leaves(document.data()))) >= 2
    assert all(place_value == {"p": 2} for place_value in _places(document.data(), scan(text).copies))


def _places(tree: Any, copies: list[Any]) -> list[Any]:
    from sealfile.model.paths import get_at

    return [get_at(tree, copy.place) for copy in copies if not copy.merged]


def test_a_merge_keeps_a_list_of_aliases_of_a_changed_anchor(age_identity: AgeIdentity) -> None:
    """Theirs' change at an anchor shows in a list that aliases it too: the list was set from theirs'
    data before the anchor's change was applied, written out as values, and no longer followed it."""
    from sealfile.gitflow.merge import merge_texts

    text = "d: &d {x: 1}\nl: [*d, *d]\nother: 1\n"
    base = seal_text(text, [age_identity.key])
    ours = seal_text(text.replace("other: 1", "other: 2"), [], previous=base)
    theirs = seal_text(text.replace("x: 1", "x: 2"), [], previous=base)
    merged = merge_texts(base, ours, theirs)
    assert merged.conflicts == []
    assert decrypt_text(merged.text) == "d: &d {x: 2}\nl: [*d, *d]\nother: 2\n"
