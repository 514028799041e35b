"""``export-sops``: a sealed file becomes a SOPS file for the same recipients, so a team can walk back.

The sealed file is verified first. Its data (with its comments, but into JSON) is encrypted for SOPS
under a new data key wrapped for each recipient SOPS has a key source for (age and SSH, AWS KMS,
GCP Cloud KMS, Azure Key Vault, PGP, Vault Transit), in the same key groups with the same threshold
(:mod:`sealfile.ops.sops_entries`), with the same rule, and the SOPS text is read back before it
is returned (:mod:`sealfile.sops.writer`). What SOPS cannot keep is said, never dropped silently:
recipients SOPS has no key source for (the OS keyring, plug-ins) are named, comments become
encrypted ``#ENC[...]`` lines, per-value set-at times and a signature are lost, an integer beyond
int64, a binary value or a negative zero (printed ``-0``) is refused, a whole float comes back from
``sops decrypt`` as an integer, a date or a time without a zone becomes a UTC time, and a dotenv value that
``sops decrypt`` prints so that its readers read another (spaces at its ends, a line break) is named.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sealfile.envelope.datakey import new_data_key
from sealfile.errors import FormatError
from sealfile.model.metadata import Metadata
from sealfile.model.paths import ListIndex, Path, format_keypath
from sealfile.model.rules import EncryptionRules
from sealfile.ops.signatures import TrustPolicy, from_environment
from sealfile.ops.sops_entries import sops_keys
from sealfile.ops.sops_files import sops_kind
from sealfile.ops.sops_shapes import dotenv_shape, has_comment
from sealfile.sops import LABELS, Kind, named_kind
from sealfile.sops.data import MERGE_KEY, merge_note
from sealfile.sops.format import read_as_metadata
from sealfile.sops.gonum import INT64_MAX, INT64_MIN, json_float, json_keeps_int, reads_as_int, yaml_float
from sealfile.sops.gotime import GoTime, marshal_text
from sealfile.sops.goyaml import printed_bare_read_otherwise
from sealfile.sops.nodes import Branch, Comment, Item
from sealfile.sops.rules import SopsRule, rule_from_metadata
from sealfile.sops.writer import write_sops
from sealfile.sops.yamltree import read_yaml
from sealfile.stores import Store

_PRINTED_BARE = ("sops decrypt prints these strings unquoted ('1e400', '2001-12-14 21:59:43 -5', '=', '<<'...): "
                 "YAML 1.2 and 1.1 readers read another type, or refuse them (its JSON output is safe)")
_PYTHON_ONLY = ("(?=", "(?!", "(?<=", "(?<!", "(?P=", "(?>", "*+", "++", "?+")


@dataclass(frozen=True)
class Exported:
    text: str
    """The SOPS file's text."""
    notes: list[str]
    """What SOPS does not keep as the sealed file had it."""


@dataclass
class Notes:
    found: dict[str, list[str]]

    def add(self, what: str, where: Path) -> None:
        self.found.setdefault(what, []).append(format_keypath(where) or "(top)")

    def lines(self) -> list[str]:
        return [f"{what}: {', '.join(paths[:5])}{' ...' if len(paths) > 5 else ''}"
                for what, paths in self.found.items()]


def _go_time(value: dt.date, where: Path, notes: Notes) -> GoTime:
    if not isinstance(value, dt.datetime):
        notes.add("a date becomes a time at midnight UTC in SOPS", where)
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    elif value.tzinfo is None:
        notes.add("a time without a zone is read as UTC by SOPS", where)
        value = value.replace(tzinfo=dt.UTC)
    return marshal_text(value)


def _printed_alike(value: str) -> bool:
    """Whether the ``KEY=value`` line ``sops decrypt`` prints (bare, a line break as ``\\n``) reads as ``value``
    to python-dotenv, and to SOPS's own dotenv reader (which reads any ``\\n`` as a line break)."""
    from sealfile.stores import get_store

    if "\\n" in value or "\r" in value:
        return False
    try:
        return bool(get_store("dotenv").load_fast(f"K={value.replace(chr(10), chr(92) + 'n')}\n").get("K") == value)
    except FormatError:
        return False


def go_value(value: Any, where: Path, kind: Kind, notes: Notes) -> Any:
    """A sealed file's value as the Go value SOPS will hold (plain ``str``/``int``/``float``, not a
    reader's subclass of them)."""
    if value is None and kind == "dotenv":  # what sealfile's dotenv output prints for one, too
        notes.add("a null is an empty value in a SOPS dotenv file", where)
        return ""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if kind == "yaml" and printed_bare_read_otherwise(value):
            notes.add(_PRINTED_BARE, where)
        if kind == "yaml" and value.startswith("\t") and "\n" in value:
            notes.add("sops decrypt prints these strings as null: yaml.v3 cannot print a string of several lines "
                      "that starts with a tab (its JSON output is safe)", where)
        if kind == "dotenv" and not _printed_alike(value):
            notes.add("sops decrypt prints these values bare, a line break as \\n: python-dotenv reads them "
                      "otherwise, and sops reads a \\n back as a line break (its JSON output is safe)", where)
        return str(value)
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX and kind == "json" and json_keeps_int(value):
            return float(value)  # a JSON number is a float64 to SOPS: this one prints as the same integer
        if not INT64_MIN <= value <= INT64_MAX:
            raise FormatError("an integer beyond int64, which SOPS cannot keep (quote it to keep it as text)",
                              keypath=format_keypath(where))
        return int(value)
    if isinstance(value, float):
        value = float(value)
        try:
            printed = yaml_float(value) if kind == "yaml" else json_float(value)
        except ValueError:
            raise FormatError("NaN or an infinity, which SOPS cannot write as JSON",
                              keypath=format_keypath(where)) from None
        if reads_as_int(printed) and math.copysign(1.0, value) < 0 and value == 0:
            raise FormatError("a negative zero, which sops decrypt prints as -0: the integer 0 to its readers",
                              keypath=format_keypath(where))
        if reads_as_int(printed):
            notes.add("sops decrypt prints these floats as integers", where)
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return _go_time(value, where, notes)
    raise FormatError(f"a {type(value).__name__} value, which SOPS cannot keep", keypath=format_keypath(where))


def go_tree(data: Any, shape: Any, kind: Kind, notes: Notes, where: Path = ()) -> Any:
    """``data`` as SOPS's tree; ``shape`` (the plaintext read as SOPS reads it) adds its comments and gives
    each time its written fraction (a YAML reader rounds ``.999999999`` to the next second)."""
    if isinstance(data, dict):
        for key in data:
            if not isinstance(key, str):
                named = "a boolean" if isinstance(key, bool) else "an integer" if isinstance(key, int) else "a"
                raise FormatError(f"{named} key; SOPS files have only string keys",
                                  keypath=format_keypath((*where, key)))
            if not where and read_as_metadata(key, kind):
                raise FormatError(f"a top-level key SOPS's {LABELS[kind]} reader takes for its metadata",
                                  keypath=format_keypath((*where, key)))
            if key == MERGE_KEY and kind == "yaml":
                raise FormatError("a '<<' key, which SOPS writes plain: yaml.v3 then reads a merge key (or "
                                  "cannot read the file)", keypath=format_keypath((*where, key)))
        comments = _comments(shape)
        shaped = dict(shape.entries()) if isinstance(shape, Branch) else {}  # the last of a key, as Branch.get
        out = Branch()
        for key, value in data.items():
            out.extend(Item(comment) for comment in comments.get(key, []))
            inner = shaped.get(key)
            if kind == "yaml" and printed_bare_read_otherwise(key):
                notes.add(_PRINTED_BARE, (*where, key))
            out.append(Item(key, go_tree(value, inner, kind, notes, (*where, key))))
        out.extend(Item(comment) for comment in comments.get(None, []))
        return out
    if isinstance(data, list):
        return _go_list(data, shape if isinstance(shape, list) else [], kind, notes, where)
    value = go_value(data, where, kind, notes)
    if not isinstance(value, GoTime):
        return value
    value = shape if isinstance(shape, GoTime) else value
    return value.text if kind == "dotenv" else value  # sops prints a dotenv time to the second: its text is whole


def _go_list(data: list[Any], shape: list[Any], kind: Kind, notes: Notes, where: Path) -> list[Any]:
    """A list's items with the comments between them (SOPS keeps a comment in a list as an item of it)."""
    out: list[Any] = []
    done = 0
    for item in shape:
        if isinstance(item, Comment) and not item.text:
            # sops writes an empty comment in a list as the item "" (a value to every reader): a bare
            # "#" line separating list items carries nothing, so it is left out rather than refused
            notes.add("an empty comment line (#) in a list is left out (SOPS would write it as an item \"\")",
                      where)
        elif isinstance(item, Comment):
            out.append(item)
        elif done < len(data):
            out.append(go_tree(data[done], item, kind, notes, (*where, ListIndex(done))))
            done += 1
    return out + [go_tree(value, None, kind, notes, (*where, ListIndex(index)))
                  for index, value in enumerate(data[done:], done)]


def _comments(shape: Any) -> dict[str | None, list[Comment]]:
    """Comments before each key of a mapping (``None``: after the last one)."""
    found: dict[str | None, list[Comment]] = {}
    pending: list[Comment] = []
    for item in shape if isinstance(shape, Branch) else ():
        if isinstance(item.key, Comment):
            pending.append(item.key)
        else:
            found[item.key], pending = pending, []
    found[None] = pending
    return found


def _go_pattern(rules: EncryptionRules) -> str:
    return rules.pattern if rules.kind.endswith("_suffix") else go_pattern(rules.pattern, rules.kind)


def go_pattern(pattern: str, what: str) -> str:
    """A sealfile (Python) pattern in Go's syntax, for SOPS: ``\\Z`` as ``\\z``; what Go's regexp lacks refused.
    The caller checks that SOPS reads it alike where it applies (``\\w`` is ASCII to Go)."""
    if any(token in pattern for token in _PYTHON_ONLY) or any(f"\\{d}" in pattern for d in "123456789"):
        raise FormatError(f"the {what} pattern uses syntax Go's regexp (SOPS) does not have")
    return pattern.replace("\\Z", "\\z")


def sops_rule(rules: EncryptionRules, data: Any) -> SopsRule:
    """The same rule for SOPS; it must select the same values on every path of ``data``."""
    rule = rule_from_metadata({rules.kind: _go_pattern(rules)})
    for path in _leaf_paths(data, ()):
        keys = tuple(str(segment) for segment in path if not isinstance(segment, ListIndex))
        if rule.encrypts(keys) != rules.encrypts(path):
            raise FormatError(f"SOPS would read the {rules.kind} pattern otherwise here", keypath=format_keypath(path))
    return rule


def _leaf_paths(node: Any, where: Path) -> Iterator[Path]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaf_paths(value, (*where, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaf_paths(value, (*where, ListIndex(index)))
    else:
        yield where


def sops_name_fits(path: str, kind: Kind) -> None:
    """Refuse to write a SOPS ``kind`` file under a name ``sops`` reads as another store (it picks the
    store by the name's exact suffix: ``.env.enc``, ``.ini`` or ``X.YAML`` would not open in it)."""
    named = named_kind(path)
    if named != kind:
        raise FormatError(f"sops reads a file of this name as {LABELS[named]}, not {LABELS[kind]}: name it "
                          f"{_SUFFIXES[kind]} (or write to stdout)")


_SUFFIXES = {"yaml": "*.yaml", "json": "*.json", "dotenv": "*.env"}


def export_sops(text: str, store: Store, *, kind: Kind, policy: TrustPolicy | None = None) -> Exported:
    """The SOPS file (``kind``: yaml, json or dotenv) holding what the sealed ``text`` holds (its seal
    checked by ``policy`` first, as every reader does)."""
    if sops_kind(text) is not None:
        raise FormatError("already a SOPS file: export-sops converts a sealed file")
    document = (policy or from_environment()).open(text, store)
    meta: Metadata = document.metadata
    data = document.untagged_data((), "to SOPS, which drops tags")
    if isinstance(data, list):  # a stream's documents (a file's top level is always a mapping)
        raise FormatError("a file of several YAML documents; export-sops writes one document (split the file)")
    notes = Notes({})
    keeps_comments = kind != "json"  # SOPS's JSON store has no comments
    go_tree(data, None, kind, Notes({}))  # what SOPS cannot keep is refused by key path before the text is read
    # the plaintext as SOPS reads it: its comments, and its times to the nanosecond (data() has microseconds)
    # (a text with no key yet has no document to give a shape)
    shape: Any = None
    if store.name == "yaml":
        shape = next(iter(read_yaml(document.plaintext(), comments=keeps_comments, keys_as_text=True)), None)
    elif store.name == "dotenv" and keeps_comments:
        shape, lost = dotenv_shape(document.plaintext())
        for what, names in lost.items():
            notes.found[what] = names
    tree = go_tree(data, shape, kind, notes)
    merges = merge_note(shape, "are written merged (the SOPS file holds each merged key where it is read)")
    rule = sops_rule(meta.rules, data)
    if store.name == "yaml":
        from sealfile.ops.reader import yaml_engine
        from sealfile.stores.yaml.aliases import refuse_plaintext_copies
        from sealfile.stores.yaml.sealed import scan_sealed_yaml
        scanned = scan_sealed_yaml(text, yaml_engine())[2]
        refuse_plaintext_copies(scanned, meta.rules.encrypts, "in a SOPS file (its rule goes by path)")
    document.check_recipients_passed_on()  # a stanza anyone could have added to a version 1 file gets no new key
    data_key = new_data_key()
    keys = sops_keys(meta, data_key)
    out = write_sops(tree, kind=kind, data_key=data_key, rule=rule, groups=keys.groups, threshold=keys.threshold)
    lines = [*keys.notes, *merges, *notes.lines(),
             "per-value set-at times are not kept (SOPS records one lastmodified time)"]
    if has_comment(tree) and ",type:comment]" in out:  # not under encrypted_regex: SOPS keeps them plaintext
        lines.append("comments are encrypted by SOPS: reviewers see #ENC[...] lines")
    elif kind == "json" and store.name != "json" and "#" in text:
        lines.append("comments are not kept (a SOPS JSON file has none)")
    if meta.signature:
        lines.append("the file's signature is not kept (SOPS files are not signed)")
    return Exported(out, lines)
