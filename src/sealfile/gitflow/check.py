"""The pre-commit guard: files the ``sealed_files`` patterns cover must be sealed, and sealed properly.

Structural only, so it needs no key and runs anywhere: the metadata parses, every recipient
stanza names a known provider, and every value the recorded rule encrypts is an ``ENC[...]``
token. A plaintext value where the rule requires encryption is an error (that is a secret
about to be committed); a secret-looking key name left in plaintext is a warning. Where the
signature policy applies (trusted signers, ``require_signature``), a file that readers would
refuse for its seal is an error; so is a signature that does not verify, anywhere.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sealfile.envelope.token_shape import dated
from sealfile.errors import ConflictMarkersError, FormatError, IntegrityError, SealfileError, one_line
from sealfile.files.io import not_utf8, read_text
from sealfile.gitflow.gitcli import SUBMODULE_NOT_SEALED
from sealfile.gitflow.sealed import keyless_read, keypath, view
from sealfile.gitflow.secret_names import looks_secret
from sealfile.gitflow.secret_values import credential_in
from sealfile.kms.groups import listed_twice
from sealfile.kms.registry import key_for
from sealfile.kms.trust import offline
from sealfile.model.metadata import METADATA_KEY
from sealfile.model.scalars import is_sealed
from sealfile.ops.signatures import NO_POLICY, TrustPolicy, for_file
from sealfile.ops.sops_files import conversion, documents, sops_kind
from sealfile.stores import Store, store_for


@dataclass(frozen=True)
class Finding:
    file: str
    message: str
    keypath: str | None = None
    error: bool = True

    def __str__(self) -> str:
        """One line: the file's name (from ``git ls-files`` too) and the message may hold anything."""
        where = f"{self.file}: {self.keypath}: " if self.keypath else f"{self.file}: "
        return one_line(f"{'error' if self.error else 'warning'}: {where}{self.message}")


def check_text(text: str, file: str, policy: TrustPolicy | None = None) -> list[Finding]:
    """Every problem in one version of a file that should be sealed; never echoes a value.
    ``policy`` (default: none) says whose seal it must carry."""
    store = store_for(file)
    try:
        sealed = view(text, store)
    except ConflictMarkersError as err:
        from sealfile.gitflow.merge_again import markers_recovery

        return [Finding(file, f"{err.message}; {markers_recovery(file)}")]
    except FormatError as err:
        return [Finding(file, _why_not_sealed(text, err, store, file))]
    findings: list[Finding] = []
    seal_problem = (policy or NO_POLICY).problem(keyless_read(text, store))
    if seal_problem is not None:
        findings.append(Finding(file, seal_problem))
    for index, stanza in enumerate(sealed.meta.recipients):
        try:
            key_for(stanza)
        except SealfileError as err:
            findings.append(Finding(file, f"recipient stanza is invalid: {err.message}",
                                    f"{METADATA_KEY}.recipients.{index}"))
    repeated = listed_twice(sealed.meta.recipients)  # a reviewer would read the recipient list as unchanged
    if repeated is not None:
        findings.append(Finding(file, repeated[1], f"{METADATA_KEY}.recipients.{repeated[0]}"))
    for p in sealed.plaintext_secrets():
        findings.append(Finding(file, "plaintext value where the file's rule requires encryption", keypath(p)))
    sealed_where_encrypted = {value for p, value in sealed.leaves.items() if is_sealed(value) and sealed.encrypts(p)}
    for p, value in sealed.leaves.items():
        if is_sealed(value) and not dated(value):
            findings.append(Finding(file, "an ENC[...] value that is not a valid token (damaged or hand-made)",
                                    keypath(p)))
        if is_sealed(value) and value not in sealed_where_encrypted:  # a YAML alias's value: sealed for its other path
            findings.append(Finding(file, "an ENC[...] token where the rule leaves values in plaintext "
                                          "(it would be read as text)", keypath(p), error=False))
    for p in sealed.unencrypted():
        held = None if sealed.encrypts(p) else credential_in(sealed.leaves[p])
        if not sealed.encrypts(p) and looks_secret(p):
            findings.append(Finding(file, "named like a secret but left unencrypted by the rule", keypath(p),
                                    error=False))
        elif held is not None:
            findings.append(Finding(file, f"holds {held}, left unencrypted by the rule", keypath(p), error=False))
    return findings


def _why_not_sealed(text: str, err: FormatError, store: Store, file: str) -> str:
    kind = sops_kind(text, file)
    if kind is not None:  # encrypted, but its recipients and MAC are not what sealfile checks
        how = conversion(kind, file, documents(text, kind))
        return ("a SOPS file, not a sealed file: what it holds is encrypted, but its recipients are not checked "
                f"here and its MAC covers neither key names nor empty values; {how}")
    try:
        document = store.load_fast(text)
    except FormatError:
        return f"not a sealed file: {err}"
    if isinstance(document, dict) and METADATA_KEY not in document:
        return "NOT SEALED: this file matches the sealed-file patterns but holds plaintext (run 'sealfile encrypt -i')"
    return f"not a valid sealed file: {err}"


def sealed_outside_patterns(files: Sequence[Path]) -> dict[str, Finding]:
    """A warning per file of ``files`` (none of which the patterns name) that is a sealed or SOPS file
    (:func:`~sealfile.gitflow.unguarded.is_sealed_text`, as ``review`` tells): a file kept under its SOPS name
    by ``import-sops -i``, sealed with ``encrypt -i`` under any name, or a SOPS file a team keeps beside them."""
    from sealfile.gitflow.unguarded import is_sealed_text, may_be_sealed, unguarded_line

    found = {}
    for file in files:
        try:
            text = read_text(file)
            if not may_be_sealed(text) or not is_sealed_text(str(file), text):  # most files: no parse
                continue
        except (SealfileError, OSError):
            continue
        found[str(file)] = Finding(str(file), unguarded_line(str(file), text), error=False)
    return found


def check_file(file: Path, earlier: Sequence[tuple[str, bytes | None]] = ()) -> list[Finding]:
    """Every problem in a working-tree file that the patterns say must be sealed (under the signature
    policy that governs it); ``earlier``: the versions it came from (:mod:`~sealfile.gitflow.reused_mac`)."""
    if file.is_dir():  # git tracks a directory only as a submodule's commit
        return [Finding(str(file), SUBMODULE_NOT_SEALED)]
    try:
        text = read_text(file)
    except SealfileError as err:
        return [Finding(str(file), f"cannot read: {err.message}")]
    return _check_version(text, file, earlier)


def check_staged(file: Path, staged: bytes | None, earlier: Sequence[tuple[str, bytes | None]] = ()) -> list[Finding]:
    """Every problem in the staged version of ``file`` (what ``git commit`` takes; its working copy
    differs), each naming it as that, with what to run when the working copy is the one to commit."""
    where = f"{file} (staged version)"
    stage = f"git add {shlex.quote(str(file))}"
    fix = f"; if the working copy is what you mean to commit, stage it: {stage}"
    if staged is None:
        return [Finding(where, "larger than the size limit; not a secrets file?" + fix)]
    try:
        text = staged.decode("utf-8")
    except UnicodeDecodeError as err:
        return [Finding(where, not_utf8(staged, err) + fix)]
    return [Finding(where, f.message + (fix if f.error and stage not in f.message else ""), f.keypath, f.error)
            for f in _check_version(text, file, earlier, staged=True)]


def _check_version(text: str, file: Path, earlier: Sequence[tuple[str, bytes | None]], *,
                   staged: bool = False) -> list[Finding]:
    """``staged``: ``text`` is the staged version, where the working copy differs."""
    from sealfile.gitflow.reused_mac import broken_signature, other_mac, reused_mac, reused_message

    policy = for_file(file)
    findings = check_text(text, str(file), policy)
    came_from = reused_mac(text, str(file), list(earlier))  # needs no key: CI, a reviewer
    if came_from is not None and came_from != "HEAD":
        merge = came_from != "HEAD^1" or any(name == "HEAD^2" for name, _ in earlier)
        broken = broken_signature(text, str(file), policy)
        rest = [f for f in findings if f.keypath is not None or f.message != broken]
        return [Finding(str(file), reused_message(came_from, merge=merge)), *rest]
    if any(f.error for f in findings):
        return findings
    fix = _partly_staged(file) if staged else _changed_outside(file)
    checked = _integrity(text, str(file), fix)
    if checked:
        return findings + checked
    if came_from is not None:
        why = f"its 'mac' line is that of HEAD's version, over other content: nobody can open it; {fix}"
        return [*findings, Finding(str(file), why)]
    same_content = other_mac(text, str(file), list(earlier))
    if same_content is None:
        return findings
    why = (f"it holds the values and data key of the version in {same_content} under another 'mac' line: nobody "
           f"can open it; {fix}")
    return [*findings, Finding(str(file), why)]


def links_to_checked(files: Sequence[Path]) -> set[str]:
    """Those of ``files`` that are symbolic links to another of them: reading one reads that file, whose
    findings (and the fixes they name, ``git checkout -m FILE``) are reported once, under its own name."""
    real = {os.path.realpath(f) for f in files if not os.path.islink(f)}
    return {str(f) for f in files if os.path.islink(f) and os.path.realpath(f) in real}


def link_checked_out_as_file(file: str, target: str) -> Finding:
    return Finding(file, f"a symbolic link in git (to {target}), which this clone (core.symlinks=false) checks out "
                         "as a file holding only that name: nothing here opens it; commit the sealed file itself, "
                         "not a link ('sealfile review' refuses a link at a sealed path)")


def merged_as_text(files: list[Path]) -> dict[str, Finding]:
    """A finding per sealed file git would not give to the drivers although the repository uses them:
    ``.gitattributes`` older than a ``sealed_files`` pattern, or another attributes line overriding its
    block. Everything works until two branches change such a file, and then the merge leaves conflict
    markers in ciphertext (or ``-X theirs`` drops a change); its diff shows ciphertext."""
    from sealfile.gitflow.drivers import not_sent_to_drivers
    from sealfile.gitflow.gitcli import toplevel
    from sealfile.gitflow.install import block_is_current, not_sent_cause

    wrong = not_sent_to_drivers([str(f) for f in files])
    if not wrong:  # the commit takes the staged .gitattributes: one never staged leaves every clone without it
        return {path: Finding(path, "git would merge this sealed file as text in every clone: the .gitattributes "
                                    "line sending it to the sealfile drivers is not staged; git add .gitattributes")
                for path in not_sent_to_drivers([str(f) for f in files], staged=True)}
    if not block_is_current(toplevel(".")):
        return {path: Finding(path, "git would merge this sealed file as text: .gitattributes does not give it "
                                    "merge=sealfile (a sealed_files pattern newer than 'sealfile git install'); run "
                                    "'sealfile git install' and commit .gitattributes") for path in wrong}
    return {path: Finding(path, f"git would not give this sealed file to the sealfile drivers: {not_sent_cause(got)}")
            for path, got in wrong.items()}


def merged_by_git_as_text(files: list[Path]) -> dict[str, Finding]:
    """A finding per sealed file git merged as text in the merge being committed (a clone without the
    merge driver, a branch without the attributes): the cause of whatever else is wrong with it, so
    the one finding to report. The merge is clean to git, so ``git checkout -m`` has nothing to redo:
    the whole merge is redone."""
    from sealfile.gitflow.drivers import merged_without_driver

    return {path: Finding(path, "git merged this sealed file as text (a value of either side may be lost, or the file "
                                f"left unreadable, though git called the merge clean): {fix}: git merge --abort, "
                                "and merge again")
            for path, fix in merged_without_driver([str(f) for f in files]).items()}


def _integrity(text: str, file: str, fix: str) -> list[Finding]:
    """The MAC, verified with a local key if one opens the file (nothing is decrypted but the data key)."""
    try:
        with offline():
            keyless_read(text, store_for(file)).open()
    except IntegrityError as err:
        return [Finding(file, f"{err.message}; {fix}")]
    except SealfileError:
        return []  # no local key opens it (CI, a reviewer): the MAC cannot be checked here, nor need it be
    return []


def _changed_outside(file: str | Path) -> str:
    """What to do about a file whose working copy does not open: under pre-commit it is what was staged (its
    hooks set the rest aside), run by hand or by a plain hook it is the file as it is."""
    name = shlex.quote(str(file))
    return (f"staged in part ('git add -p')? if the working copy opens (sealfile verify {name}), stage it whole: git "
            f"add {name}; if it does not, it was changed outside sealfile (by hand, or 'git checkout -p' kept part of "
            f"a change): bring back the committed version (git checkout -- {name}) and make the change with "
            "'sealfile set' or 'sealfile edit'")


def _partly_staged(file: str | Path) -> str:
    return ("staged in part ('git add -p' takes value lines without the 'mac' line)? stage the whole file: "
            f"git add {shlex.quote(str(file))}")
