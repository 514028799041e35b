"""Every document of a YAML stream that is not a sealed file, read for what it holds: a plaintext data file a
change commits (:mod:`sealfile.gitflow.plaintext_copies`), not a file to seal.

Sealing refuses a document that is not a mapping; a plaintext data file has them often (an Ansible playbook is
a list). Here such a stream is read anyway, by the same parse and walk as sealing (the one YAML meaning, the same
limits on size and depth): a list document read as a list, a scalar one as ``None``, and a trailing empty document
(``helm template`` and hand-written Kubernetes manifests end in ``---``) dropped, as it holds no value to compare.
A text with anchors is left to the strict walk.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml.nodes import MappingNode, SequenceNode

from sealfile.model.paths import Path
from sealfile.stores.yaml.basics import c_parser_available, split_bom
from sealfile.stores.yaml.engines import tag_text
from sealfile.stores.yaml.parsed import MAP_TAG, SEQ_TAG, _Walk, empty_document, parsed_scan
from sealfile.stores.yaml.scanned import Scan


class _StreamWalk(_Walk):
    def run(self, roots: list[Any]) -> Scan:
        if len(roots) > 1 and empty_document(roots[-1]):
            roots = roots[:-1]
        return super().run(roots)

    def _document(self, root: Any, prefix: Path, encoded: bytes, scanned: Scan, *, allow_metadata: bool) -> Any:
        if type(root) is MappingNode and tag_text(root.ctag) == MAP_TAG:
            return super()._document(root, prefix, encoded, scanned, allow_metadata=allow_metadata)
        if type(root) is SequenceNode and tag_text(root.ctag) == SEQ_TAG:
            return self._build(root, None, None, None, prefix, encoded, False, root.start_mark.column, 1)
        return None


def stream_documents(text: str) -> list[Any]:
    """Each document's tree (a mapping, a list, or ``None``); :class:`~sealfile.errors.FormatError` for what
    the walk refuses in any document but the two above."""
    scanned = parsed_scan(split_bom(text)[1], "c" if c_parser_available() else "pure", _StreamWalk)
    return list(scanned.tree) if scanned.multi else [scanned.tree]
