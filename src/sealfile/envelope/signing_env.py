"""Whether the environment names a signing key: a question every writer asks, answered without
loading the SSH modules (:mod:`sealfile.envelope.signing` loads the key when there is one)."""

from __future__ import annotations

import os
from collections.abc import Mapping

SIGNING_KEY_ENV = "SEALFILE_SIGNING_KEY"


def signing_key_spec(environ: Mapping[str, str] | None = None) -> str:
    """What ``SEALFILE_SIGNING_KEY`` holds (stripped; empty when unset)."""
    return (os.environ if environ is None else environ).get(SIGNING_KEY_ENV, "").strip()
