"""``sealfile git install``: the ``.gitattributes`` lines and git config for the diff and merge drivers.

Idempotent: the attributes live in one marked block that install rewrites and uninstall
removes; the config is two sections (``diff.sealfile``, ``merge.sealfile``) set through the git
CLI; a repository's install also writes the hooks of :mod:`.guard_hooks`. ``diff.sealfile.cachetextconv`` is
deliberately left unset: git would cache decrypted views in its notes.

The drivers run this very installation, ``'/abs/path/to/python' -m sealfile``, so they work from
git's environment whatever its PATH (a virtualenv that is not activated, pipx); ``command`` (or
``SEALFILE_GIT_COMMAND``) replaces it. Install first runs ``COMMAND --version`` through the shell,
as git will, and refuses a command that does not work. The diff driver falls back to showing the
file as stored, with a last line saying so, if the command cannot run later (a deleted virtualenv, a
GUI whose PATH lacks it): a failing textconv would make every ``git diff`` fail.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sealfile.errors import ChangedMeanwhile, SealfileError
from sealfile.files.atomic import REPLACED, atomic_write, refuse_link
from sealfile.files.pathnames import expanded
from sealfile.gitflow import driver_config
from sealfile.gitflow.driver_commands import DRIVER, driver_settings
from sealfile.gitflow.driver_commands import this_installation as this_installation
from sealfile.gitflow.gitcli import CHECK_OUT, NOT_CHECKED_OUT, git, never_checked_out, toplevel
from sealfile.gitflow.guard_hooks import HOOKS, install_hooks, uninstall_hooks
from sealfile.gitflow.patterns import in_worktree
from sealfile.ops.config import load_config

COMMAND_ENV = "SEALFILE_GIT_COMMAND"
BEGIN = "# >>> sealfile (managed by 'sealfile git install'; edit sealed_files in .sealfile.yaml instead)"
END = "# <<< sealfile"


@dataclass(frozen=True)
class Installed:
    attributes_file: Path
    patterns: tuple[str, ...]
    scope: str
    command: str
    hook_notes: tuple[str, ...] = ()
    diff_note: str | None = None
    """Where ``git diff`` will not use the diff driver installed (:func:`driver_config.external_diff`)."""


def driver_command(command: str | None = None) -> str:
    return command or os.environ.get(COMMAND_ENV) or this_installation()


def check_command(command: str, cwd: Path) -> None:
    """Run ``COMMAND --version`` through the shell as git would; refuse a command that fails there."""
    try:
        done = subprocess.run(f"{command} --version", shell=True, cwd=cwd, capture_output=True, text=True,
                              timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise SealfileError(f"git could not run the driver command {command!r}: {type(err).__name__}") from None
    if done.returncode != 0 or "sealfile" not in done.stdout:
        said = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise SealfileError(f"git could not run the driver command {command!r} ({said}); pass --command with one "
                            f"that works from a plain shell, e.g. --command {this_installation()!r}")


def attributes_file(cwd: Path, global_: bool) -> Path:
    """The attributes file to write; the repository's is refused if it is a symbolic link (git reads none
    that is one, and a clone's link can point anywhere: written through, it could be ~/.bashrc)."""
    if not global_:
        target = toplevel(cwd) / ".gitattributes"
        refuse_link(target)
        return target
    configured = git(["config", "--global", "--get", "core.attributesFile"], cwd, ok=(0, 1)).strip()
    if configured:
        return Path(expanded(configured))
    config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    return Path(config_home) / "git" / "attributes"


GLOBAL_WITHOUT_HOOKS = (f"a global install writes no repository's hooks ({', '.join(HOOKS)}): run 'sealfile git "
                        "install' in each repository too")
"""Hooks live in each repository (git has no global hooks directory but ``core.hooksPath``, another tool's)."""


def install(cwd: str | os.PathLike[str] = ".", *, global_: bool = False, command: str | None = None) -> Installed:
    """Write the block and the config, then check that git now gives every tracked sealed file of the
    repository ``cwd`` is in to both drivers; if it does not (another attributes line overrides the
    block), put everything back as it was and say which file and why: a set-up that reports success
    while one file still merges as text fails only later, on the first concurrent change."""
    where = Path(cwd)
    if global_:
        patterns = load_config(where).sealed_patterns
    else:
        top = toplevel(where)
        if never_checked_out(top):  # the committed .gitattributes and .sealfile.yaml are not here to read yet
            raise SealfileError(f"nothing installed: {top}: {NOT_CHECKED_OUT}: check it out first ({CHECK_OUT}), "
                                "then run 'sealfile git install'")
        patterns = tuple(in_worktree(top).attribute_patterns())
    command = driver_command(command)
    check_command(command, where)
    target = attributes_file(where, global_)
    scope = "--global" if global_ else "--local"
    before = driver_config.entries(scope, where), (target.read_bytes() if target.exists() else None)
    wrote: list[bytes | None] = []
    try:
        driver_config.set_entries(scope, where, driver_settings(command))
        read, new = _block_text(target, block_lines(patterns))
        wrote.append(new)  # noted before the write: a signal held through it lands after it (see _restore)
        _put_block(target, read, new)
        _refuse_overridden(where, driver_settings(command))
        _refuse_files_not_sent(where, global_)
        notes = (GLOBAL_WITHOUT_HOOKS,) if global_ else tuple(install_hooks(where, command))
    except BaseException as err:
        _restore(err, scope, where, *before, target, wrote[0] if wrote else None, written=bool(wrote))
        raise
    _drop_cache(where)
    external = driver_config.external_diff(git(["config", "--get", "diff.external"], where, ok=(0, 1)), where)
    return Installed(target, patterns, "global" if global_ else "repository", command, notes, external)


def _refuse_overridden(where: Path, wanted: dict[str, str]) -> None:
    """Refuse an install git would not take where it runs: a setting of the drivers that another config file git
    reads later sets otherwise, so the clone would stay half set up, said to be done."""
    problem = driver_config.overridden(where, wanted)
    if problem is not None:
        raise SealfileError(f"nothing installed: {problem}")


def _drop_cache(where: Path) -> None:
    try:
        top = toplevel(where)
    except SealfileError:
        return  # --global outside any repository: no cache here
    driver_config.drop_cache(top)


def block_lines(patterns: tuple[str, ...]) -> list[str]:
    """The marked block of an attributes file sending ``patterns`` to both drivers."""
    lines = [f"{attribute_pattern(pattern)} diff={DRIVER} merge={DRIVER}" for pattern in patterns]
    return [BEGIN, *lines, END]


def block_is_current(root: Path) -> bool:
    """Whether ``root/.gitattributes`` holds the block ``install`` would write now (else a ``sealed_files``
    pattern changed since)."""
    from sealfile.files.io import read_quietly

    text = read_quietly(root / ".gitattributes") or ""
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    start = lines.index(BEGIN) if BEGIN in lines else -1
    end = lines.index(END, start) + 1 if start >= 0 and END in lines[start:] else -1
    return lines[start:end] == block_lines(tuple(in_worktree(root).attribute_patterns()))


def not_sent_cause(got: str, *, global_: bool = False) -> str:
    """Why git does not give a sealed file the drivers although the block names it, and what to do."""
    if global_:
        return (f"git gives it {got}: this repository's own attributes take precedence over your global ones; run "
                "'sealfile git install' in it (without --global), or change the attributes line that sets it")
    return (f"git gives it {got}: another attributes line overrides the sealfile block of .gitattributes (a "
            ".gitattributes in its directory or above it, a line after the block, .git/info/attributes): remove "
            "or narrow that line")


def _refuse_files_not_sent(where: Path, global_: bool) -> None:
    try:
        top = toplevel(where)
    except SealfileError:
        if global_:
            return  # --global outside any repository: no file here to check
        raise
    from sealfile.gitflow.drivers import not_sent_to_drivers  # only here: install

    sealed = in_worktree(top).matches
    tracked = [name for name in git(["ls-files", "-z"], top).split("\0") if name and sealed(name)]
    wrong = not_sent_to_drivers(tracked, top, where_used=False)
    if wrong:
        path, got = next(iter(wrong.items()))
        more = f" (and {len(wrong) - 1} more)" if len(wrong) > 1 else ""
        raise SealfileError(f"{path}{more}: nothing installed: {not_sent_cause(got, global_=global_)}")


def _restore(err: BaseException, scope: str, where: Path, entries: list[tuple[str, str]], text: bytes | None,
             target: Path, wrote: bytes | None, *, written: bool = True) -> None:
    """Put the drivers' config and the attributes file back as they were before an install (or uninstall)
    that failed (``err``, whose message then says if the config could not be). The file only if it still holds
    what was ``written`` there (``wrote``; None: removed): a change another program made (the one that refused
    the write, or a later one) is kept, not undone."""
    left = driver_config.put_back(scope, where, entries)
    if left is not None and isinstance(err, SealfileError):
        err.message = f"{err.message}; {left}"
    if not written or wrote == text:
        return
    try:
        if text is not None:
            atomic_write(target, text, replacing=wrote)
        elif target.exists() and target.read_bytes() == wrote:  # not there: never written
            target.unlink()
        REPLACED[:] = [name for name in REPLACED if name != str(target)]  # as it was: an interruption says so
    except ChangedMeanwhile:
        pass
    except (SealfileError, OSError) as failed:  # the disk that refused the first write: say so, not instead
        if not isinstance(err, SealfileError):
            raise
        cause = failed.message if isinstance(failed, SealfileError) else failed.strerror
        err.message = f"{err.message}; and {target} could not be put back as it was ({cause})"


def attribute_pattern(pattern: str) -> str:
    """``pattern`` as a ``.gitattributes`` line spells it: a pattern ends at the first space or tab, and one
    starting with ``#`` or ``!`` is a comment or not allowed, so such a pattern (a directory named with a
    space) is written in double quotes, C-style, which git reads back as the pattern itself."""
    if not _NEEDS_QUOTES.search(pattern):
        return pattern
    return '"' + "".join(_c_style(c) for c in pattern) + '"'


def _c_style(c: str) -> str:
    if c in _C_ESCAPES:
        return _C_ESCAPES[c]
    return c if c.isprintable() else "".join(f"\\{byte:03o}" for byte in c.encode("utf-8", "surrogatepass"))


_NEEDS_QUOTES = re.compile(r'^[#!"]|\s|[^\x20-\x7e\u00a0-\U0010ffff]')
_C_ESCAPES = {'"': '\\"', "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def uninstall(cwd: str | os.PathLike[str] = ".", *, global_: bool = False) -> Path:
    where = Path(cwd)
    target = attributes_file(where, global_)
    scope = "--global" if global_ else "--local"
    before = driver_config.entries(scope, where), (target.read_bytes() if target.exists() else None)
    # The attributes first: a block left naming drivers no longer configured has git merge sealed files as
    # text (an undefined merge driver is its built-in one), and 'nothing was written' was said of the config
    wrote = _write_block(target, [])
    try:
        driver_config.remove(scope, where)
    except BaseException as err:
        _restore(err, scope, where, *before, target, wrote)
        raise
    if not global_:
        uninstall_hooks(where)
    return target


def _write_block(target: Path, block: list[str]) -> bytes | None:
    """Replace our marked block (or append it); other lines stay as they were. A file left with
    nothing is removed, so uninstall undoes an install that created it. What was written (None: removed)."""
    read, new = _block_text(target, block)
    _put_block(target, read, new)
    return new


def _put_block(target: Path, read: bytes | None, new: bytes | None) -> None:
    """``new`` at ``target`` (None: removed), refused if it no longer holds ``read``."""
    if new is None:
        target.unlink(missing_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, new, replacing=read)  # a line an editor or git wrote meanwhile: refused, not lost


def _block_text(target: Path, block: list[str]) -> tuple[bytes | None, bytes | None]:
    """What ``target`` holds, and what it is to hold with ``block`` as our marked block (None: no file)."""
    read = target.read_bytes() if target.exists() else None
    text = read.decode("utf-8") if read is not None else ""
    # git's lines end at a line feed only; each line keeps its own carriage return, so the user's lines
    # come back byte for byte (splitlines() also breaks at a form feed, U+0085, U+2028... and drops CRs)
    cr = "\r" if "\r\n" in text else ""  # a file written on Windows keeps its line breaks
    final_break = text.endswith("\n")
    existing = text.split("\n")[:-1] if final_break else text.split("\n")
    unended = bool(cr) and not final_break and not existing[-1].endswith("\r")
    if unended:  # the last line, with no break of its own: it takes the file's once a line follows it
        existing[-1] += cr
    kept: list[str] = []
    inside, at = False, None
    for line in existing:
        bare = line.removesuffix("\r")
        if bare == BEGIN:
            inside, at = True, len(kept)
        elif bare == END and inside:
            inside = False
        elif not inside:
            kept.append(line)
    if block and at is not None and any(line.strip(" \t\r") for line in kept[at:]):
        # lines after the block stay after it: installing again changes nothing in a file every clone shares
        kept[at:at] = [line + cr for line in block]
        block = []
    while kept and not kept[-1].strip(" \t\r"):
        kept.pop()
    if block:
        kept += ([cr] if kept else []) + [line + cr for line in block]
    if not kept:
        return read, None
    body = "\n".join(kept) + ("\n" if final_break or block else "")
    return read, (body[:-1] if unended and body.endswith("\r") else body).encode("utf-8")
