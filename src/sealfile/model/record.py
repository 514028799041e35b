"""Immutable records for the classes every command builds while it starts: equality, hashing, a
``repr`` that can keep fields out, and :meth:`Record.replace`, without ``dataclasses``.

Why not ``@dataclass``: it writes and compiles each class's methods when its module is imported
(1-1.6 ms a frozen class on this project's machines, and importing ``dataclasses`` loads
``inspect``). ``sealfile decrypt`` of a small file paid more for two dozen such classes than for
its YAML parser. A record lists its fields in ``_fields`` (in ``__init__``'s order and names) and
its ``__init__`` calls :meth:`Record._fill`; fields are read-only afterwards, as in a frozen
dataclass.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:  # a string bound compiles its text when made: ~1 ms of every start (the first compile)
    from typing import Any, ClassVar, TypeVar
    R = TypeVar("R", bound="Record")


class Record:
    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    """The fields, named as ``__init__`` takes them; equality, hashing and ``repr`` use them in order."""
    _hidden: ClassVar[frozenset[str]] = frozenset()
    """Fields ``repr`` leaves out (key material, decrypted data)."""

    def _fill(self, *values: Any) -> None:
        """Set every field, in ``_fields`` order (only ``__init__`` calls this)."""
        for name, value in zip(self._fields, values, strict=True):
            object.__setattr__(self, name, value)

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable (cannot delete {name!r})")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Record)
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields if name not in self._hidden)
        return f"{type(self).__name__}({shown})"

    def replace(self: R, **changes: Any) -> R:
        """A copy with ``changes``, built through ``__init__`` (so its checks run again)."""
        unknown = set(changes) - set(self._fields)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {sorted(unknown)[0]!r}")
        return type(self)(**{name: changes.get(name, getattr(self, name)) for name in self._fields})
