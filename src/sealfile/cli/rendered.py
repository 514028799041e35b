"""Decrypted values rendered for other programs, with a note on stderr where a common reader of that
syntax reads a value otherwise than the output holds (the output itself stays exact)."""

from __future__ import annotations

from typing import Any

from sealfile.cli.boundary import say


def render_noted(values: Any, fmt: str, label: str, **options: Any) -> str:
    """:func:`sealfile.runtime.outputs.render`, naming by key path (never by value) the integers of a
    JSON output that JavaScript's ``JSON.parse`` reads rounded."""
    from sealfile.runtime.outputs import render, rounded_by_javascript

    if fmt == "ini":
        from sealfile.ops.read import ini_plaintext

        return ini_plaintext(values)
    text = render(values, fmt, **options)
    rounded = rounded_by_javascript(values) if fmt == "json" else []
    if rounded:
        say(f"sealfile: note: {label}: integers JavaScript's JSON.parse reads rounded (beyond 2**53): "
            f"{', '.join(rounded)} (quote them to keep them as text)")
    return text
