"""Every option of every command can come from ``SEALFILE_<COMMAND>_<OPTION>``, named after its public flag."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest

from sealfile.cli.app import _import_commands, cli
from sealfile.cli.envvars import PublicNameOption
from sealfile.kms.age import generate_identity
from sealfile.ops.seal import seal_text
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity

# Values the options' callbacks accept; any other option takes the generic value below.
VALID = {"older_than": "90d", "aws_context": "team=payments", "previous": __file__, "threshold": "2", "group": "2"}


def _commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    _import_commands()
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def _options() -> list[tuple[tuple[str, ...], click.Option]]:
    found = [(path, param) for path, command in _commands(cli) for param in command.params]
    found += [((), param) for param in cli.params]
    return [(path, param) for path, param in found if isinstance(param, click.Option) and param.expose_value]


def _env_name(path: tuple[str, ...], option: click.Option) -> str:
    flag = next(f for f in option.opts if f.startswith("--"))
    return "_".join(["SEALFILE", *(p.replace("-", "_").upper() for p in path), flag[2:].replace("-", "_").upper()])


def _value_for(option: click.Option) -> str:
    if option.name in VALID:
        return VALID[option.name]
    if option.is_flag:
        return "1"
    if isinstance(option.type, click.Choice):
        return str(option.type.choices[-1])
    return "from-the-environment"


def _context_for(path: tuple[str, ...]) -> click.Context:
    ctx = cli.make_context("sealfile", [], resilient_parsing=True)
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
        ctx = command.make_context(name, [], parent=ctx, resilient_parsing=True)
    return ctx


OPTIONS = _options()


def test_every_option_of_every_command_is_covered() -> None:
    assert len(OPTIONS) > 40
    assert all(isinstance(option, PublicNameOption) for _, option in OPTIONS)
    names = {_env_name(path, option) for path, option in OPTIONS}
    assert {"SEALFILE_SET_TYPE", "SEALFILE_DECRYPT_OUTPUT_TYPE", "SEALFILE_RECIPIENTS_REMOVE_ROTATE",
            "SEALFILE_GIT_INSTALL_GLOBAL",
            "SEALFILE_REVIEW_FORMAT", "SEALFILE_ENCRYPT_IN_PLACE", "SEALFILE_DEBUG"} <= names


@pytest.mark.parametrize(("path", "option"), OPTIONS, ids=[_env_name(p, o) for p, o in OPTIONS])
def test_the_option_comes_from_its_public_environment_name(path: tuple[str, ...], option: click.Option,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    name = _env_name(path, option)
    monkeypatch.setenv(name, _value_for(option))
    value: Any = _context_for(path).params[option.name or ""]
    assert value not in (None, (), False, {}, option.default), f"{name} was not read"
    monkeypatch.delenv(name)
    assert _context_for(path).params[option.name or ""] in (None, (), False, {}, option.default)


def test_version_is_never_taken_from_the_environment(run_cli: RunCli) -> None:
    done = run_cli("verify", "--help", env={"SEALFILE_VERSION": "1"})
    assert done.returncode == 0 and "version" not in done.stdout.splitlines()[0]


def test_set_type_from_the_environment_end_to_end(run_cli: RunCli, age_identity: AgeIdentity,
                                                  tmp_path: Path) -> None:
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text("port: 1\n", [age_identity.key]))
    done = run_cli("set", path, "port", "5433", env={"SEALFILE_SET_TYPE": "int"})
    assert done.returncode == 0, done.stderr
    assert run_cli("decrypt", path).stdout == "port: 5433\n"


def test_the_command_line_wins_over_a_rival_option_from_the_environment(
        run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path) -> None:
    """A variable set for every run (``SEALFILE_ENCRYPT_IN_PLACE=1``) gives way to an option typed on the
    command line that cannot go with it (``-o``), as it gives way to the same option: it was not an error
    that the user, who typed only ``-o``, could not see."""
    plain = tmp_path / "app.yaml"
    plain.write_text("token: t-1\n")
    recipient = age_identity.key.recipient
    out = tmp_path / "app.enc.yaml"
    done = run_cli("encrypt", "--age", recipient, plain, "-o", out, env={"SEALFILE_ENCRYPT_IN_PLACE": "1"})
    assert done.returncode == 0, done.stderr
    assert plain.read_text() == "token: t-1\n" and "ENC[" in out.read_text()
    done = run_cli("encrypt", "--age", recipient, "-i", plain, env={"SEALFILE_ENCRYPT_OUTPUT": str(out) + ".x"})
    assert done.returncode == 0, done.stderr
    assert "ENC[" in plain.read_text() and not Path(str(out) + ".x").exists()
    both = run_cli("encrypt", "--age", recipient, "-i", "-o", out, plain)
    assert both.returncode == 2 and "use -o or -i, not both" in both.stderr  # both typed: still a usage error


def test_key_groups_on_the_command_line_win_over_recipients_from_the_environment(
        run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path) -> None:
    plain = tmp_path / "app.yaml"
    plain.write_text("token: t-1\n")
    recipient, other = age_identity.key.recipient, generate_identity()[1]
    groups = ("--key-group", f"age:{recipient}", "--key-group", f"age:{other}")
    done = run_cli("encrypt", *groups, plain, "-o", tmp_path / "g.enc.yaml", env={"SEALFILE_ENCRYPT_AGE": other})
    assert done.returncode == 0, done.stderr
    listed = run_cli("recipients", "list", tmp_path / "g.enc.yaml").stdout.splitlines()
    assert len(listed) == 2 and all("group" in line for line in listed), listed
    done = run_cli("encrypt", "--age", recipient, plain, "-o", tmp_path / "a.enc.yaml",
                   env={"SEALFILE_ENCRYPT_KEY_GROUP": f"age:{other}", "SEALFILE_ENCRYPT_THRESHOLD": "1"})
    assert done.returncode == 0, done.stderr
    listed = run_cli("recipients", "list", tmp_path / "a.enc.yaml").stdout.splitlines()
    assert listed == [f"{tmp_path / 'a.enc.yaml'}\tage\t{recipient}"]
