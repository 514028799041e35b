"""A SOPS INI file read into SOPS's tree, as go-ini (``AllowNonUniqueSections``) reads it.

One branch item per section, ``DEFAULT`` first (keys before any header live there, and SOPS
always lists it); each section a branch of its keys. Comments follow go-ini: comment lines
before a section header are the section's comment (the section's first item), comment lines
before a key and an inline comment after its value are the key's comment (the item after it).
A key given twice in one section keeps its first place and its last value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sealfile.errors import FormatError
from sealfile.sops.flatstores import INI_DEFAULT_SECTION, flat_metadata
from sealfile.sops.nodes import Branch, Comment, Item

METADATA_SECTION = "sops"


class _Section:
    def __init__(self, name: str, comment: str = "") -> None:
        self.name, self.comment = name, comment
        self.keys: dict[str, tuple[str, str]] = {}

    def set(self, key: str, value: str, comment: str) -> None:
        self.keys[key] = (value, comment)

    def branch(self) -> Branch:
        items = Branch()
        if self.comment:
            items.append(Item(Comment(strip_comment_char(self.comment))))
        for key, (value, comment) in self.keys.items():
            items.append(Item(key, value))
            if comment:
                items.append(Item(Comment(strip_comment_char(comment))))
        return items


def strip_comment_char(comment: str) -> str:
    if comment.startswith(";"):
        return comment.lstrip("; ")
    return comment.lstrip("# ") if comment.startswith("#") else comment


def _quoted(line: str, lines: Iterator[str], quote: str) -> str:
    """A ``\"\"\"`` or backtick value, which may run over several lines (taken from ``lines``)."""
    rest = line[len(quote):]
    end = rest.rfind(quote)
    if end >= 0:
        return rest[:end]
    collected = [rest]
    for following in lines:
        end = following.find(quote)
        if end >= 0:
            return "\n".join([*collected, following[:end]])
        collected.append(following)
    raise FormatError("an INI value's closing quote is missing")


def _value(raw: str, lines: Iterator[str]) -> tuple[str, str]:
    """go-ini readValue: ``(value, inline comment)``; a quoted value's further lines are taken from ``lines``."""
    line = raw.lstrip()
    if not line:
        return "", ""
    for quote in ('"""', "`"):
        if line.startswith(quote) and (quote == "`" or len(line) > 3):
            return _quoted(line, lines, quote), ""
    line = line.strip()
    if line.endswith("\\"):
        raise FormatError("INI continuation lines are not supported in SOPS files")
    comment = ""
    cut = min((i for i in (line.find("#"), line.find(";")) if i >= 0), default=-1)
    if cut >= 0:
        line, comment = line[:cut].strip(), line[cut:]
    if len(line) > 1 and line[0] == line[-1] and line[0] in "'\"":
        line = line[1:-1]
    return line, comment


def _sections(text: str) -> list[_Section]:
    sections = [_Section(INI_DEFAULT_SECTION)]
    pending: list[str] = []
    lines = iter(text.removeprefix("\ufeff").split("\n"))  # one pass: a quoted value takes its further lines
    for whole in lines:
        line = whole.lstrip()
        if not line.strip():
            continue
        if line[0] in "#;":
            pending.append(line.rstrip("\r"))
            continue
        if line[0] == "[":
            close = line.rfind("]")
            if close < 1:
                raise FormatError("an INI section header is not closed" if close < 0 else "empty INI section name")
            sections.append(_Section(line[1:close], "\n".join(pending).strip()))
            pending = []
            continue
        cut = min((i for i in (line.find("="), line.find(":")) if i >= 0), default=-1)
        if cut <= 0:
            raise FormatError("an INI line is not 'key = value'")
        value, inline = _value(line[cut + 1:].rstrip("\r"), lines)
        sections[-1].set(line[:cut].strip(), value, "\n".join([*pending, inline]).strip())
        pending = []
    return sections


def read_ini(text: str) -> tuple[Branch, dict[str, Any]]:
    """A SOPS INI file: its branch (sections in order, ``DEFAULT`` first) and its metadata mapping."""
    sections = _sections(text)
    metadata = next((s for s in sections if s.name == METADATA_SECTION), None)
    if metadata is None:
        raise FormatError("not a SOPS file (no [sops] section)")
    flat = {key: value for key, (value, _) in metadata.keys.items()}
    branch = Branch(Item(s.name, s.branch()) for s in sections if s.name != METADATA_SECTION)
    return branch, flat_metadata(flat)


def ini_comments(branch: Branch) -> Branch:
    """A tree whose comments head what follows them (a YAML file's, as export's ``go_tree`` places them) with
    its comments where go-ini keeps them, for :func:`~sealfile.sops.render.ini_text`: those before a section
    (and a section's last ones, or an empty DEFAULT's) as the next section's first item, those before a key
    as the item after it; the file's last comments stay at the top level, printed after the last section."""
    out, pending = Branch(), list[str]()
    for item in branch:
        if isinstance(item.key, Comment):
            pending.append(_ini_text(item.key))
        elif not isinstance(item.value, Branch):
            out.append(item)  # ini_text refuses it, by its key path
        elif item.key == INI_DEFAULT_SECTION and not any(item.value.entries()):
            pending += [_ini_text(entry.key) for entry in item.value if isinstance(entry.key, Comment)]
            out.append(Item(item.key, Branch()))
        else:
            section = Branch([Item(Comment("\n; ".join(pending)))] if pending else [])
            pending = []
            for entry in item.value:
                if isinstance(entry.key, Comment):
                    pending.append(_ini_text(entry.key))
                else:
                    section += [Item(entry.key, entry.value), *(Item(Comment(text)) for text in pending)]
                    pending = []
            out.append(Item(item.key, section))
    return Branch([*out, *(Item(Comment(text)) for text in pending)])


def _ini_text(comment: Comment) -> str:
    """A YAML comment's text (after its ``#``) as ini_text writes it after ``; ``."""
    return comment.text.removeprefix(" ")
