"""``exec-file``: run a program that reads secrets from a file, with no plaintext file anywhere.

The program gets, in place of every ``{}`` of its command line, the path of a named pipe that gives the
file's plaintext (as ``decrypt`` prints it) to its first read (:mod:`sealfile.files.fifo`), as
``sops exec-file`` does. The process then becomes the command, as ``exec`` does.
"""

from __future__ import annotations

import os

from sealfile.cli.boundary import UsageProblem
from sealfile.cli.flags import check_option_values
from sealfile.files.pathnames import PathName

PLACEHOLDER = "{}"
EXEC_FILE_OUTPUT_TYPES = ("yaml", "json", "dotenv", "ini", "binary")
_SUFFIXES = {"yaml": ".yaml", "json": ".json", "dotenv": ".env", "ini": ".ini"}


def exec_file(file: PathName, command: tuple[str, ...], output_type: str | None, extract: str | None,
              filename: str | None, keep_key_env: bool, input_type: str | None,
              allow_env: tuple[str, ...] = ()) -> None:
    """Replace this process with ``command``, ``{}`` in it naming a pipe that holds ``file``'s plaintext."""
    from sealfile.cli.execute import replace_process
    from sealfile.cli.hot import plaintext_of, refuse_options_after_file
    from sealfile.cli.output_names import named_syntax
    from sealfile.files.fifo import serve_once
    from sealfile.runtime.environment import child_environment

    if not hasattr(os, "mkfifo"):  # Windows: no named pipe a program can open by path, and no fork
        raise UsageProblem("exec-file needs named pipes (Linux, macOS); here, use 'sealfile exec'")
    refuse_options_after_file("exec-file", command[:1])
    command = command[1:] if command[:1] == ("--",) else command
    if not command:
        raise UsageProblem("name the command to run after --")
    if not any(PLACEHOLDER in argument for argument in command):
        raise UsageProblem("put {} in the command where the file's path goes (e.g. -- kubectl apply -f {})")
    check_option_values(extract=extract)
    name = pipe_name(str(file), output_type) if filename is None else checked_name(filename)
    # a program reads the pipe by the name it is given, as a file: app.json must hold JSON, app.ini INI
    named = None if filename is None else named_syntax(filename, output_type, extract)
    plaintext = plaintext_of(file, extract, input_type, output_type, allow_env=allow_env, named=named)
    path = serve_once(plaintext.encode("utf-8", "surrogateescape"), name, os.getpid())
    environment = child_environment({}, override=False, keep_key_material=keep_key_env)
    replace_process([argument.replace(PLACEHOLDER, path) for argument in command], environment)


def pipe_name(file: str, output_type: str | None) -> str:
    """The name the program sees: the file's own without ``.enc`` (``secrets.enc.yaml`` -> ``secrets.yaml``,
    ``.env.enc`` -> ``.env``), with the output type's suffix when one is asked for; tools that go by
    the suffix read it as what it holds."""
    base = os.path.basename(file) if file != "-" else "stdin"
    parts = [part for part in base.split(".") if part != "enc"]
    plain = ".".join(parts) or "secrets"
    if output_type in _SUFFIXES and not plain.endswith(_SUFFIXES[output_type]):
        plain = plain.rsplit(".", 1)[0] if "." in plain.lstrip(".") else plain
        plain += _SUFFIXES[output_type]
    return plain


def checked_name(name: str) -> str:
    if not name or name in (".", "..") or "/" in name or "\0" in name:
        raise UsageProblem(f"--filename is a name, not a path: {name!r}")
    return name
