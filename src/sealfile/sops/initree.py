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
GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
"""Go's ``unicode.IsSpace``: what go-ini (``strings.TrimSpace``), so sops, takes off a line, key or value. Python's
``str.strip()`` also takes U+001C-U+001F (``k = a\\x1c`` is ``a\\x1c`` to sops): every trim here names this set."""


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
    line = raw.lstrip(GO_SPACE)
    if not line:
        return "", ""
    for quote in ('"""', "`"):
        if line.startswith(quote) and (quote == "`" or len(line) > 3):
            return _quoted(line, lines, quote), ""
    line = line.strip(GO_SPACE)
    if line.endswith("\\"):
        raise FormatError("INI continuation lines are not supported in SOPS files")
    comment = ""
    cut = min((i for i in (line.find("#"), line.find(";")) if i >= 0), default=-1)
    if cut >= 0:
        line, comment = line[:cut].strip(GO_SPACE), line[cut:]
    if len(line) > 1 and line[0] in "'\"" and line.find(line[0], 1) == len(line) - 1:  # hasSurroundedQuote
        line = line[1:-1]
    return line, comment


def _key(line: str) -> tuple[str, str]:
    """go-ini readKeyName: the key, its quotes (``\"\"\"``, ``"`` or a backtick, as go-ini writes a key holding
    ``=``, ``:``, ``"`` or a backtick) taken off, and the text after the ``=`` or ``:`` that follows it."""
    quote = '"""' if line.startswith('"""') and len(line) > 6 else line[0] if line[0] in '"`' else ""
    close = line.find(quote, len(quote)) if quote else 0
    if close < 0:
        raise FormatError("an INI key's closing quote is missing")
    after = close + len(quote)
    cut = min((i for i in (line.find("=", after), line.find(":", after)) if i >= 0), default=-1)
    if cut < 0 or (cut == 0 and not quote):
        raise FormatError("an INI line is not 'key = value'")
    return line[len(quote):close if quote else cut].strip(GO_SPACE), line[cut + 1:]


def ini_key_text(key: str) -> str:
    """A key as go-ini writes it: in backticks if it holds a ``"`` or a delimiter, else in ``\"\"\"`` if it
    holds a backtick (bare, ``r=s`` would be the key ``r``); where go-ini's spelling reads back as another key
    (``#k`` a comment, ``"k"`` the key ``k``), the first quoting that reads back (:func:`check_ini` decides)."""
    go = f"`{key}`" if any(c in key for c in '"=:') else f'"""{key}"""' if "`" in key else key
    return next((text for text in (go, f"`{key}`", f'"""{key}"""') if _reads_back(text, key, True)), go)


def ini_value_text(text: str) -> str:
    """A value as go-ini writes it (line breaks or a backtick in ``\"\"\"``, a comment character in
    backticks, spaces at either end in double quotes), or, where that reads back otherwise (``"x"`` as ``x``,
    a last backslash as a continuation), the first quoting that reads back."""
    go = (f'"""{text}"""' if "\n" in text or "`" in text else f"`{text}`" if any(c in text for c in "#;")
          else f'"{text}"' if text != text.strip(GO_SPACE) else text)
    return next((spelled for spelled in (go, f"`{text}`", f'"""{text}"""') if _reads_back(spelled, text, False)),
                go)


def _reads_back(spelled: str, meant: str, key: bool) -> bool:
    try:
        if key:
            return spelled[:1] not in ("", "#", ";", "[") and _key(f"{spelled} = ")[0] == meant
        return _value(spelled, iter(()))[0] == meant
    except FormatError:
        return False


def check_ini(text: str, expected: list[tuple[str, dict[str, str]]]) -> None:
    """The INI printed reads back (as go-ini reads it) as the sections and values meant, or names the first key
    path it does not: go-ini's own spelling loses some (a key starting with ``#`` or ``;``, spaces at a key's
    ends), and sops prints them anyway."""
    read = [(s.name, {k: v for k, (v, _) in s.keys.items()}) for s in _sections(text)]
    read = read[1:] if read[0] == (INI_DEFAULT_SECTION, {}) else read
    for (name, keys), (found_name, found) in zip(expected, read, strict=False):
        wrong = next((key for key in [*keys, *found] if keys.get(key) != found.get(key)), None)
        if name != found_name or wrong is not None:
            where = f'["{name}"]' + (f'["{wrong}"]' if wrong is not None and name == found_name else "")
            raise FormatError(f"{where}: an INI reader would read this key or section otherwise")
    if len(expected) != len(read):
        raise FormatError("an INI reader would read other sections than those printed")


def _sections(text: str) -> list[_Section]:
    sections = [_Section(INI_DEFAULT_SECTION)]
    pending: list[str] = []
    lines = iter(text.removeprefix("\ufeff").split("\n"))  # one pass: a quoted value takes its further lines
    for whole in lines:
        line = whole.lstrip(GO_SPACE)
        if not line:
            continue
        if line[0] in "#;":
            pending.append(line.rstrip("\r"))
            continue
        if line[0] == "[":
            close = line.rfind("]")
            if close < 1:
                raise FormatError("an INI section header is not closed" if close < 0 else "empty INI section name")
            sections.append(_Section(line[1:close], "\n".join(pending).strip(GO_SPACE)))
            pending = []
            continue
        key, rest = _key(line)
        value, inline = _value(rest.rstrip("\r"), lines)
        sections[-1].set(key, value, "\n".join([*pending, inline]).strip(GO_SPACE))
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
