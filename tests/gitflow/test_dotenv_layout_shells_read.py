"""A dotenv file's layout (comments, blank lines, blanks around names and ``=``) is outside the seal, and
``decrypt`` keeps it byte for byte. Anyone who can push may change it, so it must read the same to
python-dotenv (sealfile's reading) and to a shell sourcing the decrypted file (``set -a; . ./.env``): a
``\\u00a0# $(cmd)`` line verified, and the shell ran ``cmd``; ``#\\r`` before a binding hid it from the shell.
Real git, age, bash; the attacker's commit is made without any key."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from sealfile.errors import FormatError
from sealfile.ops.read import decrypt_text
from sealfile.stores import get_store
from tests.support.git import Sandbox, seal_file

FILE = "app.enc.env"
PLAIN = "# the app\nDB_PASSWORD=hunter2\nAPI_KEY='abc'\nNAME_unencrypted='web'\n"


def _pushed(marker: Path) -> list[tuple[str, str]]:
    """(what the attacker writes, where): each keeps every key, value, token and the 'mac' line."""
    run = f"$(touch {marker})"
    return [
        ("\u00a0# " + run + "\n", "start"),            # NBSP: a blank to python-dotenv, text to a shell
        ("\x0b# " + run + "\n", "start"),
        ("\x0c# " + run + "\n", "start"),
        ("\u2003# " + run + "\n", "start"),
        ("\x1c# " + run + "\n", "start"),
        ("\x85# " + run + "\n", "start"),
        ("\u00a0# " + run, "after API_KEY"),           # a comment after a token, behind a non-space blank
        ("#x " + run, "after NAME_unencrypted"),       # '#' right after a closing quote: no comment to a shell
        ("#note\r", "before API_KEY"),                 # a CR alone: hides the binding after it from a shell
        ("export\x0b", "before API_KEY"),
    ]


def _place(text: str, what: str, where: str) -> str:
    if where == "start":
        return what + text
    side, key = where.split(" ", 1)
    line = re.search(rf"^{key}=[^\n]*", text, re.MULTILINE)
    assert line is not None
    at = line.end() if side == "after" else line.start()
    return text[:at] + what + text[at:]


def _sourced(box: Sandbox, text: str, name: str) -> str:
    """What bash reads for ``name`` after sourcing ``text`` as a dotenv file."""
    env_file = box.root / "sourced.env"
    env_file.write_text(text)
    done = subprocess.run(["bash", "-c", f'set -a; . "{env_file}" 2>/dev/null; printf %s "${name}"'],
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}, cwd=box.root)
    return done.stdout


@pytest.mark.parametrize("index", range(10))
def test_layout_a_shell_reads_otherwise_is_refused_by_every_reader(sandbox: Sandbox, index: int) -> None:
    seal_file(sandbox, FILE, PLAIN)
    sandbox.commit("base")
    marker = sandbox.root / "ran"
    what, where = _pushed(marker)[index]
    path = sandbox.repo / FILE
    path.write_text(_place(path.read_text(), what, where))
    sandbox.commit("pushed by someone without a key")

    done = sandbox.sealfile("decrypt", FILE, check=False)
    if done.returncode == 0:  # then a shell sourcing it must read it as sealfile does, and run nothing
        assert _sourced(sandbox, done.stdout, "API_KEY") == "abc"
        assert not marker.exists(), "sourcing the decrypted file ran the pushed command"
    assert done.returncode == 1 and done.stdout == "", done.stdout
    [line] = done.stderr.splitlines()
    assert line.startswith(f"sealfile: error: {FILE}: ") and "invalid dotenv line " in line
    assert "hunter2" not in done.stderr and "abc" not in done.stderr
    assert sandbox.sealfile("verify", FILE, check=False).returncode != 0
    assert sandbox.sealfile("exec", FILE, "--", "true", check=False).returncode != 0
    status, shown = sandbox.review_last()
    assert status != 0 and FILE in shown, shown


def test_the_owners_own_spelling_around_those_characters_still_reads_byte_for_byte(sandbox: Sandbox) -> None:
    """The characters themselves are fine inside quoted values and comments, and CR CR LF is two line ends
    (printed as python-dotenv reads them: LF, tests/gitflow/test_dotenv_shell_quoting.py)."""
    plain = "#\u00a0note \x0b\n# x \r\r\nA='a\u00a0b'  # c\u00a0d\nB=\"x\x0cy\"\t#\u2003\nC_unencrypted=' v'\n"
    seal_file(sandbox, FILE, plain)
    sandbox.sealfile("decrypt", FILE, "-o", str(sandbox.root / "plain.env"))
    assert (sandbox.root / "plain.env").read_bytes() == plain.replace("\r\r\n", "\n\n").encode()
    sealed = (sandbox.repo / FILE).read_bytes().decode()
    assert decrypt_text(sealed, store=get_store("dotenv")) == plain  # the library: as is


@pytest.mark.parametrize(("text", "line"), [("A=1\rB='two'\rC=\r", 1), ("A=1\r", 1), ("C\r", 1),
                                           ("A=1\n# c\rB=2\n", 2)])
def test_lines_broken_by_a_carriage_return_alone_are_refused_naming_the_line(text: str, line: int) -> None:
    """A shell reads such a file as one line; python-dotenv as several (the first three were read before)."""
    with pytest.raises(FormatError) as refused:
        get_store("dotenv").load_editable(text)
    assert refused.value.message.startswith(f"invalid dotenv line {line}: a carriage return alone"), refused.value
