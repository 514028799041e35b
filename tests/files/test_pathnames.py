"""The pathlib-free path functions answer as pathlib does: the same spelling, the same answers, the same errors."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sealfile.files import pathnames

PARTS = ["", ".", "..", "a", "b.yaml", "~", "~root", "-", "a b", "..."]
SEPARATORS = ["/", "//", "///"]
NAMES = sorted({prefix + sep.join(parts) + suffix
                for prefix in ("", "/", "//", "///", "./", "~/")
                for count in (1, 2, 3)
                for parts in itertools.product(PARTS[:6], repeat=count)
                for sep in SEPARATORS
                for suffix in ("", "/", "/.")})


@pytest.mark.parametrize("name", ["", ".", "./", "/", "//", "///", "//a", "///a//", "a//b", "./a.yaml", "a/",
                                  "a/../b", "../a/./b/..", "a/.", "~/x", "-", ".a", "a/.../b", "a\\b"])
def test_a_name_is_spelled_as_pathlib_spells_it(name: str) -> None:
    assert pathnames.spelled(name) == str(PurePosixPath(name)) == str(Path(name))


def test_every_combination_is_spelled_as_pathlib_spells_it() -> None:
    assert [n for n in NAMES if pathnames.spelled(n) != str(Path(n))] == []


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="/.a~-", max_size=12))
def test_any_name_is_spelled_as_pathlib_spells_it(name: str) -> None:
    assert pathnames.spelled(name) == str(Path(name))


def test_a_path_object_is_spelled_as_its_text() -> None:
    assert pathnames.spelled(Path("./a//b.yaml")) == "a/b.yaml"


def _same(ours: Callable[[], object], theirs: Callable[[], object]) -> None:
    """The same answer, or the same kind of error."""
    try:
        expected: object = theirs()
    except Exception as err:  # the error is the answer being compared
        with pytest.raises(type(err)):
            ours()
        return
    assert ours() == expected


@pytest.mark.parametrize("home", ["/home/u", "/home/u/", "/", "", "relative/home", "//net/home"])
def test_a_home_directory_is_expanded_as_pathlib_expands_it(home: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", home)
    for name in [n for n in NAMES if "~" in n] + ["~", "~/", "~//a/./b", "a/~", "~root/x", "~no-such-user-here/x"]:
        _same(lambda name=name: pathnames.expanded(name), lambda name=name: str(Path(name).expanduser()))
    _same(pathnames.home, lambda: str(Path.home()))


def test_no_home_is_a_runtime_error_as_in_pathlib(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_entry(uid: int) -> object:
        raise KeyError(uid)

    monkeypatch.delenv("HOME")
    monkeypatch.setattr("pwd.getpwuid", no_entry)
    with pytest.raises(RuntimeError):
        Path.home()
    with pytest.raises(RuntimeError):
        pathnames.home()


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Files, directories, symlinks to each, a dangling link and a loop; the working directory in it."""
    (tmp_path / "dir" / "sub").mkdir(parents=True)
    (tmp_path / "dir" / "file.yaml").write_text("a: 1\n")
    (tmp_path / "link-to-dir").symlink_to("dir")
    (tmp_path / "link-to-file").symlink_to("dir/file.yaml")
    (tmp_path / "dangling").symlink_to("no-such-file")
    (tmp_path / "loop").symlink_to("loop")
    monkeypatch.chdir(tmp_path)
    return tmp_path


TREE_NAMES = ["dir", "dir/", "dir/.", "dir//sub", "dir/sub/..", "dir/file.yaml", "dir/file.yaml/",
              "dir/file.yaml/.", "dir/file.yaml/x", "link-to-dir", "link-to-dir/sub/", "link-to-file",
              "link-to-file/", "dangling", "loop", "loop/x", "missing", "missing/..", "", ".", "..", "./dir",
              "a\0b", "x" * 300, "dir/" + "x" * 300, "/", "//", "/proc/self/fd/999999"]


def _or_false(test: Callable[[], bool]) -> Callable[[], bool]:
    """pathlib's test, with False where it raises (what :mod:`sealfile.files.pathnames` answers)."""
    def tested() -> bool:
        try:
            return test()
        except OSError:
            return False
    return tested


@pytest.mark.parametrize("name", TREE_NAMES, ids=lambda name: name[:20].replace("\0", "NUL") or "empty")
def test_a_name_is_tested_and_resolved_as_pathlib_does(name: str, tree: Path) -> None:
    for absolute in (name, str(tree / name) if name and not name.startswith("/") else name):
        _same(lambda a=absolute: pathnames.is_dir(a), _or_false(lambda a=absolute: Path(a).is_dir()))
        _same(lambda a=absolute: pathnames.is_file(a), _or_false(lambda a=absolute: Path(a).is_file()))
        _same(lambda a=absolute: pathnames.exists(a), _or_false(lambda a=absolute: Path(a).exists()))
        _same(lambda a=absolute: pathnames.resolved(a), lambda a=absolute: str(Path(a).resolve()))


def test_a_name_the_system_refuses_is_not_there(tree: Path) -> None:
    """pathlib raises for a name too long; here it is not a file, a directory or there at all (the
    command that opens it says why it cannot)."""
    with pytest.raises(OSError, match="too long"):
        Path("x" * 300).exists()
    assert not pathnames.exists("x" * 300) and not pathnames.is_dir("x" * 300) and not pathnames.is_file("x" * 300)


@pytest.mark.parametrize("directory", ["/", "//", "/a", "//a/b", "/a/b/c", "/a/../b"])
def test_parents_are_listed_as_pathlib_lists_them(directory: str) -> None:
    path = Path(directory)
    assert list(pathnames.parents(str(path))) == [str(p) for p in (path, *path.parents)]


def test_the_module_imports_no_pathlib() -> None:
    from tests.support.cli import run_python

    done = run_python("import sys, sealfile.files.pathnames; print('pathlib' in sys.modules)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
