"""What a YAML file's seal covers besides its leaves (docs/format.md §7): each alias and merge key, and the
documents of a stream that holds a document without values.

A stream's documents enter the seal only through the paths of their leaves, so a document holding no value (an
empty one, ``---`` alone, or ``{}``) would be invisible: a ``---`` appended at the end, or an empty document
swapped for ``{}``, would keep the digest. Such a stream's seal therefore ends in one more entry naming each
document's kind. Every other file's seal is what it always was, so every file written before still verifies.
"""

from __future__ import annotations

from typing import Any

from sealfile.stores.yaml.aliases import with_refs
from sealfile.stores.yaml.scanned import Scan

Entries = list[tuple[bytes, bytes]]

DOCUMENTS = b"documents"
"""The entry's first part, where a leaf's entry has its canonical path (§4), which never starts with a ``d``."""


def documents_entry(scanned: Scan) -> tuple[bytes, bytes] | None:
    """``("documents", kinds)``, a byte a document (``m`` a mapping, ``n`` an empty document), for a stream
    with a document that holds no value; ``None`` for any other text (a mapping's truth: it holds a key)."""
    documents: list[Any] = scanned.tree if scanned.multi else []
    if all(documents):
        return None
    return DOCUMENTS, b"".join(b"n" if document is None else b"m" for document in documents)


def seal_entries(leaves: Entries, scanned: Scan) -> Entries:
    """Everything the seal covers after its head, in order: the ``leaves``' entries with each alias and
    merge entry in its place, then the documents entry if the stream needs one."""
    entries = with_refs(leaves, scanned.refs)
    documents = documents_entry(scanned)
    return entries if documents is None else [*entries, documents]


def entries_before_documents(leaves: Entries, scanned: Scan) -> Entries | None:
    """The seal's entries as writers made them before streams' documents were covered, for a stream that
    could be sealed then and now has a documents entry: one whose last document holds a value (a stream
    ending in an empty document was refused). ``None`` for any other text.

    No file sealed with the documents entry, nor any file that needs none, has the same entries as another
    text read this way: the leaves' paths fix the index of every document that holds a value, so only
    documents without values, between them, could differ; a file sealed now names those in its entry."""
    if documents_entry(scanned) is None or not scanned.tree[-1]:
        return None
    return with_refs(leaves, scanned.refs)


def seal_forms(leaves: Entries, scanned: Scan) -> list[Entries]:
    """The entries a reader accepts a seal over: :func:`seal_entries`, then the form before documents were
    covered where that is still accepted (:func:`entries_before_documents`)."""
    earlier = entries_before_documents(leaves, scanned)
    return [seal_entries(leaves, scanned)] if earlier is None else [seal_entries(leaves, scanned), earlier]
