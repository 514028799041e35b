"""exec and exec-file: a program gets the secrets in its environment, or from a pipe; no plaintext file."""

from __future__ import annotations

from pathlib import Path

import click

from sealfile.cli import hot
from sealfile.cli.app import cli
from sealfile.cli.exec_file import EXEC_FILE_OUTPUT_TYPES
from sealfile.cli.options import PATH_OR_STDIO, input_type_option, usage_checked

COMMAND_AFTER_FILE = {"ignore_unknown_options": True, "allow_interspersed_args": False}
"""Options stand before FILE; whatever follows it is the command's, its options included."""
keep_key_env_option = click.option(
    "--keep-key-env", is_flag=True,
    help="Pass sealfile's identity variables (SEALFILE_AGE_KEY...) on to COMMAND [default: removed].")



@cli.command("exec", context_settings=COMMAND_AFTER_FILE)
@click.argument("file", type=PATH_OR_STDIO)
@click.option("--prefix", default="", metavar="PREFIX", help="Put PREFIX before every variable name (e.g. APP_).")
@click.option("--extract", metavar="KEYPATH", help="Only the variables of this subtree.")
@click.option("--override/--no-override", default=False,
              help="Replace variables already set in the environment [default: keep them].")
@click.option("--allow-env", "allow_env", multiple=True, metavar="NAME",
              help="Let the file set NAME although it changes how programs start or connect (e.g. PATH).")
@keep_key_env_option
@input_type_option
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@usage_checked
def exec_command(file: Path, prefix: str, extract: str | None, override: bool, allow_env: tuple[str, ...],
                 keep_key_env: bool, input_type: str | None, command: tuple[str, ...]) -> None:
    """Run COMMAND with FILE's values as environment variables.

    Names come from key paths: database.password becomes DATABASE_PASSWORD.
    Several files: `exec base.enc.yaml prod.enc.yaml -- COMMAND...`; their values are merged in
    order (a later file's value wins; each replaced value is named on stderr, never shown).

    Variables already set keep their value unless --override. A value whose name would change how
    programs start or where they connect (LD_PRELOAD, BASH_ENV, PATH, PYTHON*, GIT_*...), or that a
    shell keeps for itself (UID, OPTIND, PWD, BASH_*...), is refused unless --prefix is given or
    --allow-env names it. COMMAND does not inherit sealfile's own
    identity variables (SEALFILE_AGE_KEY, SOPS_AGE_KEY, their key files, the SSH key files,
    SEALFILE_SIGNING_KEY) unless --keep-key-env.

    The process is replaced by COMMAND (exec), so its exit status and signals are COMMAND's own.
    Put `--` before COMMAND if it has options of its own.
    """
    files, command = hot.split_exec_args(file, command)
    hot.exec_files(files, prefix, extract, override, allow_env, keep_key_env, input_type, command)


@cli.command("exec-file", context_settings=COMMAND_AFTER_FILE)
@click.argument("file", type=PATH_OR_STDIO)
@click.option("--output-type", type=click.Choice(EXEC_FILE_OUTPUT_TYPES),
              help="Syntax of the plaintext [default: the file's own, as decrypt prints it].")
@click.option("--extract", metavar="KEYPATH", help="Only this subtree.")
@click.option("--filename", metavar="NAME",
              help="The name the pipe has [default: FILE's without .enc, e.g. secrets.yaml].")
@click.option("--allow-env", "allow_env", multiple=True, metavar="NAME",
              help="Let dotenv output set NAME although it changes how programs start or connect (e.g. PATH).")
@keep_key_env_option
@input_type_option
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@usage_checked
def exec_file_command(file: Path, output_type: str | None, extract: str | None, filename: str | None,
                      allow_env: tuple[str, ...], keep_key_env: bool, input_type: str | None,
                      command: tuple[str, ...]) -> None:
    """Run COMMAND with {} naming a pipe of FILE's plaintext.

    As sops exec-file:
    `sealfile exec-file secrets.enc.yaml -- kubectl apply -f {}`. The path names a named pipe in a
    private directory, never a file: what goes through it is never on disk. The first program that
    opens it reads the plaintext, once (as from sops exec-file); then the directory is removed.
    The process is replaced by COMMAND (exec), so its exit status and signals are COMMAND's own.
    Dotenv plaintext becomes variables wherever it goes (--env-file {}), so its names are checked as
    exec checks them (LD_PRELOAD, BASH_ENV, PATH... refused unless --allow-env names them).
    """
    from sealfile.cli.exec_file import exec_file

    exec_file(file, command, output_type, extract, filename, keep_key_env, input_type, allow_env)
