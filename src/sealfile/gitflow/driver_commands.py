"""The shell commands ``sealfile git install`` writes into git config for the diff and merge drivers, and
what a configured command reads as: the check that a clone is set up (:mod:`sealfile.gitflow.drivers`,
run by every command) compares the config with these templates, so it imports nothing heavier.
"""

from __future__ import annotations

from collections.abc import Callable

_HOLE = "\0"
"""Stands for the command in a template: git config holds no NUL, so it splits a template in two."""


def textconv_command(command: str) -> str:
    """The diff driver: if ``command`` cannot run at all, ``cat`` shows the file as stored instead."""
    return f'sealfile_textconv() {{ {command} git textconv "$1" || cat "$1"; }}; sealfile_textconv'


MERGE_CONFLICT = 9
"""The merge driver's status when it ran and left a conflict (the file holds what it merged, or our version and
why not): any other failure is a command that did not run sealfile to the end."""


def merge_driver_command(command: str) -> str:
    """The merge driver: if ``command`` does not get to merge (not there, not on git's PATH, an interpreter
    without sealfile installed: ``No module named sealfile``, status 1), git's text merge leaves conflict
    markers in the file, which every sealfile command and ``sealfile check`` name with the fix; a file left
    as our version looks resolved, and committing it would drop their changes silently."""
    return (f"{command} git merge-driver %O %A %B %P || {{ [ $? -eq {MERGE_CONFLICT} ] && exit 1; "
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
