"""A decrypted SOPS tree as Python data: what a program reading ``sops decrypt``'s output gets.

``sops decrypt`` prints Go values; ``load_secrets`` returns what that output means when read
back (YAML 1.2 as ruamel.yaml reads it, JSON as ``json`` reads it), so a team moving from
``sops decrypt | yq`` or ``json.load`` sees the same values and types:

- a float prints with Go's shortest digits and reads back as an ``int`` when it has neither a
  point nor an exponent (``1`` for 1.0, ``-0`` for -0.0, but ``1e+06`` in YAML);
- a YAML time prints in RFC 3339 and reads back as a ``datetime``; in JSON it is a string;
- a duplicated key reads back as its last value; a YAML ``<<`` merge key merges as ruamel
  merges it (merged keys first, the mapping's own keys win, earlier merged mappings win);
- dotenv and INI values are strings, as those formats print them.
"""

from __future__ import annotations

from typing import Any, Literal

from sealfile.errors import FormatError
from sealfile.model.paths import ListIndex, Path, format_keypath
from sealfile.sops.cipher import go_bytes
from sealfile.sops.gonum import format_f, format_g, json_float, reads_as_int, yaml_float
from sealfile.sops.gotime import GoTime, rfc3339_seconds
from sealfile.sops.nodes import Branch, Comment, Item

Syntax = Literal["yaml", "json"]
MERGE_KEY = "<<"


def _yaml_time(text: str) -> Any:
    """A decrypted time value as ruamel reads it (never cached: it is a secret's plaintext)."""
    from sealfile.stores.yaml import reader as yaml_store

    try:
        return yaml_store.load_fast(text)
    except FormatError:
        raise FormatError("a time Python cannot hold (finer than a microsecond, in the year 0 or 10000, or 24 hours "
                          "from UTC)") from None


def _float(value: float, syntax: Syntax) -> int | float:
    try:
        text = yaml_float(value) if syntax == "yaml" else json_float(value)
    except ValueError:
        raise FormatError("SOPS cannot print NaN or an infinity in a JSON file") from None
    return int(text) if reads_as_int(text) else value


def _string(value: str, syntax: Syntax) -> str | bytes:
    if not any("\udc80" <= char <= "\udcff" for char in value):
        return value
    if syntax == "yaml":
        return go_bytes(value)  # bytes that are not UTF-8: yaml.v3 writes !!binary
    # encoding/json writes U+FFFD for each byte that is not UTF-8 (one surrogate escape each)
    return "".join("\ufffd" if "\udc80" <= char <= "\udcff" else char for char in value)


def _key(key: str, syntax: Syntax, where: Path) -> str:
    """A key as the syntax's reader sees it. yaml.v3 prints a key that is not UTF-8 (a YAML ``!!binary`` key's
    bytes) as ``!!binary``, which reads back as bytes, and keys here are text: refused, naming where."""
    text = _string(key, syntax)
    if isinstance(text, bytes):
        raise FormatError("a key that is not UTF-8 text (sops decrypt prints it as !!binary, which reads back "
                          "as bytes; keys are text here)", keypath=format_keypath(where) or None)
    return text


def leaf(value: Any, syntax: Syntax) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return _float(value, syntax)
    if isinstance(value, GoTime):
        return _yaml_time(value.text) if syntax == "yaml" else value.text
    if isinstance(value, str):
        return _string(value, syntax)
    raise FormatError(f"a SOPS value of type {type(value).__name__} has no data form")


def _merged(pairs: list[tuple[str, Any]], where: Path) -> dict[str, Any]:
    merges = [value for key, value in pairs if key == MERGE_KEY]
    if not merges:
        return dict(pairs)
    keypath = format_keypath((*where, MERGE_KEY))
    if len(merges) > 1:
        raise FormatError("a mapping has more than one '<<' merge key", keypath=keypath)
    sources = merges[0] if isinstance(merges[0], list) else [merges[0]]
    if not all(isinstance(source, dict) for source in sources):
        raise FormatError("a '<<' merge key's value is not a mapping or a list of mappings", keypath=keypath)
    result: dict[str, Any] = {}
    for source in reversed(sources):
        result.update(source)
    for key, value in pairs:
        if key != MERGE_KEY:
            result[key] = value
    return result


def merged_tree(node: Any, where: Path = ()) -> Any:
    """A YAML SOPS tree (Go values kept) with each ``<<`` merge key merged as :func:`to_data` merges it, so
    every output of a SOPS YAML file (JSON, INI, ``--extract``) holds the data ``load_secrets`` returns;
    ``sops decrypt`` keeps ``<<`` as an ordinary key. A mapping without ``<<`` keeps its comments."""
    if isinstance(node, Branch):
        out = Branch(item if isinstance(item.key, Comment) else
                     Item(item.key, merged_tree(item.value, (*where, item.key))) for item in node)
        if not any(key == MERGE_KEY for key, _ in out.entries()):
            return out
        pairs = [(key, _as_dicts(value) if key == MERGE_KEY else value) for key, value in out.entries()]
        return Branch(Item(key, value) for key, value in _merged(pairs, where).items())
    if isinstance(node, list):
        out_list: list[Any] = []
        index = 0  # counts the data items, as to_data's key paths do
        for item in node:
            if not isinstance(item, Comment):
                item, index = merged_tree(item, (*where, ListIndex(index))), index + 1
            out_list.append(item)
        return out_list
    return node


def _as_dicts(value: Any) -> Any:
    """A merge key's mapping (or list of them) as ``_merged`` takes it: each key's last value."""
    if isinstance(value, Branch):
        return dict(value.entries())
    if isinstance(value, list):
        return [_as_dicts(item) if isinstance(item, Branch) else item for item in value]
    return value


def merge_key_paths(node: Any, where: Path = ()) -> list[Path]:
    """The key paths of the ``<<`` keys of a YAML SOPS tree (paths only, never a value)."""
    found: list[Path] = []
    if isinstance(node, Branch):
        for key, value in node.entries():
            found += [(*where, key)] if key == MERGE_KEY else []
            found += merge_key_paths(value, (*where, key))
    elif isinstance(node, list):
        items = (item for item in node if not isinstance(item, Comment))
        for index, item in enumerate(items):
            found += merge_key_paths(item, (*where, ListIndex(index)))
    return found


_NAMED = 10
"""Most key paths a note names (a file can hold thousands)."""


def merge_note(node: Any, done: str) -> list[str]:
    """One line naming (by key path, never by value) the ``<<`` merge keys of a YAML tree, for a user crossing
    between SOPS and sealfile: ``done`` says what the conversion did with them."""
    paths = merge_key_paths(node)
    if not paths:
        return []
    named = ", ".join(format_keypath(path) for path in paths[:_NAMED])
    more = f" and {len(paths) - _NAMED} more" if len(paths) > _NAMED else ""
    return [f"{len(paths)} YAML '<<' key(s) {done}: sealfile reads '<<' as a merge (as ruamel.yaml does), "
            f"sops as an ordinary key (its --output-type json prints \"<<\"): {named}{more}"]


def to_data(node: Any, syntax: Syntax) -> Any:
    """Plain dicts and lists (comments dropped), values as the syntax's reader sees them; a value that has
    none (a time in the year 0) or a merge key that merges no mapping is refused naming its key path."""
    return _to_data(node, syntax, ())


def _to_data(node: Any, syntax: Syntax, where: Path) -> Any:
    if isinstance(node, Branch):
        pairs = [(_key(key, syntax, where), _to_data(value, syntax, (*where, key))) for key, value in node.entries()]
        return _merged(pairs, where) if syntax == "yaml" else dict(pairs)
    if isinstance(node, list):
        items = (item for item in node if not isinstance(item, Comment))
        return [_to_data(item, syntax, (*where, ListIndex(index))) for index, item in enumerate(items)]
    try:
        return leaf(node, syntax)
    except FormatError as err:
        err.keypath = err.keypath or format_keypath(where) or None
        raise


def value_text(value: Any) -> str:
    """``stores.ValToString``: how the dotenv and INI stores print a value that is not a string."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = format_g(value).replace("e", "E")  # FormatFloat(v, 'G', -1, 64)
        if text in ("NaN", "+Inf", "-Inf") or "." in text or "E" in text:
            return text
        return format_f(value) + ".0"  # never confusable with an integer
    if isinstance(value, GoTime):
        return rfc3339_seconds(value.text)
    return "<nil>" if value is None else str(value)


def flat_data(branch: Branch) -> dict[str, Any]:
    """A dotenv branch as ``{name: text}``; an INI branch as ``{section: {key: text}}``, a repeated section's keys
    joining the first (``sops decrypt`` prints both; go-ini, configparser's ``strict=False`` and other INI readers
    merge them: the last section alone dropped the first's keys from ``load_secrets`` and ``import-sops``)."""
    out: dict[str, Any] = {}
    for key, value in branch.entries():
        inner = flat_data(value) if isinstance(value, Branch) else value_text(value)
        out[key] = {**out[key], **inner} if isinstance(inner, dict) and isinstance(out.get(key), dict) else inner
    return out
