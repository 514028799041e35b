"""``sealfile exec-file FILE -- COMMAND {}``: the program reads the plaintext from a named pipe in a private
directory (never a file on disk), once, as from ``sops exec-file``; the directory is gone afterwards, whether
the program read it or not; the exit status is the program's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sealfile.cli.exec_file import pipe_name
from sealfile.ops.seal import seal_text
from tests.support.cli import cli_env
from tests.support.identities import AgeIdentity

PLAIN = "# the database\ndb:\n  password: \"hunter2\"  # rotated monthly\n  port: 5432\n"
REPORT = ("import json, os, stat, sys; path = sys.argv[1]; "  # looked at before it is read: then it is gone
          "seen = {'fifo': stat.S_ISFIFO(os.stat(path).st_mode), 'name': os.path.basename(path), "
          "'dir_mode': oct(os.stat(os.path.dirname(path)).st_mode & 0o777), "
          "'key_env': sorted(k for k in os.environ if 'AGE_KEY' in k)}; "
          "print(json.dumps({**seen, 'text': open(path).read()}))")


@pytest.fixture
def sealed(age_identity: AgeIdentity, tmp_path: Path) -> Path:
    path = tmp_path / "app.enc.yaml"
    path.write_text(seal_text(PLAIN, [age_identity.key]))
    return path


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    private = tmp_path / "tmp"
    private.mkdir(exist_ok=True)
    return subprocess.run([sys.executable, "-m", "sealfile", "exec-file", *args], env=cli_env({"TMPDIR": str(private)}),
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)


def _left_behind(tmp_path: Path) -> list[str]:
    """What the server left in the temporary directory, once it has had the time to clean up."""
    deadline = time.monotonic() + 5
    while os.listdir(tmp_path / "tmp") and time.monotonic() < deadline:
        time.sleep(0.02)
    return os.listdir(tmp_path / "tmp")


def test_the_program_reads_the_plaintext_from_a_pipe_in_a_private_directory(sealed: Path, tmp_path: Path) -> None:
    done = _run(tmp_path, str(sealed), "--", sys.executable, "-c", REPORT, "{}")
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen == {"text": PLAIN, "fifo": True, "name": "app.yaml", "dir_mode": "0o700", "key_env": []}
    assert _left_behind(tmp_path) == []


def test_output_type_name_and_exit_status_are_the_program_s(sealed: Path, tmp_path: Path) -> None:
    done = _run(tmp_path, "--output-type", "json", "--filename", "conf.json", str(sealed), "--",
                "sh", "-c", "cat {}; echo; basename {}; exit 3")
    assert done.returncode == 3, done.stderr
    text, name = done.stdout.rsplit("\n", 2)[0], done.stdout.splitlines()[-1]
    assert (json.loads(text), name) == ({"db": {"password": "hunter2", "port": 5432}}, "conf.json")
    assert _left_behind(tmp_path) == []


@pytest.mark.parametrize("command", [["true", "{}"], ["nosuch-program-here", "{}"]])
def test_a_pipe_nobody_reads_is_removed_when_the_program_ends(command: list[str], sealed: Path,
                                                               tmp_path: Path) -> None:
    done = _run(tmp_path, str(sealed), "--", *command)
    assert done.returncode in (0, 127), done.stderr
    assert _left_behind(tmp_path) == []


def test_the_plaintext_is_read_once(sealed: Path, tmp_path: Path) -> None:
    """A second open would meet the first reader's pipe: the text is given once, then the path is gone."""
    done = _run(tmp_path, str(sealed), "--", "sh", "-c", "cat {} > /dev/null; sleep 0.3; cat {}")
    assert done.returncode != 0 and "hunter2" not in done.stdout


@pytest.mark.parametrize(("options", "command", "said"), [
    ([], ["cat", "file"], "put {} in the command where the file's path goes"),
    (["--filename", "../x"], ["cat", "{}"], "--filename is a name, not a path"),
])
def test_a_wrong_command_line_is_a_usage_error_and_makes_no_pipe(options: list[str], command: list[str], said: str,
                                                                sealed: Path, tmp_path: Path) -> None:
    done = _run(tmp_path, *options, str(sealed), "--", *command)
    assert done.returncode == 2 and said in done.stderr
    assert _left_behind(tmp_path) == []


def test_a_file_that_does_not_open_makes_no_pipe(sealed: Path, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "sealfile", "exec-file", str(sealed), "--", "cat", "{}"],
                          env={**cli_env(), "SEALFILE_AGE_KEY_FILE": str(tmp_path / "none.txt"),
                               "TMPDIR": str(tmp_path)}, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and len(done.stderr.splitlines()) == 1 and str(sealed) in done.stderr
    assert not list(tmp_path.glob(".sealfile-*"))


@pytest.mark.parametrize(("file", "output_type", "name"), [
    ("secrets.enc.yaml", None, "secrets.yaml"), (".env.enc", None, ".env"), ("app.enc.json", "yaml", "app.yaml"),
    ("dir/x.enc.env", "dotenv", "x.env"), ("secrets", "json", "secrets.json"), ("-", None, "stdin"),
])
def test_the_pipe_is_named_as_the_plaintext_file_would_be(file: str, output_type: str | None, name: str) -> None:
    assert pipe_name(file, output_type) == name


def test_without_named_pipes_it_says_so_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows has no named pipe a program opens by path: a usage error, not an internal one."""
    from sealfile.cli.boundary import UsageProblem
    from sealfile.cli.exec_file import exec_file

    monkeypatch.delattr(os, "mkfifo")
    with pytest.raises(UsageProblem, match="exec-file needs named pipes"):
        exec_file("x.enc.yaml", ("--", "cat", "{}"), None, None, None, False, None)
