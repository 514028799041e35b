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

from sealfile.errors import FormatError, one_line
from sealfile.model.paths import Path, format_keypath
from sealfile.model.rules import EncryptionRules
from sealfile.model.scalars import Styled
from sealfile.ops.reader import read_document
from sealfile.stores import Store

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from sealfile.ops.document import SealedDocument, SealedLeaf

UNSEAL_HINT = "to mean it, add --unseal"
MERGE_HINT = "to mean it, seal the merge by hand with --unseal"
_SHOWN = 5
"""Key paths a warning names: the first few say what the rule leaves."""
Held = dict[Path, bool | Styled]
"""A version as :func:`guard` compares it, by path: ``True`` for a sealed value, a plaintext one as written."""


def guard(before: Iterable[str | Held | None], after: str | SealedDocument, store: Store, *, unseal: bool = False,
          plain: Callable[[str], None] | None = None, hint: str = UNSEAL_HINT) -> str:
    """``after``'s text, once it is fit to write over ``before`` (the versions it replaces: the text rewritten first,
    then a merge's other side; ``None`` for none; each its text, read as ``store``, or its
    :func:`sealed_by_path` as the writer read it). ``after``: the text, or the writer's read-back of it (not read
    again). Refused (:class:`FormatError` naming the first key path): a value sealed in one of them that ``after``
    holds in plaintext, unless ``unseal``. ``plain`` is told, in one line, the values named like secrets ``after``
    holds in plaintext where none held that same value in plaintext: a new value, or a changed one (a forged file's
    plaintext ``db.password: changeme`` made the next ``set db.password`` write the new password unremarked)."""
    text = after if isinstance(after, str) else after.text
    versions = [version for version in before if version is not None]
    if versions[:1] == [text]:
        return text  # the text rewritten, unchanged: nothing new is written
    document = read_document(after, store) if isinstance(after, str) else after
    now = sealed_by_path(document.leaves())
    plain_now = [path for path, held in now.items() if held is not True]
    if not plain_now:  # the usual file under the default rule: nothing in plaintext, no earlier version read
        return text
    was = [sealed_by_path(read_document(version, store).leaves()) if isinstance(version, str) else version
           for version in versions]
    rules = document.metadata.rules
    unsealed = [path for path in plain_now if any(version.get(path) is True for version in was)]
    if unsealed and not unseal:
        raise FormatError(f"sealed in this file, and the file's rule ({_rule(rules)}) would write it in plaintext: "
                          f"nothing written; {hint}", keypath=format_keypath(unsealed[0]) or "(top level)")
    fresh = [path for path in plain_now if not any(_same(version.get(path), now[path]) for version in was)]
    if not fresh or plain is None:
        return text
    from sealfile.gitflow.secret_names import looks_secret  # review's rule; loaded only where a new value is plain

    told = [format_keypath(path) for path in fresh if looks_secret(path)]
    if told:
        plain(plain_warning(told, rules))
    return text


def sealed_by_path(leaves: Iterable[SealedLeaf]) -> Held:
    """Each value of a version, by path, in document order: ``True`` if sealed, else the plaintext (a writer keeps
    this of the text it rewrites, not the parse it lets go). A :class:`~sealfile.ops.document.SealedDocument`'s
    leaf is a token (a string :func:`~sealfile.model.scalars.is_sealed` passed), a plaintext :class:`Styled`, or a
    mapping or list."""
    return {path: value if isinstance(value, Styled) else True for path, value in leaves
            if not isinstance(value, (dict, list))}


def _same(was: bool | Styled | None, now: bool | Styled) -> bool:
    """The same plaintext value (its quoting aside): nothing new is written there."""
    return (isinstance(was, Styled) and isinstance(now, Styled) and type(was.value) is type(now.value)
            and was.value == now.value)


def plain_warning(keypaths: list[str], rules: EncryptionRules) -> str:
    """The line telling that the key paths named, like secrets, are written in plaintext by ``rules``."""
    shown = ", ".join(map(one_line, keypaths[:_SHOWN])) + (f" and {len(keypaths) - _SHOWN} more"
                                                           if len(keypaths) > _SHOWN else "")
    named = "named like a secret" if len(keypaths) == 1 else "named like secrets"
    return f"{shown}: {named}, written in plaintext as the file's rule ({_rule(rules)}) says"


def _rule(rules: EncryptionRules) -> str:
    return f"{rules.kind}: {one_line(rules.pattern)}"

