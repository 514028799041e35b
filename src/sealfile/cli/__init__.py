"""The ``sealfile`` command: click commands, and a click-free fast path for the hot ones."""

from __future__ import annotations

import gc
import sys


def main() -> None:
    """Run the command line: :mod:`sealfile.cli.fast` when it can, else click (:mod:`sealfile.cli.app`).

    Cyclic garbage collection is off for the run: a command is short and makes no cycles worth
    collecting (peak memory of decrypt, set and encrypt at 30,000 values is the same without it),
    while each collection walks every object of the parse again: ~20% of a 30,000-value decrypt,
    and ~10 ms of a small one's start-up. Reference counting still frees everything else."""
    gc.disable()
    try:
        from sealfile.cli import fast

        if fast.run(sys.argv[1:]):
            return
        from sealfile.cli.app import main as click_main

        click_main()
    except KeyboardInterrupt:  # while modules load or a line is parsed: before any command's own boundary
        from sealfile.cli.boundary import interrupted, say
        from sealfile.cli.exit_codes import ExitCode

        say(f"sealfile: {interrupted()}")
        sys.exit(ExitCode.INTERRUPTED)


__all__ = ["main"]
