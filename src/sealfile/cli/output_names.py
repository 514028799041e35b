"""Where a command writes: ``-o`` and ``-i`` as one, and the syntax a plaintext output file's name gives
(``decrypt -o prod.json``).

Other programs read such a file by its name, as every sealfile command does: YAML written into
``prod.json`` is read by a JSON reader as garbage, and into ``.env`` as shell lines that mean
something else. So the name picks the syntax when ``--output-type`` does not, and a contradicting
``--output-type`` is refused. A name that gives none (``plain.txt``), a device or a pipe, and
``--extract`` (one value or subtree, often written to a ``.pem`` or ``.crt``) are left as they are.
"""

from __future__ import annotations

from sealfile.cli.boundary import UsageProblem
from sealfile.files.pathnames import PathName

WRITES = {"k8s-secret": "yaml"}
"""What an ``--output-type`` that is not a store's name writes."""


def named_syntax(output: PathName | None, output_type: str | None, extract: str | None) -> str | None:
    """The store name ``output``'s file name gives (``None``: none, or the name does not decide);
    a ``UsageProblem`` if ``output_type`` writes another store's syntax."""
    from sealfile.files import io
    from sealfile.stores import STORE_NAMES, named_store, names_ini

    if extract is not None or not io.names_a_file(output):
        return None
    named = "ini" if names_ini(output) else getattr(named_store(output), "name", None)
    if named is None:
        return None
    written = WRITES.get(output_type, output_type) if output_type else None
    if written in (*STORE_NAMES, "ini") and written != named:
        raise UsageProblem(f"-o {output} names a file of {named}, but --output-type {output_type} writes "
                           f"{written}: name the file for what it holds, or leave --output-type out")
    return named


def check_destination(file: PathName, output: PathName | None, in_place: bool) -> None:
    """``-o`` and ``-i`` of a command that writes one file, as one."""
    from sealfile.files import io

    if output and in_place:
        raise UsageProblem("use -o or -i, not both")
    if in_place and io.is_stdio(file):
        raise UsageProblem("-i replaces a file: name the file, not -")


def check_env_options(syntax: str | None, files: tuple[PathName, ...], input_type: str | None, prefix: str,
                      allow_env: tuple[str, ...]) -> None:
    """``--prefix`` goes with an output whose names are made from key paths (dotenv, k8s-secret); ``--allow-env``
    also with one dotenv file's own plaintext, whose names ``decrypt`` checks as it prints them."""
    if syntax in ("dotenv", "k8s-secret") or not (prefix or allow_env):
        return
    from sealfile.stores import store_for

    if prefix or syntax or len(files) != 1 or store_for(files[0], input_type).name != "dotenv":
        raise UsageProblem("--prefix and --allow-env go with --output-type dotenv or k8s-secret (--allow-env also "
                           "with a dotenv file's own plaintext)")

