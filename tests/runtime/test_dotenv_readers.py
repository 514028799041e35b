"""The dotenv output read back by the programs that read it: python-dotenv (as ``load_dotenv`` opens a
file, with and without interpolation) and the shells (``set -a; . ./.env`` in bash, zsh and dash). Each
value comes back exactly, or the output is refused with its key path."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import dotenv
import pytest

from sealfile.errors import FormatError
from sealfile.runtime.environment import UnsafeVariableError, is_hook, is_shell_own
from sealfile.runtime.outputs import to_dotenv

READ_ALIKE = [
    "plain", "", " spaced ", "pa$$ word", "$HOME and $(id) and `id`", "it's", 'say "hi"', "back\\slash",
    "ends in \\", "two \\\\ backslashes", "\\n is not a newline", "it's \\ both", "multi\nline\n\n",
    "-----BEGIN KEY-----\nMIIabc\n-----END KEY-----\n", "tab\there", "# not a comment", "a=b", "\u2028\x85\xa0",
    "\U0001f600 \u202eRTL\u200f", "\x01\x1b[31m\x7f", "'", '"', "''", "\\'", "{}", "$", "${", "$}",
]


SHELLS = [shell for shell in ("bash", "zsh", "dash") if shutil.which(shell)]


def _shell_reads(path: Path, shell: str = "bash") -> dict[str, str]:
    script = 'set -a; . "$1"; env -0'
    done = subprocess.run([shell, "-c", script, shell, str(path)], capture_output=True, env={}, check=False)
    pairs = (item.split(b"=", 1) for item in done.stdout.split(b"\0") if b"=" in item)
    return {name.decode(): value.decode("utf-8", "surrogateescape") for name, value in pairs}


_bash_reads = _shell_reads


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_every_value_reads_back_alike(tmp_path: Path) -> None:
    values = {f"v{i}": value for i, value in enumerate(READ_ALIKE)}
    path = tmp_path / "out.env"
    path.write_bytes(to_dotenv(values).encode("utf-8"))
    want = {name.upper(): value for name, value in values.items()}
    for interpolate in (False, True):
        assert dict(dotenv.dotenv_values(path, interpolate=interpolate)) == want
    for shell in SHELLS:
        by_shell = _shell_reads(path, shell)
        assert {name: by_shell.get(name) for name in want} == want, shell


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_sourcing_the_output_never_runs_a_value(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "out.env"
    try:
        text = to_dotenv({"db": {"password": f"it's $(touch {marker}) `touch {marker}`"}})
    except FormatError as refused:
        assert str(refused).startswith("db.password: holds ' or \\ and also $ or `")
        return
    path.write_text(text)
    _bash_reads(path)
    assert not marker.exists()


@pytest.mark.parametrize(("value", "cause"), [
    ("a\r\nb", "holds a carriage return"),
    ("lone \r", "holds a carriage return"),
    ("x${HOME}y", "holds ${...}"),
    ("x${A:-b}y", "holds ${...}"),
    ("it's $HOME", "holds ' or \\ and also $ or `"),
    ("`id` ends in \\", "holds ' or \\ and also $ or `"),
    ("a\0b", "holds a NUL character"),
])
def test_what_no_reader_would_read_alike_is_refused_with_its_key_path(value: str, cause: str) -> None:
    with pytest.raises(FormatError) as refused:
        to_dotenv({"ok": "x", "app": {"secret": value}})
    assert str(refused.value).startswith(f"app.secret: {cause}")
    assert value not in str(refused.value)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("key", ["uid", "random", "seconds", "_", "lineno", "ppid", "shlvl"])
def test_a_name_bash_keeps_for_itself_is_refused(key: str, tmp_path: Path) -> None:
    """``uid: 1000`` gave ``UID='1000'``, which a sourced file cannot set: bash kept its own value."""
    path = tmp_path / "out.env"
    path.write_text(f"{key.upper()}='s3cret-1'\n")
    assert _bash_reads(path).get(key.upper()) != "s3cret-1"  # what bash does with it
    with pytest.raises(UnsafeVariableError) as refused:
        to_dotenv({"app": "x", key: "s3cret-1"})
    assert str(refused.value).startswith(f"{key}: would set {key.upper()}, which a shell keeps for itself")
    assert to_dotenv({key: "s3cret-1"}, prefix="APP_") == f"APP_{key.upper()}='s3cret-1'\n"


_LISTS_ITS_NAMES = {"bash": "compgen -v", "zsh": "print -l ${(k)parameters}", "dash": "set"}


@pytest.mark.parametrize("shell", SHELLS)
def test_every_name_a_shell_does_not_read_back_is_refused(shell: str, tmp_path: Path) -> None:
    """zsh, macOS's shell, read COLUMNS, HISTSIZE, USERNAME... otherwise than written (arithmetic, its own
    value, as root a change of user): every name the shell knows is written, sourced, and compared."""
    listed = subprocess.run([shell, "-c", _LISTS_ITS_NAMES[shell]], capture_output=True, text=True, env={},
                            check=True).stdout
    names = {line.split("=")[0] for line in listed.split() if re.fullmatch(r"[A-Z_][A-Z0-9_]*(=.*)?", line)}
    written = sorted(name for name in names if not is_shell_own(name) and not is_hook(name))
    path = tmp_path / "names.env"
    path.write_text(to_dotenv({name: f"v-{name.lower()}" for name in written}))  # one error would stop the rest
    by_shell = _shell_reads(path, shell)
    assert [name for name in written if by_shell.get(name) != f"v-{name.lower()}"] == []


@pytest.mark.parametrize("key", ["columns", "histsize", "username", "gid", "keytimeout", "errno"])
def test_a_name_zsh_keeps_for_itself_is_refused(key: str) -> None:
    with pytest.raises(UnsafeVariableError) as refused:
        to_dotenv({"app": "x", key: "s3cret-1"})
    assert str(refused.value) == (f"{key}: would set {key.upper()}, which a shell keeps for itself (through a .env "
                                  f"or a shell, the value is lost or the shell stops); refused (put a prefix in "
                                  f"front of the names, or allow {key.upper()} explicitly)")


# systemd's own parser of EnvironmentFile= (env-file.c), as its environment.d generator runs it; that
# generator also expands $X and drops an empty value, which EnvironmentFile= does not: those are left out.
_ENVIRONMENT_D = Path("/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator")
_C_ESCAPE = re.compile(r"\\([0-7]{3}|x[0-9a-fA-F]{2}|.)", re.DOTALL)
_C_NAMED = {"n": "\n", "t": "\t", "v": "\v", "f": "\f", "r": "\r", "a": "\a", "b": "\b"}


def _c_unescaped(match: re.Match[str]) -> str:
    escape = match.group(1)
    if len(escape) == 3 and escape.isdigit():
        return chr(int(escape, 8))
    return chr(int(escape[1:], 16)) if escape[0] == "x" and len(escape) == 3 else _C_NAMED.get(escape, escape)


def _systemd_reads(path: Path, config: Path) -> dict[str, str]:
    (config / "environment.d").mkdir(parents=True)
    (config / "environment.d" / "10.conf").write_bytes(path.read_bytes())
    done = subprocess.run([str(_ENVIRONMENT_D)], capture_output=True, env={"XDG_CONFIG_HOME": str(config)},
                          text=True, check=True)
    read = {}
    for name, value in re.findall(r'^([A-Z0-9_]+)=("(?:\\.|[^"\\])*"|.*)$', done.stdout, re.MULTILINE):
        read[name] = _C_ESCAPE.sub(_c_unescaped, value[1:-1]) if value.startswith('"') else value
    return read


@pytest.mark.skipif(not _ENVIRONMENT_D.exists(), reason="needs systemd's environment.d generator")
def test_systemd_environment_files_read_every_value_alike(tmp_path: Path) -> None:
    values = {f"v{i}": value for i, value in enumerate(READ_ALIKE) if value and "$" not in value}
    path = tmp_path / "out.env"
    path.write_bytes(to_dotenv(values).encode("utf-8"))
    want = {name.upper(): value for name, value in values.items()}
    read = _systemd_reads(path, tmp_path / "config")  # with the system's own environment.d settings
    assert {name: read.get(name) for name in want} == want
