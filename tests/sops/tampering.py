"""Edits an attacker (or a bad merge) can make to a SOPS file, as text -> text functions.

Each returns the edited text, or ``None`` when the file has nothing it applies to. The battery in
``test_tamper.py`` applies them to fresh files of every store and asks the real sops for its
verdict, so none of these encodes an expectation: some are refused (a flipped byte, a swapped
value), some accepted by SOPS as well (a re-spelled timestamp, a duplicated empty line).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

Tamper = Callable[[str], "str | None"]
ENC = re.compile(r"ENC\[AES256_GCM,data:([^,]*),iv:([^,]*),tag:([^,]*),type:(\w+)\]")


def _value_lines(text: str, kind: str | None = None) -> list[int]:
    """Indexes of lines holding a value's ``ENC[...]`` (not a comment, not the MAC)."""
    found = []
    for index, line in enumerate(text.splitlines()):
        match = ENC.search(line)
        if match and "type:comment" not in line and "mac" not in line.split("ENC[")[0] and (
                kind is None or match.group(4) == kind):
            found.append(index)
    return found


def _edit_line(text: str, index: int, edit: Callable[[str], str]) -> str:
    lines = text.splitlines(keepends=True)
    lines[index] = edit(lines[index])
    return "".join(lines)


def _flip(part: str) -> Callable[[str], str]:
    def edit(line: str) -> str:
        match = ENC.search(line)
        assert match
        group = {"data": 1, "iv": 2, "tag": 3}[part]
        start = match.start(group)
        swapped = "B" if line[start] == "A" else "A"
        return line[:start] + swapped + line[start + 1:]
    return edit


def flip_data(text: str) -> str | None:
    lines = _value_lines(text)
    return _edit_line(text, lines[0], _flip("data")) if lines else None


def flip_tag(text: str) -> str | None:
    lines = _value_lines(text)
    return _edit_line(text, lines[-1], _flip("tag")) if lines else None


def flip_mac(text: str) -> str | None:
    index = next((i for i, line in enumerate(text.splitlines()) if "mac" in line and "ENC[" in line), None)
    return None if index is None else _edit_line(text, index, _flip("data"))


def _tokens(text: str, lines: list[int]) -> list[str]:
    rows = text.splitlines()
    return [match.group(0) for i in lines if (match := ENC.search(rows[i]))]


def _swap(text: str, first: str, second: str) -> str:
    return text.replace(first, "\0").replace(second, first).replace("\0", second)


def swap_two_values(text: str) -> str | None:
    tokens = _tokens(text, _value_lines(text, "str"))
    return _swap(text, tokens[0], tokens[1]) if len(tokens) > 1 else None


def swap_list_items(text: str) -> str | None:
    rows = text.splitlines()
    items = [i for i in _value_lines(text) if rows[i].lstrip().startswith("- ENC[")]
    for first, second in itertools.pairwise(items):
        if second == first + 1:
            return _swap(text, *_tokens(text, [first, second]))
    return None


def delete_value_line(text: str) -> str | None:
    lines = _value_lines(text)
    if not lines:
        return None
    rows = text.splitlines(keepends=True)
    del rows[lines[len(lines) // 2]]
    return "".join(rows)


def _duplicate(text: str, index: int | None) -> str | None:
    if index is None:
        return None
    rows = text.splitlines(keepends=True)
    rows.insert(index, rows[index])
    return "".join(rows)


def duplicate_value_line(text: str) -> str | None:
    """A nested value's line given twice (a top-level one is :func:`duplicate_first_line`)."""
    rows = text.splitlines()
    nested = [i for i in _value_lines(text) if rows[i].startswith((" ", "\t"))]
    lines = nested or _value_lines(text)
    return _duplicate(text, lines[-1] if lines else None)


def duplicate_first_line(text: str) -> str | None:
    """A top-level key (YAML, dotenv) or the first member (JSON) given twice."""
    rows = text.splitlines()
    index = next((i for i, row in enumerate(rows) if row and not row.startswith(("#", "{", "[", ";"))), None)
    return _duplicate(text, index)


def duplicate_empty_line(text: str) -> str | None:
    """A line holding an empty string: SOPS leaves it unencrypted and it adds nothing to the MAC."""
    rows = text.splitlines()
    end = next((i for i, row in enumerate(rows) if re.match(r'\s*("sops"|sops:|sops_|\[sops\])', row)), len(rows))
    found = [i for i, row in enumerate(rows[:end]) if re.search(r"""(: ""|: ''|=)\s*$|: "",$""", row)]
    return _duplicate(text, found[-1] if found else None)


def relabel(source: str, target: str) -> Tamper:
    def tamper(text: str) -> str | None:
        lines = _value_lines(text, source)
        if not lines:
            return None
        return _edit_line(text, lines[0], lambda line: line.replace(f"type:{source}]", f"type:{target}]", 1))
    tamper.__name__ = f"relabel_{source}_as_{target}"
    return tamper


def relabel_mac(text: str) -> str | None:
    index = next((i for i, line in enumerate(text.splitlines()) if "mac" in line and "type:str]" in line), None)
    return None if index is None else _edit_line(text, index, lambda line: line.replace("type:str]", "type:int]"))


_STAMP = re.compile(r"(lastmodified\W+)(\d{4})(-\d\d-\d\dT\d\d:\d\d:\d\d)(Z)")


def _stamp(text: str, edit: Callable[[re.Match[str]], str]) -> str | None:
    return _STAMP.sub(edit, text, count=1) if _STAMP.search(text) else None


def lastmodified_year(text: str) -> str | None:
    return _stamp(text, lambda m: f"{m.group(1)}{int(m.group(2)) - 1}{m.group(3)}{m.group(4)}")


def lastmodified_fraction(text: str) -> str | None:
    """Go formats the MAC's associated data with whole seconds: a fraction changes nothing."""
    return _stamp(text, lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}.5Z")


def lastmodified_offset(text: str) -> str | None:
    """``+00:00`` is UTC, formatted as ``Z`` again."""
    return _stamp(text, lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}+00:00")


def lastmodified_other_zone(text: str) -> str | None:
    """The same instant in another zone is another associated text."""
    return _stamp(text, lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)[:-9]}T23:59:59-01:00")


def alter_plain_value(text: str) -> str | None:
    """The documents' only plaintext value spells ``visible``."""
    return text.replace("visible", "changed", 1) if "visible" in text else None


def plain_value_as(literal: str) -> Tamper:
    """The plaintext value replaced by another scalar, read by yaml.v3's rules (``017`` is octal,
    an integer past int64 a uint64 SOPS cannot walk, ``-0.0`` re-read as the int 0...)."""
    def tamper(text: str) -> str | None:
        if '"visible"' in text:
            return text.replace('"visible"', literal, 1)
        return text.replace("visible", literal, 1) if "visible" in text else None
    tamper.__name__ = "plain_value_as_" + re.sub(r"\W", "_", literal)
    return tamper


def flip_comment(text: str) -> str | None:
    index = next((i for i, line in enumerate(text.splitlines()) if "type:comment]" in line), None)
    return None if index is None else _edit_line(text, index, _flip("data"))


def drop_comment(text: str) -> str | None:
    rows = text.splitlines(keepends=True)
    kept = [row for row in rows if "type:comment]" not in row]
    return "".join(kept) if len(kept) != len(rows) else None


def junk_after_value(text: str) -> str | None:
    """Go's value pattern is not anchored at the end: text after the closing ``]`` is ignored."""
    lines = _value_lines(text, "str")
    rows = text.splitlines()
    for index in lines:
        if rows[index].rstrip().endswith("]"):
            return _edit_line(text, index, lambda line: line.replace("type:str]", "type:str]xyz", 1))
    return None


def add_plain_null(text: str) -> str | None:
    """A new key holding null: SOPS neither encrypts nor hashes nulls."""
    if "\nsops:" in text:
        return text.replace("\nsops:", "\nextra_unencrypted: null\nsops:", 1)
    return None


def add_plain_value(text: str) -> str | None:
    if "\nsops:" in text:
        return text.replace("\nsops:", "\nextra_unencrypted: added\nsops:", 1)
    return None


def reorder_top_level(text: str) -> str | None:
    """The first two top-level keys of a YAML file swapped, their values with them."""
    blocks = re.split(r"(?m)^(?=[a-z])", text)
    if len(blocks) < 4 or not blocks[1].strip() or blocks[1].startswith("sops:"):
        return None
    blocks[1], blocks[2] = blocks[2], blocks[1]
    return "".join(blocks)


def _metadata_line(text: str, field: str) -> int | None:
    """The line of a metadata field (``mac: ...``, ``"mac": ...``, ``sops_mac=...``, ``mac = ...``)."""
    pattern = re.compile(rf'^\s*(?:- )?(?:"{field}"\s*:|{field}\s*[:=]|sops_{field}=)')
    return next((i for i, line in enumerate(text.splitlines()) if pattern.match(line)), None)


def duplicate_metadata_line(field: str) -> Tamper:
    """A metadata field given twice with the same value: Go's YAML struct decoder refuses any repeated
    key of the mappings it decodes; JSON's keeps the last."""
    def tamper(text: str) -> str | None:
        index = _metadata_line(text, field)
        if index is None:
            return None
        lines = text.splitlines(keepends=True)
        again = lines[index].replace("- ", "  ", 1)  # in a YAML list item: the same key in the same entry
        return "".join([*lines[:index + 1], again, *lines[index + 1:]])
    tamper.__name__ = f"duplicate_metadata_{field}"
    return tamper


def relabel_recipient(label: str) -> Tamper:
    """An age entry's ``recipient`` replaced: it is a label outside the MAC, and sops opens the key with every
    identity it holds, whatever the label says."""
    def tamper(text: str) -> str | None:
        found = re.search(r"recipient\W+(age1[0-9a-z]+)", text)  # in every store's spelling of the entry
        return None if found is None else text[:found.start(1)] + label + text[found.end(1):]
    tamper.__name__ = "relabel_recipient_" + (label[:8] or "empty")
    return tamper


def version_as(version: str) -> Tamper:
    """``sops decrypt`` parses the version (a semantic version, or SOPS 1's ``1.``) before anything else."""
    def tamper(text: str) -> str | None:
        index = _metadata_line(text, "version")
        if index is None:
            return None
        return _edit_line(text, index, lambda line: line.replace("3.11.0", version, 1))
    tamper.__name__ = "version_as_" + (re.sub(r"\W", "_", version) or "empty")
    return tamper


def line_ends(ending: str) -> Tamper:
    """Every line break rewritten (Git's ``core.autocrlf``, an old Mac editor): yaml.v3 reads CR and
    CRLF as line breaks too."""
    def tamper(text: str) -> str | None:
        return text.replace("\n", ending)
    tamper.__name__ = "line_ends_" + {"\r": "cr", "\r\n": "crlf"}[ending]
    return tamper


TAMPERS: tuple[Tamper, ...] = (
    flip_data, flip_tag, flip_mac, swap_two_values, swap_list_items, delete_value_line, duplicate_value_line,
    duplicate_first_line, duplicate_empty_line, relabel("str", "bytes"), relabel("int", "str"),
    relabel("int", "float"), relabel("float", "int"), relabel("str", "int"), relabel("bool", "str"),
    relabel("time", "str"), relabel("str", "time"), relabel("str", "comment"), relabel("str", "unknown"),
    relabel("int", "int64"), relabel("float", "str"), relabel_mac, lastmodified_year, lastmodified_fraction,
    lastmodified_offset, lastmodified_other_zone, alter_plain_value, flip_comment, drop_comment,
    junk_after_value, add_plain_null, add_plain_value, reorder_top_level,
    *(plain_value_as(literal) for literal in ("18446744073709551615", "-0.0", "1e400", "2024-5-1", "017", "08",
                                              "0x1F", "1_000", ".NaN", "1.5e-7", "~", "2001-12-14 21:59:43.10")),
    *(duplicate_metadata_line(field) for field in ("mac", "lastmodified", "version", "recipient")),
    *(relabel_recipient(label) for label in (
        "age1ppu7hl9jt7zcu88ltsd2s60ydn3vzqf4k07q9qryhgsk0q6fzvasdy47vv", "", "not-a-key",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ6B3bPnkBkzoSnCyyAhGAigf29MNkjhS02qz+H6uvDu",
        "age1yubikey1qgg72x2qfk9ptxk7qchmm6rxz2l29cvqyjlmjm9ay9a8hd6ay6kkqjqwpw3")),
    *(version_as(version) for version in ("", "3.11", "v3.11.0", "3.11.0-rc.1+build", "03.11.0", "3.11.0-rc.01",
                                          "1.x")),
    line_ends("\r"), line_ends("\r\n"),
)
