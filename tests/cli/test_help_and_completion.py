"""Help for every command and option, and shell completion in real bash, zsh and fish (as the README says)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from sealfile.cli.app import _import_commands, cli
from tests.support.cli import IN_CI, cli_env


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, click.Command]]:
    _import_commands()
    for name, command in sorted(group.commands.items()):
        yield " ".join((*path, name)), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


COMMANDS = list(_commands(cli))


@pytest.fixture(autouse=True)
def both_implementations() -> str:
    """Once, not once per implementation (tests/cli/conftest.py): help and completion read no sealed
    file, so the choice of document model is never made here."""
    return "fast"


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[name for name, _ in COMMANDS])
def test_every_command_and_option_has_help(name: str, command: click.Command) -> None:
    assert command.help and command.help.strip(), f"sealfile {name} has no help"
    for param in command.params:
        if isinstance(param, click.Option) and param.expose_value and not param.hidden:
            assert param.help, f"sealfile {name} {param.opts[0]} has no help"


GROUPS = [(name, command) for name, command in [("", cli), *COMMANDS] if isinstance(command, click.Group)]


@pytest.mark.parametrize(("name", "group"), GROUPS, ids=[name or "sealfile" for name, _ in GROUPS])
def test_each_command_listed_shows_its_whole_summary(name: str, group: click.Group) -> None:
    """The list in a group's --help shows each command's first sentence whole, not cut off at '...'."""
    listing = group.get_help(click.Context(group, info_name=f"sealfile {name}".strip()))
    cut = [line.strip() for line in listing.split("Commands:", 1)[1].splitlines() if line.endswith("...")]
    assert cut == [], "shorten the first sentence of each command's docstring"


def test_subcommands_show_their_help(tmp_path: Path) -> None:
    for args in (["recipients", "add", "--help"], ["recipients", "list", "--help"], ["recipients", "remove", "-h"]):
        done = subprocess.run([sys.executable, "-m", "sealfile", *args], capture_output=True, text=True,
                              env=cli_env(), timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout.split("\n\n")[1].strip(), done.stdout  # the paragraph after the usage line


@pytest.fixture
def sealfile_on_path(tmp_path: Path) -> dict[str, str]:
    """A ``sealfile`` command on PATH running this checkout, as an installed entry point would."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    launcher = bin_dir / "sealfile"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m sealfile "$@"\n')
    launcher.chmod(0o755)
    return cli_env({"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"})


def _shell(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if IN_CI:
            pytest.fail(f"{name} is needed for the completion tests (scripts/test.sh installs it)")
        pytest.skip(f"{name} is not installed")
    return found


def _run(shell: str, script: str, env: dict[str, str]) -> list[str]:
    done = subprocess.run([_shell(shell), "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_bash_completion(sealfile_on_path: dict[str, str]) -> None:
    script = ('eval "$(_SEALFILE_COMPLETE=bash_source sealfile)"\n'
              'COMP_WORDS=(sealfile rec); COMP_CWORD=1; _sealfile_completion sealfile; echo "${COMPREPLY[@]}"\n'
              'COMPREPLY=(); COMP_WORDS=(sealfile recipients ""); COMP_CWORD=2; _sealfile_completion sealfile; '
              'echo "${COMPREPLY[@]}"\n')
    assert _run("bash", script, sealfile_on_path) == ["recipients", "add", "list", "remove"]


def test_zsh_completion(sealfile_on_path: dict[str, str]) -> None:
    # Outside an interactive line editor, the completion builtins only record what they were given.
    script = ('compdef() { : }\n_describe() { print -rl -- "${(@P)3}" }\ncompadd() { print -rl -- "$@" }\n'
              'eval "$(_SEALFILE_COMPLETE=zsh_source sealfile)"\n'
              'words=(sealfile updatek); CURRENT=2; _sealfile_completion\n')
    assert _run("zsh", script, sealfile_on_path)[0].startswith("updatekeys")


def test_fish_completion(sealfile_on_path: dict[str, str]) -> None:
    script = '_SEALFILE_COMPLETE=fish_source sealfile | source; complete -C "sealfile git ins"'
    assert _run("fish", script, sealfile_on_path)[0] == "install"


def test_git_install_help_names_the_command_it_installs(tmp_path: Path) -> None:
    """The default of --command is this installation by its absolute path, as install writes it (the
    help said 'sealfile', a name git would look up on its own PATH)."""
    from sealfile.gitflow.install import this_installation

    shown = subprocess.run([sys.executable, "-m", "sealfile", "git", "install", "--help"], capture_output=True,
                           text=True, env=cli_env({"COLUMNS": "400"}), check=True).stdout
    # click wraps long lines at blanks and also after a '-' in the path (a checkout in /work/wt-x): compared
    # without any blank
    expected = f"[default: {this_installation()} (this installation); env SEALFILE_GIT_COMMAND]"
    assert "".join(expected.split()) in "".join(shown.split())


def test_set_help_says_how_to_give_a_value_that_starts_with_a_dash(tmp_path: Path) -> None:
    """The refusal of ``set FILE KEY -x`` points at --; the help, where a newcomer looks first, says it too."""
    from tests.support.cli import run_cli

    shown = " ".join(run_cli("set", "--help").stdout.split())
    assert "A VALUE that starts with - goes after --: sealfile set FILE KEYPATH -- -VALUE." in shown
