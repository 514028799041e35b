"""The shell commands ``sealfile git install`` writes into git config for the diff and merge drivers, and
what a configured command reads as: the check that a clone is set up (:mod:`sealfile.gitflow.drivers`,
run by every command) compares the config with these templates, so it imports nothing heavier.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable

DRIVER = "sealfile"

_HOLE = "\0"
"""Stands for the command in a template: git config holds no NUL, so it splits a template in two."""


def this_installation() -> str:
    """This interpreter running sealfile: absolute, so it needs nothing from git's PATH, and never a ``sealfile``
    from git's working directory, the top of a work tree whoever can push fills (:func:`installation_command`)."""
    return installation_command(sys.executable, sys.version_info >= (3, 11))


_WITHOUT_WORKTREE = ("import runpy, sys; del sys.path[0]; "
                     "runpy.run_module('sealfile', run_name='__main__', alter_sys=True)")
"""Python 3.10 has no ``-P``: its ``-c`` puts the working directory first on ``sys.path`` too, and this drops it."""


def installation_command(python: str, safe_path_option: bool) -> str:
    """``python`` running sealfile with the working directory kept off ``sys.path``: ``-m`` alone puts it first,
    and git runs its drivers and hooks at the top of the work tree, so a committed ``sealfile/__main__.py`` ran in
    place of sealfile at every ``git diff``, ``git log -p`` and merge of a sealed file (and at ``git install``'s own
    check). ``-P`` (Python 3.11+) keeps it off; before, the ``-c`` program drops it."""
    if safe_path_option:
        return f"{shlex.quote(python)} -P -m sealfile"
    return f"{shlex.quote(python)} -c {shlex.quote(_WITHOUT_WORKTREE)}"


NOT_RUN = "# (ciphertext as stored: the sealfile diff driver could not run; run git diff in a terminal to see why)"
"""The line the diff driver's fallback ends the file with. Last: a sealed file's MAC line is last and changes with
every value, so the line is in every diff's context, where a GUI that hides git's errors still shows it."""


def textconv_command(command: str) -> str:
    """The diff driver: if ``command`` cannot run at all, ``cat`` shows the file as stored instead, and says so."""
    # "--": a work-tree file is named as committed, and a name may start with "-" (git diff then failed)
    return f'sealfile_textconv() {{ {command} git textconv -- "$1" || {{ cat -- "$1"; echo "{NOT_RUN}"; }}; }}; ' \
        "sealfile_textconv"


MERGE_CONFLICT = 9
"""The merge driver's status when it ran and left a conflict (the file holds what it merged, or our version and
why not): any other failure is a command that did not run sealfile to the end."""


def merge_driver_command(command: str) -> str:
    """The merge driver: if ``command`` does not get to merge (not there, not on git's PATH, an interpreter
    without sealfile installed: ``No module named sealfile``, status 1), git's text merge leaves conflict
    markers in the file, which every sealfile command and ``sealfile check`` name with the fix; a file left
    as our version looks resolved, and committing it would drop their changes silently."""
    return (f"{command} git merge-driver -- %O %A %B %P || {{ [ $? -eq {MERGE_CONFLICT} ] && exit 1; "
            "git merge-file -q -L ours -L base -L theirs %A %O %B; exit 1; }")


def command_of(configured: str, template: Callable[[str], str]) -> str | None:
    """The command ``configured`` runs if it is what ``template`` writes for one; ``None`` for anything else
    (a driver an older sealfile wrote, without the fallback its template has now, or one written by hand)."""
    before, _, after = template(_HOLE).partition(_HOLE)
    configured = configured.strip()
    if len(configured) <= len(before) + len(after):
        return None
    if not (configured.startswith(before) and configured.endswith(after)):
        return None
    return configured[len(before):len(configured) - len(after)].strip() or None


def imports_from_worktree(command: str) -> bool:
    """Whether ``command`` is ``PYTHON -m sealfile`` without ``-P`` or ``-I`` (an older ``git install`` wrote it):
    git runs it at the top of the work tree, which ``-m`` puts first on ``sys.path``."""
    import shlex  # only for clones with drivers

    try:
        words = shlex.split(command)
    except ValueError:
        return False
    if "-m" not in words or words[words.index("-m") + 1:words.index("-m") + 2] != ["sealfile"]:
        return False
    before = words[:words.index("-m")]
    safe = [word for word in before[1:] if word.startswith("-") and not word.startswith("--") and
            ("P" in word or "I" in word)]
    return not safe and not any(word.startswith("PYTHONSAFEPATH=") and word != "PYTHONSAFEPATH=" for word in before)


def driver_settings(command: str) -> dict[str, str]:
    """The git config ``sealfile git install`` writes for ``command``: what a set-up clone's config reads."""
    return {
        f"diff.{DRIVER}.textconv": textconv_command(command),
        f"merge.{DRIVER}.name": "sealfile: three-way merge of sealed values",
        f"merge.{DRIVER}.driver": merge_driver_command(command),
        # The merge of a criss-cross merge's bases into a virtual one: the driver would settle a conflict
        # there by keeping one side, which the outer merge then takes as the ancestor's value; the binary
        # driver gives their own ancestor instead, so the conflict comes back where both sides meet.
        f"merge.{DRIVER}.recursive": "binary",
    }


CACHE = f"diff.{DRIVER}.cachetextconv"
"""Never set: git would keep the decrypted view of every version it diffs in its notes (``refs/notes/textconv/
sealfile``): plaintext in the object store, pushed with ``git push origin 'refs/notes/*'``."""
CACHE_REF = f"refs/notes/textconv/{DRIVER}"


def caching(value: str | None) -> bool:
    """Whether a ``diff.sealfile.cachetextconv`` value (``None``: unset) turns git's cache on, as git reads a bool."""
    return value is not None and value.strip().lower() not in ("false", "no", "off", "0")


def config_problem(root: str, config: dict[str, str], gone: Callable[[str], str | None]) -> str | None:
    """What differs in ``config`` (the drivers' settings in effect, by lower-case name) from what ``sealfile git
    install`` writes, and the fix; ``None`` when nothing does. ``gone(command)`` says why a command cannot run
    here, or ``None``. The merge driver's config is there (else the attributes' warning says so)."""
    again = "run 'sealfile git install' again"
    if caching(config.get(CACHE)):
        return (f"{root}: {CACHE} is set: git keeps the decrypted view of every sealed file it diffs in {CACHE_REF} "
                f"(plaintext in .git, pushed with the notes): {again} (it unsets it and drops that cache)")
    command = command_of(config.get(f"merge.{DRIVER}.driver", ""), merge_driver_command)
    if command is None:
        return (f"{root}: this clone's sealfile merge driver is not the one 'sealfile git install' writes (an older "
                f"sealfile set it up, or it was written by hand): {again} (until then a merge whose driver cannot "
                "start leaves our version of a sealed file, which looks resolved: staged, it drops their changes)")
    why = gone(command)
    if why is not None:
        return (f"{root}: the sealfile merge driver of this clone runs {why}: {again} (until then every merge of a "
                "sealed file stops in a conflict, the file merged as text with conflict markers)")
    if imports_from_worktree(command):
        return (f"{root}: this clone's sealfile drivers run {command!r}, which imports sealfile from the top of the "
                "work tree first (python -m puts git's working directory on sys.path: a committed sealfile/ "
                f"directory would run in its place at every git diff and merge): {again}")
    textconv = config.get(f"diff.{DRIVER}.textconv", "").strip()
    if not textconv:
        return (f"{root}: this clone has the sealfile merge driver but not its diff driver (diff.{DRIVER}.textconv): "
                f"{again} (until then git diff shows sealed files as ciphertext)")
    shown = command_of(textconv, textconv_command)
    why = ("a command that is not the one 'sealfile git install' writes" if shown is None else gone(shown) or
           (None if shown == command else f"{shown}, not the command its merge driver runs ({command})"))
    if why is not None:
        return (f"{root}: the sealfile diff driver of this clone (diff.{DRIVER}.textconv) runs {why}: {again} "
                "(until then git diff, git log -p and git show show sealed files as ciphertext, or fail)")
    if config.get(f"merge.{DRIVER}.recursive", "").strip() != "binary":
        return (f"{root}: this clone's sealfile merge driver was set up without merge.{DRIVER}.recursive=binary: "
                f"{again} (until then a merge of branches that merged each other can settle a conflict silently)")
    return None
