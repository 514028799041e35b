"""The command group: commands imported on first use, errors through :mod:`sealfile.cli.boundary`."""

from __future__ import annotations

from typing import Any

import click

from sealfile.cli.boundary import reported
from sealfile.cli.envvars import Group
from sealfile.cli.usage_errors import one_line_usage

# Modules that define commands; importing one registers its commands on ``cli``.
COMMAND_MODULES = (
    "sealfile.cli.commands",
    "sealfile.cli.change",
    "sealfile.cli.recipients",
    "sealfile.cli.git",
    "sealfile.cli.check",
    "sealfile.cli.run",
    "sealfile.cli.sops",
)
# Each command imports only its own module (``decrypt`` need not load the editor, ``encrypt`` not
# the Git tools); ``--help`` and an unknown name import them all.
COMMAND_MODULE = {
    **dict.fromkeys(("keygen", "encrypt", "decrypt", "verify", "status"), "sealfile.cli.commands"),
    **dict.fromkeys(("edit", "set", "unset", "rotate"), "sealfile.cli.change"),
    **dict.fromkeys(("recipients", "updatekeys"), "sealfile.cli.recipients"),
    **dict.fromkeys(("git", "diff", "review"), "sealfile.cli.git"),
    "check": "sealfile.cli.check",
    **dict.fromkeys(("exec", "exec-file"), "sealfile.cli.run"),
    **dict.fromkeys(("import-sops", "export-sops"), "sealfile.cli.sops"),
}


def _import_commands(name: str | None = None) -> None:
    import importlib

    for module in (COMMAND_MODULE[name],) if name in COMMAND_MODULE else COMMAND_MODULES:
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

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        # Ctrl-C while the line is parsed and the command's module loads: said as in a command, not click's
        # 'Aborted!' and exit 1 (only what is no Exception is reported here; the rest goes to click as before)
        with reported(False, passthrough=(Exception,)), one_line_usage():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        passthrough = (click.exceptions.Exit, click.ClickException, click.Abort)
        with one_line_usage(), reported(_debug(ctx), passthrough=passthrough):
            return super().invoke(ctx)


def _debug(ctx: click.Context) -> bool:
    return bool(ctx.find_root().params.get("debug"))


@click.group(
    cls=SealfileGroup,
    context_settings={"auto_envvar_prefix": "SEALFILE", "help_option_names": ["-h", "--help"]},
)
@click.option("--debug", is_flag=True, help="Show tracebacks (never secret values) on errors [env SEALFILE_DEBUG].")
@click.version_option(package_name="sealfile")
def cli(debug: bool) -> None:
    """Keep secrets in Git: readable YAML, JSON or dotenv with every value sealed.

    Run 'sealfile COMMAND --help' for a command's options; each option can also be set as
    SEALFILE_<COMMAND>_<OPTION> (e.g. SEALFILE_SET_TYPE=int). Shell completion: see the README.
    """


def main(args: list[str] | None = None) -> None:
    cli(args, prog_name="sealfile")  # commands are imported (and registered on ``cli``) on first use
