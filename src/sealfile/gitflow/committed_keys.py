"""Private keys committed beside sealed files: the one leak that opens every file at once.

A key file added by mistake (``git add .`` with ``keys.txt`` or ``id_ed25519`` in the tree), an identity
pasted into a config or a comment: whoever reads the repository then holds that key. ``review`` (over
the files a change adds lines to) and ``check`` (over the files it is given) find them by their armor
(:mod:`sealfile.kms.found_keys`) and compare each with the recipients they know of:

- the private half of a recipient of a sealed file (of the change, or checked with it) or of a creation
  rule of a ``.sealfile.yaml``: an **error**, since it opens those files, passphrase or not (a protected key
  can be guessed at offline, for ever);
- any other private key (a TLS key, a deploy key, a test fixture): a note, for a person to judge.

Nothing of a key's text is shown: its kind, its line and the public key it belongs to.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from sealfile.errors import SealfileError
from sealfile.files.io import max_file_bytes
from sealfile.gitflow.blob_views import Views
from sealfile.gitflow.blobs import blob_holds_marker, read_at, show_many
from sealfile.gitflow.gitcli import git
from sealfile.gitflow.history_keys import KEY_PICKAXE, added_then_removed, history_findings, unread_violations
from sealfile.gitflow.path_lists import git_for_paths
from sealfile.gitflow.sealed import view
from sealfile.kms.base import MasterKey
from sealfile.kms.found_keys import MARKERS, MAX_DERIVED, found_keys, holds_marker
from sealfile.kms.registry import key_for
from sealfile.ops.config import config_from_text
from sealfile.ops.config_files import CONFIG_NAME
from sealfile.stores import store_for

REMEDY = ("keep key files out of the repository; once pushed, give its owner a new key, remove this one from the "
          "recipients (sealfile recipients remove) and rotate every file it opens")
Recipients = dict[str, str]
"""A recipient as :func:`recipient_id` spells it -> where it is one (``prod.enc.yaml``, ``the creation rules
of .sealfile.yaml``)."""


def too_large_with_key() -> str:
    """Why a file too large to read as text fails when it holds a private key's marker: which recipient the key
    opens is not looked for there, and a key padded past the limit must not pass unseen."""
    return (f"a private key's marker in a file larger than {max_file_bytes() / (1024 * 1024):g} MiB, which is not "
            f"read to tell whose key it is (SEALFILE_MAX_FILE_MB); {REMEDY}")


def recipient_id(recipient: str) -> str:
    """One spelling per key: an age recipient in lower case, an SSH key as its type and blob (no comment)."""
    return recipient.lower() if recipient.lower().startswith("age1") else " ".join(recipient.split()[:2])


def _named(keys: Iterable[MasterKey], where: str, into: Recipients) -> None:
    for key in keys:
        recipient = getattr(key, "recipient", None)
        if key.type_id in ("age", "ssh") and isinstance(recipient, str):
            into.setdefault(recipient_id(recipient), where)


def recipients_of(sealed: Mapping[str, str | None], configs: Mapping[str, str | None]) -> Recipients:
    """The age and SSH recipients of ``sealed`` (path -> text) and of the creation rules of ``configs``
    (path -> text of a ``.sealfile.yaml``); a file that does not read names none."""
    known: Recipients = {}
    for path, text in sealed.items():
        try:
            stanzas = view(text, store_for(path)).meta.recipients if text is not None else ()
        except SealfileError:
            continue
        for stanza in stanzas:
            try:
                _named([key_for(stanza)], path, known)
            except SealfileError:
                continue
    for path, text in configs.items():
        try:
            rules = config_from_text(text, Path(path)).creation_rules if text is not None else []
        except SealfileError:
            continue
        for rule in rules:
            _named(rule.keys, f"the creation rules of {path}", known)
    return known


def key_findings(text: str, known: Recipients, before: str | None = None) -> tuple[list[str], list[str]]:
    """``(errors, notes)`` for the private keys in ``text`` that ``before`` (the earlier version) did not
    hold, each ``line N: ...``."""
    earlier = {key.identity for key in found_keys(before)} if before else set()
    errors: list[str] = []
    notes: list[str] = []
    for key in found_keys(text):
        if key.identity in earlier and not key.unread:
            continue
        where = known.get(recipient_id(key.opens)) if key.opens else None
        if key.unread:  # many placeholders first: a recipient's identity after them must not pass as any key
            errors.append(f"{key.describe()}, one of more than {MAX_DERIVED} private keys in one file, whose "
                          f"recipient is not worked out; {REMEDY}")
        elif where is not None:
            errors.append(f"{key.describe()}, a recipient of {where}: whoever reads the repository can open it; "
                          f"{REMEDY}")
        else:
            notes.append(f"{key.describe()}: a private key, readable by whoever reads the repository")
    return errors, notes


def opens_unknown(texts: Iterable[str | None], known: Recipients) -> bool:
    """Whether a key in ``texts`` opens a recipient not in ``known`` (then the other sealed files are read)."""
    return any(key.opens is not None and recipient_id(key.opens) not in known
               for text in texts if text for key in found_keys(text))


def review_keys(base: str, head: str, root: str | os.PathLike[str], sealed: Mapping[str, str | None],
                covered: Callable[[str], bool]) -> tuple[list[str], list[str]]:
    """``(violations, attention)``, each ``"PATH: line N: ..."``, for private keys that the change from
    ``base`` to ``head`` adds to any file (git's own search of the change's lines finds the files: no file the change
    leaves without such a line is read; the credentials it adds are :mod:`.leaks`'s, as ``check``'s are).
    ``sealed``: the change's sealed files (path -> head text), whose recipients and those of the creation
    rules are compared first; only for a key that opens none of them are the other files ``covered`` (by the
    sealed_files patterns) read at ``head``."""
    pickaxe = KEY_PICKAXE
    changed = ["-c", "core.quotePath=false", "diff", "--no-textconv", "--no-ext-diff", "--no-renames", "--text",
               "--diff-filter=AMRCT", "--name-only", "-z"]
    candidates = [path for path in git([*changed, "--regexp-ignore-case", "-G", pickaxe, base, head, "--"],
                                       root).split("\0") if path]
    # a key's body pasted between armor lines the change keeps (a fixture's stand-in made real): no changed line
    # holds a marker, so the files the change touches that hold one at all are read too
    found = set(candidates)
    candidates += _holding_marker(head, [path for path in git([*changed, base, head, "--"], root).split("\0")
                                         if path and path not in found], root)
    past, unread = added_then_removed(base, head, root)
    if not candidates and not past:
        return unread_violations(unread, base, head), []
    now, large = read_at(head, candidates, root)
    then = show_many(base, candidates, root)
    known = known_at(head, root, sealed, covered, now.values(), everywhere=bool(past))
    violations = [f"{path}: {too_large_with_key()}" for path in large if blob_holds_marker(head, path, root)]
    attention: list[str] = []
    for path in candidates:
        text = now.get(path)
        if text is None:
            continue
        errors, notes = key_findings(text, known, then.get(path))
        violations += [f"{path}: {error}" for error in errors]
        attention += [f"{path}: {note}" for note in notes]
    gone = history_findings(past, head, lambda text, before: key_findings(text, known, before), base, root,
                            too_large_with_key()) if past else ([], [])
    return violations + gone[0] + unread_violations(unread, base, head), attention + gone[1]


def known_at(head: str, root: str | os.PathLike[str], sealed: Mapping[str, str | None], covered: Callable[[str], bool],
             texts: Iterable[str | None], *, everywhere: bool = False) -> Recipients:
    """The recipients keys in ``texts`` are compared with: of ``sealed`` and the creation rules, and, for a key that
    opens none of them (or ``everywhere``), of every file ``covered`` at ``head``."""
    listed = [p for p in git(["ls-tree", "-r", "-z", "--name-only", head], root).split("\0") if p]
    known = recipients_of(sealed, show_many(head, [p for p in listed if os.path.basename(p) == CONFIG_NAME], root))
    if everywhere or opens_unknown(texts, known):
        others = [p for p in listed if covered(p) and p not in sealed]
        known = {**recipients_of(show_many(head, others, root), {}), **known}
    return known


def encoded_keys(found: Views, known: Callable[[Iterable[str]], Recipients]) -> tuple[list[str], list[str]]:
    """The private keys in the texts a file encodes (a ``tls.key`` in base64, ``keys.txt`` in a zip), which git's
    search of the change's lines finds only as written, judged as those are against ``known(texts)``."""
    encoded = [text for text in found.found if text.where and holds_marker(text.text)]
    recipients = known([text.text for text in encoded]) if encoded else {}
    errors: list[str] = []
    notes: list[str] = []
    for text in encoded:
        found_errors, found_notes = key_findings(text.text, recipients)
        errors += [f"{text.where}: {line}" for line in found_errors]
        notes += [f"{text.where}: {line}" for line in found_notes]
    return errors, notes


def _holding_marker(rev: str, paths: list[str], root: str | os.PathLike[str]) -> list[str]:
    """Those of ``paths`` that hold a private key's marker at ``rev`` (git's own search, of those files alone)."""
    out = git_for_paths(["grep", "-z", "-l", "-a", "-i", "-F", *(f"-e{m}" for m in MARKERS), rev], paths, root,
                        ok=(0, 1))
    return [name.removeprefix(f"{rev}:") for name in out.split("\0") if name]
