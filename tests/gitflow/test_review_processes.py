"""``review`` reads every version it needs through one ``git`` process per revision: the processes
it starts do not grow with the number of files a change touches (a 300-file rotation started 1,500)."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from sealfile.gitflow.review import review
from tests.support.git import Sandbox, seal_file


def _git_processes_for_a_rotation_of(box: Sandbox, files: int, monkeypatch: pytest.MonkeyPatch) -> int:
    names = [f"team{n % 3}/svc{n}/secrets.enc.yaml" for n in range(files)]
    for name in names:
        (box.repo / name).parent.mkdir(parents=True, exist_ok=True)
        seal_file(box, name, f"db:\n  password: pw-{name}\n")
    box.commit(f"{files} files")
    box.sealfile("rotate", *names)
    box.commit("rotate")
    for name, value in box.env.items():
        monkeypatch.setenv(name, value)
    started: list[Any] = []
    real = subprocess.Popen.__init__

    def counting(self: subprocess.Popen[Any], args: Any, *rest: Any, **options: Any) -> None:
        started.append(args)
        real(self, args, *rest, **options)

    with monkeypatch.context() as patch:
        patch.setattr(subprocess.Popen, "__init__", counting)
        result = review("HEAD~1", "HEAD", box.repo)
    assert sorted(f.path for f in result.files) == sorted(names)
    return sum(1 for args in started if args[0] == "git")


def test_the_git_processes_of_a_review_do_not_grow_with_its_files(sandbox: Sandbox,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    few = _git_processes_for_a_rotation_of(sandbox, 2, monkeypatch)
    many = _git_processes_for_a_rotation_of(sandbox, 12, monkeypatch)
    assert many == few
