"""exec: run a program with the secrets in its environment, no plaintext file anywhere."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from sealfile.cli.app import cli
from sealfile.cli.exit_codes import ExitCode
from sealfile.cli.options import input_type_option


@cli.command("exec", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--prefix", default="", metavar="PREFIX", help="Put PREFIX before every variable name (e.g. APP_).")
@click.option("--extract", metavar="KEYPATH", help="Only the variables of this subtree.")
@click.option("--override/--no-override", default=False,
              help="Replace variables already set in the environment [default: keep them].")
@click.option("--allow-env", "allow_env", multiple=True, metavar="NAME",
              help="Let the file set NAME although it changes how programs start or connect (e.g. PATH).")
@click.option("--keep-key-env", is_flag=True,
              help="Pass sealfile's identity variables (SEALFILE_AGE_KEY...) on to COMMAND [default: removed].")
@input_type_option
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def exec_command(file: Path, prefix: str, extract: str | None, override: bool, allow_env: tuple[str, ...],
                 keep_key_env: bool, input_type: str | None, command: tuple[str, ...]) -> None:
    """Run COMMAND with FILE's values as environment variables (database.password -> DATABASE_PASSWORD).

    Variables already set keep their value unless --override. A value whose name would change how
    programs start or where they connect (LD_PRELOAD, BASH_ENV, PATH, PYTHON*, GIT_*...) is refused
    unless --prefix is given or --allow-env names it. COMMAND does not inherit sealfile's own
    identity variables (SEALFILE_AGE_KEY, SOPS_AGE_KEY, their key files) unless --keep-key-env.

    The process is replaced by COMMAND (exec), so its exit status and signals are COMMAND's own.
    Put `--` before COMMAND if it has options of its own.
    """
    if command[0] == "--":
        command = command[1:]
    if not command:
        raise click.UsageError("name the command to run after --")
    from sealfile.files.io import about
    from sealfile.ops.signatures import for_file
    from sealfile.runtime.environment import child_environment, variables_for
    from sealfile.runtime.flatten import check_prefix
    from sealfile.runtime.loader import load_secrets

    with about(file):
        secrets = load_secrets(file, extract=extract, file_type=input_type, allowed_signers=for_file(file))
        variables = variables_for(secrets, check_prefix(prefix), allow_env)
    environment = child_environment(variables, override=override, keep_key_material=keep_key_env)
    sys.stdout.flush()
    try:
        os.execvpe(command[0], list(command), environment)
    except FileNotFoundError:
        click.echo(f"sealfile: error: {command[0]}: command not found", err=True)
        sys.exit(ExitCode.COMMAND_NOT_FOUND)
    except PermissionError:
        click.echo(f"sealfile: error: {command[0]}: permission denied", err=True)
        sys.exit(ExitCode.CANNOT_EXECUTE)
