"""What a "no such key" error suggests instead: the key holding dots the user meant, or a near key name (a
typo, another case, a ``/`` where key paths use ``.``). Key names are not secret: the sealed file shows them."""

from __future__ import annotations

from collections.abc import Mapping

from sealfile.model.keypath_syntax import KeyPath, Selector

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any


def shown_segment(segment: Any) -> str:
    """JSON text of a key, with every character a terminal would not show as itself (escapes, bidi
    overrides, line breaks) as a JSON escape: readable, one line, and :func:`parse_keypath` reads it back."""
    import json
    text = json.dumps(segment, ensure_ascii=False)
    return text if text.isprintable() else "".join(c if c.isprintable() else json.dumps(c)[1:-1] for c in text)


def dotted_key_hint(node: Mapping[Any, Any], selectors: KeyPath, position: int) -> str:
    """``; for the key "a.b" write PATH`` when the dotted segments from ``position`` (two or more) begin with
    the name of a string key holding dots here (a dotenv name, a YAML key such as ``app.kubernetes.io/name``)."""
    rest = selectors[position:]
    if len(rest) < 2 or any(selector.kind != "dotted" for selector in rest):
        return ""
    for end in range(len(rest), 1, -1):
        joined = ".".join(str(selector.value) for selector in rest[:end])
        if any(isinstance(key, str) and key == joined for key in node):
            meant = (*selectors[:position], type(rest[0])("str", joined), *rest[end:])
            return f"; for the key {shown_segment(joined)} write {bracketed(meant)}"
    return ""


def bracketed(selectors: KeyPath) -> str:
    """``selectors`` as typed: dotted ones dotted, the others in brackets (``a.0["b.c"].d``)."""
    import json
    text = ""
    for selector in selectors:
        if selector.kind == "dotted":
            text += f".{selector.value}" if text else str(selector.value)
        else:
            shown = shown_segment(selector.value) if selector.kind == "str" else json.dumps(selector.value)
            text += f"[{shown}]"
    return text


def canonical_twin_hint(node: Mapping[Any, Any], selectors: KeyPath, position: int) -> str:
    """``; the file's key that looks the same is spelled PATH`` when the key at ``position`` is not in ``node`` but
    one is that reads the same: the same text to Unicode (``é`` as one character, or ``e`` and a combining accent,
    as macOS and some keyboards type it), or but for spaces around it or invisible characters (a zero-width space
    pasted with it). Two keys no reader tells apart, one of which the application never reads. The file's
    spelling is shown with ``\\u`` escapes, which key paths read, so it can be typed."""
    import json
    value = selectors[position].value
    if not isinstance(value, str):
        return ""
    wanted = _as_seen(value)
    for key in node:
        if isinstance(key, str) and key != value and _as_seen(key) == wanted:
            rest = bracketed(selectors[position + 1:])
            spelled = bracketed(selectors[:position]) + f"[{json.dumps(key)}]" + (
                rest if rest.startswith("[") or not rest else f".{rest}")
            return (f"; the file's key that looks the same is spelled {spelled} (other characters: spaces around "
                    "it, invisible ones, or an accent written as a letter and a combining accent)")
    return ""


def _as_seen(text: str) -> str:
    """``text`` as a reader sees it: one Unicode spelling, without invisible (format) characters or spaces around."""
    if text.isascii() and text == text.strip():
        return text
    import unicodedata  # only for a "did you mean" hint

    shown = "".join(char for char in text if unicodedata.category(char) != "Cf")
    return unicodedata.normalize("NFC", shown).strip()


def near_key_hint(node: Mapping[Any, Any], selectors: KeyPath, position: int) -> str:
    """``; did you mean PATH?`` when the key at ``position`` is not in ``node`` but a near one is: ``a/b`` for
    ``a.b`` (``a`` a key here), else the closest key name by spelling or case."""
    value = selectors[position].value
    if not isinstance(value, str):
        return ""
    names = [key for key in node if isinstance(key, str)]
    parts = value.split("/")
    if len(parts) > 1 and all(parts) and parts[0] in names:
        instead = tuple(Selector("dotted", part) for part in parts)
    else:
        import difflib  # only when a key is missing: an error's hint

        folded = {name.casefold(): name for name in names}
        close = difflib.get_close_matches(value.casefold(), list(folded), n=1, cutoff=0.75)
        if not close:
            return ""
        instead = (_segment(folded[close[0]]),)
    return f"; did you mean {bracketed((*selectors[:position], *instead, *selectors[position + 1:]))}?"


def _segment(name: str) -> Selector:
    """``name`` as a dotted segment when it reads back as that key, else bracketed."""
    plain = name and not any(c in name for c in ".[]") and name == name.strip() and name.isprintable()
    return Selector("dotted" if plain else "str", name)
