"""Run many sealfile commands as real, separate processes, cheaply: a preloaded parent forks each one.

Starting ``python -m sealfile`` costs a few hundred milliseconds on a loaded machine; the crash
and hostile-input suites need hundreds of processes. This driver imports sealfile once, then
``fork``s a child per job that runs the real CLI entry point (or ``load_secrets``) with its own
argv, environment, working directory, stdin and stdout/stderr files. The parent can
``SIGKILL`` the child after a delay (crash tests) or when a time budget runs out, and reports
each child's exit status, wall time and peak memory (``ru_maxrss`` from ``wait4``).

Usage: ``python -m tests.reliability.forkrun JOBS.json`` prints a JSON list of results.
:func:`run_jobs` does that from a test.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Job:
    args: list[str]
    env: dict[str, str]
    cwd: str
    kind: str = "cli"
    """``cli`` runs ``sealfile ARGS``; ``load`` runs ``load_secrets(ARGS[0])`` and prints the key names;
    ``python`` executes the code ARGS[0] (to check the driver itself)."""
    stdin: str = ""
    kill_after: float | None = None
    """Send SIGKILL this many seconds after the fork (the crash tests)."""
    timeout: float = 30.0
    """Kill the child (and count it as timed out) after this long."""
    memory_limit: int | None = None
    """RLIMIT_AS for the child, in bytes: a safety net so a memory bomb cannot take the machine down."""
    prepare: dict[str, str] = field(default_factory=dict)
    """Files to (re)write, with their text, before the fork: each crash trial starts from the same state."""
    snapshot: list[str] = field(default_factory=list)
    """Directories to record after the child ended (``extra["files"]``: path -> mode and text); files
    there that ``prepare`` did not write (leftovers) are then removed, so trials stay independent."""


@dataclass
class Result:
    status: int
    """Exit code, or minus the signal number that ended the child."""
    stdout: str
    stderr: str
    seconds: float
    maxrss_kb: int
    timed_out: bool = False
    killed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    cpu_seconds: float = 0.0
    """User and system time of the child: the work it did, whatever else the machine was doing."""


def run_jobs(jobs: list[Job], *, env: dict[str, str] | None = None, timeout: float = 600) -> list[Result]:
    """Run ``jobs`` in one driver process (itself a subprocess, so pytest's threads are never forked)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump([job.__dict__ for job in jobs], handle)
    try:
        src = str(ROOT / "src")
        driver_env = dict(env or os.environ)
        driver_env["PYTHONPATH"] = os.pathsep.join(p for p in (src, str(ROOT), driver_env.get("PYTHONPATH")) if p)
        done = subprocess.run([sys.executable, "-m", "tests.reliability.forkrun", handle.name], cwd=ROOT,
                              env=driver_env, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"forkrun driver failed: {done.stderr}")
        return [Result(**item) for item in json.loads(done.stdout)]
    finally:
        os.unlink(handle.name)


def _preload() -> None:
    import sealfile.cli.change
    import sealfile.cli.commands
    import sealfile.cli.run
    import sealfile.files.editor
    import sealfile.kms.age
    import sealfile.runtime.loader
    import sealfile.stores.dotenv
    import sealfile.stores.json
    import sealfile.stores.yaml.roundtrip  # noqa: F401


def _child(job: Job, out: str, err: str) -> None:
    """In the forked child: become the job's process, run it, never return."""
    code = 70
    try:
        os.setpgid(0, 0)
        os.chdir(job.cwd)
        os.environ.clear()
        os.environ.update(job.env)
        with tempfile.TemporaryFile() as feed:
            feed.write(job.stdin.encode())
            feed.seek(0)
            os.dup2(feed.fileno(), 0)
        os.dup2(os.open(out, os.O_WRONLY | os.O_TRUNC), 1)
        os.dup2(os.open(err, os.O_WRONLY | os.O_TRUNC), 2)
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115 (the parent's buffer is stale)
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        if job.memory_limit:
            resource.setrlimit(resource.RLIMIT_AS, (job.memory_limit, job.memory_limit))
        code = _run(job)
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # nothing left to report to
                stream.flush()
        os._exit(code)


def _run(job: Job) -> int:
    if job.kind == "python":
        exec(job.args[0], {"__name__": "__forked__"})
        return 0
    if job.kind == "load":
        from sealfile import SealfileError, load_secrets

        try:
            secrets = load_secrets(job.args[0])
        except SealfileError as err:
            print(f"sealfile: error: {err}", file=sys.stderr)
            return 1
        except Exception:
            traceback.print_exc()
            return 70
        print(sorted(str(k) for k in secrets))
        return 0
    from sealfile.cli import main

    sys.argv = ["sealfile", *job.args]
    try:
        main()
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            return done.code or 0
        print(done.code, file=sys.stderr)
        return 1
    except Exception:  # --debug re-raises: print the traceback as Python would
        traceback.print_exc()
        return 1
    return 0


def _wait(pid: int, job: Job, start: float) -> tuple[int, Any, bool, bool]:
    killed = timed_out = False
    deadline = start + job.timeout
    kill_at = start + job.kill_after if job.kill_after is not None else None
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return status, usage, killed, timed_out
        now = time.monotonic()
        if kill_at is not None and now >= kill_at and not killed:
            os.kill(pid, signal.SIGKILL)
            killed = True
        elif now >= deadline and not timed_out:
            os.killpg(pid, signal.SIGKILL)
            timed_out = True
        time.sleep(0.0005 if kill_at is not None and not killed else 0.005)


def _prepare(job: Job) -> None:
    for name, text in job.prepare.items():
        Path(name).write_text(text, encoding="utf-8")


def _snapshot(job: Job) -> dict[str, Any]:
    files: dict[str, Any] = {}
    for directory in job.snapshot:
        for dirpath, _, names in os.walk(directory):
            for name in names:
                path = os.path.join(dirpath, name)
                data = Path(path).read_bytes()
                files[path] = {"mode": os.stat(path).st_mode & 0o777, "text": data.decode("utf-8", "replace")}
                if path not in job.prepare:
                    os.unlink(path)
    return {"files": files}


def _one(job: Job) -> Result:
    _prepare(job)
    with tempfile.NamedTemporaryFile(delete=False) as out, tempfile.NamedTemporaryFile(delete=False) as err:
        pass
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            _child(job, out.name, err.name)
        status, usage, killed, timed_out = _wait(pid, job, start)
        seconds = time.monotonic() - start
        code = os.waitstatus_to_exitcode(status)
        text = [Path(name).read_text(encoding="utf-8", errors="replace") for name in (out.name, err.name)]
        return Result(code, text[0], text[1], seconds, usage.ru_maxrss, timed_out, killed, _snapshot(job),
                      usage.ru_utime + usage.ru_stime)
    finally:
        os.unlink(out.name)
        os.unlink(err.name)


def main() -> None:
    _preload()
    jobs = [Job(**item) for item in json.loads(Path(sys.argv[1]).read_text())]
    results = [_one(job).__dict__ for job in jobs]
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
