"""Layout of a sealed dotenv file that the seal does not cover, respelled by anyone who can push (no key), must not
change what a shell sourcing the decrypted file reads (``set -a; . <(sealfile decrypt app.enc.env)``): a value left
in plaintext requoted from ``'$(cmd)'`` to ``"$(cmd)"`` or bare kept the MAC and ran ``cmd``; ``API_KEY= ENC[...]``
kept it and made the shell run the secret as a command (printing it to stderr); a switch to CRLF line breaks gave
every value a trailing CR in the shell. Real git, age and bash."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.support.git import Sandbox, seal_file

FILE = "app.enc.env"
PLAIN = ("# the app\nDB_PASSWORD=hunter2\nAPI_KEY='abc'\nDEBUG=false\n"
         "HOOK_unencrypted='$(touch ran)'\nGREETING_unencrypted='hello; touch ran2'\n")


def _sourced(box: Sandbox, text: str, names: str) -> subprocess.CompletedProcess[str]:
    """bash sourcing ``text`` as ``set -a; . FILE`` does, printing ``names``' values as ``[value]``."""
    env_file = box.root / "sourced.env"
    env_file.write_bytes(text.encode())
    shown = "".join(f'"[${name}]"' for name in names.split())
    return subprocess.run(["bash", "-c", f'set -a; . "{env_file}"; printf %s {shown}'], capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin"}, cwd=box.root)


PUSHED = [
    ("HOOK_unencrypted='$(touch ran)'", 'HOOK_unencrypted="$(touch ran)"'),    # requoted: runs in double quotes
    ("HOOK_unencrypted='$(touch ran)'", "HOOK_unencrypted=$(touch ran)"),      # ... and bare
    ("GREETING_unencrypted='hello; touch ran2'", "GREETING_unencrypted=hello; touch ran2"),
    ("GREETING_unencrypted='hello; touch ran2'", "GREETING_unencrypted= 'hello; touch ran2'"),
    (re.compile(r"^API_KEY=", re.MULTILINE), "API_KEY= "),                     # the secret run as a command
    (re.compile(r"^API_KEY=", re.MULTILINE), "API_KEY ="),
    (re.compile(r"^API_KEY=", re.MULTILINE), "'API_KEY'="),
]


@pytest.mark.parametrize("index", range(len(PUSHED)))
def test_respelled_layout_a_shell_reads_otherwise_is_refused_or_printed_as_sealed(sandbox: Sandbox,
                                                                                    index: int) -> None:
    seal_file(sandbox, FILE, PLAIN)
    sandbox.commit("base")
    path = sandbox.repo / FILE
    before, after = PUSHED[index]
    text = path.read_text()
    pushed = before.sub(after, text) if isinstance(before, re.Pattern) else text.replace(before, after)
    assert pushed != text
    path.write_text(pushed)
    sandbox.commit("pushed by someone without a key")

    done = sandbox.sealfile("decrypt", FILE, check=False)
    if done.returncode == 0:  # printed as the seal says: the shell reads what sealfile read, and runs nothing
        shell = _sourced(sandbox, done.stdout, "API_KEY HOOK_unencrypted GREETING_unencrypted")
        assert shell.stdout == "[abc][$(touch ran)][hello; touch ran2]" and "abc" not in shell.stderr, shell
        assert not (sandbox.root / "ran").exists() and not (sandbox.root / "ran2").exists()
        return
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(f"sealfile: error: {FILE}: ") and re.search(r"invalid dotenv line [3-6]: ", line), line
    assert "hunter2" not in line and "abc" not in line and "touch" not in line
    assert "(write NAME=value)" in line or "quote it in '...'" in line
    if "_unencrypted" in after:  # outside any token: refused without a key too
        assert sandbox.sealfile("verify", FILE, check=False).returncode != 0
        assert sandbox.sealfile("exec", FILE, "--", "true", check=False).returncode != 0


def test_a_sealed_file_switched_to_crlf_prints_values_a_shell_reads_without_a_cr(sandbox: Sandbox) -> None:
    """``DEBUG=false\\r`` is not ``false`` to an application (often: debugging on). Git's autocrlf checks an honest
    file out so on Windows too, so CRLF stays readable: ``decrypt`` prints line breaks as python-dotenv reads them."""
    seal_file(sandbox, FILE, PLAIN)
    sandbox.commit("base")
    path = sandbox.repo / FILE
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    sandbox.commit("pushed by someone without a key")
    assert sandbox.sealfile("verify", FILE).returncode == 0  # line breaks are no data: Git changes them itself

    printed = sandbox.root / "printed.env"  # a file, not captured text: that would read CRLF as LF
    sandbox.sealfile("decrypt", FILE, "-o", str(printed))
    assert printed.read_bytes() == PLAIN.encode()
    shell = _sourced(sandbox, printed.read_bytes().decode(), "DEBUG API_KEY DB_PASSWORD")
    assert shell.stdout == "[false][abc][hunter2]", shell


def test_the_owners_own_layout_still_comes_back_byte_for_byte(sandbox: Sandbox) -> None:
    """What the owner sealed (a token holds its value's quoting, and its line when sealfile would write it
    otherwise) prints as written, even where a shell reads it otherwise: that was the owner's choice."""
    plain = "API_KEY = 'abc def'   # note\nURL=\"$HOME/x\"\nEMPTY= # none\nX_unencrypted=\"plain\"\n"
    seal_file(sandbox, FILE, plain)
    assert sandbox.sealfile("decrypt", FILE).stdout == plain
    assert sandbox.sealfile("verify", FILE).returncode == 0


@pytest.mark.parametrize("line", ['X_unencrypted="$HOME"', "X_unencrypted=a b", "X_unencrypted = v",
                                  "X_unencrypted='a\\\\b'"])
def test_a_plaintext_value_a_shell_reads_otherwise_is_not_sealed(sandbox: Sandbox, line: str) -> None:
    """No seal covers its spelling, so a sealed file must not hold it (anyone could write it): refused in one line."""
    (sandbox.repo / "plain.env").write_text(f"A=1\n{line}\n")
    done = sandbox.sealfile("encrypt", "plain.env", "--age", sandbox.recipient, check=False)
    assert done.returncode != 0 and done.stdout == ""
    [message] = done.stderr.splitlines()
    assert "invalid dotenv line 2: " in message and "X_unencrypted" in message, message


RUNS = "$(touch pwned-3)"
"""A plaintext value a shell runs if it reads it otherwise: never shown in a refusal."""


@pytest.mark.parametrize(("line", "cause"), [
    (f'X_unencrypted="{RUNS}"', "a value left in plaintext whose quoting a shell sourcing the decrypted file reads "
                                "otherwise"),
    (f"X_unencrypted={RUNS}", "a value left in plaintext whose quoting"),
    (f"X_unencrypted = '{RUNS}'", "blanks around '='"),
])
def test_encrypt_and_edit_name_the_input_line_a_shell_reads_otherwise(sandbox: Sandbox, line: str, cause: str) -> None:
    """An input problem, worded as one: the input file (or the edited text), its own line (the sealed file's is
    another: a quoted line break before it is sealed into one line), the key and how to write it, and nothing
    written. It was "refusing to write: the result would not read back (invalid dotenv line 2: ...)", the line
    the sealed result's."""
    plain = sandbox.repo / "plain.env"
    plain.write_text(f'A="two\nlines"\n\n{line}\n')
    done = sandbox.sealfile("encrypt", "plain.env", "--age", sandbox.recipient, "-o", "out.enc.env", check=False)
    assert done.returncode == 1 and done.stdout == "" and not (sandbox.repo / "out.enc.env").exists()
    [message] = done.stderr.splitlines()
    assert message.startswith(f"sealfile: error: plain.env: X_unencrypted: invalid dotenv line 4: {cause}"), message
    assert "would not read back" not in message and "touch" not in message and "two" not in message, message
    assert "(quote it in '...'" in message or "(write NAME=value)" in message, message

    sealed = seal_file(sandbox, FILE, 'A="two\nlines"\n\nX_unencrypted=\'v\'\n').read_bytes()
    editor = sandbox.root / "edit.py"
    editor.write_text(f"import sys\ntext = open(sys.argv[1]).read().replace(\"X_unencrypted='v'\", {line!r})\n"
                      "open(sys.argv[1], 'w').write(text)\n")
    done = sandbox.sealfile("edit", FILE, env={**sandbox.env, "EDITOR": f"{sys.executable} {editor}", "VISUAL": ""},
                            check=False, stdin="")
    assert done.returncode == 1 and (sandbox.repo / FILE).read_bytes() == sealed
    [message] = done.stderr.splitlines()
    assert message.startswith(f"sealfile: error: {FILE}: X_unencrypted: edited text: invalid dotenv line 4: "
                              f"{cause}"), message
    assert "would not read back" not in message and "touch" not in message, message


@pytest.mark.parametrize("key", ["X_unencrypted", "NEW_unencrypted"])
@pytest.mark.parametrize("value", [f"it's {RUNS}", "a\rb"])
def test_set_of_a_plaintext_value_no_quoting_keeps_from_a_shell_names_why(sandbox: Sandbox, key: str,
                                                                          value: str) -> None:
    """``set`` quotes a value it leaves in plaintext so that a shell and python-dotenv read it alike; a value no
    quoting does that for (``'`` with ``$``, a carriage return) is refused as what it is, the file kept byte for
    byte, rather than as a sealed result that "would not read back"."""
    sealed = seal_file(sandbox, FILE, "A=1\nX_unencrypted='v'\n").read_bytes()
    done = sandbox.sealfile("set", FILE, key, value, check=False)
    assert done.returncode == 1 and done.stdout == "" and (sandbox.repo / FILE).read_bytes() == sealed
    [message] = done.stderr.splitlines()
    line = 2 if key == "X_unencrypted" else 3
    assert message.startswith(f"sealfile: error: {FILE}: {key}: dotenv line {line}: a value left in plaintext "
                              "that no quoting makes a shell sourcing the decrypted file read as python-dotenv "
                              "does"), message
    assert "give it a name the file's rule encrypts" in message and "would not read back" not in message, message
    assert "touch" not in message and "it's" not in message, message
