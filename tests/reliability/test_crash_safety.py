"""Crash safety: ``kill -9`` a writer anywhere in its run; the file is the old or the new version.

100 trials in all (``set``, ``edit``, ``rotate``, ``updatekeys``, 25 each, more if the machine's
load made every kill land on one side): each starts from the
same sealed file, runs the real command in its own process with ``SEALFILE_TEST_WRITE_DELAY``
widening every step of the write (see ``sealfile.files.atomic``), and is killed with SIGKILL at a
random moment between its start and its calibrated end. Afterwards the sealed file must be the
old text byte for byte, or a new version that verifies and holds the expected plaintext, with
the file's mode kept; no file anywhere under the test's directories may hold a plaintext value,
and nothing but the sealed file and the config may be left next to it.
"""

from __future__ import annotations

import os
import random
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sealfile.envelope.datakey import forget_data_keys
from sealfile.errors import SealfileError
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.ops.read import decrypt_text, verify_text
from sealfile.ops.seal import seal_text
from tests.reliability.forkrun import Job, Result, run_jobs

CANARY = "canary-crash-9f3b2c"
PLAINTEXT = f"db:\n  user: app\n  password: {CANARY}-db\napi_token: {CANARY}-token\n"
TRIALS_PER_COMMAND = 25
STEP_DELAY = "0.01"
MODE = 0o640


@dataclass(frozen=True)
class Setup:
    repo: Path
    ram: Path
    secrets: Path
    config: Path
    original: str
    env: dict[str, str]
    key_b: AgeKey


@pytest.fixture
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Setup]:
    home, repo = tmp_path / "home", tmp_path / "repo"
    home.mkdir(exist_ok=True)
    repo.mkdir(exist_ok=True)
    ram = Path(tempfile.mkdtemp(prefix="sealfile-crash-", dir="/dev/shm"))
    identities = [generate_identity() for _ in range(2)]
    key_file = home / "keys.txt"
    key_file.write_text("".join(secret + "\n" for secret, _ in identities))
    key_file.chmod(0o600)
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(key_file))
    monkeypatch.delenv("SEALFILE_AGE_KEY", raising=False)
    forget_data_keys()
    key_a, key_b = (AgeKey(recipient) for _, recipient in identities)
    secrets = repo / "secrets.enc.yaml"
    original = seal_text(PLAINTEXT, [key_a])
    config = repo / ".sealfile.yaml"
    config.write_text(f"creation_rules:\n  - path_regex: .*\n    age: {key_a.recipient}, {key_b.recipient}\n")
    editor = f"sh -c 'printf \"added: {CANARY}-edit\\n\" >> \"$0\"'"
    env = {name: value for name, value in os.environ.items() if not name.startswith("SEALFILE_")}
    env.update({
        "HOME": str(home), "TMPDIR": str(tmp_path / "tmp"), "XDG_RUNTIME_DIR": str(ram),
        "SEALFILE_AGE_KEY_FILE": str(key_file), "SEALFILE_TEST_WRITE_DELAY": STEP_DELAY,
        "EDITOR": editor, "VISUAL": editor,
    })
    (tmp_path / "tmp").mkdir(exist_ok=True)
    yield Setup(repo, ram, secrets, config, original, env, key_b)
    shutil.rmtree(ram, ignore_errors=True)
    forget_data_keys()


COMMANDS = {
    "set": ["set", "{file}", "api_token", f"{CANARY}-new"],
    "edit": ["edit", "{file}"],
    "rotate": ["rotate", "{file}"],
    "updatekeys": ["updatekeys", "-y", "{file}"],
}


def expected_plaintext(command: str) -> str:
    if command == "set":
        return PLAINTEXT.replace(f"{CANARY}-token", f"{CANARY}-new")
    if command == "edit":
        return PLAINTEXT + f"added: {CANARY}-edit\n"
    return PLAINTEXT


def job(setup: Setup, command: str, kill_after: float | None) -> Job:
    args = [arg.format(file=setup.secrets) for arg in COMMANDS[command]]
    return Job(args, env=setup.env, cwd=str(setup.repo), kill_after=kill_after, timeout=30,
               prepare={str(setup.secrets): setup.original, str(setup.config): setup.config.read_text()},
               snapshot=[str(setup.repo), str(setup.ram), setup.env["TMPDIR"]])


def outcome(setup: Setup, command: str, result: Result) -> str:
    """'old' or 'new'; fails the test on anything else."""
    assert CANARY not in result.stdout + result.stderr, f"{command} printed a value"
    files = result.extra["files"]
    sealed = files[str(setup.secrets)]
    assert sealed["mode"] == MODE, f"{command}: mode became {sealed['mode']:o}"
    for path, info in files.items():
        assert CANARY not in info["text"] or path.startswith(str(setup.ram)), f"{command}: plaintext in {path}"
        if path.startswith(str(setup.repo)) and path not in (str(setup.secrets), str(setup.config)):
            # only possible in the instant between linking the finished file and renaming it
            assert Path(path).name.startswith(f".{setup.secrets.name}.") and path.endswith(".tmp"), f"left {path}"
            verify_text(info["text"])
    if sealed["text"] == setup.original:
        return "old"
    verify_text(sealed["text"])
    assert decrypt_text(sealed["text"]) == expected_plaintext(command), f"{command}: new version holds the wrong data"
    if command == "updatekeys":
        assert setup.key_b.recipient in sealed["text"]
    return "new"


def calibrate(setup: Setup, command: str) -> float:
    """How long an unkilled run takes right now (the slowest of two: the machine is shared)."""
    runs = run_jobs([job(setup, command, None)] * 2)
    for result in runs:
        assert result.status == 0, f"{command}: {result.stderr}"
        assert outcome(setup, command, result) == "new"
    return max(result.seconds for result in runs)


def kill_trials(setup: Setup, command: str, count: int, rng: random.Random) -> tuple[Counter[str], int]:
    """``count`` runs killed at uniform random moments over 1.5x the calibrated run time."""
    duration = calibrate(setup, command)
    jobs = [job(setup, command, rng.uniform(0, duration * 1.5)) for _ in range(count)]
    tally: Counter[str] = Counter()
    killed = 0
    for trial, result in zip(jobs, run_jobs(jobs), strict=True):
        where = f"{command} killed at {trial.kill_after:.3f} s (calibrated run {duration:.3f} s)"
        assert result.status in (0, -9), f"{where}: exit {result.status}: {result.stderr}"
        killed += result.killed and result.status == -9
        try:
            tally[outcome(setup, command, result)] += 1
        except (AssertionError, SealfileError) as failure:
            raise AssertionError(f"{where}: {type(failure).__name__}: {failure}") from None
    return tally, killed


@pytest.mark.parametrize("command", list(COMMANDS))
def test_kill_9_at_random_points_of_each_write(setup: Setup, command: str) -> None:
    setup.secrets.write_text(setup.original)
    setup.secrets.chmod(MODE)
    rng = random.Random(int(os.environ.get("SEALFILE_CRASH_SEED", "9")))
    tally, killed = kill_trials(setup, command, TRIALS_PER_COMMAND, rng)
    for _ in range(3):  # the machine is shared: if load shifted every kill to one side, go again
        if tally["old"] and tally["new"]:
            break
        more, more_killed = kill_trials(setup, command, 10, rng)
        tally += more
        killed += more_killed
    print(f"{command}: outcomes {dict(tally)}; {killed} killed", file=sys.stderr)
    assert tally["old"] and tally["new"], f"{command}: the kills did not span the run: {dict(tally)}"
    assert killed >= 5  # an 'old' outcome needs a kill anyway; this guards against calibration gone wrong


EDITOR_OPEN = 5.0
"""Seconds before the kill: the edit has decrypted and started the editor by then, even on a loaded machine."""


def test_a_killed_edit_leaves_no_plaintext_once_the_next_edit_ran(setup: Setup) -> None:
    """kill -9 while the editor is open skips every cleanup: the plaintext stays in the RAM-backed
    workspace; the next edit wipes it (it is never on disk)."""
    setup.secrets.write_text(setup.original)
    setup.secrets.chmod(MODE)
    slow = {**setup.env, "EDITOR": "sh -c 'sleep 30'", "VISUAL": "sh -c 'sleep 30'"}  # killed while it waits
    idle = {**setup.env, "EDITOR": "true", "VISUAL": "true"}
    killed = Job(["edit", str(setup.secrets)], env=slow, cwd=str(setup.repo), kill_after=EDITOR_OPEN)
    again = Job(["edit", str(setup.secrets)], env=idle, cwd=str(setup.repo))
    after_kill, after_next = run_jobs([killed, again])
    assert after_kill.status == -9
    assert after_next.status == 0, after_next.stderr
    on_disk = [p for p in setup.repo.parent.rglob("*") if p.is_file() and CANARY.encode() in p.read_bytes()]
    assert on_disk == []
    in_ram = [p for p in setup.ram.rglob("*") if p.is_file()]
    assert in_ram == [], "the killed edit's workspace was not wiped"


def test_the_kill_lands_inside_the_workspace_of_a_killed_edit(setup: Setup) -> None:
    """The premise of the test above: without the next edit, the killed one's plaintext is there."""
    setup.secrets.write_text(setup.original)
    slow = {**setup.env, "EDITOR": "sh -c 'sleep 30'", "VISUAL": "sh -c 'sleep 30'"}  # killed while it waits
    (result,) = run_jobs([Job(["edit", str(setup.secrets)], env=slow, cwd=str(setup.repo), kill_after=EDITOR_OPEN)])
    assert result.status == -9
    assert any(CANARY.encode() in p.read_bytes() for p in setup.ram.rglob("*") if p.is_file())
