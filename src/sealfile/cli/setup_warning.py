"""The warning every command gives, once, about a sealed file in a clone without the sealfile drivers
(or hooks), unless ``SEALFILE_NO_SETUP_WARNING`` is set.

Shared by click's sealed-file arguments (:class:`sealfile.cli.options.SealedFilePath`) and the fast
path, so one command line warns once whichever parses it; no click import here.
"""

from __future__ import annotations

import os

from sealfile.cli.boundary import say

_warned: set[str] = set()


def warn_if_clone_not_set_up(path: str | os.PathLike[str]) -> None:
    """Say once per process if ``path`` is in a clone whose ``.gitattributes`` uses drivers it lacks."""
    if os.fspath(path) == "-":
        return  # standard input is in no clone
    if os.environ.get("SEALFILE_NO_SETUP_WARNING"):
        return  # a checkout that never merges or commits (CI, a deployment) says so
    from sealfile.gitflow.drivers import missing_driver

    warning = missing_driver(path)
    if warning and warning not in _warned:
        _warned.add(warning)
        say(f"sealfile: warning: {warning}")
