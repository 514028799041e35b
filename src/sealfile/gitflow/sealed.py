"""What a sealed file shows without its key: leaves, fingerprints of tokens, recipients, rules.

A fingerprint is a short hash of a token's ciphertext text. It tells a reader that a value
changed (a re-seal of an unchanged value keeps its token, see ``reseal_edited``) and tells
nothing about the value itself.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sealfile.errors import SealfileError, one_line
from sealfile.gitflow.wildmatch import wildmatch
from sealfile.kms.groups import KeyGroups, who_opens
from sealfile.model.metadata import Metadata
from sealfile.model.paths import Path, encode_path, format_keypath
from sealfile.model.remembered import Remembered
from sealfile.model.rules import EncryptionRules
from sealfile.model.scalars import Styled, is_sealed
from sealfile.ops.document import SealedDocument
from sealfile.ops.keyless import group_names
from sealfile.ops.reader import read_document, yaml_engine
from sealfile.ops.signatures import NO_POLICY, TrustPolicy
from sealfile.stores import Store, get_store

FINGERPRINT_CHARS = 10

def fingerprint(token: str) -> str:
    """A short, stable, non-reversible name for one sealed value's ciphertext."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()[:FINGERPRINT_CHARS]


def recipient_ids(meta: Metadata, *, placed: bool = True) -> list[str]:
    """``"TYPE KEY_ID"`` per recipient; a stanza that does not parse is named by its type only. In
    key groups each also names its group and the threshold (unless not ``placed``), so moving a key to
    another group or changing the threshold shows as a recipient change."""
    return named_recipients(group_names(meta), meta.threshold if meta.grouped else None, placed=placed)


def named_recipients(groups: list[list[tuple[str, str]]], threshold: int | None, *, placed: bool = True) -> list[str]:
    """``"TYPE KEY_ID"`` per recipient of ``groups`` (``(type, key id)`` each), of a sealed or a SOPS file alike;
    with a ``threshold`` (key groups) each also names its group and the threshold, unless not ``placed``."""
    where = [f" [group {n} of {len(groups)}, any {threshold}]" if threshold is not None and placed else ""
             for n in range(1, len(groups) + 1)]
    return [(f"{kind} {key_id}" if key_id != "?" else f"{kind} (unreadable stanza)") + where[index]
            for index, group in enumerate(groups) for kind, key_id in group]


def rules_text(rules: EncryptionRules) -> str:
    """The rule as shown to a reader: its pattern is the file's text, so on one line
    (:func:`~sealfile.errors.one_line`)."""
    return f"{rules.kind}: {one_line(rules.pattern)}"


@dataclass(frozen=True)
class SealedView:
    """A sealed file as a keyless reader sees it."""

    leaves: dict[Path, Any]
    meta: Metadata
    sources: dict[Path, Path] = field(default_factory=dict)
    """Each path an alias or merge puts a value at -> where the value is written."""
    tags: dict[Path, str] = field(default_factory=dict)
    """Each path written with an application's YAML tag -> the tag (:meth:`SealedDocument.tags`)."""

    @property
    def recipients(self) -> list[str]:
        return recipient_ids(self.meta)

    @cached_property
    def by_encoded_path(self) -> list[tuple[bytes, Any]]:
        """Every value with its encoded key path, in that order: a subtree is one run of it
        (:func:`~sealfile.gitflow.conflicts_leaves.within`)."""
        return sorted((encode_path(p), v) for p, v in self.leaves.items())

    @property
    def keys(self) -> list[str]:
        """The recipients without their key groups: a key that only moved between groups stays in it."""
        return recipient_ids(self.meta, placed=False)

    @property
    def layout(self) -> str:
        """The key groups as a reviewer reads them: ``any 1 of 2 key groups: [age A, age B], [age C]``."""
        if not self.meta.grouped:
            return "no key groups"
        groups = [f"[{', '.join(f'{kind} {key_id}' for kind, key_id in group)}]" for group in group_names(self.meta)]
        return f"any {self.meta.threshold} of {len(groups)} key groups: {', '.join(groups)}"

    @property
    def rule(self) -> str:
        return rules_text(self.meta.rules)

    @property
    def rule_key(self) -> str:
        """What two versions' rules are compared by (:attr:`SopsView.rule_key`: a SOPS rule as imported)."""
        return self.rule

    @property
    def seal(self) -> str:
        """``unsigned``, or the key its signature names (unverified: ``review`` and readers verify it)."""
        if self.meta.signature is None:
            return "unsigned"
        from sealfile.ops.signature_check import claimed_key

        claimed = claimed_key(self.meta.signature)  # a forger can name anyone's key: say it is not checked
        return f"a signature naming {claimed} (not verified here)" if claimed else "an unreadable signature"

    def opened_with_less(self, than: object) -> str | None:
        """Keys, as messages name them, that open this version but not ``than`` (:meth:`KeyGroups.looser_than`): from
        the old version to the new, who needs more now; from the new to the old, who needs less. A stanza no provider
        reads counts as changed, not regrouped (it shows as a recipient change anyway)."""
        if not isinstance(than, SealedView):
            return None
        try:
            fewer = KeyGroups.from_stanzas(self.meta.groups, self.meta.threshold).looser_than(
                KeyGroups.from_stanzas(than.meta.groups, than.meta.threshold))
        except SealfileError:
            return None
        return who_opens(fewer) if fewer else None

    @property
    def stanzas(self) -> list[Any]:
        """The wrapped data keys: one kept across versions means the data key was not rotated."""
        return list(self.meta.recipients)

    @property
    def version(self) -> object:
        return self.meta.version

    @cached_property
    def encrypts(self) -> Callable[[Path], bool]:
        """Whether the file's rules encrypt the value at a path."""
        return self.meta.rules.encrypts_each()

    @staticmethod
    def is_token(value: Any) -> bool:
        return is_sealed(value)

    def revealed(self, text: str, store: Store, policy: TrustPolicy | None) -> Any:
        """The decrypted data (a key needed; the seal checked by ``policy``, as every reader does)."""
        return (policy or NO_POLICY).open(text, store).data()

    def plaintext_secrets(self) -> list[Path]:
        """Leaves the rules say to encrypt that are not sealed (a broken or forged file)."""
        return [p for p, v in self.leaves.items() if _scalar(v) and self.encrypts(p) and not is_sealed(v)]

    def unencrypted(self) -> Iterable[Path]:
        return (p for p, v in self.leaves.items() if _scalar(v) and not is_sealed(v))


def _scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


_DOCUMENTS: Remembered[SealedDocument | SealfileError] = Remembered(4)
"""The last few texts read: a check or review reads each version from each of its checks (the view, the seal,
the reused ``mac``, the tampering), and a hostile version (a megabyte of merge keys) costs a second a read."""


def keyless_read(text: str, store: Store) -> SealedDocument:
    """``text`` read as a sealed file (:class:`~sealfile.errors.SealfileError` if it is not one), remembered for
    the next reader of the same text: for readers that inspect or open it, never for one that changes it."""
    found = _DOCUMENTS.get((store.name, yaml_engine()), text, lambda: _attempt(text, store))
    if isinstance(found, SealfileError):
        raise found.with_traceback(None)
    return found


def _attempt(text: str, store: Store) -> SealedDocument | SealfileError:
    try:
        return read_document(text, store)
    except SealfileError as err:
        return err.with_traceback(None)  # kept without the frames of the failed read


_VIEWS: Remembered[SealedView] = Remembered(4)
"""The last few texts viewed: a review views each version of a file from each of its checks."""


def view(text: str, store: Store | None = None) -> SealedView:
    """Parse ``text`` as a sealed file; :class:`~sealfile.errors.FormatError` if it is not one."""
    store = store or get_store("yaml")
    return _VIEWS.get((store.name, yaml_engine()), text, lambda: _view(text, store))


def _view(text: str, store: Store) -> SealedView:
    document = keyless_read(text, store)
    return SealedView({path: _plain(value) for path, value in document.leaves()}, document.metadata,
                      document.sources(), document.tags())


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Styled) else value


_BACKTICKS = re.compile(r"`+")


def code_span(text: str) -> str:
    """``text`` (:func:`~sealfile.errors.one_line`) as a Markdown code span no run of backticks in it closes. Outside
    code, escaping is not enough: GitHub and GitLab find ``@name`` (a mention that notifies), ``#12``, ``:x:`` and
    bare URLs in the rendered text, where ``\\@name`` is ``@name`` again; inside code they find nothing, and no
    link, image, HTML tag or comment is read."""
    shown = one_line(text)
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(shown)), default=0) + 1)
    pad = " " if shown[:1] in ("`", " ") or shown[-1:] in ("`", " ") else ""  # CommonMark strips one space a side
    return f"{fence}{pad}{shown}{pad}{fence}"


def fenced(lines: list[str], info: str) -> list[str]:
    """A fenced code block around ``lines`` (already :func:`~sealfile.errors.one_line`) that no line can close."""
    longest = max((len(run) for line in lines for run in _BACKTICKS.findall(line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + info, *lines, fence]


def keypath(path: Path) -> str:
    return format_keypath(path) or "(top level)"


def matches_patterns(relative_path: str, patterns: Iterable[str]) -> bool:
    """gitattributes matching, as git does it (:mod:`~sealfile.gitflow.wildmatch`): a pattern without ``/``
    matches the file name at any depth, one with ``/`` the path."""
    relative_path = relative_path.replace("\\", "/")
    if relative_path.startswith("./"):
        relative_path = relative_path[2:]
    name = relative_path.rsplit("/", 1)[-1]
    for pattern in patterns:
        if pattern.endswith("/"):  # a directory's pattern: git gives attributes to files only
            continue
        if "/" in pattern:  # a leading one too: "/x.yaml" is the top directory's x.yaml alone
            if wildmatch(pattern.removeprefix("/"), relative_path, pathname=True):
                return True
        elif wildmatch(pattern, name, pathname=False):
            return True
    return False
