"""The ``sealfile`` program leaves without the interpreter's teardown only when the teardown would
do nothing but free memory: what it prints is all there, its exit status is kept, and an ``atexit``
callback or a live thread still gets its turn."""

from __future__ import annotations

from pathlib import Path

from sealfile.kms.age import AgeKey
from tests.support.cli import run_cli, run_python
from tests.support.fast_path import age_key, benchmark_corpus, seal

__all__ = ["age_key"]

PROGRAM = """
import os, sys
class Noisy:
    def __del__(self):
        os.write(2, b"[torn down]")
noisy = Noisy()
{setup}
sys.argv = ["sealfile", *sys.argv[1:]]
from sealfile.cli import console
console()
"""


def console(setup: str, *args: str) -> tuple[int, str, str]:
    done = run_python(PROGRAM.format(setup=setup), *args)
    return done.returncode, done.stdout, done.stderr


def test_a_finished_command_skips_the_teardown() -> None:
    code, out, err = console("", "--version")
    assert (code, err) == (0, "")
    assert "sealfile" in out


def test_a_failing_command_keeps_its_status_and_its_line(tmp_path: Path) -> None:
    code, out, err = console("", "decrypt", str(tmp_path / "missing.yaml"))
    assert (code, out) == (1, "")
    assert err == f"sealfile: error: {tmp_path / 'missing.yaml'}: no such file\n"


def test_an_atexit_callback_still_runs() -> None:
    code, _, err = console('import atexit; atexit.register(lambda: os.write(2, b"[atexit]"))', "--version")
    assert code == 0
    assert "[atexit]" in err and "[torn down]" in err


def test_a_live_thread_is_waited_for() -> None:
    setup = ("import threading\n"  # writes once the main thread has finished: only if the process lives on
             "threading.Thread(target=lambda: (threading.main_thread().join(), os.write(2, b'[thread done]'))).start()")
    code, _, err = console(setup, "--version")
    assert code == 0
    assert "[thread done]" in err


def test_every_byte_of_a_long_output_is_written(age_key: AgeKey, tmp_path: Path) -> None:
    plaintext = benchmark_corpus(3000)
    sealed = tmp_path / "big.yaml"
    sealed.write_text(seal(plaintext, age_key))
    done = run_cli("decrypt", sealed)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == plaintext
    assert len(plaintext) > 64 * 1024  # more than a pipe holds: the flush happens at exit
