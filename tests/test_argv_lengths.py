"""No command line sealfile starts grows with what it reads: a list goes on the program's input, or in parts.

Every path, blob id or revision put on one git command line made ``check``, ``review`` and the drivers fail with
E2BIG ("Argument list too long") once a repository held enough of them (tests/gitflow/test_long_path_lists.py).
So every call that starts a program is found in the source, and its argument vector must be a list display whose
items are each one argument (mypy holds each to a ``str``), but for the splats (``*name``) listed here, each with
why its length is bounded. A list of paths that git cannot read on its input goes to
:func:`sealfile.gitflow.path_lists.git_for_paths`, whose ``paths`` are not looked at here.

What this cannot see: what an allowed name holds (a splat of ``changed`` stays allowed if ``changed`` later gains
paths), and a program started by a library (python-gnupg runs gpg with one recipient a call; pyrage runs age plugins
with fixed arguments).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import sealfile

SRC = Path(sealfile.__file__).parent
STARTS = {"git", "git_for_paths", "entries_of", "_run", "subprocess.run", "subprocess.Popen", "subprocess.call",
          "subprocess.check_call", "subprocess.check_output", "os.execv", "os.execve", "os.execvp", "os.execvpe",
          "os.spawnv", "os.spawnve", "os.posix_spawn", "os.posix_spawnp"}
"""Calls that start a program (``git``, ``git_for_paths``, ``entries_of``: sealfile's git wrappers; ``_run``:
staged.py's, which gives its lines on git's input), by how sealfile's modules name them."""

_MARKER_OPTIONS = "one -e per private key marker (a constant list)"
_OPTIONS = "git options, a fixed list"
ALLOWED = {
    ("cli/check.py", "markers"): _OPTIONS,
    ("files/editor.py", "command"): "the user's editor command (EDITOR, a few words) and the one file it edits",
    ("cli/execute.py", "command[1:]"): "the user's own command (sealfile exec), as they gave it to sealfile",
    ("cli/execute.py", "list(command)"): "the user's own command (sealfile exec), as they gave it to sealfile",
    ("gitflow/attributes_at.py", "_ATTRIBUTES"): "the attribute names asked for, a constant",
    ("gitflow/check_leaks.py", "(f'-e{m}' for m in MARKERS)"): _MARKER_OPTIONS,
    ("gitflow/committed_keys.py", "(f'-e{m}' for m in MARKERS)"): _MARKER_OPTIONS,
    ("gitflow/committed_keys.py", "changed"): _OPTIONS,
    ("gitflow/drivers.py", "asked"): "two words per hook type sealfile installs (a constant few)",
    ("gitflow/drivers.py", "['--cached'] if staged else []"): _OPTIONS,
    ("gitflow/gitcli.py", "args"): "git(): the list its callers give, each checked here",
    ("gitflow/gitcli.py", "revs"): "one or two revisions",
    ("gitflow/gitcli.py", "paths"): ("changed_files: the pathspecs a user gave 'sealfile diff --git' on its own "
                                     "command line (review gives none); one run, so git pairs a rename within them"),
    ("gitflow/guard_hooks.py", "(arg for name in names for arg in ('--git-path', name))"): "five state files",
    ("gitflow/history_keys.py", "(f'-e{m}' for m in MARKERS)"): _MARKER_OPTIONS,
    ("gitflow/history_keys.py", "search"): _OPTIONS,
    ("gitflow/history_keys.py", "[parent] if parent else []"): "one revision or none",
    ("gitflow/install.py", "f'{command} --version'"): "one shell line: the driver's command, asked its version",
    ("gitflow/merge_again.py", "listed[:2]"): _OPTIONS,
    ("gitflow/merge_again.py", "listed[2:]"): "'--' and the one file being recovered",
    ("gitflow/partial_clone.py", "_RAW"): _OPTIONS,
    ("gitflow/partial_clone.py", "revs"): "one or two revisions",
    ("gitflow/partial_clone.py", "paths"): "the pathspecs a user gave 'sealfile diff --git' (see gitcli.py's paths)",
    ("gitflow/path_lists.py", "start"): _OPTIONS,
    ("gitflow/path_lists.py", "args"): "git_for_paths(), entries_of(): the options their callers give, checked here",
    ("gitflow/path_lists.py", "part"): "the paths, in parts of at most ARGV_BYTES",
    ("gitflow/replay.py", "(a for name in _STATES for a in ('--git-path', name))"): "replay state files",
    ("gitflow/returned_keys.py", "STORED_TEXT"): _OPTIONS,
    ("gitflow/returned_keys.py", "aside"): ("names holding a line break or ending in a carriage return only, which a "
                                           "line of git's input cannot carry (every other path goes there): a "
                                           "change adding thousands fails review with E2BIG, an error, never a pass"),
    ("gitflow/reused_mac.py", "STORED_TEXT"): _OPTIONS,
    ("gitflow/staged.py", "args"): "_run(): the options its callers give, each checked here; its list goes on stdin",
    ("gitflow/staged.py", "heads"): ("the commits being merged (MERGE_HEAD), which git merge itself was given on its "
                                     "command line"),
    ("gitflow/staged.py", "differs"): "options, 'HEAD', '--' and the one file asked about",
    ("gitflow/value_rules.py", "where"): "'--' and one directory",
}
"""(module, the splatted expression or a whole argument vector that is no list display) -> why it stays short."""


def _argv_calls() -> Iterator[tuple[str, int, ast.expr]]:
    """(module, line, argument vector) of each call in :data:`STARTS`."""
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and ast.unparse(node.func) in STARTS and node.args:
                argv = node.args[1] if ast.unparse(node.func).startswith("os.") else node.args[0]
                yield path.relative_to(SRC).as_posix(), node.lineno, argv


def _growing(module: str, argv: ast.expr) -> Iterator[str]:
    if not isinstance(argv, ast.List):
        yield ast.unparse(argv)
        return
    for item in argv.elts:
        if isinstance(item, ast.Starred):
            yield ast.unparse(item.value)


def test_every_command_line_is_a_list_of_single_arguments_or_an_allowed_splat() -> None:
    found = {(module, shown): line for module, line, argv in _argv_calls() for shown in _growing(module, argv)}
    unexplained = [f"{module}:{line}: {shown}" for (module, shown), line in found.items()
                   if (module, shown) not in ALLOWED]
    assert not unexplained, ("a command line that may grow with the input: give the list on git's input, or "
                             "through path_lists.git_for_paths; or add it to ALLOWED with why it stays short:\n"
                             + "\n".join(unexplained))
    assert not set(ALLOWED) - set(found), f"allowed but gone: {sorted(set(ALLOWED) - set(found))}"


def test_programs_are_started_by_names_this_test_sees() -> None:
    """``from subprocess import run`` (or ``os``'s exec functions by name) would start programs unseen."""
    imported = [f"{path.relative_to(SRC)}: from {node.module} import {alias.name}"
                for path in SRC.rglob("*.py")
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(node, ast.ImportFrom) and node.module in ("subprocess", "os")
                for alias in node.names if alias.name in {name.split(".")[-1] for name in STARTS}]
    assert not imported


def test_a_path_list_on_one_command_line_is_found() -> None:
    """The check itself: the shape that failed with E2BIG is reported, a part is not."""
    def shown(code: str) -> list[str]:
        call = ast.parse(code).body[0].value  # type: ignore[attr-defined]
        return list(_growing("gitflow/x.py", call.args[0]))

    assert shown('git(["ls-files", "--stage", "--", *records], top)') == ["records"]
    assert shown('git(["ls-files"] + paths, top)') == ["['ls-files'] + paths"]
    assert shown('git(["ls-files", "-z", path], top)') == []
