"""Loaded secrets that do not print: ``Secrets`` is a ``dict`` whose ``repr``/``str`` hide values.

``print(secrets)``, an f-string, ``pprint``, a debugger or a crash reporter that shows local
variables see the key names and ``'***'`` in place of every value. Everything else is a plain
``dict`` (``secrets["database"]["password"]``, ``.get``, iteration, ``==``, ``json.dumps``),
because ``Secrets`` subclasses ``dict``; nested mappings are ``Secrets`` and nested lists
``SecretList``, so ``secrets["database"]`` does not print its values either. A string you take
out is an ordinary ``str``: keep it out of logs with :func:`sealfile.redact_logs`.

Error reporters serialize a frame's local variables themselves, a mapping by its items: Sentry
asks a type for ``__sentry_repr__`` first, which these types answer with their masked text
(``tests/runtime/test_error_reporters.py`` runs the real SDK). Reporters without such a hook
(Elastic APM, Rollbar...) see the values: scrub them there.

What a caller may rely on (``tests/runtime/test_view.py`` checks each):

- Redacted views again: ``.copy()``, ``|`` and ``|=`` (either side), ``copy.copy``,
  ``copy.deepcopy``, ``pickle`` round trips, ``Secrets.fromkeys``, ``.values()`` and ``.items()``
  (views whose ``repr`` hides values), and for lists slicing, ``.copy()``, ``+`` and ``*``.
- Plain data, by design: what Python builds from the items without asking the class:
  ``dict(s)``, ``{**s}``, ``list(s_list)``, ``[*s_list]``, ``sorted(...)``, ``json.dumps``; their top-level
  values are plain (nested mappings and lists stay redacted), as they are for ``to_dict()``
  (plain all the way down, for libraries that refuse subclasses such as ``yaml.safe_dump``).
  Pickling writes the values into the pickle, as any serialisation must.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterable, ValuesView
from typing import Any, SupportsIndex, overload

from sealfile.model.paths import plain_tree

MASK = "***"


def _masked(value: Any) -> str:
    if isinstance(value, (Secrets, SecretList)):
        return value._masked()
    return MASK


class SecretValues(ValuesView[Any]):
    """``Secrets.values()``: a live view whose text shows how many values, never what they are."""

    def __repr__(self) -> str:
        return "SecretValues([" + ", ".join(_masked(value) for value in self) + "])"

    __sentry_repr__ = __repr__


class SecretItems(ItemsView[Any, Any]):
    """``Secrets.items()``: a live view whose text shows keys only."""

    def __repr__(self) -> str:
        return "SecretItems([" + ", ".join(f"({key!r}, {_masked(value)})" for key, value in self) + "])"

    __sentry_repr__ = __repr__


class Secrets(dict[Any, Any]):
    """A mapping of loaded secrets; its text shows keys only."""

    def _masked(self) -> str:
        return "{" + ", ".join(f"{key!r}: {_masked(value)}" for key, value in self.items()) + "}"

    def __repr__(self) -> str:
        return f"Secrets({self._masked()})"

    __str__ = __sentry_repr__ = __repr__

    def values(self) -> SecretValues:  # type: ignore[override]
        return SecretValues(self)

    def items(self) -> SecretItems:  # type: ignore[override]
        return SecretItems(self)

    def copy(self) -> Secrets:
        return Secrets(self)

    def __or__(self, other: Any) -> Secrets:
        if not isinstance(other, dict):
            return NotImplemented
        return Secrets(dict.__or__(self, other))

    def __ror__(self, other: Any) -> Secrets:
        if not isinstance(other, dict):
            return NotImplemented
        return Secrets(dict.__or__(other, self))

    def to_dict(self) -> dict[Any, Any]:
        """A deep copy made of plain ``dict`` and ``list`` (whose ``repr`` shows values)."""
        plain = plain_tree(self)
        assert isinstance(plain, dict)
        return plain


class SecretList(list[Any]):
    """A list inside loaded secrets; its text shows how many items, never what they are."""

    def _masked(self) -> str:
        return "[" + ", ".join(_masked(value) for value in self) + "]"

    def __repr__(self) -> str:
        return f"SecretList({self._masked()})"

    __str__ = __sentry_repr__ = __repr__

    @overload
    def __getitem__(self, index: SupportsIndex) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> SecretList: ...

    def __getitem__(self, index: SupportsIndex | slice) -> Any:
        item = super().__getitem__(index)
        return SecretList(item) if isinstance(index, slice) else item

    def copy(self) -> SecretList:
        return SecretList(self)

    def __add__(self, other: Iterable[Any]) -> SecretList:
        return SecretList([*self, *other])

    def __radd__(self, other: Iterable[Any]) -> SecretList:
        return SecretList([*other, *self])

    def __mul__(self, times: SupportsIndex) -> SecretList:
        return SecretList(list.__mul__(self, times))

    __rmul__ = __mul__

    def to_list(self) -> list[Any]:
        plain = plain_tree(self)
        assert isinstance(plain, list)
        return plain


def redacted(tree: Any) -> Any:
    """The same tree with every mapping a :class:`Secrets` and every list a :class:`SecretList`."""
    if isinstance(tree, dict):
        mapping = Secrets(tree)  # scalars copied in one call; only containers are walked
        for key, value in tree.items():
            if isinstance(value, (dict, list)):
                mapping[key] = redacted(value)
        return mapping
    if isinstance(tree, list):
        return SecretList([redacted(value) if isinstance(value, (dict, list)) else value for value in tree])
    return tree
