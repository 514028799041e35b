"""Values named like secrets that a file's rule leaves in plaintext: what `review` fails, and writers refuse.

A file's rule (``encrypted_regex``, ``unencrypted_regex``, ``unencrypted_suffix``) comes from its creation rule when
it is made and is then sealed in with it, and anyone who can push may write either: a creation rule with
``unencrypted_regex: .`` (or a file its author sealed so) makes the next ``encrypt``, ``edit`` or ``set`` of a
``password`` write it in plaintext, into a file its user commits believing it sealed. `review` fails such a change
after the push; writers refuse it before anything is written (docs/security.md §3, "Who sealed a file").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sealfile.errors import FormatError, one_line
from sealfile.gitflow.secret_names import looks_secret
from sealfile.model.paths import Path, format_keypath
from sealfile.model.rules import DEFAULT_SUFFIX, RULE_NAMES
from sealfile.model.scalars import Styled, is_sealed
from sealfile.ops.reader import read_document
from sealfile.stores import Store

_RULE_WORDS = (*RULE_NAMES, DEFAULT_SUFFIX)
"""A sealed file leaves a value in plaintext only under a rule its metadata names, or a key with the default
suffix: a text holding none of these words has every value sealed (and is not parsed again to find it out)."""


def secrets_left_plain(before: Mapping[Path, Any], after: Mapping[Path, Any],
                       encrypts: Callable[[Path], bool]) -> list[Path]:
    """Key paths of ``after`` (leaves) named like a secret that its rule (``encrypts``) leaves in plaintext, which
    ``before`` did not hold in plaintext already (new there, or sealed)."""
    return [p for p, v in after.items() if not isinstance(v, (dict, list)) and not is_sealed(v) and not encrypts(p)
            and looks_secret(p) and (p not in before or is_sealed(before[p]))]


def refuse_plain_secrets(before: str | None, after: str, store: Store, before_store: Store | None = None) -> None:
    """Refuse a write of ``after`` over ``before`` (``None``: a new file; read as ``before_store``, else ``store``)
    that leaves a value named like a secret in plaintext, where it was not before: one line naming the first such
    key path and the rule."""
    if not any(word in after for word in _RULE_WORDS):
        return
    written = read_document(after, store)
    old = _leaves(before, before_store or store) if before is not None else {}
    left = secrets_left_plain(old, _leaves(after, store), written.metadata.rules.encrypts_each())
    if left:
        rules = written.metadata.rules
        raise FormatError(f"named like a secret, and the file's rule ({rules.kind}: {one_line(rules.pattern)}) would "
                          "leave it in plaintext: nothing written (review fails such a change); seal it under a rule "
                          "that encrypts it, or name it otherwise", keypath=format_keypath(left[0]) or "(top level)")


def _leaves(text: str, store: Store) -> dict[Path, Any]:
    return {path: value.value if isinstance(value, Styled) else value
            for path, value in read_document(text, store).leaves()}
