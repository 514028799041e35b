"""A name a shell keeps for itself (``UID``, ``OPTIND``, ``PWD``, ``BASH_*``, ``ZSH_*``...) is refused by every
output that becomes an environment, as the hooks are: one list, one message, one ``allow_env``."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import sealfile
from sealfile.runtime.environment import UnsafeVariableError, child_environment, is_hook, is_shell_own, variables_for
from sealfile.runtime.outputs import to_dotenv, to_k8s_secret
from tests.support.cli import cli_env
from tests.support.environment import restored_environment
from tests.support.sealing import SealFile

__all__ = ["restored_environment"]

pytest_plugins = ["tests.support.sealed_files"]

SHELLS = [shell for shell in ("bash", "zsh", "dash") if shutil.which(shell)]
_LISTS_ITS_NAMES = {"bash": "compgen -v", "zsh": "print -l ${(k)parameters}", "dash": "set"}
_REFUSED = ("which a shell keeps for itself (through a .env or a shell, the value is lost or the shell stops); "
            "refused (put a prefix in front of the names, or allow {name} explicitly)")


def run_exec(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    split = args.index("--")
    argv = ["exec", *args[:split], str(path), *args[split:]]
    return subprocess.run([sys.executable, "-m", "sealfile", *argv], capture_output=True, text=True,
                          env=cli_env(None), timeout=60)


@pytest.mark.skipif(shutil.which("dash") is None, reason="needs dash")
def test_exec_refuses_a_name_that_stops_every_sh_script(seal_file: SealFile) -> None:
    """``optind: x`` passed on: dash, /bin/sh on Debian, stopped at "Illegal number" before running anything."""
    path = seal_file("optind: x\ndb_password: p-1\n")
    done = run_exec(path, "--", "dash", "-c", "echo started")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"sealfile: error: {path}: optind: would set OPTIND, {_REFUSED.format(name='OPTIND')}\n"
    assert run_exec(path, "--prefix", "APP_", "--", "dash", "-c", "echo $APP_OPTIND").stdout == "x\n"
    allowed = run_exec(path, "--allow-env", "OPTIND", "--", sys.executable, "-c",
                       "import os; print(os.environ['OPTIND'])")
    assert allowed.stdout == "x\n"  # asked for by name


@pytest.mark.parametrize("shell", SHELLS)
def test_every_other_name_a_shell_knows_reaches_a_program_it_runs(shell: str) -> None:
    """Each name the shell lists is put in its environment as ``exec`` puts it: the shell starts, and the
    program it runs sees the file's value, unless the name is refused."""
    listed = subprocess.run([shell, "-c", _LISTS_ITS_NAMES[shell]], capture_output=True, text=True, env={},
                            check=True).stdout
    names = {line.split("=")[0] for line in listed.split() if re.fullmatch(r"[A-Z_][A-Z0-9_]*(=.*)?", line)}
    names |= {"USER", "LOGNAME", "LANG", "TERM", "MAIL", "TZ", "DB_PASSWORD"}  # and what a session usually holds
    passed = sorted(name for name in names if not is_hook(name) and not is_shell_own(name))
    assert len(passed) < len(names)
    lost = []
    for name in passed:
        environment = child_environment(variables_for({name: f"v-{name}"}), override=True, keep_key_material=False)
        done = subprocess.run([shell, "-c", f"echo started; {shutil.which('printenv')} {name}"], capture_output=True,
                              text=True, env=environment)
        if done.stdout != f"started\nv-{name}\n":
            lost.append(name)
    assert lost == []


# one per family: bash's own, its BASH_ prefix, zsh's own, its ZSH_ prefix, dash's, the working directory
NAMES = {"uid": "UID", "bash_version": "BASH_VERSION", "histsize": "HISTSIZE", "zsh_name": "ZSH_NAME",
         "optind": "OPTIND", "pwd": "PWD", "username": "USERNAME", "_": "_"}
OUTPUTS: dict[str, Callable[..., Any]] = {
    "load_env": lambda path, **kw: sealfile.load_env(path, **kw),
    "load_secrets": lambda path, **kw: sealfile.load_secrets(path, env=True, env_allow=kw.get("allow_env", ())),
    "dotenv": lambda path, **kw: to_dotenv(sealfile.load_secrets(path, redacted=False), **kw),
    "k8s": lambda path, **kw: to_k8s_secret(sealfile.load_secrets(path, redacted=False), name="s", **kw),
}


@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("key", list(NAMES))
def test_every_output_refuses_a_shell_own_name(key: str, output: str, seal_file: SealFile) -> None:
    name = NAMES[key]
    path = seal_file(f"a_safe_one: v-1\n{json.dumps(key)}: s3cret-1\n")
    os.environ.pop("A_SAFE_ONE", None)
    before = dict(os.environ)
    with pytest.raises(UnsafeVariableError) as refused:
        OUTPUTS[output](path)
    message = f"{key}: would set {name}, {_REFUSED.format(name=name)}"
    assert str(refused.value) in (message, f"{path}: {message}")  # the renderers take data, not a file
    assert "s3cret-1" not in str(refused.value)
    assert dict(os.environ) == before  # nothing set, not even the safe one
    OUTPUTS[output](path, allow_env=[name.lower()])


def test_case_and_prefix() -> None:
    assert is_shell_own("BASH_COMPAT") and is_shell_own("ZSH_EVAL_CONTEXT") and is_shell_own("OLDPWD")
    assert not any(is_shell_own(n) for n in ("uid", "APP_UID", "BASHFUL", "PWD_HASH", "USER", "LOGNAME", "TERM",
                                             "LANG", "TZ", "DB_USERNAME"))
