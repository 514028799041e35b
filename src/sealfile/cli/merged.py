"""Several files' values as one (``decrypt`` and ``exec`` of several files): later files win."""

from __future__ import annotations

from sealfile.cli.boundary import say
from sealfile.files.pathnames import PathName


def merged_values(files: tuple[PathName, ...], extract: str | None, input_type: str | None) -> object:
    """Every file read with its own trust policy and merged in order; each override named on stderr."""
    from sealfile.files.io import about
    from sealfile.ops.config import trust_near
    from sealfile.ops.read import get_path
    from sealfile.ops.signatures import for_file
    from sealfile.runtime.loader import load_secrets
    from sealfile.runtime.merge import merge_trees

    trees = []
    for file in files:
        with about(file), trust_near(file):
            trees.append((str(file), load_secrets(file, redacted=False, file_type=input_type,
                                                  allowed_signers=for_file(file))))
    merged, overrides = (trees[0][1], []) if len(trees) == 1 else merge_trees(trees)
    for override in overrides:
        say(f"sealfile: warning: {override}")
    if extract is None:
        return merged
    with about(" + ".join(map(str, files))):
        return get_path(merged, extract)


def merged_variables(files: tuple[PathName, ...], extract: str | None, input_type: str | None, prefix: str,
                     allow_env: tuple[str, ...]) -> dict[str, str]:
    """``exec``'s variables of :func:`merged_values`, a refusal naming the key path from the files' top."""
    from sealfile.files.io import about
    from sealfile.runtime.environment import variables_for
    from sealfile.runtime.flatten import within

    secrets = merged_values(files, extract, input_type)
    with about(" + ".join(map(str, files))), within(extract):
        return variables_for(secrets, prefix, allow_env)
