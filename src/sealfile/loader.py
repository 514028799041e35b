"""``load_secrets``: the one call an application makes at start-up.

Reads with the C-backed YAML 1.2 parser, unwraps the data key (cached per process), verifies
the file MAC before decrypting anything, and returns plain dicts and lists. Nothing is written.
"""

from __future__ import annotations

import os
from typing import Any

from sealfile.envelope import unseal
from sealfile.operations import about, get_path, open_sealed_fast, read_text
from sealfile.reading import load_tree


def load_secrets(path: str | os.PathLike[str], *, extract: str | None = None) -> Any:
    """Decrypt a sealed file in memory.

    Returns a ``dict`` (or, with ``extract="database"``, that subtree or value). Raises a
    :class:`sealfile.SealfileError` subclass if the file is missing, malformed, tampered with,
    or no recipient key is usable here; the message names the file and never a value.
    """
    with about(path):
        text = read_text(path)
        document = load_tree(text)  # the fast path; None when the file needs the general one
        if document is None:
            document, meta = open_sealed_fast(text)
            unseal(document, meta)
        return document if extract is None else get_path(document, extract)
