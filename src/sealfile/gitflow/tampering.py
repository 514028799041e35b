"""Hand edits of sealed files that ``review`` can tell without any key (docs/format.md §5, §7).

A token is bound to its key path (the path digest inside it) and the ``mac`` line to everything
the file holds, so a sealed file changed by someone without its data key cannot open; only a key
holder would notice, when it is too late. Three such edits show from the files alone:

- **a token copied to another key path** (a swap: a value of ``api.token`` pasted over
  ``db.password``, a key renamed or a list reordered by hand). sealfile re-seals a value whose path
  changes, so one ciphertext at two key paths, in any file or version of the change, is a copy;
- **the ``mac`` line not matching the change**: the content changed and the ``mac`` did not, or the
  ``mac`` changed over the same content and the same data key (HMAC is deterministic);
- **a value set back to an older ciphertext** (a replay): sealfile seals a new value now and keeps
  the token of an unchanged one, so a token whose time (readable without the key) is older than the
  one it replaces was taken from history. A key holder can do that too, so it is flagged, not failed.
  (``review`` also finds, by their bytes, the tokens a change sets that history held: :func:`set_tokens`
  lists them for :func:`~sealfile.gitflow.returned_keys.replayed_tokens`.)
"""

from __future__ import annotations

from collections.abc import Iterable

from sealfile.envelope.token_shape import token_times
from sealfile.errors import SealfileError
from sealfile.gitflow.sealed import keyless_read, keypath
from sealfile.gitflow.seals import data_key_replaced
from sealfile.model.paths import Path
from sealfile.model.utc_time import utc_stamp
from sealfile.ops.document import SealedDocument
from sealfile.stores import store_for

REFUSED = "readers refuse this file"


class Locations:
    """Every token of a change: where it sits (token -> every (file, key path), in either version of
    every file), and each version as read, so that nothing is parsed twice."""

    def __init__(self) -> None:
        self.tokens: dict[str, set[tuple[str, Path]]] = {}
        self._read: dict[tuple[str, str], SealedDocument | None] = {}
        self._firsts: dict[str, tuple[_Place | None, _Place | None]] = {}

    def elsewhere(self, token: str, path: Path) -> tuple[str, str] | None:
        """``(key path, file)`` of the first place (by key path, then file) that holds ``token`` at another key
        path than ``path``; ``None`` if none does. Each token's places are ordered once for the whole review:
        a change of thousands of files sharing a token would otherwise order them once for each file."""
        if token not in self._firsts:
            places = sorted(((keypath(q), f, q) for f, q in self.tokens.get(token, ())), key=lambda place: place[:2])
            first = places[0] if places else None
            other = next((place for place in places if first is not None and place[2] != first[2]), None)
            self._firsts[token] = first, other
        first, other = self._firsts[token]
        found = first if first is not None and first[2] != path else other
        return (found[0], found[1]) if found is not None else None

    def document(self, file: str, text: str | None) -> SealedDocument | None:
        """``text`` (a version of ``file``) as a sealed document; ``None`` if absent or not one."""
        if text is None:
            return None
        if (file, text) not in self._read:
            self._read[file, text] = _document(file, text)
        return self._read[file, text]

    def take(self, file: str, text: str | None) -> SealedDocument | None:
        """:meth:`document`, no longer kept (each version is compared once: its memory is freed then)."""
        document = self.document(file, text)
        self._read.pop((file, text or ""), None)
        return document


_Place = tuple[str, str, Path]
"""Where a token sits: its key path as shown, the file, the key path."""


def token_locations(versions: Iterable[tuple[str, str | None]]) -> Locations:
    """Index the tokens of ``(file, text)`` pairs (texts that are not sealed files are skipped)."""
    found = Locations()
    for file, text in versions:
        document = found.document(file, text)
        for path, token in document.tokens() if document is not None else ():
            found.tokens.setdefault(token, set()).add((file, path))
    return found


def hand_edits(file: str, old: str | None, new: str, locations: Locations, *,
               old_file: str | None = None) -> tuple[list[str], list[str]]:
    """``(violations, attention)`` for the new version of ``file`` (``old_file``: where the old one
    was): copied tokens and a ``mac`` line that cannot match fail the review; values set back to
    older ciphertexts are flagged."""
    after = locations.take(file, new)
    before = locations.take(old_file or file, old)
    if after is None:
        return [], []
    kept = set(before.tokens()) if before is not None else set()
    violations = _copies(file, after, locations, kept)
    if before is None:
        return violations, []
    violations += _stale_mac(before, after)
    return violations, _replays(before, after)


def _document(file: str, text: str) -> SealedDocument | None:
    try:
        return keyless_read(text, store_for(file))
    except SealfileError:
        return None


def _copies(file: str, after: SealedDocument, locations: Locations, kept: set[tuple[Path, str]]) -> list[str]:
    """Tokens this change put at a key path (not kept there) that sit at another key path elsewhere."""
    found = []
    for path, token in after.tokens():
        if (path, token) in kept:
            continue
        other = locations.elsewhere(token, path)
        if other is not None:
            where, other_file = other
            source = where if other_file == file else f"{where} of {other_file}"
            found.append(f"{keypath(path)}: holds the ciphertext sealed for {source}; a token opens only at the "
                         f"key path it was sealed for: copied by hand, {REFUSED}")
    return found


def _stale_mac(before: SealedDocument, after: SealedDocument) -> list[str]:
    old_mac, new_mac = before.metadata.mac, after.metadata.mac
    changed = before.digest() != after.digest()
    if changed and old_mac == new_mac:
        return [f"the content changed but its 'mac' line did not: edited by hand, not re-sealed; {REFUSED}"]
    if not changed and old_mac != new_mac and not data_key_replaced(before, after):
        return [f"the 'mac' line changed but nothing it covers did, under the same data key: {REFUSED}"]
    return []


def set_tokens(file: str, old: str | None, new: str, *, old_file: str | None = None) -> list[tuple[Path, str]]:
    """``(key path, token)`` of each token the new version holds where the old one held another or none
    (``[]`` when a side is no sealed file)."""
    after, before = _document(file, new), _document(old_file or file, old) if old is not None else None
    if after is None or (old is not None and before is None):
        return []
    kept = dict(before.tokens()) if before is not None else {}
    return [(path, token) for path, token in after.tokens() if kept.get(path) != token]


def _replays(before: SealedDocument, after: SealedDocument) -> list[str]:
    old = dict(before.tokens())
    pairs = [(path, old[path], token) for path, token in after.tokens() if old.get(path, token) != token]
    if not pairs:
        return []
    try:
        was = token_times((path, old_token) for path, old_token, _ in pairs)
        now = token_times((path, token) for path, _, token in pairs)
    except SealfileError:  # a damaged token: check's findings say so
        return []
    return [f"{keypath(path)}: set back to an older ciphertext (sealed {utc_stamp(then)}; the one it replaces was "
            f"sealed {utc_stamp(replaced)}): a value replayed from history?"
            for (path, _, _), replaced, then in zip(pairs, was, now, strict=True) if then < replaced]
