"""How much of a file any reader parses: at most :func:`max_nodes` nodes (docs/format.md §1.2).

A sealed file is attacker-controlled input, and the size limit (:func:`~sealfile.files.io.max_file_bytes`)
alone lets 8 MiB hold four million tiny values (``[1,1,1,...]``), which ruamel and the scan build and walk
for a minute and gigabytes. So every reader counts first, and refuses past the limit after work bounded by
it: a count at C speed that can only over-count (a few ``str.count`` calls), and, only when that bound is
past the limit, the exact count, which stops as soon as it passes it.

What counts (the same for YAML, JSON and dotenv, sealed, plaintext and SOPS): every node as written,
that is each key, each value, each list item, the document itself (a mapping or list counting as a value
and its contents again); a YAML alias counts once (the values aliases copy are bounded apart, by
:mod:`sealfile.stores.yaml.aliases`). A dotenv binding counts 2 (its name and its value), a line of a SOPS
dotenv or INI file 2, and a JSON value in a dotenv metadata line its own nodes.
"""

from __future__ import annotations

import re
from itertools import islice

from sealfile.errors import FormatError
from sealfile.files.settings import positive_setting
from sealfile.model.lazy_pattern import compiled_when_used

MAX_NODES_ENV = "SEALFILE_MAX_NODES"
DEFAULT_MAX_NODES = 250_000
"""Nearly four times the nodes of the largest benchmark file (30,000 values: 67,572 nodes), twice those of an
8 MiB file of the benchmark's kind; refused in a fraction of a second, read in two (decrypt) to fifteen (a
structural set, through the round-trip reader)."""


def max_nodes() -> int:
    """The limit: :data:`DEFAULT_MAX_NODES` unless ``SEALFILE_MAX_NODES`` says."""
    return positive_setting(MAX_NODES_ENV, DEFAULT_MAX_NODES, unit="nodes", kind=int)


def too_many(limit: int) -> FormatError:
    """The one refusal, for any syntax (the caller's :func:`~sealfile.files.io.about` names the file)."""
    return FormatError(f"more than {limit:,} keys and values (lists and mappings counted) to read; "
                       f"not a secrets file? (see {MAX_NODES_ENV})")


def refuse_past(count: int) -> None:
    """Refuse ``count`` nodes if they are more than the limit."""
    limit = max_nodes()
    if count > limit:
        raise too_many(limit)


_BLANKS_AFTER_DASH = (" ", "\t", "\r", "\n")
_BREAKS_AFTER_DASH = ("\x85", "\u2028", "\u2029")
"""What makes a ``-`` a block list item for libyaml and ruamel (a blank or a line break after it)."""


def yaml_bound(text: str) -> int:
    """At least the nodes of ``text`` read as YAML, at C speed (a few ``str.count`` passes).

    Every node is a document's root, a mapping's key or value, or a list's item. A mapping entry needs a ``:``
    or a ``?`` (block, or a pair in a flow list), or in a flow mapping a ``{`` or ``,`` before it; a list item
    a ``-`` and a blank (block) or a ``[`` or ``,`` before it (flow); a document after the first a ``---`` or
    ``...``. Characters inside values and comments only make the bound larger."""
    dashes = sum(text.count("-" + blank) for blank in _BLANKS_AFTER_DASH) + text.endswith("-")
    if not text.isascii():
        dashes += sum(text.count("-" + blank) for blank in _BREAKS_AFTER_DASH)
    commas = text.count(",")
    entries = text.count(":") + text.count("?") + commas + text.count("{")
    items = dashes + commas + text.count("[")
    return 1 + text.count("---") + text.count("...") + 2 * entries + items


_json_node = compiled_when_used(r'"[^"\\]*(?:\\.[^"\\]*)*+"|[^\s\[\]{},:"]+|[\[{]', re.DOTALL)
"""What starts a node in JSON text: a string (a key too), a number or literal, an array or object."""


def json_nodes(text: str, stop: int | None = None) -> int:
    """The nodes of ``text`` read as JSON, exactly for valid JSON; counting stops past ``stop`` (the
    count is then ``stop + 1``), so its work and memory are bounded by ``stop`` whatever the text holds."""
    found = _json_node().finditer(text)
    return sum(1 for _ in (found if stop is None else islice(found, stop + 1)))


def refuse_many_json_nodes(*texts: str, counted: int = 0) -> None:
    """Refuse JSON ``texts`` of more nodes in all than the limit (``counted``: nodes read besides them), counted
    exactly only when a cheap bound is past it (every value but the root follows a ``[``, a ``,`` or a member's
    ``:``, and every key is before a ``:``)."""
    limit = max_nodes()
    budget = limit - counted
    bound = sum(1 + 2 * text.count(":") + text.count(",") + text.count("[") for text in texts)
    if bound <= budget:
        return
    for text in texts:
        budget -= json_nodes(text, stop=max(budget, 0))
        if budget < 0:
            break
    if budget < 0:
        raise too_many(limit)


def refuse_many_lines(text: str) -> None:
    """Refuse a SOPS dotenv or INI text of more lines than half the limit (a key and a value each)."""
    refuse_past(2 * (text.count("\n") + (not text.endswith("\n"))))
