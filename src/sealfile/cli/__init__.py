"""The ``sealfile`` command: click commands, and a click-free fast path for the hot ones."""

from __future__ import annotations

import sys


def main() -> None:
    """Run the command line: :mod:`sealfile.cli.fast` when it can, else click (:mod:`sealfile.cli.app`)."""
    from sealfile.cli import fast

    if fast.run(sys.argv[1:]):
        return
    from sealfile.cli.app import main as click_main

    click_main()


__all__ = ["main"]
