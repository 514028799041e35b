"""Loaded secrets that do not print: ``Secrets`` is a ``dict`` whose ``repr``/``str`` hide values.

``print(secrets)``, an f-string, ``pprint``, a debugger or a crash reporter that shows local
variables see the key names and ``'***'`` in place of every value. Everything else is a plain
``dict`` (``secrets["database"]["password"]``, ``.get``, iteration, ``==``, ``json.dumps``),
because ``Secrets`` subclasses ``dict``; nested mappings are ``Secrets`` and nested lists
``SecretList``, so ``secrets["database"]`` does not print its values either. A string you take
out is an ordinary ``str``: keep it out of logs with :func:`sealfile.redact_logs`.

``to_dict()`` gives plain ``dict``/``list`` copies for libraries that refuse subclasses (e.g.
``yaml.safe_dump``).
"""

from __future__ import annotations

from typing import Any

MASK = "***"


def _masked(value: Any) -> str:
    if isinstance(value, (Secrets, SecretList)):
        return value._masked()
    return MASK


class Secrets(dict[Any, Any]):
    """A mapping of loaded secrets; its text shows keys only."""

    def _masked(self) -> str:
        return "{" + ", ".join(f"{key!r}: {_masked(value)}" for key, value in self.items()) + "}"

    def __repr__(self) -> str:
        return f"Secrets({self._masked()})"

    __str__ = __repr__

    def to_dict(self) -> dict[Any, Any]:
        """A deep copy made of plain ``dict`` and ``list`` (whose ``repr`` shows values)."""
        plain = to_plain(self)
        assert isinstance(plain, dict)
        return plain


class SecretList(list[Any]):
    """A list inside loaded secrets; its text shows how many items, never what they are."""

    def _masked(self) -> str:
        return "[" + ", ".join(_masked(value) for value in self) + "]"

    def __repr__(self) -> str:
        return f"SecretList({self._masked()})"

    __str__ = __repr__

    def to_list(self) -> list[Any]:
        plain = to_plain(self)
        assert isinstance(plain, list)
        return plain


def redacted(tree: Any) -> Any:
    """The same tree with every mapping a :class:`Secrets` and every list a :class:`SecretList`."""
    if isinstance(tree, dict):
        return Secrets((key, redacted(value)) for key, value in tree.items())
    if isinstance(tree, list):
        return SecretList(redacted(value) for value in tree)
    return tree


def to_plain(tree: Any) -> Any:
    """Inverse of :func:`redacted`: plain ``dict`` and ``list`` all the way down."""
    if isinstance(tree, dict):
        return {key: to_plain(value) for key, value in tree.items()}
    if isinstance(tree, list):
        return [to_plain(value) for value in tree]
    return tree
