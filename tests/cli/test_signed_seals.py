"""Signed seals through the ``sealfile`` command: the documented ``ssh-keygen -Y verify`` recipe, and a
forged file refused by every reader, by ``check``, and by a key holder's ``set`` (``--rotate`` aside)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sealfile.envelope.signing import SIGNING_KEY_ENV
from sealfile.ops.signatures import ALLOWED_SIGNERS_ENV
from tests.support.cli import RunCli
from tests.support.signed import Team, team
from tests.support.ssh import ssh_keys

__all__ = ["ssh_keys", "team"]

PLAIN = "db:\n  password: s3cret-4b1\n  url: postgres://db.internal/app\n"
EVIL = "db:\n  password: s3cret-4b1\n  url: postgres://attacker.example/app\n"


def one_line(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert result.returncode == code, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0], result.stderr
    return lines[0]


def test_the_documented_ssh_keygen_command_verifies_a_sealed_file(run_cli: RunCli, team: Team,
                                                                   tmp_path: Path) -> None:
    team.config(tmp_path)
    (tmp_path / "plain.yaml").write_text(PLAIN)
    sealed = tmp_path / "secrets.enc.yaml"
    done = run_cli("encrypt", tmp_path / "plain.yaml", "-o", sealed, env=team.as_alice())
    assert done.returncode == 0, done.stderr
    for option, name in (("--print-signed-message", "message"), ("--print-signature", "sig"),
                         ("--print-allowed-signers", "allowed_signers")):
        printed = run_cli("verify", option, sealed)
        assert printed.returncode == 0, printed.stderr
        (tmp_path / name).write_text(printed.stdout)
    command = "ssh-keygen -Y verify -f allowed_signers -I alice -n sealfile -s sig < message"
    checked = subprocess.run(command, shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    assert f'Good "sealfile" signature for alice with ED25519 key {team.alice.public_key.fingerprint}' in checked.stdout
    sealed.write_text(sealed.read_text().replace("suffix: _unencrypted", "suffix: _plain"))  # any change: a new message
    (tmp_path / "message").write_text(run_cli("verify", "--print-signed-message", sealed).stdout)
    refused = subprocess.run(command, shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert refused.returncode != 0


@pytest.mark.parametrize("signed_by", ["mallory", None])
def test_a_forged_file_is_refused_by_every_reader_and_by_check(signed_by: str | None, run_cli: RunCli, team: Team,
                                                               tmp_path: Path) -> None:
    team.config(tmp_path)
    forged = tmp_path / "secrets.enc.yaml"
    forged.write_text(team.forge(EVIL, signed_by=team.mallory if signed_by else None))
    signer = f"signed by {team.mallory.public_key.fingerprint}, a key not in" if signed_by else "unsigned, but"
    for command in (["decrypt", forged], ["decrypt", "--format", "dotenv", forged], ["verify", forged],
                    ["verify", "--keyless", forged], ["exec", forged, "--", "env"]):
        done = run_cli(*command)
        line = one_line(done)
        assert line.startswith(f"sealfile: error: {forged}: {signer}"), (command, line)
        assert "attacker" not in done.stdout + done.stderr
    check = run_cli("check", forged, cwd=tmp_path)
    assert check.returncode == 3 and f"{signer}" in check.stderr
    assert "signature: " + signer in run_cli("status", forged).stdout


def test_a_key_holders_set_refuses_a_forged_file_until_told_to_rotate(run_cli: RunCli, team: Team,
                                                                     tmp_path: Path) -> None:
    team.config(tmp_path)
    forged = tmp_path / "secrets.enc.yaml"
    forged.write_text(team.forge(EVIL, signed_by=team.mallory))
    before = forged.read_bytes()
    refused = one_line(run_cli("set", forged, "db.password", "fresh-7d0", env=team.as_alice()))
    assert "refusing to keep its data key" in refused and "--rotate" in refused
    assert forged.read_bytes() == before
    key = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
    refused = one_line(run_cli("recipients", "add", "--age", key, forged, env=team.as_alice()))
    assert "may hold: 'sealfile rotate --adopt' first seals" in refused  # add has no --rotate to suggest
    assert forged.read_bytes() == before
    plain = tmp_path / "plain.yaml"
    plain.write_text("db:\n  password: fresh-7d0\n")
    refused = one_line(run_cli("encrypt", plain, "--age", key, "--previous", forged, "-o", forged, env=team.as_alice()))
    assert "may hold: 'sealfile rotate --adopt' first seals" in refused  # nor has encrypt
    assert forged.read_bytes() == before
    done = run_cli("set", "--rotate", forged, "db.password", "fresh-7d0", env=team.as_alice())
    assert done.returncode == 0, done.stderr
    verified = run_cli("verify", forged)
    assert verified.stdout == f"{forged}: OK, signed by alice ({team.alice.public_key.fingerprint})\n"


@pytest.mark.parametrize("fast_path", ["1", "0"])
def test_a_key_holders_rotate_refuses_a_forged_file_until_told_to_adopt_it(fast_path: str, run_cli: RunCli,
                                                                          team: Team, tmp_path: Path) -> None:
    team.config(tmp_path)
    forged = tmp_path / "secrets.enc.yaml"
    forged.write_text(team.forge(EVIL, signed_by=team.mallory))
    before = forged.read_bytes()
    env = {**team.as_alice(), "SEALFILE_FAST_PATH": fast_path}
    refused = one_line(run_cli("rotate", forged, env=env))
    assert refused.startswith(f"sealfile: error: {forged}: signed by {team.mallory.public_key.fingerprint}, a key not")
    assert "refusing to sign its values and recipients as yours" in refused and "--adopt" in refused
    assert forged.read_bytes() == before
    done = run_cli("rotate", "--adopt", forged, env=env)
    assert done.returncode == 0, done.stderr
    verified = run_cli("verify", forged)
    assert verified.stdout == f"{forged}: OK, signed by alice ({team.alice.public_key.fingerprint})\n"


def test_require_signature_refuses_an_unsigned_write_and_leaves_no_file(run_cli: RunCli, team: Team,
                                                                        tmp_path: Path) -> None:
    team.config(tmp_path, signers=False, require_signature=True)
    (tmp_path / "plain.yaml").write_text(PLAIN)
    line = one_line(run_cli("encrypt", tmp_path / "plain.yaml", "-o", tmp_path / "s.enc.yaml"))
    assert "refusing to write it unsigned: its creation rule in .sealfile.yaml has require_signature" in line
    assert SIGNING_KEY_ENV in line and not (tmp_path / "s.enc.yaml").exists()
    done = run_cli("encrypt", tmp_path / "plain.yaml", "-o", tmp_path / "s.enc.yaml", env=team.as_alice())
    assert done.returncode == 0, done.stderr
    shown = run_cli("verify", "--keyless", tmp_path / "s.enc.yaml").stdout
    assert f"signed by {team.alice.public_key.fingerprint} (no trusted signers configured" in shown


def test_a_pinned_allowed_signers_file_outranks_the_repository(run_cli: RunCli, team: Team, tmp_path: Path) -> None:
    """An attacker who can push can also add her key to .sealfile.yaml; a deployment's pin ignores it."""
    config = team.config(tmp_path)
    config.write_text(config.read_text().replace("alice:", f"mallory: {team.mallory.public_key.to_line()}\n  alice:"))
    forged = tmp_path / "secrets.enc.yaml"
    forged.write_text(team.forge(EVIL, signed_by=team.mallory))
    assert run_cli("decrypt", forged).returncode == 0  # the repository's own list now trusts mallory
    pinned = run_cli("decrypt", forged, env={ALLOWED_SIGNERS_ENV: str(team.allowed_signers)})
    assert f"a key not in {team.allowed_signers}" in one_line(pinned)


def test_verify_without_a_key_says_who_signed(run_cli: RunCli, team: Team, tmp_path: Path) -> None:
    team.config(tmp_path)
    sealed = tmp_path / "secrets.enc.yaml"
    sealed.write_text(team.seal(PLAIN))
    keyless = {"SEALFILE_AGE_KEY_FILE": str(tmp_path / "no-keys.txt")}
    done = run_cli("verify", sealed, env=keyless)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (f"{sealed}: signed by alice ({team.alice.public_key.fingerprint}); structure and "
                           "signature OK, values not checked (no key here opens it)\n")
    unsigned = tmp_path / "unsigned.enc.yaml"
    unsigned.write_text(team.forge(PLAIN, signed_by=None))
    (tmp_path / ".sealfile.yaml").unlink()
    line = one_line(run_cli("verify", unsigned, env=keyless))
    assert line.startswith(f"sealfile: error: {unsigned}: unsigned, and no recipient could open the data key")


@pytest.mark.parametrize("name", ["\\e[2K\\e[1Galice", "mallory\\u202eecila", "\\x9b1Kalice"])
def test_a_signer_named_with_terminal_controls_is_refused(name: str, run_cli: RunCli, team: Team,
                                                          tmp_path: Path) -> None:
    """A signer's name comes from .sealfile.yaml and is printed by verify, status and review: an escape
    sequence (or a bidi override) in it could print 'signed by alice' for mallory's key."""
    (tmp_path / ".sealfile.yaml").write_text(f'signers:\n  "{name}": {team.mallory.public_key.to_line()}\n')
    forged = tmp_path / "secrets.enc.yaml"
    forged.write_text(team.forge(EVIL, signed_by=team.mallory))
    for command in (["verify", forged], ["verify", "--keyless", forged], ["status", forged]):
        done = run_cli(*command)
        assert done.returncode == 1, (command, done.stdout, done.stderr)
        assert "\x1b" not in done.stdout + done.stderr and "\u202e" not in done.stdout + done.stderr
        assert "\x9b" not in done.stdout + done.stderr
        assert "a signer's name must be one word without quotes, commas or * ? ! #, in printable characters" \
            in done.stderr, done.stderr
