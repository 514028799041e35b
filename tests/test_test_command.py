"""The README's test command replays fixed examples; exploring is explicit (scripts/explore.sh, run by .ci/run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = '''
from hypothesis import given, strategies as st

@given(st.binary(min_size=8, max_size=8))
def test_record(value):
    with open(OUT, "a") as handle:
        handle.write(value.hex() + "\\n")
'''


def _examples(tmp_path: Path, run: int, *args: str) -> list[str]:
    out = tmp_path / f"examples-{run}.txt"
    probe = tmp_path / f"test_probe_{run}.py"
    probe.write_text(f"OUT = {str(out)!r}\n{PROBE}")
    # The project's conftest as a plugin: the profiles it loads are what the test command runs with.
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest",
                           "--rootdir", str(tmp_path), str(probe), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stdout + done.stderr
    return out.read_text().splitlines()


def test_the_test_command_replays_the_same_examples_and_exploring_does_not(tmp_path: Path) -> None:
    # the second run as scripts/test.sh runs the suite, on two pytest-xdist workers
    first, second = _examples(tmp_path, 1), _examples(tmp_path, 2, "-n", "2")
    assert first == second and len(set(first)) > 10
    explored = _examples(tmp_path, 3, "--hypothesis-profile=explore")
    assert set(explored) != set(first)

