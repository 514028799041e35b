"""Where two data trees differ and how, in words that never quote a value: what a refusal to write says
when a result would not read back as intended (the key path and the cause, never the secret)."""

from __future__ import annotations

from sealfile.model.paths import ListIndex, Path, format_keypath
from sealfile.model.scalars import same_data

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any

_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "a boolean"), (int, "an integer"), (float, "a number with a fraction"), (str, "a string"),
    (bytes, "binary data"), (list, "a list"), (dict, "a mapping"),
)


def kind_in_words(value: Any) -> str:
    """What a value is, in words (never the value itself)."""
    if value is None:
        return "empty (null)"
    found = next((name for kind, name in _KINDS if isinstance(value, kind)), None)
    if found is not None:
        return found
    name = type(value).__name__
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


def first_difference(read: Any, intended: Any, under: Path = ()) -> tuple[Path, str] | None:
    """The first place (in ``intended``'s order) where ``read`` is not :func:`same_data` as ``intended``, and
    how it differs there; ``None`` when they are the same data. Only the first differing branch is walked."""
    if isinstance(read, dict) and isinstance(intended, dict):
        return _mapping_difference(read, intended, under)
    if isinstance(read, list) and isinstance(intended, list):
        for index, (got, want) in enumerate(zip(read, intended, strict=False)):
            if not same_data(got, want):
                return first_difference(got, want, (*under, ListIndex(index)))
        if len(read) != len(intended):
            return under, f"the list there reads back with {len(read)} entries, not {len(intended)}"
        return None
    if same_data(read, intended):
        return None
    got, want = kind_in_words(read), kind_in_words(intended)
    if got == want:
        return under, f"the value written there reads back as another {want.partition(' ')[2] or want}"
    return under, f"the value written there reads back as {got}, not {want}"


def _mapping_difference(read: dict[Any, Any], intended: dict[Any, Any], under: Path) -> tuple[Path, str] | None:
    read_keys = {(type(key), key) for key in read}
    intended_keys = {(type(key), key) for key in intended}
    for got, want in zip(read, intended, strict=False):
        if (type(got), got) == (type(want), want):
            if not same_data(read[got], intended[want]):
                return first_difference(read[got], intended[want], (*under, want))
        elif (type(want), want) not in read_keys:
            return (*under, want), "this key is missing from what reads back"
        elif (type(got), got) not in intended_keys:
            return (*under, got), "this key reads back but is not meant to be there"
        else:
            return (*under, want), "the keys read back in another order"
    extra = [key for key in read if (type(key), key) not in intended_keys]
    if extra:
        return (*under, extra[0]), "this key reads back but is not meant to be there"
    missing = [key for key in intended if (type(key), key) not in read_keys]
    if missing:
        return (*under, missing[0]), "this key is missing from what reads back"
    return None


def described_difference(read: Any, intended: Any) -> tuple[str, str]:
    """:func:`first_difference` as an error shows it: the key path (``(top level)`` for the root) and the cause."""
    path, cause = first_difference(read, intended) or ((), "the text reads back as other data")
    return format_keypath(path) or "(top level)", cause
