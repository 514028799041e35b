"""benchmarks/run.py runs end to end on the smallest size (no timing is asserted anywhere)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"
AWS_ROWS = [f"AWS {work}, 2 files, {ms} ms latency{what}" for work in ("rotate", "recipients add", "updatekeys")
            for ms in (0, 50) for what in (" (s)", ": KMS requests per file", ": most KMS requests in flight")]


def test_benchmark_script_writes_a_table(tmp_path: Path) -> None:
    output = tmp_path / "RESULTS.md"
    result = subprocess.run(
        [sys.executable, str(RUN), "--sizes", "30", "--runs", "1", "--files", "3", "--aws-files", "2",
         "--output", str(output)],
        env=dict(os.environ), capture_output=True, text=True, timeout=400,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    table = output.read_text()
    for metric in ("CLI decrypt (s)", "CLI set, one value (s)", "CLI set, one unencrypted value (s)",
                   "load in a running app (s)", "peak memory, decrypt (MB)", "sealed file size (KB)",
                   "lines changed by that set (+ and -)",
                   "import `sealfile` (s)", "process start, no work (s)", "CLI decrypt --extract (s)",
                   "CLI encrypt (s)", "CLI rotate (s)", "CLI status (s)", "rotate 3 files, one process (s)",
                   *AWS_ROWS):
        assert f"| {metric} |" in table
    assert "| lines changed by that set (+ and -) | 30 | 4.000 |" in table  # the value line and the MAC line
    assert "CPU:" in table and "sops" in table
