"""The two YAML engines (ruamel's C parser and its pure-Python one) set up for one meaning: YAML 1.2
with ruamel's own resolver, looked up once per document. Both give the same nodes and marks,
except that the C parser does not count a leading byte-order mark: positions are always counted
after it (:func:`split_bom`)."""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag

from sealfile.stores.yaml.basics import Engine
from sealfile.stores.yaml.integers import limit_integers
from sealfile.stores.yaml.per_thread import forget_c_stream, per_thread

_MEMO_LONGEST = 64
"""Plain scalars up to this length have their tag remembered for the rest of the parse (keys and
short values repeat; tokens, which do not, are longer)."""


class OnceVersionResolver(VersionedResolver):
    """ruamel's resolver looks the YAML version up again for every scalar (two property calls
    that cost more than the regex match). The version cannot change inside one document, so
    look it up once per loader; the resolution tables and their order are ruamel's own. While a
    loader reads one text, a plain scalar's tag is also remembered for the next time the same
    text comes (every key of a list of similar mappings, ``true``, ``5432``...); the scalars may
    be secrets, so :func:`forget` drops them when the parse ends (``remember=False``: never kept)."""

    def __init__(self, *args: Any, remember: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sealfile_table: Any = None
        self._sealfile_version: Any = None
        self._sealfile_by_first: Any = None
        """The table by first character, or ``False`` where ruamel's own ``resolve`` must decide."""
        self._sealfile_plain: dict[str, Any] = {}
        self._sealfile_longest = _MEMO_LONGEST if remember else -1

    def forget(self) -> None:
        self._sealfile_plain.clear()

    @property
    def versioned_resolver(self) -> Any:
        if self._sealfile_table is None:
            self._sealfile_table = super().versioned_resolver
        return self._sealfile_table

    @property
    def processing_version(self) -> Any:
        """ruamel's own, looked up once (its constructors ask again for every number they build)."""
        if self._sealfile_version is None:
            self._sealfile_version = super().processing_version
        return self._sealfile_version

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        """ruamel's own ``resolve`` for a plain scalar with the table looked up once; any other
        case (or a table with catch-all entries, which ruamel's 1.2 rules do not have) is ruamel's.
        Called once per node of every parse: the common cases come first and look nothing up twice."""
        by_first = self._sealfile_by_first
        if by_first is None:
            table = self.versioned_resolver
            by_first = self._sealfile_by_first = False if None in table or self.yaml_path_resolvers else table
        if kind is not ScalarNode or by_first is False:
            return super().resolve(kind, value, implicit)
        if not implicit[0]:  # quoted or block: a string, as ruamel's own resolve says
            return _STRING_TAG
        remembered = len(value) <= self._sealfile_longest
        if remembered:
            known = self._sealfile_plain.get(value)
            if known is not None:
                return known
        found = _STRING_TAG
        for tag, regexp in by_first.get(value[:1], ()):  # value[:1]: "" for an empty value, as ruamel keys it
            if regexp.match(value):
                found = Tag(suffix=tag)
                break
        if remembered:
            self._sealfile_plain[value] = found
        return found


_STRING_TAG = OnceVersionResolver.DEFAULT_SCALAR_TAG


@per_thread
def engine_yaml(engine: Engine) -> YAML:
    yaml = limit_integers(YAML(typ="safe", pure=engine == "pure"))
    yaml.Resolver = OnceVersionResolver
    if engine == "pure":  # the C engine never needs the pure scanner: imported only here
        from sealfile.stores.yaml.libyaml_scanner import LibyamlComposer, LibyamlParser, LibyamlScanner

        yaml.Scanner = LibyamlScanner
        yaml.Parser = LibyamlParser
        yaml.Composer = LibyamlComposer
    return yaml


def tag_text(tag: Any) -> str:
    """``str(tag)`` without its per-call URI decoding (implicit tags have no handle, no ``%``)."""
    if isinstance(tag, Tag) and tag.handle is None and "%" not in tag.suffix:
        return str(tag.suffix)
    return str(tag)


def release(yaml: YAML, parser: Any) -> None:
    """What ruamel's own ``load`` does after a document: the pure reader and scanner are reused."""
    parser.dispose()
    yaml.doc_infos.clear()
    for resolver in (parser, getattr(yaml, "_resolver", None)):  # the C loader is its own resolver
        if isinstance(resolver, OnceVersionResolver):
            resolver.forget()
    for part in ("reader", "scanner"):
        reset = getattr(getattr(yaml, "_" + part, None), f"reset_{part}", None)
        if reset is not None:
            reset()
    forget_c_stream(yaml)

