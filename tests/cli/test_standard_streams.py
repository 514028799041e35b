"""A standard stream closed (``>&-``, ``2>&-``) or failing (``>/dev/full``) as a caller may leave it.

- Output to a closed standard output was an internal error (Python has no ``sys.stdout`` then), and to a full
  one an error naming no file: now one line naming standard output.
- A closed or full standard error made a command that had written its file exit 1 (its note could not be
  shown): scripts took a done change for a failed one.
- A closed descriptor 0-2 was taken by the next file sealfile opened (its lock, the new sealed file): what was
  written to that stream below Python could land in the file, and the editor started with none (a Python editor
  failed on its first warning).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sealfile.ops.seal import seal_text
from tests.support.cli import cli_env
from tests.support.identities import AgeIdentity

PLAINTEXT = "db:\n  password: streams-secret-2b7e\n"


@pytest.fixture
def sealed(age_identity: AgeIdentity, tmp_path: Path) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(seal_text(PLAINTEXT, [age_identity.key]))
    return path


def _run(args: list[str], cwd: Path, *, close: tuple[int, ...] = (), full: tuple[int, ...] = (),
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    def streams() -> None:
        for number in full:
            os.dup2(os.open("/dev/full", os.O_WRONLY), number)
        for number in close:
            os.close(number)

    return subprocess.run([sys.executable, "-m", "sealfile", *args], cwd=cwd, env=cli_env(env), capture_output=True,
                          preexec_fn=streams, timeout=60)


pytestmark = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="/dev/full: Linux")


@pytest.mark.parametrize("args", [["decrypt", "s.yaml"], ["export-sops", "s.yaml"]], ids=" ".join)
@pytest.mark.parametrize(("close", "full", "cause"), [
    ((1,), (), "standard output is closed; nothing was written"),
    ((), (1,), "cannot write to standard output (No space left on device)"),
], ids=["closed", "full"])
def test_output_that_cannot_be_written_is_one_line(args: list[str], close: tuple[int, ...], full: tuple[int, ...],
                                                   cause: str, sealed: Path) -> None:
    done = _run(args, sealed.parent, close=close, full=full)
    assert (done.returncode, done.stderr.decode()) == (1, f"sealfile: error: -: {cause}\n")


@pytest.mark.parametrize(("close", "full"), [((2,), ()), ((), (2,))], ids=["closed", "full"])
def test_a_done_change_is_a_success_though_stderr_cannot_say_so(close: tuple[int, ...], full: tuple[int, ...],
                                                               sealed: Path) -> None:
    done = _run(["set", "s.yaml", "db.user", "streams"], sealed.parent, close=close, full=full)
    assert done.returncode == 0
    assert "streams" in _run(["decrypt", "s.yaml"], sealed.parent).stdout.decode()


def test_a_closed_stderr_is_the_null_device_not_a_file_sealfile_opens(sealed: Path, tmp_path: Path) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text("import sys\nsys.stderr.write('EDITOR-STDERR\\n')\nopen(sys.argv[1], 'a').write('b: 2\\n')\n")
    cache = tmp_path / "cache"
    done = _run(["edit", "s.yaml"], sealed.parent, close=(2,),
                env={"EDITOR": f"{sys.executable} {editor}", "VISUAL": "", "XDG_CACHE_HOME": str(cache)})
    assert done.returncode == 0  # the editor had a standard error to write to
    written = [path for path in [*cache.rglob("*"), sealed] if path.is_file() and b"EDITOR-STDERR" in path.read_bytes()]
    assert written == []
