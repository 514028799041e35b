"""Commands load on first use: ``decrypt`` runs without the editing commands' modules."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sealfile.kms.age import AgeKey
from tests.support.fast_path import age_key, seal

__all__ = ["age_key"]

PROBE = """
import sys
from sealfile.cli.app import cli
try:
    cli(["decrypt", sys.argv[1]], prog_name="sealfile")
except SystemExit as done:
    assert done.code in (0, None), done.code
assert "sealfile.cli.change" not in sys.modules and "sealfile.ops.change" not in sys.modules, "editing loaded"
"""


def test_decrypt_does_not_import_the_editing_commands(age_key: AgeKey, tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(seal("a: secret-value\n", age_key))
    result = subprocess.run([sys.executable, "-c", PROBE, str(path)], env=dict(os.environ),
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "a: secret-value\n"


def test_help_lists_every_command() -> None:
    result = subprocess.run([sys.executable, "-m", "sealfile", "--help"], env=dict(os.environ),
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for name in ("decrypt", "encrypt", "verify", "status", "keygen", "edit", "set", "unset", "rotate",
                 "recipients", "updatekeys"):
        assert f"  {name}" in result.stdout
