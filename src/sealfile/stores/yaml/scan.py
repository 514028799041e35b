"""A YAML file read once into its value tree, its leaves, and where each leaf sits in the text.

Every verb on a YAML file starts here: the plain value tree (what ``load_secrets`` returns), every leaf in
document order with its canonical path encoding (for the MAC and the tokens), and the exact text span of each
node, so values can be sealed, opened and changed by editing the user's text in place (docs/format.md §1).

The meaning is the one YAML meaning of this project, YAML 1.2 as ruamel.yaml reads it. A text in the common
subset sealfile writes is read by a line scan (:mod:`.fastscan`) without loading ruamel; any other by ruamel's
parser (:mod:`.parsed`), which refuses in one line what the format cannot hold.
"""

from __future__ import annotations

import os

from sealfile.stores.node_limit import max_nodes
from sealfile.stores.yaml.basics import Engine, gc_paused
from sealfile.stores.yaml.fastscan import fast_scan
from sealfile.stores.yaml.scan_check import CHECK_VARIABLE, same_scan
from sealfile.stores.yaml.scanned import Leaf as Leaf
from sealfile.stores.yaml.scanned import Scan as Scan
from sealfile.stores.yaml.scanned import style_of as style_of
from sealfile.stores.yaml.scanned import styled as styled

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any

LINE_SCAN_NODES = 3
"""Nodes of one line the line scan reads, at most (``- key: value``: a mapping in a list, a key and its value;
the root mapping is one more, and the first line holds no ``-``)."""


def scan(text: str, *, engine: Engine = "c") -> Scan:
    """Parse ``text``, given without its byte-order mark (the engines count positions after one
    differently); :class:`FormatError` (one line, never quoting the input) for what the format refuses.
    With the C engine, a text in the common subset sealfile writes is read by the line scan (:mod:`.fastscan`),
    which reads at most :data:`LINE_SCAN_NODES` nodes a line: a text of more lines than that keeps under the
    node limit is counted first (ruamel's parser, through :func:`parsed`, counts every text it reads)."""
    if engine == "c":
        if LINE_SCAN_NODES * (text.count("\n") + 1) > max_nodes():
            from sealfile.stores.yaml.reader import MAX_EDITABLE_DEPTH, refuse_deep, refuse_many_nodes

            refuse_deep(text, MAX_EDITABLE_DEPTH)  # first: what the count costs grows with flow depth
            refuse_many_nodes(text)
        with gc_paused():
            fast = fast_scan(text, parsed)
        if fast is not None:
            if CHECK_VARIABLE in os.environ:
                same_scan(fast, parsed(text))
            return fast
    return parsed(text, engine)


def parsed(text: str, engine: Engine = "c") -> Scan:
    """``text`` read by ruamel's parser, loaded only now: a text the line scan reads never needs it."""
    from sealfile.stores.yaml.parsed import parsed_scan

    return parsed_scan(text, engine)


def plain_data(text: str) -> Any:
    """``text``'s values as ruamel's safe loader reads them (:func:`.reader.load_fast`, with its refusals): a text in
    the line scan's subset without a ``sealfile:`` block (a ``.sealfile.yaml``, a plaintext) read without loading
    ruamel."""
    if LINE_SCAN_NODES * (text.count("\n") + 1) <= max_nodes():
        with gc_paused():
            fast = fast_scan(text, parsed)
        if fast is not None and not fast.has_metadata:  # a top-level 'sealfile:' is a value here
            if CHECK_VARIABLE in os.environ:
                from sealfile.stores.yaml.reader import load_fast

                if load_fast(text) != fast.tree:
                    raise AssertionError("the line scan and ruamel's safe loader read a text differently")
            return fast.tree
    from sealfile.stores.yaml.reader import load_fast

    return load_fast(text)
