"""The harness's work directory: `--work DIR` on the command line, else REALFILES_WORK, else a fresh temp dir.

Set before sealfile is imported (the age key file lives there) and exported, so the CLI children and a
later `summarise.py --work DIR` find the same key and logs.
"""
import os
import sys
import tempfile
from pathlib import Path


def take_workdir(argv: list) -> Path:
    """Remove `--work DIR` from argv (in place) and return the directory, created if missing."""
    work = os.environ.get("REALFILES_WORK")
    if "--work" in argv:
        i = argv.index("--work")
        work = argv[i + 1]
        del argv[i:i + 2]
    if not work:
        work = tempfile.mkdtemp(prefix="realfiles-")
        print(f"work directory: {work}", file=sys.stderr)
    path = Path(work).resolve()
    path.mkdir(parents=True, exist_ok=True)
    os.environ["REALFILES_WORK"] = str(path)
    return path
