"""What a plaintext that its name made sealfile read as YAML, but that holds dotenv lines, is refused with: how to
read it as dotenv (``prod.env.txt``, ``secrets``: names that say no syntax)."""

from __future__ import annotations

import re

from sealfile.errors import FormatError

_DOTENV_LINE = re.compile(r"\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_.-]*\s*=")


def with_dotenv_hint(err: FormatError, text: str, store_name: str, input_type: str | None) -> FormatError:
    """``err`` ending with ``--input-type dotenv`` when the syntax came from the name, as YAML, and every line that
    is not blank or a comment is a dotenv assignment."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if input_type is None and store_name == "yaml" and lines and all(map(_DOTENV_LINE.match, lines)):
        err.message = f"{err.message}; it holds dotenv lines (KEY=value): add --input-type dotenv"
    return err
