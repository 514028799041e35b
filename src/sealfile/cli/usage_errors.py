"""A wrong command line reported in one line, as every other error is (exit 2).

click shows a usage error in three lines (usage, a hint, the error). Scripts and CI logs read one line per
failure, so the usage and the hint go on the error's line.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import click

from sealfile.cli.boundary import say


class OneLineUsageError(click.UsageError):
    def show(self, file: IO[Any] | None = None) -> None:
        say(usage_line(self.format_message(), self.ctx))


def usage_line(message: str, ctx: click.Context | None) -> str:
    """``sealfile: error: MESSAGE. Usage: COMMAND ARGS (more: COMMAND --help)``."""
    line = f"sealfile: error: {message.rstrip('.')}"
    if ctx is None:
        return line
    pieces = " ".join(ctx.command.collect_usage_pieces(ctx))
    stop = "" if line.endswith("?") else "."  # "Did you mean 'rotate'?" ends as it is
    return f"{line}{stop} Usage: {ctx.command_path} {pieces} (more: {ctx.command_path} --help)"


@contextmanager
def one_line_usage() -> Iterator[None]:
    """Report click's usage errors raised inside as :class:`OneLineUsageError`."""
    try:
        yield
    except (OneLineUsageError, click.exceptions.NoArgsIsHelpError):  # a bare group prints its help
        raise
    except click.UsageError as err:
        raise OneLineUsageError(err.format_message(), err.ctx) from None
