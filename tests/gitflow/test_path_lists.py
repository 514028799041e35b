"""``git_for_paths``: a list of paths in parts that each fit on a command line, each path meaning itself."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sealfile.gitflow import path_lists
from sealfile.gitflow.path_lists import argv_parts, entries_of, git_for_paths

_NAMES = ["*", ":(glob)x", "a.txt", "b/c.txt", "d.txt"]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for name in _NAMES:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(name)
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    return tmp_path


def _listed(out: str) -> list[str]:
    return [name for name in out.split("\0") if name]


@pytest.mark.parametrize("limit", [path_lists.ARGV_BYTES, 1])
def test_a_path_with_glob_or_magic_characters_names_that_file_alone(repo: Path, limit: int,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """``*`` is no wildcard and ``:(glob)x`` no magic: with ``--literal-pathspecs`` each names one file (without it
    ``*`` lists all five); parts of one path (``limit`` 1) run git per path, the outputs one after another."""
    monkeypatch.setattr(path_lists, "ARGV_BYTES", limit)

    assert _listed(git_for_paths(["ls-files", "-z"], ["*", ":(glob)x"], repo)) == ["*", ":(glob)x"]
    listed = _listed(git_for_paths(["ls-files", "-z"], ["d.txt", "*", "b/c.txt"], repo))
    assert listed == (["d.txt", "*", "b/c.txt"] if limit == 1 else ["*", "b/c.txt", "d.txt"])  # git's order per part
    assert len(_listed(git_for_paths(["ls-files", "-z"], ["*"], repo, literal=False))) == len(_NAMES)


def test_no_paths_run_nothing_and_list_nothing(repo: Path) -> None:
    """An empty pathspec means every path to git: no paths must not list the whole index."""
    assert git_for_paths(["ls-files", "-z"], [], repo) == ""


def test_parts_keep_the_order_and_stay_under_the_bound() -> None:
    names = [f"{at:04}" * 10 for at in range(1000)]  # 40 bytes each, 43 counted
    parts = list(argv_parts(names, 1000))
    assert [name for part in parts for name in part] == names
    assert all(sum(len(n) + 3 for n in part) <= 1000 for part in parts)
    assert [len(part) for part in parts[:2]] == [23, 23]
    assert list(argv_parts(["x" * 5000, "y"], 1000)) == [["x" * 5000], ["y"]]  # longer than the bound: alone


@pytest.mark.parametrize("listing", [["ls-files", "-z", "--stage"], ["ls-tree", "-r", "-z", "--full-tree", "HEAD"]])
def test_entries_are_the_same_given_as_pathspecs_or_found_in_the_whole_listing(repo: Path, listing: list[str],
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """More paths than one command line holds are looked up in git's listing of every file: the same entries."""
    subprocess.run(["git", "-c", "user.name=a", "-c", "user.email=a@a", "commit", "-q", "-m", "all"], cwd=repo,
                   check=True)
    asked = ["b/c.txt", "*", ":(glob)x", "absent.txt"]
    given = entries_of(listing, asked, repo)
    monkeypatch.setattr(path_lists, "ARGV_BYTES", 1)
    found = entries_of(listing, asked, repo)

    assert sorted(_listed(found)) == sorted(_listed(given))
    assert sorted(entry.split("\t")[1] for entry in _listed(found)) == ["*", ":(glob)x", "b/c.txt"]
