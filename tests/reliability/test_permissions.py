"""File permissions: sealed files keep their mode, plaintext is never readable by others.

- every writing command keeps a sealed file's mode (0640 and 0600 here);
- the file being written is 0600 until it is complete (observed mid-write through
  ``/proc/PID/fd`` with the ``SEALFILE_TEST_WRITE_DELAY`` hook); ``decrypt -o`` output is 0600,
  even over an existing 0644 file; the editor's plaintext is 0600 in a 0700 directory;
- ``keygen`` writes identities 0600 in a 0700 directory and will not append to a file others can
  read; an identity file others can read is refused unless ``SEALFILE_ALLOW_INSECURE_KEY_FILE=1``.
"""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sealfile import load_secrets
from sealfile.envelope.datakey import forget_data_keys
from sealfile.errors import NoUsableKeyError
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.ops.seal import seal_text
from tests.reliability.forkrun import Job, run_jobs

PLAINTEXT = "db:\n  password: hunter2-perm\n"


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@dataclass
class Repo:
    root: Path
    secrets: Path
    key_file: Path
    env: dict[str, str]
    other: AgeKey


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Repo]:
    identity, recipient = generate_identity()
    _, other = generate_identity()
    key_file = tmp_path / "keys.txt"
    key_file.write_text(identity + "\n")
    key_file.chmod(0o600)
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(key_file))
    monkeypatch.delenv("SEALFILE_AGE_KEY", raising=False)
    monkeypatch.delenv("SEALFILE_ALLOW_INSECURE_KEY_FILE", raising=False)
    forget_data_keys()
    secrets = tmp_path / "secrets.enc.yaml"
    secrets.write_text(seal_text(PLAINTEXT, [AgeKey(recipient)]))
    (tmp_path / ".sealfile.yaml").write_text(f"creation_rules:\n  - age: {recipient}, {other}\n")
    env = {name: value for name, value in os.environ.items() if not name.startswith("SEALFILE_")}
    env.update({"HOME": str(tmp_path), "SEALFILE_AGE_KEY_FILE": str(key_file), "EDITOR": "true",
                "VISUAL": "sh -c 'echo added: 1 >> \"$0\"'", "XDG_RUNTIME_DIR": "/dev/shm"})
    yield Repo(tmp_path, secrets, key_file, env, AgeKey(other))
    forget_data_keys()


@pytest.mark.parametrize("mode", [0o640, 0o600])
def test_every_writing_command_keeps_the_sealed_files_mode(repo: Repo, mode: int) -> None:
    repo.secrets.chmod(mode)
    plain = repo.root / "plain.enc.yaml"
    plain.write_text(PLAINTEXT)
    plain.chmod(mode)
    commands = [
        ["set", str(repo.secrets), "token", "abc"],
        ["unset", str(repo.secrets), "token"],
        ["edit", str(repo.secrets)],
        ["rotate", str(repo.secrets)],
        ["recipients", "add", "--age", repo.other.recipient, str(repo.secrets)],
        ["recipients", "remove", "--age", repo.other.recipient, str(repo.secrets)],
        ["updatekeys", "-y", str(repo.secrets)],
        ["encrypt", "-i", str(plain)],
    ]
    results = run_jobs([Job(args, env=repo.env, cwd=str(repo.root)) for args in commands])
    for args, result in zip(commands, results, strict=True):
        assert result.status == 0, f"{args[0]}: {result.stderr}"
    assert "added: 1" in subprocess_decrypt(repo)
    assert mode_of(repo.secrets) == mode
    assert mode_of(plain) == mode
    left = sorted(p.name for p in repo.root.iterdir() if p.name != "home")  # home: the shared conftest's
    assert left == [".sealfile.yaml", "keys.txt", "plain.enc.yaml", "secrets.enc.yaml"]


def subprocess_decrypt(repo: Repo) -> str:
    (result,) = run_jobs([Job(["decrypt", str(repo.secrets)], env=repo.env, cwd=str(repo.root))])
    assert result.status == 0, result.stderr
    return result.stdout


def test_decrypt_output_is_private_even_over_a_readable_file(repo: Repo) -> None:
    new, existing = repo.root / "new.yaml", repo.root / "existing.yaml"
    existing.write_text("old\n")
    existing.chmod(0o644)
    results = run_jobs([Job(["decrypt", "-o", str(out), str(repo.secrets)], env=repo.env, cwd=str(repo.root))
                        for out in (new, existing)])
    assert [r.status for r in results] == [0, 0], [r.stderr for r in results]
    assert mode_of(new) == 0o600
    assert mode_of(existing) == 0o600
    assert "hunter2-perm" in existing.read_text()


def _file_being_written(pid: int, directory: Path) -> Path | None:
    """The unnamed (O_TMPFILE) or temporary file a process has open for writing in ``directory``."""
    fds = Path(f"/proc/{pid}/fd")
    try:
        for fd in fds.iterdir():
            target = os.readlink(fd)
            if target.startswith(str(directory)) and ("(deleted)" in target or target.endswith(".tmp")):
                return fd
    except OSError:
        return None
    return None


@pytest.mark.parametrize("command", ["set", "decrypt"])
def test_the_file_being_written_is_0600_until_complete(repo: Repo, command: str) -> None:
    """With the write paused between steps, the half-written file is seen through /proc: it is
    0600 while it fills (and for plaintext, until the end)."""
    repo.secrets.chmod(0o644)
    args = (["set", str(repo.secrets), "token", "abc"] if command == "set"
            else ["decrypt", "-o", str(repo.root / "out.yaml"), str(repo.secrets)])
    env = {**repo.env, "SEALFILE_TEST_WRITE_DELAY": "0.3", "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen([sys.executable, "-m", "sealfile", *args], env=env, cwd=repo.root,
                               stderr=subprocess.PIPE, text=True)
    modes: list[int] = []
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        fd = _file_being_written(process.pid, repo.root)
        if fd is not None:
            with contextlib.suppress(OSError):
                modes.append(stat.S_IMODE(os.stat(fd).st_mode))
        time.sleep(0.02)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert modes, "never saw the file being written"
    assert modes[0] == 0o600
    if command == "decrypt":
        assert set(modes) == {0o600}
    else:
        assert set(modes) <= {0o600, 0o644} and mode_of(repo.secrets) == 0o644


def test_the_editors_plaintext_is_private(repo: Repo) -> None:
    record = repo.root / "seen.txt"
    probe = repo.root / "probe.py"
    probe.write_text(
        "import os, stat, sys\n"
        "f = sys.argv[1]\n"
        f"open({str(record)!r}, 'w').write(f'{{stat.S_IMODE(os.stat(f).st_mode):o}} '\n"
        "    f'{stat.S_IMODE(os.stat(os.path.dirname(f)).st_mode):o} {os.path.dirname(f)}')\n"
    )
    env = {**repo.env, "VISUAL": f"{sys.executable} {probe}"}
    (result,) = run_jobs([Job(["edit", str(repo.secrets)], env=env, cwd=str(repo.root))])
    assert result.status == 0, result.stderr
    file_mode, dir_mode, directory = record.read_text().split()
    assert (file_mode, dir_mode) == ("600", "700")
    assert directory.startswith("/dev/shm/")
    assert not Path(directory).exists()


def test_keygen_writes_identities_0600_in_a_0700_directory(tmp_path: Path) -> None:
    target = tmp_path / "new-dir" / "keys.txt"
    env = {**os.environ, "HOME": str(tmp_path)}
    first, second = run_jobs([Job(["keygen", "-o", str(target)], env=env, cwd=str(tmp_path))] * 2)
    assert first.status == 0 and second.status == 0, first.stderr + second.stderr
    assert mode_of(target) == 0o600
    assert mode_of(target.parent) == 0o700
    assert target.read_text().count("AGE-SECRET-KEY-") == 2
    assert "AGE-SECRET-KEY-" not in first.stdout + first.stderr


def test_keygen_will_not_append_to_a_readable_identity_file(tmp_path: Path) -> None:
    target = tmp_path / "keys.txt"
    target.write_text(generate_identity()[0] + "\n")
    target.chmod(0o644)
    env = {**os.environ, "HOME": str(tmp_path)}
    (result,) = run_jobs([Job(["keygen", "-o", str(target)], env=env, cwd=str(tmp_path))])
    assert result.status == 1
    assert "readable by others" in result.stderr and "chmod 600" in result.stderr
    assert target.read_text().count("AGE-SECRET-KEY-") == 1


@pytest.mark.parametrize("allow", [None, "0", "false", "1"])
def test_a_readable_identity_file_is_refused_unless_allowed(
    repo: Repo, allow: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.key_file.chmod(0o640)
    if allow is not None:
        monkeypatch.setenv("SEALFILE_ALLOW_INSECURE_KEY_FILE", allow)
    forget_data_keys()
    if allow == "1":
        assert load_secrets(repo.secrets, extract="db.password") == "hunter2-perm"
        return
    with pytest.raises(NoUsableKeyError) as info:
        load_secrets(repo.secrets)
    message = str(info.value)
    assert "readable by others (mode 640)" in message and "SEALFILE_ALLOW_INSECURE_KEY_FILE=1" in message
    assert "AGE-SECRET-KEY" not in message


def test_the_cli_refuses_a_readable_identity_file_in_one_line(repo: Repo) -> None:
    repo.key_file.chmod(0o604)
    env = {**repo.env, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-m", "sealfile", "decrypt", str(repo.secrets)], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "chmod 600" in done.stderr
    assert "hunter2" not in done.stdout + done.stderr
