"""Which values stay in plaintext: SOPS-compatible rules on key names, recorded in the file.

Exactly one rule is active (as in SOPS); the default is ``unencrypted_suffix: _unencrypted``.
A rule looks at every mapping key on a value's path, so it applies to whole subtrees.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from itertools import chain

from sealfile.errors import ConfigError, FormatError
from sealfile.model.paths import ListIndex, Path, Segment, format_keypath
from sealfile.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any, Protocol

    from sealfile.model.linear_regex import LinearRegex

RULE_NAMES = ("unencrypted_suffix", "encrypted_regex", "unencrypted_regex")
DEFAULT_SUFFIX = "_unencrypted"
_REMEMBERED = 4096
"""Parent paths a :class:`RuleMemo` keeps at most (as :mod:`~sealfile.model.path_fold` does)."""
_READ_KEYS = frozenset({str, ListIndex})
"""The key types every rule reads as they are (a subclass of either goes through the whole check)."""


class EncryptionRules(Record):
    _fields = ("kind", "pattern")
    kind: str
    pattern: str

    def __init__(self, kind: str = "unencrypted_suffix", pattern: str = DEFAULT_SUFFIX) -> None:
        if kind not in RULE_NAMES:
            raise ConfigError(f"unknown encryption rule {kind!r}")
        if kind != "unencrypted_suffix":
            from sealfile.model.linear_regex import compile_linear  # regex rules only: off most starts

            try:
                compile_linear(pattern)
            except re.error as err:
                raise ConfigError(f"{kind} is not a valid regular expression: {err}") from None
            except ValueError as err:  # a file names its rule: no pattern may make a reader backtrack
                raise ConfigError(f"{kind} cannot be used: {err}") from None
        self._fill(kind, pattern)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> EncryptionRules:
        """Pick the one rule named in ``mapping`` (metadata or a creation rule); default if none."""
        given = {name: mapping[name] for name in RULE_NAMES if mapping.get(name) is not None}
        if len(given) > 1:
            raise ConfigError(f"only one of {', '.join(RULE_NAMES)} may be set, got {', '.join(given)}")
        if not given:
            return cls()
        (kind, pattern), = given.items()
        if not isinstance(pattern, str):
            raise ConfigError(f"{kind} must be a string")
        return cls(kind, pattern)

    @classmethod
    def configured(cls, mapping: Mapping[str, Any]) -> EncryptionRules:
        """The rule a user sets (a creation rule, the CLI's flags): as :meth:`from_mapping`, but an empty
        pattern is refused. These are SOPS's names, and SOPS reads an empty one as no rule at all (its
        default): ``unencrypted_regex: ""`` seals every value there and none here."""
        for name in RULE_NAMES:
            if mapping.get(name) == "":
                raise ConfigError(f"{name} is empty: SOPS reads that as no rule (its default, "
                                  f"unencrypted_suffix {DEFAULT_SUFFIX}), sealfile as a pattern every key matches; "
                                  "give a pattern or leave the rule out")
        return cls.from_mapping(mapping)

    def to_mapping(self) -> dict[str, str]:
        return {self.kind: self.pattern}

    @cached_property
    def _regex(self) -> LinearRegex:
        from sealfile.model.linear_regex import compile_linear

        return compile_linear(self.pattern)

    def encrypts(self, path: Path) -> bool:
        return self._encrypts_when(any(self._matches(segment) for segment in path))

    def encrypts_each(self) -> Callable[[Path], bool]:
        """:meth:`encrypts` for the paths of one document, each container's keys looked at once."""
        from sealfile.model.path_fold import PrefixFold

        matched = PrefixFold(False, lambda above, segment: above or self._matches(segment))
        return lambda path: self._encrypts_when(matched(path))

    def _matches(self, segment: Segment) -> bool:
        """Whether one key is what the rule looks for: rules look at string keys only (not list indexes)."""
        if not isinstance(segment, str):
            return False
        if self.kind == "unencrypted_suffix":
            return segment.endswith(self.pattern)
        return bool(self._regex.search(segment))

    def _encrypts_when(self, matched: bool) -> bool:
        return matched if self.kind == "encrypted_regex" else not matched

    def refuse_unread_keys(self, paths: Iterable[Path]) -> None:
        """Refuse (for writers) a path whose answer would change if its integer or boolean keys were read as
        text: the rule looks at string keys only (docs/format.md §6), SOPS at every key's text (it refuses
        other keys), and ``encrypted_regex: ^(password|1)$`` would otherwise leave ``1: secret`` in plaintext
        unsaid. Readers never call it: a file sealed so reads as it was written."""
        paths = list(paths)
        if set(map(type, chain.from_iterable(paths))) <= _READ_KEYS:  # the usual document: one C pass, no loop
            return
        for path in paths:
            keys = [(depth, key) for depth, key in enumerate(path) if not isinstance(key, (str, ListIndex))]
            if not keys:
                continue
            as_text = self._encrypts_when(any(self._matches(key if isinstance(key, str) else key_text(key))
                                              for key in path if not isinstance(key, ListIndex)))
            if as_text == self.encrypts(path):
                continue
            depth, key = next((depth, key) for depth, key in keys if self._matches(key_text(key)))
            text = key_text(key)
            raise FormatError(f"the {self.kind} rule looks at string keys only, and this key is "
                              f"{'a boolean' if isinstance(key, bool) else 'an integer'} whose text {text!r} it "
                              f"matches: quote the key ('{text}') to have the rule read it, or change the pattern",
                              keypath=format_keypath(path[:depth + 1]))

    def canonical(self) -> bytes:
        return f"{self.kind}\0{self.pattern}".encode()


def key_text(key: Segment) -> str:
    """A non-string mapping key as YAML 1.2 (and so SOPS) writes it."""
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


if TYPE_CHECKING:  # annotations only: a Protocol would load typing
    class Placed(Protocol):
        """A value's place in a document: its path, and the container holding it."""

        @property
        def path(self) -> Path: ...

        @property
        def parent(self) -> Any: ...


class RuleMemo:
    """``rules.encrypts(path)`` for the places of one document, computed once per parent container
    and once per key: a rule looks at each string key on the path (docs/format.md §6), so the answer
    for a path is its parent's answer combined with its last segment's own answer."""

    def __init__(self, rules: EncryptionRules):
        self._rules = rules
        self._any = rules.kind == "encrypted_regex"
        self._parents: dict[int, bool] = {}
        self._keys: dict[Segment, bool] = {}
        """A last key's own answer; a key that is not a string has ``_index``'s (the rules read strings only), so
        keys equal in Python (``1``, ``True``, ``ListIndex(1)``; never a string) share their answer."""
        self._index = rules.encrypts((ListIndex(0),))
        """A list index's own answer: the rules look at string keys only, so every index has this one."""
        self._prefixes: dict[Path, bool] = {(): False}
        """Whether a key of a parent's path matches (paths equal in Python hold the same strings at the same
        places, and keys that are not strings never match), each from its own parent's answer."""

    def each(self, places: Iterable[Placed]) -> list[bool]:
        """Whether the rules encrypt the value at each place (places in one container share ``path[:-1]``):
        one call for a document's leaves, as a call per leaf was a third of this loop's cost."""
        rules, parents, keys, index, either = self._rules, self._parents, self._keys, self._index, self._any
        answers: list[bool] = []
        held: Any = answers  # no place's parent: the first place looks its parent up
        parent = False
        for place in places:
            path = place.path
            if place.parent is not held:  # a container's places come together: one look-up for them all
                held = place.parent
                found = parents.get(id(held))
                if found is None:
                    found = parents[id(held)] = rules._encrypts_when(self._matched(path[:-1]))
                parent = found
            own = keys.get(path[-1])
            if own is None:
                last = path[-1]
                own = keys[last] = rules.encrypts((last,)) if isinstance(last, str) else index
            answers.append((parent or own) if either else (parent and own))
        return answers

    def _matched(self, path: Path) -> bool:
        """Whether the rule matches a key of ``path``, without recursion (a path can be deep)."""
        prefixes, missing = self._prefixes, []
        found = prefixes.get(path)
        while found is None:
            missing.append(path)
            path = path[:-1]
            found = prefixes.get(path)
        if len(prefixes) + len(missing) > _REMEMBERED:  # memory bounded: a deep, wide file's paths are found again
            prefixes.clear()
            prefixes[()] = False
        for prefix in reversed(missing):  # outermost first
            found = prefixes[prefix] = found or self._rules._matches(prefix[-1])
        return found
