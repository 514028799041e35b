"""Git conflict markers in a sealed file: what a text merge leaves when this clone has no merge driver.

A clone that never ran ``sealfile git install`` merges sealed files as text, and a conflict leaves
``<<<<<<<``/``=======``/``>>>>>>>`` lines around the metadata and values. Parsing that would
only say "invalid YAML at line 3"; recognising it lets every reader say what happened and how to
recover (docs/git.md, "A clone without the drivers").
"""

from __future__ import annotations

import re

from sealfile.errors import ConflictMarkersError
from sealfile.model.lazy_pattern import compiled_when_used
from sealfile.model.lines import line_number

# a marker line starts and ends where YAML's lines do: at LF, CRLF or a CR alone
_markers = compiled_when_used(r"(?<![^\r\n])<{7}(?: [^\r\n]*)?(?:\r\n?|\n).*?(?<![^\r\n])={7}(?:\r\n?|\n).*?"
                              r"(?<![^\r\n])>{7}(?: [^\r\n]*)?(?![^\r\n])", re.S)


def refuse_conflict_markers(text: str) -> None:
    """Raise :class:`ConflictMarkersError` if ``text`` holds a complete git conflict (all three markers at
    the start of lines, in order); a value that merely contains ``<<<<<<<`` is left alone."""
    if "<<<<<<<" not in text:  # the common case, at memchr speed
        return
    found = _markers().search(text)
    if found:
        raise ConflictMarkersError(line_number(text, found.start()))
