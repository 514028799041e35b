"""Programs sealfile runs by name because a sealed file names a key that needs one (``gpg`` for a
``pgp`` recipient, ``age-plugin-NAME`` for an age plugin recipient): looked up in PATH's absolute
directories only.

A relative PATH entry (``.``, ``bin``, an empty one) is looked up in the current directory, often the
repository the file came from: a program its writer committed there would run. Go's ``exec.LookPath``
refuses the same since Go 1.19 (so age and SOPS do).
"""

from __future__ import annotations

import os

from sealfile.errors import ProviderError


def absolute_program(name: str, what: str = "the program") -> str | None:
    """The absolute path of the program PATH finds first as ``name``, or ``None`` where there is none;
    refused when that first one is in a relative directory (``what`` names it in the message)."""
    for entry in os.environ.get("PATH", os.defpath).split(os.pathsep):
        candidate = os.path.join(entry or os.curdir, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            if not os.path.isabs(entry):
                raise ProviderError(f"{what} '{name}' would run from the relative PATH directory "
                                    f"{entry or '(empty: the current directory)'!r}; refused (only absolute PATH "
                                    "directories are searched for programs a sealed file makes sealfile run)")
            return candidate
    return None
