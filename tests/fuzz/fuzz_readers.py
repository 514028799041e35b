"""Coverage-guided fuzzing of every reader of a sealed file, with atheris (libFuzzer for Python).

Not collected by pytest (no ``test_`` prefix) and not run by CI. Run one target, e.g.::

    .venv/bin/pip install atheris
    .venv/bin/python -m tests.fuzz.fuzz_readers decrypt -max_total_time=600 -timeout=20 -rss_limit_mb=2048

Targets: ``load`` (load_secrets), ``decrypt``, ``extract``, ``status``, ``verify``, ``textconv``,
``diff``, ``merge`` (the git drivers), ``sops`` (import-sops), ``config`` (a ``.sealfile.yaml`` beside
a valid sealed file, then decrypt and verify), and two structure-aware ones (:mod:`tests.fuzz.structured`):
``forged`` (any recipient stanzas, key groups and threshold, a valid MAC) and ``rewritten`` (one metadata
node replaced by any value). Each input is a whole file; the seeds (:mod:`tests.fuzz.seeds`)
are valid files of every kind, so libFuzzer mutates real metadata, tokens and signatures.

The oracle, for every input and command: exit 0 or one ``sealfile: error:`` line naming the file (1),
or a policy finding (3); never ``internal error``, a traceback, a control character or a seed's secret
value on stderr; no child process and no network connection (both are refused and reported as a
crash); CPU and memory bounded by libFuzzer's ``-timeout`` and ``-rss_limit_mb``.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.fuzz.seeds import SECRETS, build, environment

ESCAPES: list[str] = []
"""Child processes and connections attempted by the current input."""


def _refuse(what: str, skip: int = 0) -> Any:
    """A stand-in that records the call (``skip``: leading arguments not shown, e.g. ``self``) and fails."""

    def refused(*args: Any, **kwargs: Any) -> Any:
        ESCAPES.append(f"{what}{args[skip:skip + 2]!r}"[:300])
        raise OSError(f"fuzz harness: {what} refused")

    return refused


def guard() -> None:
    """Refuse (and record) every child process and outgoing connection from now on."""
    subprocess.Popen.__init__ = _refuse("subprocess", skip=1)  # type: ignore[method-assign]
    for name in ("system", "posix_spawn", "posix_spawnp", "execv", "execve", "execvp", "execvpe", "fork"):
        if hasattr(os, name):
            setattr(os, name, _refuse(f"os.{name}"))
    socket.socket.connect = _refuse("connect", skip=1)  # type: ignore[method-assign]
    socket.socket.connect_ex = _refuse("connect", skip=1)  # type: ignore[method-assign]
    socket.create_connection = _refuse("create_connection")
    socket.getaddrinfo = _refuse("getaddrinfo")


def kind_of(data: bytes) -> str:
    """The file name a mutated input is read under: its syntax picks the store."""
    head = data.lstrip()[:1]
    if head in (b"{", b"["):
        return "secrets.enc.json"
    if b"sealfile_version=" in data or b"sops_version=" in data:
        return "secrets.enc.env"
    return "secrets.enc.yaml"


def cli(argv: list[str]) -> tuple[int, str]:
    """Run ``sealfile ARGV`` in this process: its exit status and stderr."""
    from sealfile.cli import main

    err, out = io.StringIO(), io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    sys.argv = ["sealfile", *argv]
    code: Any = 0
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            main()
        except SystemExit as done:
            code = done.code
    gc.enable()  # main turns it off for its run
    return (code if isinstance(code, int) else 1), err.getvalue()


def judge(argv: list[str], code: int, stderr: str, name: str) -> None:
    problems = []
    if ESCAPES:
        problems.append(f"ran or connected: {ESCAPES}")
    if "Traceback" in stderr or "internal error" in stderr:
        problems.append("crashed")
    if any(secret in stderr for secret in SECRETS):
        problems.append("printed a secret")
    if not stderr.replace("\n", "").isprintable():
        problems.append("printed a control character")
    lines, prefix = stderr.strip().splitlines(), "sealfile: error: "
    if argv[:2] == ["git", "merge-driver"] and lines and "kept our version" in lines[-1]:
        lines, prefix = lines[:-1], "sealfile: "  # a conflict: its cause, then what git is left with
    if code == 1 and (len(lines) != 1 or not lines[0].startswith(prefix) or name not in lines[0]):
        problems.append("not one error line naming the file")
    if code not in (0, 1, 3):
        problems.append(f"exit {code}")
    if problems:
        raise AssertionError(f"sealfile {' '.join(argv)}: {'; '.join(problems)}\n{stderr[-2000:]}")


class Harness:
    def __init__(self, target: str) -> None:
        self.target = target
        self.findings = os.environ.get("FUZZ_FINDINGS")
        self.home = Path(tempfile.mkdtemp(prefix="sealfile-fuzz-"))
        self.seeds = build(self.home)
        os.environ.clear()
        os.environ.update(environment(self.home))
        self.work = self.home / "case"
        self.work.mkdir()
        os.chdir(self.work)
        for name in (".sealfile.yaml", "other.enc.yaml"):
            (self.work / name).write_bytes(self.seeds[".sealfile.yaml" if name.startswith(".") else "secrets.enc.yaml"])

    def corpus(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for name, data in self.seeds.items():
            if self.target in ("forged", "rewritten"):
                (directory / "seed").write_bytes(data[:64])  # any bytes: the structure comes from the provider
                continue
            wanted = (name == ".sealfile.yaml") == (self.target == "config")
            if wanted and (self.target != "sops" or name.startswith("sops")):
                (directory / name.replace("/", "_")).write_bytes(data)

    def commands(self, name: str) -> list[list[str]]:
        other = "other.enc.yaml"
        return {
            "load": [["__load__", name]],
            "decrypt": [["decrypt", name]],
            "extract": [["decrypt", "--extract", '["db"]["password"]', name], ["decrypt", "--extract", "db", name]],
            "status": [["status", name]],
            "verify": [["verify", name]],
            "textconv": [["git", "textconv", name]],
            "diff": [["diff", other, name]],
            "merge": [["git", "merge-driver", other, name, other], ["git", "merge-driver", name, other, name]],
            "sops": [["import-sops", name, "--output", "imported.enc.yaml"], ["decrypt", name]],
            "config": [["decrypt", other], ["verify", other], ["status", other]],
            "forged": [["__load__", name], ["decrypt", name], ["status", name], ["git", "textconv", name]],
            "rewritten": [["__load__", name], ["decrypt", name], ["status", name], ["verify", name]],
        }[self.target]

    def structured(self, data: bytes) -> tuple[str, bytes]:
        """The file the ``forged`` and ``rewritten`` targets make of the fuzzer's bytes."""
        import atheris

        from tests.fuzz import structured

        fdp = atheris.FuzzedDataProvider(data)
        if self.target == "rewritten":
            name, text = structured.rewritten_file(fdp, self.seeds["groups.enc.yaml"].decode(),
                                                   self.seeds["secrets.enc.json"].decode())
            return name, text.encode("utf-8", "surrogatepass")
        store = fdp.PickValueInList(["yaml", "json", "dotenv"])
        plaintext = {"yaml": "db:\n  password: hunter2-fuzz\n", "json": '{"password": "hunter2-fuzz"}\n',
                     "dotenv": "PASSWORD=hunter2-fuzz\n"}[store]
        name = {"yaml": "secrets.enc.yaml", "json": "secrets.enc.json", "dotenv": "secrets.enc.env"}[store]
        from sealfile import SealfileError

        try:
            return name, structured.forged_file(fdp, plaintext, store).encode("utf-8", "surrogatepass")
        except SealfileError:  # a writer refuses what it could not read back: nothing to read
            return name, b""

    def one(self, data: bytes) -> None:
        from sealfile import forget_data_keys

        name = ".sealfile.yaml" if self.target == "config" else kind_of(data)
        if self.target in ("forged", "rewritten"):
            name, data = self.structured(data)
            if not data:
                return
        if self.target == "sops":
            name = {"secrets.enc.json": "in.json", "secrets.enc.env": "in.env"}.get(name, "in.yaml")
        path = self.work / name
        path.write_bytes(data)
        try:
            for argv in self.commands(name):
                ESCAPES.clear()
                forget_data_keys()
                if self.target == "merge":  # the driver rewrites its first file: start each run afresh
                    path.write_bytes(data)
                    (self.work / "other.enc.yaml").write_bytes(self.seeds["secrets.enc.yaml"])
                code, stderr = self.load(argv[1]) if argv[0] == "__load__" else cli(argv)
                judge(argv, code, stderr, name if self.target != "config" else "")
        finally:
            with contextlib.suppress(FileNotFoundError):
                (self.work / "imported.enc.yaml").unlink()
            if self.target == "config":
                path.write_bytes(self.seeds[".sealfile.yaml"])

    def recorded(self, data: bytes) -> None:
        """Like :meth:`one`, but with ``FUZZ_FINDINGS`` set a failure is written there (one per kind of
        message) and fuzzing goes on."""
        findings = self.findings
        if not findings:
            return self.one(data)
        try:
            self.one(data)
        except Exception as err:  # every failure is a finding
            import hashlib
            import re
            import traceback

            text = "".join(traceback.format_exception(err))
            kind = re.sub(r"[0-9a-f]{8,}|\d+", "N", str(err).splitlines()[0] + (str(err).splitlines() or [""])[-1])
            digest = hashlib.sha1(kind.encode()).hexdigest()[:12]
            folder = Path(findings)
            folder.mkdir(parents=True, exist_ok=True)
            if len(list(folder.iterdir())) < 400 and not (folder / f"{digest}.txt").exists():
                (folder / f"{digest}.txt").write_text(text)
                (folder / f"{digest}.input").write_bytes(data)
        return None

    def load(self, name: str) -> tuple[int, str]:
        from sealfile import SealfileError, load_secrets

        try:
            load_secrets(name)
        except SealfileError as err:
            return 1, f"sealfile: error: {err}\n"
        return 0, ""

    def close(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)


def main() -> None:
    import atheris

    target, flags = sys.argv[1], sys.argv[2:]
    harness = Harness(target)
    corpus = Path(os.environ.get("FUZZ_CORPUS", f"/tmp/sealfile-fuzz-corpus/{target}"))
    harness.corpus(corpus)
    guard()
    atheris.Setup([sys.argv[0], *flags, str(corpus)], harness.recorded)
    atheris.Fuzz()


def instrumented() -> None:
    """Import every sealfile module under atheris' coverage instrumentation (later lazy imports find them loaded)."""
    import importlib
    import pkgutil

    import atheris

    with atheris.instrument_imports(include=["sealfile"]):
        import sealfile

        for module in pkgutil.walk_packages(sealfile.__path__, "sealfile."):
            if not module.name.endswith("__main__"):  # it would run the command line
                with contextlib.suppress(Exception):
                    importlib.import_module(module.name)


if __name__ == "__main__":
    instrumented()
    main()
