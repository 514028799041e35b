"""Passphrase-protected SSH keys (``ssh-keygen -N``) as identities: the passphrase from an
``SSH_ASKPASS`` program or typed on a real pseudo-terminal, chosen as OpenSSH chooses
(``SSH_ASKPASS_REQUIRE``, a display, a terminal); asked once per key and only for a data key
wrapped for it; a wrong or missing passphrase as one line naming the key file; interop with
``age -R``; and the CLI with and without a terminal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sealfile.envelope.datakey import unwrap_data_key
from sealfile.errors import UnwrapError
from sealfile.kms.ssh import SshKey
from tests.kms.test_ssh import age_cli
from tests.support.cli import RunCli, cli_env
from tests.support.identities import AgeIdentity
from tests.support.late_waits import late_waits_env
from tests.support.ssh import Askpass, SshKeyPair, generate_key, write_askpass
from tests.support.terminal import CTRL_C, run_on_terminal
from tests.support.values import safe_load
from tests.support.whole_path import DATA, PLAINTEXT, one_error_line

PASSPHRASE = "correct horse 'battery' staple"
PROMPT = b"Enter passphrase for SSH key"
ASKING_VARIABLES = ("SSH_ASKPASS", "SSH_ASKPASS_REQUIRE", "DISPLAY", "WAYLAND_DISPLAY")


@pytest.fixture(autouse=True)
def nothing_to_ask_with(monkeypatch: pytest.MonkeyPatch) -> None:
    """No askpass program or display from the developer's session."""
    for name in ASKING_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def protect(directory: Path, monkeypatch: pytest.MonkeyPatch, kind: str = "ed25519") -> SshKeyPair:
    pair = generate_key(directory, kind, f"protected-{kind}", passphrase=PASSPHRASE)
    monkeypatch.setenv("SEALFILE_SSH_KEY_FILE", str(pair.path))
    return pair


def use_askpass(askpass: Askpass, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in askpass.env().items():
        monkeypatch.setenv(name, value)


def sealed_for(pair: SshKeyPair, directory: Path, run_cli: RunCli, plaintext: str = PLAINTEXT) -> Path:
    plain, sealed = directory / "secrets.yaml", directory / "secrets.enc.yaml"
    directory.mkdir(exist_ok=True)
    plain.write_text(plaintext)
    done = run_cli("encrypt", "--ssh", pair.pub_path, plain, "-o", sealed)
    assert done.returncode == 0, done.stderr
    return sealed


def asking_env(**settings: str) -> dict[str, str]:
    """The CLI's environment with only ``settings`` of the variables that choose how to ask."""
    env = cli_env(settings)
    for name in set(ASKING_VARIABLES) - set(settings):
        env.pop(name, None)
    return env


def decrypt_without_terminal(sealed: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    """``sealfile decrypt`` as cron or CI runs it: no controlling terminal, no terminal on any stream."""
    return subprocess.run([sys.executable, "-m", "sealfile", "decrypt", str(sealed)], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, env=asking_env(**settings), start_new_session=True,
                          timeout=60)


@pytest.mark.parametrize("kind", ["ed25519", "rsa"])
def test_askpass_opens_a_protected_key_once_and_what_age_wrote(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    pair = protect(tmp_path, monkeypatch, kind)
    askpass = write_askpass(tmp_path / "bin", PASSPHRASE)
    use_askpass(askpass, monkeypatch)
    key = SshKey.from_cli(str(pair.pub_path))
    first, second = os.urandom(32), os.urandom(32)
    assert key.unwrap(key.wrap(first).wrapped) == first
    theirs = subprocess.run([age_cli(), "-R", str(pair.pub_path), "-a"], input=second, capture_output=True,
                            timeout=30)
    assert theirs.returncode == 0, theirs.stderr
    assert key.unwrap(theirs.stdout.decode("ascii")) == second
    assert askpass.prompts == [f"Enter passphrase for SSH key {pair.path}: "]


def test_a_wrong_passphrase_is_one_line_and_not_asked_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pair = protect(tmp_path, monkeypatch)
    askpass = write_askpass(tmp_path / "bin", "not the passphrase")
    use_askpass(askpass, monkeypatch)
    key = SshKey.from_cli(str(pair.pub_path))
    wrapped = key.wrap(os.urandom(32)).wrapped
    for _ in range(2):
        with pytest.raises(UnwrapError) as info:
            key.unwrap(wrapped)
        assert str(info.value) == f"ssh {key.key_id}: wrong passphrase for {pair.path}"
    assert len(askpass.prompts) == 1


@pytest.mark.parametrize(("answer", "status", "cause"), [
    ("", 0, "no passphrase was given"),
    (PASSPHRASE, 1, "the SSH_ASKPASS program {program} exited with status 1"),
], ids=["empty", "cancelled"])
def test_no_passphrase_from_askpass(answer: str, status: int, cause: str, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    pair = protect(tmp_path, monkeypatch)
    askpass = write_askpass(tmp_path / "bin", answer, status)
    use_askpass(askpass, monkeypatch)
    key = SshKey.from_cli(str(pair.pub_path))
    with pytest.raises(UnwrapError) as info:
        key.unwrap(key.wrap(os.urandom(32)).wrapped)
    assert str(info.value) == f"ssh {key.key_id}: {pair.path}: {cause.format(program=askpass.program)}"


def test_asked_only_when_nothing_else_opens_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     age_identity: AgeIdentity) -> None:
    pair = protect(tmp_path, monkeypatch)
    askpass = write_askpass(tmp_path / "bin", PASSPHRASE)
    use_askpass(askpass, monkeypatch)
    other = SshKey.from_cli(str(generate_key(tmp_path, "ed25519", "other").pub_path))
    with pytest.raises(UnwrapError, match="no matching SSH private key"):
        other.unwrap(other.wrap(os.urandom(32)).wrapped)
    # age, which never asks, is tried before the SSH key, whatever the order of the recipients
    data_key = os.urandom(32)
    stanzas = [SshKey.from_cli(str(pair.pub_path)).wrap(data_key).stanza, age_identity.key.wrap(data_key).stanza]
    assert unwrap_data_key(stanzas) == data_key
    assert askpass.prompts == []


def test_nothing_to_ask_with_is_not_remembered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pair = protect(tmp_path, monkeypatch)
    key = SshKey.from_cli(str(pair.pub_path))
    data_key = os.urandom(32)
    wrapped = key.wrap(data_key).wrapped
    monkeypatch.setenv("SSH_ASKPASS_REQUIRE", "force")
    with pytest.raises(UnwrapError) as info:
        key.unwrap(wrapped)
    assert str(info.value) == (f"ssh {key.key_id}: {pair.path} is passphrase-protected and SSH_ASKPASS_REQUIRE="
                               "force but SSH_ASKPASS names no program (age cannot use ssh-agent)")
    use_askpass(write_askpass(tmp_path / "bin", PASSPHRASE), monkeypatch)
    assert key.unwrap(wrapped) == data_key


def test_cli_with_askpass_and_without_any_way_to_ask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli,
) -> None:
    pair = protect(tmp_path, monkeypatch)
    sealed = sealed_for(pair, tmp_path, run_cli)
    askpass = write_askpass(tmp_path / "bin", PASSPHRASE)
    done = decrypt_without_terminal(sealed, **askpass.env())
    assert done.returncode == 0, done.stderr
    assert safe_load(done.stdout) == DATA
    line = one_error_line(decrypt_without_terminal(sealed))
    assert f"{pair.path} is passphrase-protected and there is no terminal to ask for it on; run sealfile on a " \
           "terminal, or set SSH_ASKPASS to a program that prints the passphrase and SSH_ASKPASS_REQUIRE=force " \
           "(age cannot use ssh-agent)" in line
    assert str(sealed) in line and PASSPHRASE not in line


@pytest.mark.parametrize(("settings", "asked"), [
    ({"DISPLAY": ":0"}, True),  # no terminal but a display: OpenSSH's askpass case
    ({"WAYLAND_DISPLAY": "wayland-0"}, True),
    ({}, False),  # no display: the askpass program may be a GUI with nowhere to show
    ({"DISPLAY": ":0", "SSH_ASKPASS_REQUIRE": "never"}, False),
], ids=["display", "wayland", "no-display", "never"])
def test_askpass_without_a_terminal_as_openssh_uses_it(
    settings: dict[str, str], asked: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli,
) -> None:
    pair = protect(tmp_path, monkeypatch)
    sealed = sealed_for(pair, tmp_path, run_cli)
    askpass = write_askpass(tmp_path / "bin", PASSPHRASE)
    done = decrypt_without_terminal(sealed, SSH_ASKPASS=str(askpass.program), **settings)
    assert (done.returncode, len(askpass.prompts)) == ((0, 1) if asked else (1, 0)), done.stderr


def test_typed_on_the_terminal_hidden_and_asked_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli,
) -> None:
    pair = protect(tmp_path, monkeypatch)
    sealed = sealed_for(pair, tmp_path, run_cli)
    another = sealed_for(pair, tmp_path / "another", run_cli, "api_token: t-0ken\n")  # its own data key
    both = [sys.executable, "-m", "sealfile", "decrypt", str(sealed), str(another)]
    status, shown = run_on_terminal(both, asking_env(), {PROMPT: PASSPHRASE})
    assert status == 0, shown
    assert shown.count(PROMPT.decode()) == 1 and "hunter2" in shown and "t-0ken" in shown
    assert PASSPHRASE not in shown  # echo was off while it was typed

    command = [sys.executable, "-m", "sealfile", "decrypt", str(sealed)]

    status, shown = run_on_terminal(command, asking_env(), {PROMPT: "not the passphrase"})
    assert status == 1
    assert [line.strip() for line in shown.splitlines() if line.strip()] == [
        f"Enter passphrase for SSH key {pair.path}:",
        f"sealfile: error: {sealed}: no recipient could open the data key (ssh ssh-ed25519 "
        f"{pair.public_key.fingerprint}: wrong passphrase for {pair.path})",
    ]


def test_prefer_uses_askpass_over_the_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               run_cli: RunCli) -> None:
    pair = protect(tmp_path, monkeypatch)
    sealed = sealed_for(pair, tmp_path, run_cli)
    askpass = write_askpass(tmp_path / "bin", PASSPHRASE)
    env = asking_env(**askpass.env("prefer"), DISPLAY=":0")
    status, shown = run_on_terminal([sys.executable, "-m", "sealfile", "decrypt", str(sealed)], env, {})
    assert status == 0, shown
    assert PROMPT.decode() not in shown and len(askpass.prompts) == 1


def test_a_child_forked_while_a_thread_asks_for_a_passphrase_asks_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A pre-fork server (or ``multiprocessing``) forking while one of its threads waits on the passphrase prompt:
    the lock that keeps prompts one at a time was held in the child for ever, so the child's first use of the key
    hung. The child asks for itself."""
    import threading
    import time

    pair = protect(tmp_path, monkeypatch)
    askpass = write_askpass(tmp_path / "bin", PASSPHRASE)
    lines = askpass.program.read_text().splitlines(keepends=True)
    askpass.program.write_text("".join([*lines[:2], "sleep 2\n", *lines[2:]]))  # slow to answer, once it has logged
    use_askpass(askpass, monkeypatch)
    key = SshKey.from_cli(str(pair.pub_path))
    data_key = os.urandom(32)
    wrapped = key.wrap(data_key).wrapped
    asking = threading.Thread(target=key.unwrap, args=(wrapped,))
    asking.start()
    deadline = time.monotonic() + 30
    while not askpass.prompts and time.monotonic() < deadline:  # a fixed sleep forked before it, on a slow machine
        time.sleep(0.01)
    assert askpass.prompts, "the thread never asked"
    child = os.fork()
    if child == 0:
        os._exit(0 if key.unwrap(wrapped) == data_key else 3)
    asking.join()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done, status = os.waitpid(child, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            break
        time.sleep(0.1)
    else:
        os.kill(child, 9)
        os.waitpid(child, 0)
        pytest.fail("the forked child hung on the passphrase lock its parent's thread held")
    assert len(askpass.prompts) == 2  # the parent's thread, then the child


def test_ctrl_c_at_the_passphrase_prompt_ends_it_even_just_before_its_read_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli,
) -> None:
    """getpass's read missed a Ctrl-C whose handler ran just before the read started (the process preempted
    there): the prompt waited on (tests/support/late_waits.py starts each wait late)."""
    pair = protect(tmp_path, monkeypatch)
    sealed = sealed_for(pair, tmp_path, run_cli)
    command = [sys.executable, "-m", "sealfile", "decrypt", str(sealed)]
    status, shown = run_on_terminal(command, asking_env(**late_waits_env(tmp_path)), {PROMPT: CTRL_C}, timeout=20)
    assert (status, shown.splitlines()[-1]) == (-signal.SIGINT, "sealfile: interrupted; no file was changed"), shown


def test_an_askpass_prompt_nobody_sees_is_given_up_in_bounded_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   run_cli: RunCli) -> None:
    """An askpass program showing its dialog on a desktop the user is not at (working over ssh with DISPLAY set)
    never answers: ``decrypt`` waited for it for ever."""
    pair = protect(tmp_path, monkeypatch)
    sealed = sealed_for(pair, tmp_path, run_cli)
    before = sealed.read_bytes()
    program = tmp_path / "bin" / "unseen-askpass"
    program.parent.mkdir()
    program.write_text("#!/bin/sh\nexec sleep 600\n")
    program.chmod(0o700)
    started = time.monotonic()
    line = one_error_line(decrypt_without_terminal(sealed, SSH_ASKPASS=str(program), SSH_ASKPASS_REQUIRE="force",
                                                   SEALFILE_PROMPT_TIMEOUT="1"))
    assert time.monotonic() - started < 20
    assert line.startswith(f"sealfile: error: {sealed}: ")
    assert f"{pair.path}: the SSH_ASKPASS program {program} gave no passphrase within 1 s (SEALFILE_PROMPT_TIMEOUT)" \
        in line
    assert sealed.read_bytes() == before
