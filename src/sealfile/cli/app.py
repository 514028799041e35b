"""The command group and its one error boundary.

Any :class:`SealfileError` becomes one line on stderr and exit 1, with no traceback unless
``--debug``. Unexpected exceptions print their type only: their text could quote input.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from sealfile.cli.batch import os_error_line
from sealfile.cli.envvars import Group
from sealfile.cli.exit_codes import ExitCode
from sealfile.errors import SealfileError

# Modules that define commands; importing one registers its commands on ``cli``.
COMMAND_MODULES = (
    "sealfile.cli.commands",
    "sealfile.cli.change",
    "sealfile.cli.recipients",
    "sealfile.cli.git",
    "sealfile.cli.run",
    "sealfile.cli.sops",
)
# Commands that CI and start-up scripts run often import only their own module (``decrypt``
# need not load the round-trip emitter and the editor); any other name imports them all.
HOT_COMMANDS = {
    "decrypt": "sealfile.cli.commands",
    "verify": "sealfile.cli.commands",
    "set": "sealfile.cli.change",
}


def _import_commands(name: str | None = None) -> None:
    import importlib

    for module in (HOT_COMMANDS[name],) if name in HOT_COMMANDS else COMMAND_MODULES:
        importlib.import_module(module)


class SealfileGroup(Group):
    """The top level: loads command modules on first use, and is the one error boundary."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            _import_commands(cmd_name)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        _import_commands()
        return super().list_commands(ctx)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except SealfileError as err:
            if _debug(ctx):
                raise
            click.echo(f"sealfile: error: {err}", err=True)
            sys.exit(ExitCode.ERROR)
        except BrokenPipeError:  # e.g. piped into head: not an error worth a message
            sys.stderr.close()
            sys.exit(ExitCode.BROKEN_PIPE)
        except KeyboardInterrupt:
            click.echo("sealfile: interrupted; no file was changed", err=True)
            sys.exit(ExitCode.INTERRUPTED)
        except OSError as err:
            if _debug(ctx):
                raise
            click.echo(f"sealfile: error: {os_error_line(err)}", err=True)
            sys.exit(ExitCode.ERROR)
        except Exception as err:
            if _debug(ctx):
                raise
            click.echo(f"sealfile: internal error ({type(err).__name__}); rerun with --debug for details", err=True)
            sys.exit(ExitCode.INTERNAL)


def _debug(ctx: click.Context) -> bool:
    return bool(ctx.find_root().params.get("debug"))


@click.group(
    cls=SealfileGroup,
    context_settings={"auto_envvar_prefix": "SEALFILE", "help_option_names": ["-h", "--help"]},
)
@click.option("--debug", is_flag=True, help="Show tracebacks (never secret values) on errors.")
@click.version_option(package_name="sealfile")
def cli(debug: bool) -> None:
    """Keep secrets in Git: readable YAML, JSON or dotenv with every value sealed.

    Run 'sealfile COMMAND --help' for a command's options; each option can also be set as
    SEALFILE_<COMMAND>_<OPTION> (e.g. SEALFILE_SET_TYPE=int). Shell completion: see the README.
    """


def main() -> None:
    cli(prog_name="sealfile")  # commands are imported (and registered on ``cli``) on first use
