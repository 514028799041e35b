"""How a :class:`~sealfile.gitflow.review.Review` is shown: text for a terminal, Markdown for a
pull-request comment, or JSON (apart from :mod:`sealfile.gitflow.review`, which finds what it shows)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING

from sealfile.errors import one_line
from sealfile.gitflow.sealed import code_span, fenced
from sealfile.gitflow.semantic_diff import render_text

if TYPE_CHECKING:
    from sealfile.gitflow.review_result import Review


HISTORY_CUT = ("a shallow clone: the history before its cut is not searched (older ciphertexts and data keys set "
               "back, keys a commit added and a later one removed); fetch it first: git fetch --unshallow "
               "(actions/checkout: fetch-depth: 0)")


def render(result: Review, fmt: str = "text") -> str:
    """The review as text for a terminal, Markdown for a pull-request comment, or JSON.

    Paths, key names, recipients and messages come from the change under review, so they are
    shown, never interpreted: every invisible or control character as an escape (a newline, a
    terminal escape sequence, a bidirectional override, a Hangul filler), and in Markdown in code: each
    line a code span (no ``<!--`` can hide what follows, no ``@name`` notifies anyone) and the diff in a
    fence longer than any run of backticks it holds."""
    if fmt == "json":
        # "##" only occurs inside strings here: as "#\u0023" it is the same JSON, and no CI runner's command
        return json.dumps(_as_json(result), indent=2).replace("##", "#\\u0023") + "\n"
    markdown = fmt == "markdown"
    shown = code_span if markdown else one_line

    def items(lines: list[str]) -> list[str]:
        return [f"- {shown(clipped(line))}" if markdown else f"  {shown(clipped(line))}" for line in lines]

    out: list[str] = []
    title = f"sealfile review {shown(result.base)}..{shown(result.head)}"
    out.append(f"## {title}" if markdown else title)
    if result.fork:
        out.append(f"(changes made since {shown(result.head)} forked from {shown(result.base)} at {result.fork[:12]})")
    # most urgent first, the summary line in the order of the sections: what fails the review, who can read
    # (recipients added or removed), who sealed it (a new data key, trusted signers and hosts), then the rest
    out.append(f"{len(result.violations)} policy violation(s), {len(result.recipient_changes)} recipient change(s), "
               f"{len(result.files)} sealed file(s) changed.")
    if result.violations:
        out += ["", "### :x: Policy violations" if markdown else "POLICY VIOLATIONS:", *items(result.violations)]
    for title, text_title, advice, lines in (
        ("Recipients changed", "!!! RECIPIENTS CHANGED !!!",
         "Check that every added key belongs to someone who should read these secrets.", result.recipient_changes),
        ("Data key replaced", "!!! DATA KEY REPLACED !!!",
         "Whoever sealed a new data key can read every value set later: it must be a rotation by a trusted "
         "signer.", result.key_replacements),
        ("Signers changed", "!!! SIGNERS CHANGED !!!",
         "Check that every added key belongs to someone who may seal these secrets.", result.signer_changes),
        ("Trust changed", "!!! TRUST CHANGED !!!", "Check that every added host, role and profile is yours: a sealed "
         "file naming one makes its readers send requests and credentials there.", result.trust_changes),
    ):
        if lines:
            out += ["", f"### :warning: {title}" if markdown else text_title, advice, *items(lines)]
    attention = [f"{f.path}: {a}" for f in result.files for a in f.attention] + result.plaintext_notes
    attention += result.guard_conditions
    attention += result.history_notes + ([HISTORY_CUT] if result.history_cut else [])
    attention[:0] = [f"{path}: changed (creation rules choose the recipients of new files; sealed_files chooses "
                     "what must be sealed)" for path in result.configs_changed]
    if attention:
        out += ["", "### Needs attention" if markdown else "NEEDS ATTENTION:", *items(attention)]
    if result.files:
        out += ["", "### Changes" if markdown else "CHANGES:"]
        changes = [clipped(line) for f in result.files for line in [
            *render_text(f.diff, seal_shown=bool(f.sealed_by)), *([f"  @ {f.sealed_by}"] if f.sealed_by else [])]]
        out += fenced(changes, "diff") if markdown else changes
        out.append("(ENC#... is a fingerprint of a sealed value: a new fingerprint means a new value)")
    return "\n".join(out) + "\n"


LINE_LIMIT = 2000
"""Characters of a line of text or Markdown (JSON has every name whole). A file or key name is the change's: one
of 70,000 characters put every finding after it out of sight, and past the 65,536 characters of a GitHub comment
(which then is not posted, or is cut where the findings were)."""


def clipped(line: str) -> str:
    """``line`` as :func:`~sealfile.errors.one_line` shows it, or, past :data:`LINE_LIMIT`, its two ends and how
    many characters are left out between them: the file a finding names starts a line, what was found ends it."""
    line = one_line(line)
    if len(line) <= LINE_LIMIT:
        return line
    end = LINE_LIMIT // 2 - 40
    return f"{line[:end]} ...({len(line) - 2 * end} characters left out)... {line[-end:]}"


def _as_json(result: Review) -> dict[str, object]:
    return {  # the order of the text: what fails it, who can read, who sealed, then the rest
        "ok": not result.violations,
        "violations": result.violations,
        "recipient_changes": result.recipient_changes,
        "data_key_replaced": result.key_replacements,
        "signer_changes": result.signer_changes,
        "trust_changes": result.trust_changes,
        "base": result.base,
        "head": result.head,
        "fork": result.fork,
        "config_changed": bool(result.configs_changed),
        "plaintext_notes": result.plaintext_notes,
        "guard_conditions": result.guard_conditions,
        "drivers_dropped": result.drivers_dropped,
        "history": result.history + result.history_recipients,
        "history_notes": result.history_notes,
        "history_cut": result.history_cut,
        "files": [asdict(f) for f in result.files],
    }
