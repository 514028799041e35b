"""Conflicts the merge driver left in a sealed file, remembered until they are resolved.

Git's text merge leaves markers that no parser reads, so a file committed unresolved is refused by every
check. The sealfile driver leaves a file that reads (sealed, with the kept value at each conflicting key
path): staged blindly (``git add``, ``git commit -a``), it would commit the kept values and drop theirs
without a word. So the driver records, in the git directory of the work tree (``git rev-parse --git-path
sealfile/conflicts``), the file, the blob it wrote, the blobs of ours and theirs, HEAD, and a keyless
fingerprint of what it wrote at each conflicting key path; ``sealfile check`` refuses the file while it
still holds that there.

A record belongs to one conflict: it counts while HEAD is the commit the driver merged into and git's
index still holds that conflict, unmerged (stages 2 and 3) or resolved (the resolve-undo entries ``git add``
leaves, which ``git merge --abort``, ``git reset`` and ``git rebase --abort`` clear). A record of an aborted
merge or of a commit already made is therefore ignored, whatever the file holds later.

Resolved, per key path, by anything that changes what is written there (``sealfile set``/``edit`` seal a
changed value afresh; an unchanged value keeps its ciphertext, and ``rotate``'s new tokens keep their times), by
taking one side whole (``git checkout --ours``/``--theirs``), by removing the file, or by ``sealfile git resolve``
(keep what it holds). Nothing decrypted is recorded: the fingerprints are hashes of the file's own (sealed) text.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path as FsPath

from sealfile.envelope.token_shape import token_times
from sealfile.errors import SealfileError
from sealfile.gitflow.conflict_records import Record, blob_id, git_dir, read_records, record_file, write_record
from sealfile.gitflow.conflicts_leaves import Moves, carry, disputed, stanza_prints, still_disputed, undated, within
from sealfile.gitflow.conflicts_seen import may_be_recorded_under
from sealfile.gitflow.gitcli import git, toplevel
from sealfile.gitflow.merge_plan import framed
from sealfile.gitflow.path_lists import entries_of
from sealfile.gitflow.sealed import rules_text, view
from sealfile.gitflow.staged import index_stages, path_in_repo, read_blobs
from sealfile.model.paths import Path, encode_path
from sealfile.model.scalars import comparable, is_sealed
from sealfile.stores import store_for

WHOLE = "(the whole file: the driver could not merge it and kept our version, without theirs' changes)"
"""What is unresolved when the driver could not merge at all."""


@dataclass(frozen=True)
class Unresolved:
    conflicts: list[str]
    """As shown: key paths, the encryption rule, or :data:`WHOLE`."""
    committed: bool  # already committed so (HEAD moved on): the file is to be fixed in a new commit


def _mark(text: str, file: str, encoded: str, *, dated: bool = False) -> str | None:
    """A keyless fingerprint of what ``text`` holds at one key path (every value under it, as written, sealed
    or not; ``dated``: each token as when it was set and its length), of its encryption rule (``encoded``
    empty), or of both for the whole file (:data:`WHOLE`); ``None`` if ``text`` is no sealed file."""
    try:
        sealed = view(text, store_for(file))
        digest = hashlib.sha256()
        if encoded in ("", WHOLE):
            digest.update(rules_text(sealed.meta.rules).encode("utf-8", "surrogateescape"))
            if not encoded:
                return digest.hexdigest()
        prefix = b"" if encoded == WHOLE else bytes.fromhex(encoded)
        for at, value in within(sealed.by_encoded_path, prefix):
            said = b"%d %d" % (token_times([((), value)])[0], len(value)) if dated and is_sealed(value) else b""
            digest.update(framed(at) + framed(said or comparable(value)))
    except SealfileError:
        return None
    return digest.hexdigest()


class Pending:
    """The driver's side: started before it merges (ours and theirs as git gave them), remembered if it leaves a
    conflict. The file's earlier record is removed first (others may still name a conflict committed without
    the hook)."""

    def __init__(self, path: str, ours: bytes, theirs: bytes, top: str | os.PathLike[str] = ".") -> None:
        self.directory, self.head, self.object_format = git_dir(top)
        self.path = path
        self.ours, self.theirs = blob_id(ours, self.object_format), blob_id(theirs, self.object_format)
        self.theirs_text = theirs.decode("utf-8", "surrogateescape")
        record_file(self.directory, path).unlink(missing_ok=True)

    def remember(self, written: bytes, conflicts: Sequence[tuple[str, Path | None]] = ()) -> None:
        """``conflicts``: each conflict as shown and its key path (``None``: the rule); none: kept ours whole."""
        text = written.decode("utf-8", "surrogateescape")
        marks, dated = [], []
        for shown, path in conflicts:
            encoded = encode_path(path).hex() if path is not None else ""
            marks.append((shown, encoded, _mark(text, self.path, encoded) or ""))
            dated.append(_mark(text, self.path, encoded, dated=True) or "")
        whole = "" if marks else _mark(text, self.path, WHOLE) or ""
        record = Record(self.path, self.head, self.ours, self.theirs, blob_id(written, self.object_format),
                        tuple(marks), whole, tuple(dated or [_mark(text, self.path, WHOLE, dated=True) or ""]),
                        stanza_prints(text, self.path),
                        disputed(text, self.theirs_text, self.path, [p for _, p in conflicts]))
        write_record(self.directory, record)


def carried(file: FsPath, moves: Moves) -> Callable[[], None]:
    """Rewrite the open record of ``file`` (if any) with each value in dispute followed where ``moves`` says, before
    the file is written (:class:`SealfileError` if git or the directory fails); what puts it back."""
    top, records, _ = _live(file.parent.absolute())
    if (record := records.get(path_in_repo(file, top), (None,))[0]) is None:
        return lambda: None
    directory, dated = git_dir(top)[0], undated(record.dated, [encoded for _, encoded, _ in record.marks], moves)
    try:
        write_record(directory, replace(record, disputed=carry(record.disputed, moves), dated=dated))
    except (OSError, SealfileError) as err:
        cause = err.message if isinstance(err, SealfileError) else err.strerror or err
        raise SealfileError(f"cannot update the record of its merge conflict in {directory} ({cause}); nothing was "
                            "written", file=str(file)) from None
    return lambda: write_record(directory, record)


def _live(cwd: str | os.PathLike[str]) -> tuple[FsPath, dict[str, tuple[Record, bool]], dict[str, dict[str, str]]]:
    """The top of the work tree; by file, the records that count, each with whether it was committed already; and
    each such file's index entries (stage -> blob id). A record counts while HEAD is the commit the driver merged
    into and the index holds its conflict (unmerged, or resolved); or once HEAD moved on, where the index still
    holds the very blob the driver left (committed without the hook: 'git rebase --continue' runs none, nor does
    'commit --no-verify'), unless that blob is ours unchanged (an aborted merge leaves that too) and HEAD is not
    the merge that left it."""
    top = toplevel(cwd)
    directory, head, _ = git_dir(top)
    records = {r.path: r for r in read_records(directory)}
    if not records:
        return top, {}, {}
    entries = index_stages(entries_of(["ls-files", "-z", "--stage"], list(records), top))
    undo = index_stages(entries_of(["ls-files", "-z", "--resolve-undo"], list(records), top))
    found = {}
    for p, r in records.items():
        sides = [(s.get("2"), s.get("3")) for s in (entries.get(p, {}), undo.get(p, {}))]
        if r.head == head and (r.ours, r.theirs) in sides:
            found[p] = (r, False)
        elif r.head != head and entries.get(p, {}).get("0") == r.written and (r.written != r.ours
                                                                              or _merged_so(r, top)):
            found[p] = (r, True)
    return top, found, entries


def _merged_so(record: Record, top: str | os.PathLike[str]) -> bool:
    """Whether HEAD is the merge that left ``record``'s conflict, its first parent the commit merged into and its
    second bringing theirs: where the conflict was theirs' only change, the driver left our version whole, which an
    aborted merge leaves too, so only the commit that made the merge tells the two apart."""
    found = git(["rev-parse", "-q", "HEAD^1", f"HEAD^2:{record.path}"], top, ok=(0, 1, 128)).split()
    return found == [record.head, record.theirs]


def _still_open(record: Record, blob: str | None, text: str | None) -> list[str]:
    """The conflicts a version (``blob``, its ``text``; ``None``: the file removed) still holds as the driver
    left them: all of them in the very blob it wrote, none in one side taken whole."""
    if blob is None:
        return []
    if blob == record.written:
        return [shown for shown, _, _ in record.marks] or [WHOLE]
    if blob in (record.ours, record.theirs) or text is None:
        return []
    new_key = bool(record.stanzas) and not set(record.stanzas) & set(stanza_prints(text, record.path))
    if not record.marks:
        return [WHOLE] if record.whole and _held(record, text, WHOLE, record.whole, 0, new_key) else []
    return [shown for index, (shown, encoded, mark) in enumerate(record.marks) if mark and (_held(
        record, text, encoded, mark, index, new_key) or still_disputed(
            text, record.path, record.disputed[index:index + 1], new_key=new_key))]


def _held(record: Record, text: str, encoded: str, mark: str, index: int, new_key: bool) -> bool:
    """Whether ``text`` holds at one conflict what the driver wrote there: the same tokens, or, under a new data key
    (``new_key``: none the driver wrote is left, every value re-encrypted), tokens set when those were, as long."""
    dated = record.dated[index] if index < len(record.dated) else ""
    return _mark(text, record.path, encoded) == mark or (
        bool(dated) and new_key and _mark(text, record.path, encoded, dated=True) == dated)


def unresolved_staged(files: Sequence[str | os.PathLike[str]], cwd: str | os.PathLike[str] = ".", *,
                      others: bool = False) -> dict[str, Unresolved]:
    """Each of ``files`` whose staged version (what ``git commit`` takes) still holds a conflict the merge driver
    left, with the conflicts (key paths as shown). With ``others``, any other file too whose conflict is not
    committed yet (named relative to ``cwd``): the pre-commit framework gives a hook the files staged against HEAD
    only, and where a pick's only change to a file was the conflict, the driver left HEAD's version, which ``git
    add`` stages as no change. Empty outside a work tree and where no record counts."""
    if not (files or others) or not may_be_recorded_under(cwd):  # no record (nearly always): no git process; asked
        return {}  # of the work tree git is run in below, never of where a file (a link) points
    try:
        top, records, entries = _live(cwd)
    except SealfileError:
        return {}
    named = {path_in_repo(f, top): os.fspath(f) for f in files}
    if others:
        here = os.path.abspath(cwd)
        named |= {p: os.path.relpath(os.path.join(top, p), here) for p, (_, committed) in records.items()
                  if not committed and p not in named}
    staged = {p: entries.get(p, {}).get("0") for p in records if p in named}
    wanted = [p for p, blob in staged.items() if blob not in (None, records[p][0].written)]
    texts = dict(zip(wanted, read_blobs([staged[p] or "" for p in wanted], top), strict=True))
    found = {}
    for p, blob in staged.items():
        content = texts.get(p)
        record, committed = records[p]
        still = _still_open(record, blob, content.decode("utf-8", "surrogateescape") if content else None)
        if still:
            found[named[p]] = Unresolved(still, committed)
    return found


def unresolved_in_worktree(file: str | os.PathLike[str]) -> list[str]:
    """The conflicts the working copy of ``file`` still holds as the merge driver left them (for ``status`` and
    ``edit``); empty outside a work tree."""
    try:
        top, records, _ = _live(os.path.dirname(os.path.abspath(file)))
        path = path_in_repo(file, top)
        if path not in records:
            return []
        blob = git(["--literal-pathspecs", "hash-object", "--", path], top).strip()  # as 'git add' would store it
        text = FsPath(file).read_bytes().decode("utf-8", "surrogateescape")
    except (SealfileError, OSError):
        return []
    return _still_open(records[path][0], blob, text)


def resolve(file: str | os.PathLike[str]) -> list[str]:
    """Accept what ``file`` holds at the conflicts the driver left there: their record is removed, so ``check``
    lets the file be committed. The conflicts the working copy still held; :class:`SealfileError` if none."""
    top, records, _ = _live(os.path.dirname(os.path.abspath(file)))
    path = path_in_repo(file, top)
    record = records.get(path)
    if record is None:
        raise SealfileError("no merge conflict of the sealfile merge driver is waiting to be resolved here")
    still = unresolved_in_worktree(file)
    record_file(git_dir(top)[0], path).unlink(missing_ok=True)
    return still

