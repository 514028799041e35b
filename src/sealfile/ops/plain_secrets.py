"""What a write leaves in plaintext: a value sealed before is refused (unless meant), a new secret is told.

A file's value rule (``encrypted_regex``, ``unencrypted_regex``, ``unencrypted_suffix``) is whoever sealed it
last's, and a creation rule is whoever pushed ``.sealfile.yaml`` last's: a file forged for the team's public keys
with ``unencrypted_regex: .`` and token-shaped values, or a merge taking theirs' rule, made the next ``set``,
``edit``, ``encrypt --previous`` or merge write ``db.password`` in plaintext, exit 0. So a writer refuses to write in
plaintext a value its file held sealed (the text being rewritten, or either side of a merge), whatever its name,
unless the caller means it (``--unseal``, ``unseal=True``). A fresh value the rule leaves in plaintext is written as
the rule says (SOPS-style ``encrypted_regex: ^(data|stringData)$`` rules are chosen on purpose); one named like a
secret is told, by key path, never by value (docs/security.md, "A pushed rule").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sealfile.errors import FormatError, one_line
from sealfile.model.paths import Path, format_keypath
from sealfile.model.rules import EncryptionRules
from sealfile.model.scalars import Styled, is_sealed
from sealfile.ops.reader import read_document
from sealfile.stores import Store

UNSEAL_HINT = "to mean it, add --unseal"
MERGE_HINT = "to mean it, seal the merge by hand with --unseal"
_SHOWN = 5
"""Key paths a warning names: the first few say what the rule leaves."""


def guard(before: Iterable[str | None], after: str, store: Store, *, unseal: bool = False,
          plain: Callable[[str], None] | None = None, before_store: Store | None = None, hint: str = UNSEAL_HINT
          ) -> str:
    """``after``, once it is fit to write over ``before`` (the versions it replaces: the text rewritten first, then
    a merge's other side; ``None`` for none; read as ``before_store``, else ``store``). Refused (:class:`FormatError`
    naming the first key path): a value sealed in one of them that ``after`` holds in plaintext, unless ``unseal``.
    ``plain`` is told, in one line, the values named like secrets ``after`` holds in plaintext where none held them
    so."""
    texts = [text for text in before if text is not None]
    if texts[:1] == [after]:
        return after  # the text rewritten, unchanged: nothing new is written
    document = read_document(after, store)
    written = _leaves(document.leaves())
    plain_now = [path for path, value in written.items() if not is_sealed(value)]
    if not plain_now:
        return after
    sealed_before: set[Path] = set()
    plain_before: set[Path] = set()
    for text in texts:
        for path, value in _leaves(read_document(text, before_store or store).leaves()).items():
            (sealed_before if is_sealed(value) else plain_before).add(path)
    from sealfile.gitflow.secret_names import looks_secret  # review's rule; loaded only where a value is plain

    rules = document.metadata.rules
    unsealed = [path for path in plain_now if path in sealed_before]
    if unsealed and not unseal:
        raise FormatError(f"sealed in this file, and the file's rule ({_rule(rules)}) would write it in plaintext: "
                          f"nothing written; {hint}", keypath=format_keypath(unsealed[0]) or "(top level)")
    told = [format_keypath(path) for path in plain_now if path not in plain_before and looks_secret(path)]
    if told and plain is not None:
        plain(plain_warning(told, rules))
    return after


def plain_warning(keypaths: list[str], rules: EncryptionRules) -> str:
    """The line telling that the key paths named, like secrets, are written in plaintext by ``rules``."""
    shown = ", ".join(map(one_line, keypaths[:_SHOWN])) + (f" and {len(keypaths) - _SHOWN} more"
                                                           if len(keypaths) > _SHOWN else "")
    named = "named like a secret" if len(keypaths) == 1 else "named like secrets"
    return f"{shown}: {named}, written in plaintext as the file's rule ({_rule(rules)}) says"


def _rule(rules: EncryptionRules) -> str:
    return f"{rules.kind}: {one_line(rules.pattern)}"


def _leaves(leaves: Iterable[tuple[Path, Any]]) -> dict[Path, Any]:
    return {path: value.value if isinstance(value, Styled) else value for path, value in leaves
            if not isinstance(value, (dict, list))}
