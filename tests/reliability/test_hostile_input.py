"""Hostile input: every broken or malicious file gets one clear error, in bounded time and memory.

Each case of :mod:`tests.reliability.corpus` goes through ``load_secrets`` and the ``decrypt``,
``verify``, ``status``, ``set`` and ``edit`` commands, each in its own process (forked from a
preloaded driver, see :mod:`tests.reliability.forkrun`), whose wall time and peak RSS
(``ru_maxrss``) are measured. A result passes if the process exited 1 with one
``sealfile: error: FILE: ...`` line and no traceback, within 10 s and 1.5 GB; a few commands
may legitimately succeed on some cases (``status`` needs no key and reads no value).
The ``!!python/object/apply:os.system`` payload would create a marker file: it must not exist.

Set ``SEALFILE_RELIABILITY_REPORT=FILE`` to append a Markdown table of the observed results
(used to fill docs/security.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sealfile.kms.age import AgeKey, generate_identity
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.reliability.corpus import Case, dotenv_cases, json_cases, yaml_cases
from tests.reliability.forkrun import Job, Result, run_jobs

PLAINTEXT = "db:\n  user: app\n  password: hunter2-hostile\napi_token: t0ps3cret-hostile\n"
SECRETS = ("hunter2-hostile", "t0ps3cret-hostile")
# Read at import: every test runs without SEALFILE_* variables (tests/conftest.py).
REPORT = os.environ.get("SEALFILE_RELIABILITY_REPORT")
MAX_SECONDS = 10.0
MAX_RSS_KB = 1_500_000
COMMANDS = ("load_secrets", "decrypt", "verify", "status", "set", "edit")
# (case name prefix, command): cases where success is a correct answer, not a failure to notice.
MAY_SUCCEED = {
    # status needs no key: it reads recipients and token times, and verifies nothing (verify does)
    ("token from nowhere", "status"),
    ("token not base64", "status"),  # no longer ENC[...]-shaped: counted as a plaintext value
    ("empty token", "status"),
    ("application tag added", "status"),  # a tag is sealed, and status verifies nothing
    ("recipient type unknown", "status"),  # listed with key id '?'
    ("wrapped key truncated", "status"),
    ("large value (1 MB", "status"),
    ("huge integer (100,000 digits)", "status"),
    ("non-string keys", "status"),
    ("dotenv: truncated token", "status"),
    ("JSON: huge integer", "status"),
    # a recipient stanza is only read by status (listed), never used: nothing contacted, nothing unwrapped
    ("recipient names", "status"),
    ("2,000 recipients", "status"),
    ("wrapped key of 20,000 characters", "status"),
    ("key path with control characters", "status"),  # renamed keys: verify catches it, status shows it escaped
}


@pytest.fixture(scope="module")
def identity(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, AgeKey]:
    secret, recipient = generate_identity()
    path = tmp_path_factory.mktemp("keys") / "keys.txt"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")
    return path, AgeKey(recipient)


def child_env(key_file: Path, home: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("SEALFILE_")}
    env.update({"SEALFILE_AGE_KEY_FILE": str(key_file), "HOME": str(home), "EDITOR": "true", "VISUAL": "true"})
    return env


def jobs_for(case: Case, directory: Path, env: dict[str, str]) -> list[Job]:
    directory.mkdir(exist_ok=True)
    path = directory / case.filename
    case.write(path)
    common = {"env": env, "cwd": str(directory), "timeout": 30.0, "memory_limit": 3 * 1024**3}
    argv = {
        "decrypt": ["decrypt", str(path)],
        "verify": ["verify", str(path)],
        "status": ["status", str(path)],
        "set": ["set", str(path), "new_key", "new-value"],
        "edit": ["edit", "--allow-disk", str(path)],
    }
    jobs = [Job([str(path)], kind="load", **common)]  # type: ignore[arg-type]
    jobs += [Job(argv[command], **common) for command in COMMANDS[1:]]  # type: ignore[arg-type]
    return jobs


def judge(case: Case, command: str, result: Result) -> str | None:
    """Why ``result`` is not acceptable, or None."""
    if any(secret in result.stdout + result.stderr for secret in SECRETS):
        return "printed a secret value"
    if result.timed_out or result.cpu_seconds > MAX_SECONDS:  # the work done: the machine's load is not the file's
        return f"took {result.cpu_seconds:.1f} s of CPU"
    if result.maxrss_kb > MAX_RSS_KB:
        return f"used {result.maxrss_kb // 1024} MB"
    if "Traceback" in result.stderr or "internal error" in result.stderr:
        return f"crashed: {result.stderr[-600:]}"
    shown = (result.stdout + result.stderr).replace("\n", "").replace("\t", "")
    if not shown.isprintable():
        return f"printed a control character: {ascii(shown)[-300:]}"
    if result.status == 0:
        allowed = any(case.name.startswith(p) and command == c for p, c in MAY_SUCCEED)
        return None if allowed else "succeeded on a broken file"
    lines = result.stderr.strip().splitlines()
    if result.status != 1 or len(lines) != 1 or not lines[0].startswith("sealfile: error: "):
        return f"exit {result.status}, stderr {result.stderr[-600:]!r}"
    if case.filename not in lines[0]:
        return f"error does not name the file: {lines[0]}"
    return None


def observed(result: Result) -> str:
    if result.status == 0:
        return "ok (no error)"
    line = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"exit {result.status}"
    return line.split(".enc.", 1)[-1].split(": ", 1)[-1][:90]


def run_corpus(cases: list[Case], tmp_path: Path, key_file: Path) -> None:
    env = child_env(key_file, tmp_path)
    jobs: list[Job] = []
    for index, case in enumerate(cases):
        jobs += jobs_for(case, tmp_path / f"case{index}", env)
    results = run_jobs(jobs, timeout=900)
    problems = []
    rows = []
    for index, case in enumerate(cases):
        mine = results[index * len(COMMANDS):(index + 1) * len(COMMANDS)]
        for command, result in zip(COMMANDS, mine, strict=True):
            problem = judge(case, command, result)
            if problem:
                problems.append(f"{case.name} / {command}: {problem}")
        worst = max(mine, key=lambda r: r.seconds)
        reading, editing = observed(mine[2]), observed(mine[4])  # verify; set
        rows.append(f"| {case.name} | {reading} | {'same' if editing == reading else editing} | "
                    f"{worst.seconds:.2f} s | {max(r.maxrss_kb for r in mine) // 1024} MB |")
    if REPORT:
        with open(REPORT, "a", encoding="utf-8") as handle:
            handle.write("\n".join(rows) + "\n")
    assert problems == [], "\n".join(problems)


def test_yaml_corpus(identity: tuple[Path, AgeKey], tmp_path: Path) -> None:
    key_file, key = identity
    marker = tmp_path / "CODE-RAN"
    run_corpus(yaml_cases(seal_text(PLAINTEXT, [key]), marker), tmp_path, key_file)
    assert not marker.exists(), "the os.system payload ran"


def test_json_corpus(identity: tuple[Path, AgeKey], tmp_path: Path) -> None:
    key_file, key = identity
    sealed = seal_text(PLAINTEXT, [key], output=get_store("json"))
    run_corpus(json_cases(sealed), tmp_path, key_file)


def test_dotenv_corpus(identity: tuple[Path, AgeKey], tmp_path: Path) -> None:
    key_file, key = identity
    sealed = seal_text("USER=app\nPASSWORD=hunter2-hostile\n", [key], store=get_store("dotenv"))
    run_corpus(dotenv_cases(sealed), tmp_path, key_file)


def test_the_driver_measures_what_it_claims(tmp_path: Path) -> None:
    """The bounds above mean something: a child that allocates 300 MB and sleeps is seen doing so,
    and one that runs past its time budget is stopped and reported."""
    env = {**os.environ, "HOME": str(tmp_path)}
    code = "x = bytearray(300 * 1024 * 1024); x[::4096] = b'1' * len(x[::4096]); import time; time.sleep(0.3)"
    busy = "import time\nstart = time.process_time()\nwhile time.process_time() - start < 0.4: pass"
    big, busy_result, slow, missing = run_jobs([
        Job([code], kind="python", env=env, cwd=str(tmp_path)),
        Job([busy], kind="python", env=env, cwd=str(tmp_path)),
        Job(["import time; time.sleep(5)"], kind="python", env=env, cwd=str(tmp_path), timeout=0.5),
        Job(["verify", str(tmp_path / "missing.yaml")], env=env, cwd=str(tmp_path)),
    ])
    assert big.status == 0, big.stderr
    assert big.maxrss_kb > 300_000
    assert big.seconds >= 0.3 and big.cpu_seconds < big.seconds  # its sleep is time, not work
    assert 0.4 <= busy_result.cpu_seconds <= busy_result.seconds
    assert slow.timed_out and slow.status < 0 and slow.seconds < 2
    assert missing.status == 1 and "no such file" in missing.stderr


def test_an_endless_input_is_refused(tmp_path: Path) -> None:
    """/dev/zero, named or through a symlink, is a device: refused before a byte is read; an
    endless pipe stops at the size limit."""
    env = {**os.environ, "HOME": str(tmp_path)}
    (tmp_path / "zero.enc.yaml").symlink_to("/dev/zero")
    endless = "yes | head -c 100000000 | SEALFILE_MAX_FILE_MB=1 {} -m sealfile verify /dev/stdin"
    jobs = [Job([command, path], env=env, cwd=str(tmp_path), memory_limit=3 * 1024**3)
            for command in ("verify", "status", "decrypt") for path in ("/dev/zero", "zero.enc.yaml")]
    jobs += [Job(["check", "zero.enc.yaml"], env=env, cwd=str(tmp_path), memory_limit=3 * 1024**3)]
    jobs += [Job(["/dev/zero"], kind="load", env=env, cwd=str(tmp_path))]
    for result in run_jobs(jobs):
        assert result.status in (1, 3), result.stderr
        assert "is a device, not a file" in result.stderr
        assert result.cpu_seconds < MAX_SECONDS and result.maxrss_kb < 200_000
    import subprocess
    import sys

    piped = subprocess.run(["sh", "-c", endless.format(sys.executable)], env={**env, **_pythonpath()},
                           capture_output=True, text=True, timeout=60)
    assert piped.returncode == 1 and "input is larger than 1 MiB" in piped.stderr, piped.stderr


def test_a_key_file_that_never_ends_is_read_only_as_far_as_a_key_file_goes(tmp_path: Path) -> None:
    """--ssh PUBKEY and the identity files (age, SSH) were read whole, then cut: /dev/zero (or any endless
    or huge file named there) ran the process out of memory, an internal error at best."""
    home = tmp_path / "user"
    home.mkdir()
    (tmp_path / "p.yaml").write_text("a: 1\n")
    public = generate_identity()[1]
    sealed = tmp_path / "s.yaml"
    sealed.write_text(seal_text("a: 1\n", [AgeKey(public)]))
    env = {**os.environ, "HOME": str(home), "SEALFILE_ALLOW_INSECURE_KEY_FILE": "1"}
    jobs = [Job(["encrypt", "--ssh", "/dev/zero", "p.yaml"], env=env, cwd=str(tmp_path)),
            Job(["decrypt", "s.yaml"], env={**env, "SEALFILE_AGE_KEY_FILE": "/dev/zero"}, cwd=str(tmp_path))]
    results = run_jobs([Job(job.args, env=job.env, cwd=job.cwd, memory_limit=1024**3) for job in jobs])
    for result, status in zip(results, (2, 1), strict=True):  # --ssh's value is the command line's: usage
        assert result.status == status and len(result.stderr.splitlines()) == 1, result.stderr
        assert result.cpu_seconds < MAX_SECONDS and result.maxrss_kb < 200_000


def _pythonpath() -> dict[str, str]:
    from tests.reliability.forkrun import ROOT

    return {"PYTHONPATH": str(ROOT / "src")}


EXEC_HOOKS = {"bash_env": "BASH_ENV", "ld_preload": "LD_PRELOAD", "path": "PATH", "pythonstartup": "PYTHONSTARTUP",
              "node_options": "NODE_OPTIONS", "git_ssh_command": "GIT_SSH_COMMAND", "home": "HOME"}


def test_exec_refuses_every_hook_a_file_names(identity: tuple[Path, AgeKey], tmp_path: Path) -> None:
    """A file value must not become a loader or interpreter hook of exec's child: one error line,
    nothing run (the bash_env payload would create the marker)."""
    key_file, key = identity
    marker = tmp_path / "CODE-RAN"
    env = child_env(key_file, tmp_path)
    jobs = []
    for index, item in enumerate(EXEC_HOOKS):
        path = tmp_path / f"hook{index}.enc.yaml"
        path.write_text(seal_text(f'{item}: "$(touch {marker})"\ndb_password: hunter2-hostile\n', [key]))
        jobs.append(Job(["exec", str(path), "--", "bash", "-c", "true"], env=env, cwd=str(tmp_path)))
    for (item, name), result in zip(EXEC_HOOKS.items(), run_jobs(jobs), strict=True):
        assert result.status == 1, result.stderr
        assert result.stderr.strip().endswith(f"{item}: would set {name}, which changes how programs start or where "
                                              f"they connect; refused (put a prefix in front of the names, or allow "
                                              f"{name} explicitly)")
        assert "hunter2" not in result.stderr and result.cpu_seconds < MAX_SECONDS
    assert not marker.exists()
