"""Whole files written inside another one as its own lines, each read apart as the file it is: a YAML block scalar
(``kubectl create configmap --from-file=prod.yaml`` writes ``prod.yaml: |`` and the file's lines under it; a Secret's
``stringData``, a Helm values ``config: |``, a compose ``configs.content``) and a here-document (``cat > .env
<<EOF`` in a script, a Dockerfile's ``RUN <<EOF``, Terraform's ``<<EOT``).

A decrypted copy pasted there is every key path of its sealed file, indented under one key or between two marker
lines, which no reader of the outer file saw as key paths. Each text is given once, read in one pass: after a block
or a here-document the reading goes on past its end, so no line is given twice (a nested block is found when its
text is read in turn)."""

from __future__ import annotations

import re

_INDICATOR = re.compile(r"[|>](?:[1-9][+-]?|[+-][1-9]?)?")
"""A block scalar's header after its key: ``|``, ``|-``, ``>+``, ``|2``."""
_HEREDOC = re.compile(r"<<([-~]?)[ \t]*([\"']?)([A-Za-z_][A-Za-z0-9_]{0,63})\2")
"""``<<EOF``, ``<<-'EOF'``, ``<<~EOT``: the word that ends it alone on a line."""
_TARGET = re.compile(r"(?<![<>])>>?[ \t]*[\"']?([\w.-][\w./-]{0,255})")
"""The file a here-document is written to (``cat > config/.env <<EOF``, ``tee prod.yaml``'s is not known)."""
_SETTING = re.compile(r"[ \t]*(?:-[ \t]+)?[\"']?[\w.@/-]{1,256}[\"']?[ \t]*[:=]")
"""A line that sets a key (``key: value``, ``KEY=value``, ``"key": value``): a copy of two values has two."""
MAX_TEXTS = 1000
"""Texts one file gives at most (the caller names the rest as not read)."""


def embedded_texts(text: str) -> list[tuple[str, str | None, str]]:
    """``(label, name, text)``: each block scalar of two lines or more (named by its key: ``prod.yaml``) and each
    here-document, its indentation removed."""
    lines = text.splitlines()
    found: list[tuple[str, str | None, str]] = []
    ends = _terminators(lines) if "<<" in text else {}
    at = 0
    while at < len(lines) and len(found) <= MAX_TEXTS:
        line = lines[at]
        key = _block_key(line)
        if key is not None:
            end = _block_end(lines, at, len(line) - len(line.lstrip(" ")))
            if end - at > 2:  # read once: its lines are no keys of the outer file, whether it holds data or not
                if _may_hold_data(lines[at + 1:end]):
                    found.append((f"block {key} on lines {at + 2}-{end}", key, _dedent(lines[at + 1:end])))
                at = end
                continue
        heredoc = _HEREDOC.search(line) if "<<" in line else None
        if heredoc is not None:
            closing = _next(ends.get(heredoc.group(3), []), at)
            if closing is not None and closing - at > 2:
                target = _TARGET.search(line, 0, 4096)
                if _may_hold_data(lines[at + 1:closing]):
                    found.append((f"here-document {heredoc.group(3)} on lines {at + 2}-{closing}",
                                  target.group(1).rsplit("/", 1)[-1] if target else None,
                                  _dedent(lines[at + 1:closing])))
                at = closing + 1
                continue
        at += 1
    return found


def _may_hold_data(lines: list[str]) -> bool:
    """Two lines that set a key, or a JSON document: what a copy of two sealed values at least has (a workflow's
    ``run: |`` of commands, a ``description: |`` of prose need no reading as data)."""
    first = next((line.lstrip() for line in lines if line.strip()), "")
    return first[:1] in ("{", "[") or sum(1 for line in lines if _SETTING.match(line)) >= 2


def _block_key(line: str) -> str | None:
    """The key of a block scalar's header line (``  prod.yaml: |``, ``- .env: |-``, ``"app.conf": >``)."""
    head, colon, indicator = line.rstrip().rpartition(":")
    if not colon or not _INDICATOR.fullmatch(indicator.strip()) or not indicator[:1].isspace():
        return None
    key = head.strip().removeprefix("- ").strip().strip("\"'")
    return key if key and len(key) <= 256 and "#" not in key else None


def _block_end(lines: list[str], header: int, indent: int) -> int:
    """The index past the last line of the block under ``lines[header]``: lines indented more than its key, or
    blank."""
    end = header + 1
    last = header + 1
    while end < len(lines):
        line = lines[end]
        if line.strip():
            if len(line) - len(line.lstrip(" ")) <= indent:
                break
            last = end + 1
        end += 1
    return last


def _terminators(lines: list[str]) -> dict[str, list[int]]:
    """Each word alone on a line (a here-document may end there), with the lines it is on, in order."""
    found: dict[str, list[int]] = {}
    for number, line in enumerate(lines):
        word = line.strip()
        if word and len(word) <= 64 and (word.isidentifier() or word.replace("-", "_").isidentifier()):
            found.setdefault(word, []).append(number)
    return found


def _next(numbers: list[int], after: int) -> int | None:
    from bisect import bisect_right

    at = bisect_right(numbers, after)
    return numbers[at] if at < len(numbers) else None


def _dedent(lines: list[str]) -> str:
    """The lines without the indentation they all share (a block's, ``<<-``'s tabs, ``<<~``'s spaces)."""
    indent = min((len(line) - len(line.lstrip(" \t")) for line in lines if line.strip()), default=0)
    return "".join(line[indent:] + "\n" for line in lines)
