"""Every writing command, with the system refusing its writes: a full disk or a spent quota on ``write`` or on
``fsync``, a directory it may not write in (EACCES: root meets it only through the shim), an I/O error on the
rename. Each run is a real process (tests/reliability/forkrun.py) with ``c/fail_io.c`` preloaded; each must
exit 1 with one line per file naming it and the system's cause (a command of several files: then the
summary naming those that failed), no traceback, no value, and leave every file byte for byte as it was.

What test_failure_contract.py covers with a file size limit (EFBIG on write), this covers on fsync, on making
the file and on naming it, for the commands it leaves out (import-sops -i, export-sops -i, recipients remove,
the merge driver, several files at once), and for the editor's workspace.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from sealfile.kms.age import AgeKey
from sealfile.ops.seal import seal_text
from tests.reliability.forkrun import Job, Result, run_jobs
from tests.support.fail_io import fail_io_env, fail_io_library
from tests.support.identities import mine_and_another
from tests.support.sops_binary import run_sops

SECRET = "planted-secret-io-5d2e"
FAULTS = [("write", 28), ("write", 122), ("fsync", 28), ("fsync", 5), ("create", 13), ("rename", 5)]
WRITERS = {
    "set": (["set", "s.yaml", "db.password", "new-value"], ["s.yaml"]),
    "unset": (["unset", "s.yaml", "db.user"], ["s.yaml"]),
    "edit": (["edit", "s.yaml"], ["s.yaml"]),
    "rotate": (["rotate", "s.yaml"], ["s.yaml"]),
    "recipients add": (["recipients", "add", "--age", "{OTHER}", "s.yaml"], ["s.yaml"]),
    "recipients remove": (["recipients", "remove", "--age", "{OTHER}", "u.yaml"], ["u.yaml"]),
    "updatekeys": (["updatekeys", "-y", "s.yaml"], ["s.yaml"]),
    "encrypt -i": (["encrypt", "-i", "p.yaml"], ["p.yaml"]),
    "import-sops -i": (["import-sops", "-i", "sops.yaml"], ["sops.yaml"]),
    "export-sops -i": (["export-sops", "-i", "s.yaml"], ["s.yaml"]),
    "decrypt -o": (["decrypt", "-o", "o.yaml", "s.yaml"], ["o.yaml"]),
    "git merge-driver": (["git", "merge-driver", "base.yaml", "ours.yaml", "theirs.yaml", "ours.yaml"], ["ours.yaml"]),
    "rotate, 2 files": (["rotate", "s.yaml", "t.yaml"], ["s.yaml", "t.yaml"]),
    "updatekeys, 2 files": (["updatekeys", "-y", "s.yaml", "t.yaml"], ["s.yaml", "t.yaml"]),
    "recipients add, 2 files": (["recipients", "add", "--age", "{OTHER}", "s.yaml", "t.yaml"], ["s.yaml", "t.yaml"]),
}


def _plain(name: str, **values: str) -> str:
    return "db:\n" + "".join(f"  {key}: {value}\n" for key, value in {"password": f"{SECRET}-{name}", **values}.items())


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], str]:
    """The files every run starts from, the environment, and a second recipient."""
    root = tmp_path_factory.mktemp("io-faults")
    me, other = mine_and_another(root / "keys.txt")
    key_file, recipient = me.path, me.recipient
    mine, both = [me.key], [me.key, AgeKey(other)]
    work = root / "work"
    work.mkdir()
    files = {"s.yaml": seal_text(_plain("s", user="admin"), mine), "t.yaml": seal_text(_plain("t"), mine),
             "u.yaml": seal_text(_plain("u"), both), "p.yaml": _plain("p"),
             "base.yaml": seal_text(_plain("m", user="admin"), mine),
             "ours.yaml": seal_text(_plain("m", user="admin", port="1"), mine),
             "theirs.yaml": seal_text(_plain("m", user="theirs"), mine),
             ".sealfile.yaml": f"creation_rules:\n  - age: {recipient}, {other}\n"}
    for name, text in files.items():
        (work / name).write_text(text)
    env = {name: value for name, value in os.environ.items() if not name.startswith(("SEALFILE_", "SOPS_"))}
    env.update({"HOME": str(root), "SEALFILE_AGE_KEY_FILE": str(key_file), "EDITOR": "sh -c 'echo added: 1 >> \"$0\"'",
                "VISUAL": "sh -c 'echo added: 1 >> \"$0\"'", "SOPS_AGE_KEY_FILE": str(key_file)})
    done = run_sops(["encrypt", "--age", recipient, "--output", str(work / "sops.yaml"), str(work / "p.yaml")], env)
    assert done.returncode == 0, done.stderr
    return work, env, other


def _runs(template: tuple[Path, dict[str, str], str], tmp_path: Path,
          cases: list[tuple[str, str, int]], under: Path | None = None) -> list[Result]:
    work, env, other = template
    here = tmp_path / "work"
    shutil.copytree(work, here)
    prepare = {str(path): path.read_text() for path in here.iterdir()}
    jobs = []
    for writer, call, errno in cases:
        args = [arg.replace("{OTHER}", other) for arg in WRITERS[writer][0]]
        jobs.append(Job(args, env={**env, **fail_io_env(under or here, call, errno)}, cwd=str(here),
                        prepare=prepare, snapshot=[str(here)]))
    library = fail_io_library(tmp_path)
    results = run_jobs(jobs, env={**os.environ, "LD_PRELOAD": str(library)})
    for result in results:
        assert "Traceback" not in result.stderr and SECRET not in result.stdout + result.stderr, result.stderr
        files = result.extra["files"]
        left = {Path(path).name: info["text"] for path, info in files.items()}
        kept = [name for name in left if name.endswith(".edited.yaml")]  # edit's work, sealed, said in the line
        assert all(SECRET not in left[name] and f"{name}" in result.stderr for name in kept)
        assert {name: text for name, text in left.items() if name not in kept} == \
            {Path(path).name: text for path, text in prepare.items()}
    return results


@pytest.mark.parametrize(("call", "errno"), FAULTS, ids=[f"{call}-{os.strerror(errno)}" for call, errno in FAULTS])
def test_a_refused_write_leaves_every_file_and_says_which_in_one_line(template: tuple[Path, dict[str, str], str],
                                                                      tmp_path: Path, call: str, errno: int) -> None:
    cases = [(writer, call, errno) for writer in WRITERS]
    for (writer, _, _), result in zip(cases, _runs(template, tmp_path, cases), strict=True):
        named = WRITERS[writer][1]
        errors = [line for line in result.stderr.splitlines() if line.startswith("sealfile: error:")]
        assert result.status == 1, (writer, result.stderr)
        assert [line.split(": ")[2] for line in errors] == named, (writer, result.stderr)
        assert all(f": cannot write ({os.strerror(errno)})" in line for line in errors), (writer, result.stderr)
        last = result.stderr.splitlines()[-1]
        if len(named) > 1:
            assert last.endswith(f": {len(named)} files: 0 ok, {len(named)} failed ({', '.join(named)})"), last
        else:
            assert last == errors[0]


@pytest.mark.parametrize(("call", "errno"), [("create", 28), ("create", 13), ("write", 28)])
def test_an_editor_workspace_that_cannot_be_made_is_named_as_the_cause(template: tuple[Path, dict[str, str], str],
                                                                       tmp_path: Path, call: str, errno: int) -> None:
    """A full or unwritable /dev/shm: the line named the workspace's lock file, not the file being edited."""
    (result,) = _runs(template, tmp_path, [("edit", call, errno)], under=Path("/dev/shm"))
    assert result.status == 1
    assert result.stderr.startswith("sealfile: error: s.yaml: cannot ") and result.stderr.count("\n") == 1
    assert f"for the editor in /dev/shm ({os.strerror(errno)}); nothing was changed" in result.stderr


def test_several_files_converted_at_once_each_succeed(template: tuple[Path, dict[str, str], str],
                                                      tmp_path: Path) -> None:
    """export-sops and import-sops work on several files at once, in threads, which shared one YAML emitter
    (and parser): each run of two or more files ended in 'internal error (EmitterError)' or AttributeError."""
    work, env, _ = template
    here = tmp_path / "work"
    here.mkdir()
    names = [f"f{n}.yaml" for n in range(6)]
    for name in names:
        shutil.copy(work / "s.yaml", here / name)
    jobs = [Job([verb, "-i", *names], env=env, cwd=str(here)) for verb in ("export-sops", "import-sops")]
    for job in jobs:
        (result,) = run_jobs([job])
        assert (result.status, result.stderr.splitlines()[-1:]) == (0, [f"sealfile: {job.args[0]}: 6 files: 6 ok"]), \
            result.stderr
    shown = run_jobs([Job(["decrypt", "--output-type", "json", name], env=env, cwd=str(here)) for name in names])
    # the data, not the layout: files converted at once may differ in indentation
    assert [json.loads(one.stdout) for one in shown] == [{"db": {"password": f"{SECRET}-s", "user": "admin"}}] * 6
