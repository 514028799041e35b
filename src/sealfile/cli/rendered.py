"""Decrypted values rendered for other programs, with a note on stderr where a common reader of that
syntax reads a value otherwise than the output holds (the output itself stays exact)."""

from __future__ import annotations

from typing import Any

from sealfile.cli.boundary import say


def render_noted(values: Any, fmt: str, label: str, extract: str | None = None, **options: Any) -> str:
    """:func:`sealfile.runtime.outputs.render`, naming by key path (never by value) the integers of a
    JSON output that JavaScript's ``JSON.parse`` reads rounded, and the values of a dotenv output Node's
    ``dotenv`` reads otherwise (``values``: the subtree ``extract`` names, if given)."""
    from sealfile.runtime.flatten import under, within
    from sealfile.runtime.outputs import read_otherwise_by_node, render, rounded_by_javascript

    if fmt == "ini":
        from sealfile.ops.read import ini_plaintext

        return ini_plaintext(values)
    with within(extract):  # a refusal names the key path from the file's top
        text = render(values, fmt, **options)
    rounded = [str(under(extract, path)) for path in rounded_by_javascript(values)] if fmt == "json" else []
    if rounded:
        say(f"sealfile: note: {label}: integers JavaScript's JSON.parse reads rounded (beyond 2**53): "
            f"{', '.join(rounded)} (quote them to keep them as text)")
    other = [str(under(extract, path)) for path in read_otherwise_by_node(
        values, prefix=options.get("prefix", ""), allow_env=options.get("allow_env", ()))] if fmt == "dotenv" else []
    if other:
        say(f"sealfile: note: {label}: values Node's dotenv (npm) reads otherwise (it undoes no \\\\ or \\\" "
            f"escape in double quotes): {', '.join(other)} (python-dotenv and a shell read them as written)")
    return text
