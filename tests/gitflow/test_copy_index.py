"""A data file is compared with a change's sealed files through an index of their key paths: the same finding
as comparing it with each (checked against that comparison, written out here), at a cost that grows with the
files, not with their product (two thousand data files beside two thousand sealed files took two minutes)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sealfile.gitflow import copy_index, tampering
from sealfile.gitflow.copy_index import TOO_MANY, SealedCopies, plain, token
from sealfile.gitflow.plaintext_copies import plaintext_findings
from sealfile.model.paths import Path
from sealfile.runtime.flatten import env_name

TOKEN = "ENC[gAAAAABrEFWl8p2Ez7BBk_VG2nUKS9MtteJ9tjvN-gAAA==]"


def _copy_of(sealed: dict[Path, Any], leaves: dict[Path, Any]) -> bool:
    """The comparison of one data file with one sealed file, as the docstring of ``copied_by`` states it."""
    if sum(map(token, sealed.values())) < 2:
        return False
    if sealed.keys() <= leaves.keys() and all(plain(leaves[p]) for p in sealed):
        return True
    wanted = [env_name(p) for p in sealed]
    mappings: dict[Path, dict[str, Any]] = {}
    for path, value in leaves.items():
        if path and isinstance(path[-1], str):
            mappings.setdefault(path[:-1], {})[path[-1]] = value
    for variables in mappings.values():
        for prefix in {name[:-len(wanted[0])] for name in variables if name.endswith(wanted[0])}:
            if all(prefix + n in variables and plain(variables[prefix + n]) for n in wanted):
                return True
    return False


_NAMES = st.sampled_from(["db", "password", "user", "api", "token", "host"])
_PATHS = st.lists(_NAMES, min_size=1, max_size=2).map(tuple)
_SEALED = st.dictionaries(_PATHS, st.sampled_from([TOKEN, TOKEN, "plain"]), min_size=1, max_size=4)
_VALUES = st.sampled_from(["x", "hunter2", TOKEN, "${DB}", ""])


@st.composite
def _data(draw: st.DrawFn, sealed: list[dict[Path, Any]]) -> dict[Path, Any]:
    """Data leaves near the sealed files: some of their paths as written or as variable names, under a prefix."""
    leaves: dict[Path, Any] = {}
    for source in draw(st.lists(st.sampled_from(sealed), max_size=2)) if sealed else []:
        under: Path = draw(st.sampled_from([(), ("environment",), ("data",)]))
        prefix = draw(st.sampled_from(["", "APP_"]))
        for path in source:
            if draw(st.integers(0, 5)):
                key = path if not under and not prefix and draw(st.booleans()) else (*under, prefix + env_name(path))
                leaves[key] = draw(_VALUES)
    leaves.update(draw(st.dictionaries(_PATHS, _VALUES, max_size=3)))
    return leaves


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_the_index_finds_the_first_sealed_file_the_comparison_finds(data: st.DataObject) -> None:
    sealed = data.draw(st.lists(_SEALED, max_size=5))
    leaves = data.draw(_data(sealed))
    copies = SealedCopies()
    for number, source in enumerate(sealed):
        copies.add(f"s{number}.enc.yaml", source)
    expected = next((f"s{n}.enc.yaml" for n, source in enumerate(sealed) if _copy_of(source, leaves)), None)
    assert copies.copied_by(leaves) == expected


def test_thousands_of_data_files_beside_thousands_of_sealed_files_cost_no_comparison_of_each_pair() -> None:
    copies = SealedCopies()
    for number in range(2_000):
        copies.add(f"s{number}.enc.yaml", {("a",): TOKEN, ("b",): TOKEN, (f"k{number}",): TOKEN})
    for number in range(2_000):
        assert copies.copied_by({("x",): str(number), ("password",): f"hunter{number}"}) is None
    assert copies._work <= 2_000 * 2  # a lookup of each data name's lengths; no sealed file compared
    assert copies.copied_by({("a",): "1", ("b",): "2", ("k1500",): "3"}) == "s1500.enc.yaml"


def test_past_the_bound_the_file_fails_as_not_compared(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sealed files that all share the data file's key paths but one cost a comparison each: past the bound
    the data file is a violation (the review fails), never passed uncompared."""
    monkeypatch.setattr(copy_index, "MAX_COMPARISONS", 1_000)
    copies = SealedCopies()
    for number in range(500):
        copies.add(f"s{number}.enc.yaml", {("a",): TOKEN, ("b",): TOKEN, (f"k{number}",): TOKEN})
    assert plaintext_findings("data.yaml", "a: 1\nb: 2\n", copies) == ([TOO_MANY], [])


def test_a_token_shared_by_thousands_of_files_is_placed_once_for_the_review(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each file's copied-token check asks where else its tokens sit: the places of a token that two thousand
    files share were ordered again for each file (eight million key paths formatted for one review)."""
    locations = tampering.Locations()
    files = [f"s{number}.enc.yaml" for number in range(2_000)]
    for file in files:
        for path in (("a",), ("b",)):
            locations.tokens.setdefault(TOKEN + path[0], set()).add((file, path))
    formatted = []
    real = tampering.keypath
    monkeypatch.setattr(tampering, "keypath", lambda path: formatted.append(path) or real(path))
    for _ in files:
        assert locations.elsewhere(TOKEN + "a", ("a",)) is None
        assert locations.elsewhere(TOKEN + "b", ("a",)) == ("b", "s0.enc.yaml")
    assert len(formatted) <= 2 * len(files)


def test_a_long_name_costs_comparisons_in_proportion_to_its_length(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each name of a data file is cut at every length of the sealed files' first variable names: a name of
    thousands of characters beside thousands of lengths was seconds of work, charged as one comparison a cut."""
    monkeypatch.setattr(copy_index, "MAX_COMPARISONS", 1_000_000)
    copies = SealedCopies()
    for number in range(100):
        copies.add(f"s{number}.enc.yaml", {("k" * (number + 1),): TOKEN, ("b",): TOKEN})
    short = {("env", f"NAME_{number}"): "v" for number in range(100)}
    assert copies.copied_by(short) is None  # 100 names of 100 lengths: 10,000 comparisons
    long = {("env", "x" * 10_000 + str(number)): "v" for number in range(100)}
    with pytest.raises(copy_index.TooManyComparisons):
        copies.copied_by(long)


def test_a_copy_under_one_key_path_is_found_and_a_charts_empty_form_is_not() -> None:
    """A Helm release's ``config``, an umbrella chart's ``app:``: every key path under one prefix, filled; a chart's
    ``auth: {username: "", password: ""}`` beside a sealed ``username``/``password`` is a form, no copy."""
    copies = SealedCopies()
    copies.add("secrets.enc.yaml", {("username",): TOKEN, ("password",): TOKEN})
    copies.add("db.enc.yaml", {("db", "user"): TOKEN, ("db", "password"): TOKEN, ("db", "port"): 5432})
    assert copies.copied_by({("config", "db", "user"): "app", ("config", "db", "password"): "Zq8v",
                             ("config", "db", "port"): 5432, ("name",): "app"}) == "db.enc.yaml"
    assert copies.copied_by({("app", 0, "username"): "ops", ("app", 0, "password"): "Zq8v"}) == "secrets.enc.yaml"
    assert copies.copied_by({("postgresql", "auth", "username"): "", ("postgresql", "auth", "password"): ""}) is None
    assert copies.copied_by({("config", "db", "user"): "app", ("other", "db", "password"): "Zq8v",
                             ("config", "db", "port"): 5432}) is None


def test_a_path_thousands_deep_is_cut_at_the_sealed_files_depths_only() -> None:
    """Each path is looked up under the prefixes the sealed files' depths give, not under each of its thousands:
    a tuple hashed per cut made a deep file's lookups quadratic in its depth."""
    import time

    copies = SealedCopies()
    copies.add("deep.enc.yaml", {tuple(f"k{n}" for n in range(1000)): TOKEN, ("b",): TOKEN})
    deep = {(*(f"k{n}" for n in range(1000)), f"leaf{leaf}"): "x" for leaf in range(1000)}
    start = time.process_time()
    assert copies.copied_by(deep) is None
    assert time.process_time() - start < 1


def test_a_copy_of_a_sealed_file_deeper_than_sixteen_keys_is_found_under_a_key_path() -> None:
    """Cut at 16 keys, a sealed file whose first path was deeper was found at the top only: its copy under a Helm
    release's ``config`` went unnamed."""
    copies = SealedCopies()
    first = tuple(f"level{n}" for n in range(20))
    copies.add("deep.enc.yaml", {(*first, "user"): TOKEN, (*first, "password"): TOKEN})
    copied = {("config", *first, "user"): "app", ("config", *first, "password"): "Zq8v"}
    assert copies.copied_by(copied) == "deep.enc.yaml"


def test_sealed_files_of_thousands_of_depths_are_charged_for_each(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every depth is a cut of each data path: thousands of them are charged, so the change fails as not compared
    rather than taking minutes (uncharged, these cuts hash billions of keys)."""
    import time

    monkeypatch.setattr(copy_index, "MAX_COMPARISONS", 1_000_000)
    copies = SealedCopies()
    for depth in range(1, 2000):
        copies.add(f"s{depth}.enc.yaml", {tuple(f"k{n}" for n in range(depth)): TOKEN, ("b",): TOKEN})
    start = time.process_time()
    with pytest.raises(copy_index.TooManyComparisons):
        list(copies._as_written({(*(f"d{n}" for n in range(2000)), f"leaf{leaf}"): "x" for leaf in range(2000)}))
    assert time.process_time() - start < 2
