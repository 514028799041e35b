"""Theirs' changes written into ours' plaintext, path by path, for the three-way merge (:mod:`.merge`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sealfile.errors import FormatError, KeyPathError
from sealfile.gitflow.merge_written import as_written, regrafted
from sealfile.gitflow.sealed import keypath
from sealfile.model.metadata import Metadata, Stanza
from sealfile.model.paths import Path, get_at, has_path
from sealfile.ops.document import Reuse
from sealfile.ops.plain_edit import FIRST, remove_path, set_path
from sealfile.stores import Store
from sealfile.stores.json_layout import grafted
from sealfile.stores.yaml.basics import split_bom
from sealfile.stores.yaml.scan import Scan, scan


@dataclass
class Side:
    name: str
    data: Any
    """The decrypted values (plain dicts, lists and scalars)."""
    plaintext: str = ""
    meta: Metadata | None = None
    reuse: Reuse | None = None
    items: dict[Path, bytes] = field(default_factory=dict)
    sops: bool = False
    """A SOPS file's version: data only (no sealfile metadata, data key or tokens to keep)."""
    sops_groups: tuple[tuple[Stanza, ...], ...] = ()
    sops_threshold: int = 1
    """A SOPS version's key groups and threshold: whom it was for, which a sealed side may not widen unvouched."""
    scanned: Scan | None = None
    """A YAML version's plaintext read: its items are planned as written (:mod:`.merge_written`)."""

    @property
    def data_key(self) -> bytes | None:
        return self.reuse.data_key if self.reuse else None


def apply_theirs(ours: Side, theirs: Side, applied: list[Path], store: Store, by_value: set[Path]) -> str:
    """Ours' plaintext with theirs' item at each applied path: removals deepest first, then the rest
    (a removal of what an alias still names, after the rest: theirs may replace that alias)."""
    text = ours.plaintext
    flat_text = store.name != "yaml" and not theirs.sops  # theirs' JSON or dotenv text to take values from as written
    later: list[Path] = []
    removed: list[Path] = []
    removals = sorted((p for p in applied if p not in theirs.items and p in ours.items), key=len, reverse=True)
    refilled = [p for p in removals if _refilled(ours, theirs, p)]
    text = _removed(text, store, [p for p in removals if p not in refilled], removed, later)
    done: list[Path] = []
    from_data: list[Path] = []  # theirs' text could not be grafted there when it came: tried again at the end
    # a value changed where it is written also changes where aliases and merges put it: those places last
    anchored = store.name == "yaml" and "&" in text  # only YAML has aliases; JSON is not read as YAML
    if store.name == "yaml" and theirs.scanned is None and theirs.plaintext:
        theirs.scanned = scan(split_bom(theirs.plaintext)[1])
    places = [copy.place for copy in scan(split_bom(text)[1]).copies] if anchored else []
    for p in sorted((p for p in applied if p in theirs.items),  # a list holding an alias: last too
                    key=lambda p: (any(p[:len(place)] == place or place[:len(p)] == p for place in places), len(p))):
        if any(p[: len(d)] == d for d in done):
            continue  # inside a subtree already taken whole from theirs
        if theirs.scanned is not None and not _under_any(p, by_value):
            text, taken = as_written(text, store, theirs.scanned, theirs.items, p,
                                     _preceding_of(theirs, ours, p, done))
            if taken:
                done.append(p)
                continue
        value = get_at(theirs.data, p)
        if isinstance(value, dict) and has_path(ours.data, p) and isinstance(get_at(ours.data, p), dict):
            continue  # the mapping stays; what changed inside it is applied path by path
        if not _without_values(ours.data, p) and (not has_path(ours.data, p[:-1])  # set gives that its first key
                                                  or not isinstance(get_at(ours.data, p[:-1]), dict)):
            raise FormatError(f"cannot apply theirs' change at {keypath(p)}: ours has no mapping above it")
        text = set_path(text, store, p, value, after=_preceding_of(theirs, ours, p, done),
                        written_as=theirs.plaintext if flat_text and not _under_any(p, by_value) else None)
        if flat_text and store.name == "json" and isinstance(value, (dict, list)):
            text = grafted(text, theirs.plaintext, p)  # as theirs writes it, not afresh
        if theirs.scanned is not None and not _under_any(p, by_value):
            from_data.append(p)
        done.append(p)
    # those of a mapping theirs refills after its new keys: emptied first, it would be written '{}' and filled so
    text = _removed(text, store, refilled, removed, later)
    for p in later:
        try:
            text = remove_path(text, store, p)
        except KeyPathError as err:  # ours still names it by an alias that theirs replaced or removed
            raise FormatError(f"theirs removes {keypath(p)}, which our version still uses ({err.message}); "
                              "combine the two versions by hand") from None
    for p in from_data:
        assert theirs.scanned is not None
        text = regrafted(text, theirs.scanned, p)
    return _emptied_as_theirs(text, ours, theirs, store)


def _removed(text: str, store: Store, paths: list[Path], removed: list[Path], later: list[Path]) -> str:
    """``text`` without ``paths`` (added to ``removed``); those an alias still names are added to ``later``."""
    for p in paths:
        try:
            text = remove_path(text, store, p)
            removed.append(p)
        except KeyPathError:
            later.append(p)
    # an alias inside a subtree theirs removes whole went with it
    later[:] = [p for p in later if not any(p[:len(r)] == r for r in removed)]
    return text


def _refilled(ours: Side, theirs: Side, path: Path) -> bool:
    """Whether theirs removes every key ours has in the block mapping holding ``path`` and gives it other keys."""
    if not path or not has_path(theirs.data, path[:-1]):
        return False
    now, was = get_at(theirs.data, path[:-1]), get_at(ours.data, path[:-1])
    return isinstance(now, dict) and bool(now) and isinstance(was, dict) and not set(was) & set(now)


def _emptied_as_theirs(text: str, ours: Side, theirs: Side, store: Store) -> str:
    """A JSON mapping theirs emptied, spelled as theirs' text has it (``{}``), not as removing ours' members one by
    one leaves it (the braces on lines of their own), as the text merge takes theirs' lines."""
    if store.name != "json" or theirs.sops:  # a SOPS side gives its data, not text to copy
        return text
    for p in theirs.items:
        value = get_at(theirs.data, p)
        if isinstance(value, dict) and not value and has_path(ours.data, p) and isinstance(get_at(ours.data, p), dict) \
                and get_at(ours.data, p):
            text = grafted(text, theirs.plaintext, p, empty=True)  # unless ours' members stay (a conflict)
    return text


def _without_values(data: Any, path: Path) -> bool:
    """Whether ``path`` is a key of a stream's document that holds no value (empty, or only comments)."""
    return len(path) == 2 and isinstance(data, list) and int(path[0]) < len(data) and data[int(path[0])] is None


def _preceding_of(theirs: Side, ours: Side, path: Path, written: list[Path]) -> Any:
    parent = get_at(theirs.data, path[:-1]) if path else None
    return _preceding(parent, ours, path, written) if isinstance(parent, dict) else None


def _preceding(theirs_parent: dict[Any, Any], ours: Side, path: Path, written: list[Path]) -> Any:
    """The key a new key follows in theirs' order that ours has too, or that this merge already ``written``
    into it (:data:`FIRST` when none is), so new keys land where theirs put them, in theirs' order."""
    keys = list(theirs_parent)
    index = next(i for i, k in enumerate(keys) if type(k) is type(path[-1]) and k == path[-1])
    for key in reversed(keys[:index]):
        beside = (*path[:-1], key)
        if has_path(ours.data, beside) or (type(key), beside) in {(type(p[-1]), p) for p in written if p}:
            return key
    return FIRST


def _under_any(path: Path, tops: set[Path]) -> bool:
    return any(path[:len(top)] == top for top in tops)


def comments_not_merged(base: Side, theirs: Side, merged: str) -> str | None:
    """A warning when the merge (ours' layout) leaves out comment lines theirs added or keeps ones theirs removed:
    otherwise such a change is lost without a word, and a rebased commit made of it is dropped as empty. Counts
    only: a comment is plaintext, and may hold anything."""
    before, after, result = (_comment_lines(text) for text in (base.plaintext, theirs.plaintext, merged))
    added = (after - before) - result  # where it is: written at another key, it is not theirs'
    was, now, kept = (_texts(lines) for lines in (before, after, result))
    stale = (was - now) & kept  # anywhere: still in the file, not removed
    # or taken out of its document and still in it: a comment theirs moved to another document where the same text
    # already was cancels its own removal counted over the whole file (seed 47119)
    was_in, now_in, kept_in = (_in_documents(lines) for lines in (before, after, result))
    stale |= Counter(comment.strip() for (_document, comment) in ((was_in - now_in) & kept_in).elements())
    missing = sum(added.values()) + sum(stale.values()) - sum((_texts(added) & stale).values())  # a move counts once
    if not missing:
        return None
    return (f"{theirs.name}' comment changes are not merged ({missing} comment line{'s' * (missing > 1)}): the merge "
            "keeps ours' comments and layout; make them again with 'sealfile edit'")


Where = tuple[int, str, str]
"""A comment line (its indentation too) and where it is: its document's number and the next line that is not a
comment, with the keys of the lines it is indented under."""


def _comment_lines(text: str) -> Counter[Where]:
    """Each comment line with where it is (the same comment moved to another key, mapping or document is a change too:
    a key moved out of a mapping is written the same on its new line, its indentation and parents are not)."""
    found: Counter[Where] = Counter()
    document, waiting = 0, []
    parents: list[tuple[int, str]] = []  # (indentation, key) of the lines the next one is under
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            waiting.append(line.rstrip())  # its indentation too: left above a key moved out, it is not where it was
            continue
        if stripped:
            indent = len(line) - len(line.lstrip())
            parents = [(column, key) for column, key in parents if column < indent]
            where = "/".join(key for _column, key in parents) + "/" + stripped
            found.update((document, comment, where) for comment in waiting)
            waiting = []
            parents.append((indent, stripped.split(":", 1)[0]))
        document += line.startswith("---")
        parents = [] if line.startswith("---") else parents
    found.update((document, comment, "") for comment in waiting)
    return found


def _texts(lines: Counter[Where]) -> Counter[str]:
    found: Counter[str] = Counter()
    for (_document, comment, _next), count in lines.items():
        found[comment.strip()] += count
    return found


def _in_documents(lines: Counter[Where]) -> Counter[tuple[int, str]]:
    """Each comment line with its indentation and document (not the line after it: a key removed below a comment
    leaves it over another key, where it still is)."""
    found: Counter[tuple[int, str]] = Counter()
    for (document, comment, _next), count in lines.items():
        found[document, comment] += count
    return found
