"""pgp recipients through the real gpg: the provider contract, interop with ``gpg`` both ways,
passphrase-protected keys through gpg-agent, each error as one line, and the whole path (CLI,
``load_secrets``, ``.sealfile.yaml``) next to an age recipient."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from sealfile import load_secrets
from sealfile.errors import (
    ConfigError,
    IntegrityError,
    NoUsableKeyError,
    ProviderUnavailable,
    UnwrapError,
    WrapError,
)
from sealfile.kms import pgp
from sealfile.kms.pgp import PgpKey
from sealfile.ops.seal import seal_text
from tests.kms.contract import ProviderContract
from tests.support.cli import RunCli
from tests.support.gpg import (
    counting_pinentry,
    gnupg_home,
    gpg,
    make_key,
    prompts,
    refuse_pinentry,
    stop_agent,
    unseen_pinentry,
)
from tests.support.identities import AgeIdentity
from tests.support.sealing import forged
from tests.support.spy import spy_program
from tests.support.whole_path import one_error_line, sealed_every_way

__all__ = ["gnupg_home"]


@pytest.fixture
def fingerprint(gnupg_home: Path) -> str:
    return make_key(gnupg_home, "Alice <alice@example.com>")


class TestPgpContract(ProviderContract):
    @pytest.fixture
    def key(self, fingerprint: str) -> PgpKey:
        return PgpKey(fingerprint)

    @pytest.fixture
    def other_key(self, gnupg_home: Path, fingerprint: str) -> PgpKey:
        return PgpKey(make_key(gnupg_home, "Bob <bob@example.com>"))  # its secret key is here too

    @pytest.fixture
    def unreachable_key(self, gnupg_home: Path, fingerprint: str, tmp_path: Path) -> PgpKey:
        """A key whose public half is in the keyring but whose secret key is elsewhere."""
        elsewhere = Path(os.environ["GNUPGHOME"] + "x")
        elsewhere.mkdir(mode=0o700)
        try:
            other = make_key(elsewhere, "Carol <carol@example.com>")
            public = gpg(elsewhere, "--export", "--armor", other).stdout
        finally:
            stop_agent(elsewhere)
            shutil.rmtree(elsewhere, ignore_errors=True)
        assert gpg(gnupg_home, "--import", input=public).returncode == 0
        return PgpKey(other)


def test_gpg_opens_what_we_wrap_and_we_open_what_gpg_encrypts(gnupg_home: Path, fingerprint: str) -> None:
    data_key = os.urandom(32)
    wrapped = PgpKey(fingerprint).wrap(data_key).wrapped
    assert wrapped.startswith("-----BEGIN PGP MESSAGE-----")
    assert gpg(gnupg_home, "--decrypt", input=wrapped.encode()).stdout == data_key
    theirs = gpg(gnupg_home, "--encrypt", "--armor", "--trust-model", "always", "-r", fingerprint, input=data_key)
    assert PgpKey(fingerprint).unwrap(theirs.stdout.decode()) == data_key


def test_passphrase_protected_key_through_the_agent(gnupg_home: Path) -> None:
    fingerprint = make_key(gnupg_home, "Dana <dana@example.com>", passphrase="correct horse")
    refuse_pinentry(gnupg_home)
    wrapped = PgpKey(fingerprint).wrap(os.urandom(32)).wrapped
    with pytest.raises(UnwrapError) as info:
        PgpKey(fingerprint).unwrap(wrapped)
    assert f"pgp {fingerprint}: the secret key is protected by a passphrase that gpg-agent did not get" \
        in str(info.value)
    # the user unlocks the key once (as gpg in a terminal would ask); the agent then answers for it
    unlock = gpg(gnupg_home, "--pinentry-mode", "loopback", "--passphrase", "correct horse", "--decrypt",
                 input=wrapped.encode())
    assert unlock.returncode == 0, unlock.stderr
    assert len(PgpKey(fingerprint).unwrap(wrapped)) == 32


def test_errors_are_one_line(gnupg_home: Path, fingerprint: str) -> None:
    unknown = "0123456789ABCDEF0123456789ABCDEF01234567"
    with pytest.raises(WrapError) as wrap:
        PgpKey(unknown).wrap(os.urandom(32))
    assert str(wrap.value) == (f"pgp {unknown}: gpg has no public key with this fingerprint (import it with "
                               "'gpg --import')")
    with pytest.raises(UnwrapError, match="not an OpenPGP message"):
        PgpKey(fingerprint).unwrap("-----BEGIN PGP MESSAGE-----\n\nnot base64\n-----END PGP MESSAGE-----\n")
    for text in ("alice@example.com", "--exec-path=/tmp/x", "0123ABCD0123ABCD"):
        with pytest.raises(ConfigError, match="not an OpenPGP fingerprint"):
            PgpKey(text)
    assert PgpKey(f"0x{fingerprint.lower()[:20]} {fingerprint[20:]}").fingerprint == fingerprint


@pytest.mark.parametrize(("uid", "algorithm", "usage", "expiry"), [("Sam <sam@example.com>", "ed25519", "sign", "1y"),
                                                                 ("Eve <eve@example.com>", "rsa2048", "default",
                                                                  "seconds=1")])
def test_a_key_gpg_holds_but_cannot_encrypt_to_is_not_called_missing(gnupg_home: Path, uid: str, algorithm: str,
                                                                     usage: str, expiry: str) -> None:
    """A signing-only or expired key was 'no usable public key ... import it with gpg --import': it is imported."""
    made = gpg(gnupg_home, "--batch", "--passphrase", "", "--quick-gen-key", uid, algorithm, usage, expiry)
    assert made.returncode == 0, made.stderr
    listed = gpg(gnupg_home, "--list-keys", "--with-colons", uid).stdout.decode()
    fingerprint = next(line.split(":")[9] for line in listed.splitlines() if line.startswith("fpr:"))
    if expiry.startswith("seconds="):
        time.sleep(1.5)
    with pytest.raises(WrapError) as wrap:
        PgpKey(fingerprint).wrap(os.urandom(32))
    assert str(wrap.value) == (f"pgp {fingerprint}: gpg has this public key but cannot encrypt to it: it is expired, "
                               "revoked or disabled, or has no encryption subkey ('gpg --list-keys FINGERPRINT' "
                               "shows which)")


def test_missing_gpg_names_the_program(gnupg_home: Path, fingerprint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(gnupg_home))
    pgp._gpg.cache_clear()
    try:
        with pytest.raises(ProviderUnavailable, match="install the 'gpg' program"):
            PgpKey(fingerprint).wrap(os.urandom(32))
    finally:
        pgp._gpg.cache_clear()


def test_cli_load_secrets_and_creation_rules_next_to_age(
    gnupg_home: Path, fingerprint: str, age_identity: AgeIdentity, run_cli: RunCli, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ruled = sealed_every_way("pgp", ["--pgp", fingerprint], f"      - {fingerprint}\n", fingerprint, run_cli=run_cli,
                             age_identity=age_identity, directory=tmp_path, monkeypatch=monkeypatch)
    refuse_pinentry(gnupg_home)
    assert run_cli("decrypt", ruled).returncode == 0
    monkeypatch.setenv("GNUPGHOME", str(tmp_path / "empty"))
    assert f"pgp {fingerprint}: no secret key for it in the gpg keyring" in one_error_line(run_cli("decrypt", ruled))


def _forged_with(tmp_path: Path, stanzas: list[dict[str, str]]) -> Path:
    path = tmp_path / "forged.enc.yaml"
    path.write_text(forged("db:\n  password: attacker-chosen\n", stanzas)[0])
    return path


def test_a_file_cannot_make_gpg_ask_for_a_passphrase_it_chose(gnupg_home: Path, fingerprint: str,
                                                              tmp_path: Path) -> None:
    """A message encrypted to a passphrase (anyone can write one) made gpg-agent show a passphrase
    prompt per stanza: 64 stanzas, 64 prompts, even under git's offline textconv."""
    prompted = counting_pinentry(gnupg_home)
    symmetric = gpg(gnupg_home, "--pinentry-mode", "loopback", "--passphrase", "x", "--symmetric", "--armor",
                    input=os.urandom(32)).stdout.decode()
    fingerprints = [fingerprint] + [f"{index:040X}" for index in range(63)]
    path = _forged_with(tmp_path, [{"type": "pgp", "fingerprint": fp, "wrapped": symmetric} for fp in fingerprints])
    with pytest.raises(NoUsableKeyError) as info:
        load_secrets(path)
    assert prompts(prompted) == 0
    assert f"pgp {fingerprint}" in str(info.value)
    assert str(info.value).endswith(": the OpenPGP message is encrypted to a passphrase, not to a key)")


def test_a_message_for_other_keys_or_a_hidden_recipient_never_reaches_gpg(gnupg_home: Path, fingerprint: str) -> None:
    other = make_key(gnupg_home, "Bob <bob@example.com>", passphrase="bob's")
    prompted = counting_pinentry(gnupg_home)
    data_key = os.urandom(32)

    def encrypted(*options: str) -> str:
        done = gpg(gnupg_home, "--encrypt", "--armor", "--trust-model", "always", *options, input=data_key)
        assert done.returncode == 0, done.stderr
        return done.stdout.decode()

    refused = {
        "for this key and another": (encrypted("-r", fingerprint, "-r", other), "not made for this OpenPGP key alone"),
        "for another key": (encrypted("-r", other), "not made for this OpenPGP key alone"),
        "hidden recipient": (encrypted("--throw-keyids", "-r", fingerprint), "hides its recipient"),
        "not a message": ("-----BEGIN PGP MESSAGE-----\n\nAAAA\n-----END PGP MESSAGE-----\n", "not an OpenPGP message"),
    }
    for name, (message, cause) in refused.items():
        with pytest.raises(UnwrapError) as info:
            PgpKey(fingerprint).unwrap(message)
        assert cause in str(info.value), name
    assert prompts(prompted) == 0
    assert PgpKey(fingerprint).unwrap(encrypted("-r", fingerprint)) == data_key


def test_a_protected_key_listed_many_times_is_asked_for_once(gnupg_home: Path, tmp_path: Path) -> None:
    protected = make_key(gnupg_home, "Dana <dana@example.com>", passphrase="correct horse")
    prompted = counting_pinentry(gnupg_home)
    message = PgpKey(protected).wrap(os.urandom(32)).wrapped
    stanzas = [{"type": "pgp", "fingerprint": protected, "wrapped": message.replace("\n\n", f"\nComment: {i}\n\n", 1)}
               for i in range(64)]
    with pytest.raises(NoUsableKeyError, match="passphrase that gpg-agent did not get"):
        load_secrets(_forged_with(tmp_path, stanzas))
    assert prompts(prompted) == 1


@pytest.mark.parametrize("entry", ["", "bin"])
def test_a_gpg_committed_in_the_repository_never_runs(entry: str, gnupg_home: Path, fingerprint: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A pgp stanza makes sealfile run gpg. With a relative directory on PATH (an empty entry is the
    current directory) and no gpg in an absolute one before it, a 'gpg' the repository holds ran."""
    repo = tmp_path / "repo"
    (repo / "bin").mkdir(parents=True)
    marker = tmp_path / "planted-gpg-ran"
    planted = repo / (entry or ".") / "gpg"
    planted.write_text(f"#!/bin/sh\n{shutil.which('touch')} {marker}\necho cfg:version:2.2.40\n")
    planted.chmod(0o755)
    wrapped = gpg(gnupg_home, "--encrypt", "--armor", "--recipient", fingerprint, input=os.urandom(32)).stdout.decode()
    path = _forged_with(repo, [{"type": "pgp", "fingerprint": fingerprint, "wrapped": wrapped}])
    monkeypatch.chdir(repo)
    monkeypatch.setenv("PATH", os.pathsep.join([str(tmp_path / "no-gpg-here"), entry]))
    pgp._gpg.cache_clear()
    try:
        with pytest.raises(NoUsableKeyError) as info:
            load_secrets(path)
    finally:
        pgp._gpg.cache_clear()
    assert not marker.exists()
    shown = "'(empty: the current directory)'" if not entry else "'bin'"
    assert f"the program 'gpg' would run from the relative PATH directory {shown}; refused" in str(info.value)


def test_a_file_naming_many_keys_costs_one_listing_of_the_keyring(
        gnupg_home: Path, fingerprint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each pgp stanza ran 'gpg --list-secret-keys' for its fingerprint: a file naming 64 keys (the file's
    choice) ran gpg 64 times per reader, per file, in git's textconv and review too."""
    wrapped = PgpKey(fingerprint).wrap(os.urandom(32)).wrapped
    fingerprints = [f"{index:040X}" for index in range(63)] + [fingerprint]
    path = _forged_with(tmp_path, [{"type": "pgp", "fingerprint": fp, "wrapped": wrapped} for fp in fingerprints])
    runs = spy_program(tmp_path / "spy", "gpg", monkeypatch, then=f'exec {shutil.which("gpg")} "$@"')
    pgp._gpg.cache_clear()
    try:
        with pytest.raises(IntegrityError):  # the last stanza opens; the forged file's MAC is the attacker's
            load_secrets(path)
        listings = [line for line in runs.read_text().splitlines() if "--list-secret-keys" in line]
        assert len(runs.read_text().splitlines()) <= 3 and len(listings) == 1  # --version, the listing, decrypt
        bob, data_key = PgpKey(make_key(gnupg_home, "Bob <bob@example.com>")), os.urandom(32)
        assert bob.unwrap(bob.wrap(data_key).wrapped) == data_key  # a key made since is seen: the keyring changed
    finally:
        pgp._gpg.cache_clear()


def _on_a_missing_smartcard(home: Path, fingerprint: str) -> str:
    """Replace the encryption subkey's secret by a card stub, as 'keytocard' leaves it; returns the serial."""
    listing = gpg(home, "--list-secret-keys", "--with-keygrip", "--with-colons", fingerprint).stdout.decode()
    keygrip = [line.split(":")[9] for line in listing.splitlines() if line.startswith("grp")][-1]
    key_file = home / "private-keys-v1.d" / f"{keygrip}.key"
    public = key_file.read_text().split("(q", 1)[1].split("(d", 1)[0].strip()
    serial = "D2760001240103040006123456780000"
    stop_agent(home)
    key_file.write_text("Key: (shadowed-private-key (ecc (curve Curve25519)(flags djb-tweak)(q " + public +
                        f"\n (shadowed t1-v1 (#{serial}# OPENPGP.2))))\n")
    return serial


def test_a_key_on_a_smartcard_that_is_not_there_is_named_as_such(gnupg_home: Path, fingerprint: str,
                                                                 tmp_path: Path, run_cli: RunCli) -> None:
    """gpg's last line says 'decryption failed: No secret key', and the error said the wrapped key 'may be
    corrupt'; the reason is on its 'public key decryption failed' line, and the listing says where the key is."""
    sealed = tmp_path / "card.enc.yaml"
    sealed.write_text(seal_text("a: secret-value\n", [PgpKey(fingerprint)]))
    serial = _on_a_missing_smartcard(gnupg_home, fingerprint)
    done = run_cli("decrypt", sealed)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert f"pgp {fingerprint}: its secret key is on a smartcard (serial {serial}) that gpg could not use" \
        in done.stderr
    assert "corrupt" not in done.stderr and "secret-value" not in done.stderr


def test_a_subkey_fingerprint_is_refused_naming_the_primary_key(gnupg_home: Path, fingerprint: str,
                                                                 run_cli: RunCli, tmp_path: Path) -> None:
    """gpg encrypts to a subkey's fingerprint, but readers find the secret key by the primary one: the file written
    for it opened for nobody, and the same key named both ways counted twice toward a key-group threshold."""
    listing = gpg(gnupg_home, "--list-keys", "--with-colons", fingerprint).stdout.decode()
    subkey = [line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr")][1]
    with pytest.raises(WrapError) as wrap:
        PgpKey(subkey).wrap(os.urandom(32))
    assert str(wrap.value) == (f"pgp {subkey}: this is a subkey of the OpenPGP key {fingerprint}: name that key's "
                               "fingerprint (gpg encrypts to its encryption subkey)")
    plain = tmp_path / "p.yaml"
    plain.write_text("a: 1\n")
    done = run_cli("encrypt", "--key-group", f"pgp:{fingerprint}", "--key-group", f"pgp:{subkey}", "--threshold",
                   "2", str(plain), "-o", str(tmp_path / "p.enc.yaml"))
    assert f"this is a subkey of the OpenPGP key {fingerprint}" in one_error_line(done)
    assert not (tmp_path / "p.enc.yaml").exists()


def test_a_gpg_agent_that_cannot_start_is_named_not_taken_for_a_missing_key(
    gnupg_home: Path, fingerprint: str, run_cli: RunCli, tmp_path: Path,
) -> None:
    """gpg lists no secret key when it cannot reach its agent: that was reported as 'no secret key for it in the
    gpg keyring', sending the user to look for a key that is there."""
    sealed = tmp_path / "p.enc.yaml"
    sealed.write_text(seal_text("a: 1\n", [PgpKey(fingerprint)]))
    before = sealed.read_bytes()
    (gnupg_home / "gpg.conf").write_text(f"agent-program {tmp_path / 'no-such-gpg-agent'}\n")
    stop_agent(gnupg_home)
    for command in (("decrypt", str(sealed)), ("rotate", str(sealed))):
        line = one_error_line(run_cli(*command))
        assert f"pgp {fingerprint}: gpg could not reach gpg-agent, which holds the secret keys" in line
        assert "no secret key" not in line
    assert sealed.read_bytes() == before


def test_a_passphrase_prompt_nobody_sees_is_given_up_in_bounded_time(
    gnupg_home: Path, run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """gpg-agent waits for its pinentry for ever, and python-gnupg for gpg: with the prompt on a desktop the user
    is not at (working over ssh), or a locked screen, ``decrypt``, ``rotate`` and ``load_secrets`` hung for ever."""
    fingerprint = make_key(gnupg_home, "Dana <dana@example.com>", passphrase="correct horse")
    sealed = tmp_path / "p.enc.yaml"
    sealed.write_text(seal_text("a: 1\n", [PgpKey(fingerprint)]))
    before = sealed.read_bytes()
    unseen_pinentry(gnupg_home)
    monkeypatch.setenv("SEALFILE_PROMPT_TIMEOUT", "1")
    for command in (("decrypt", str(sealed)), ("rotate", str(sealed))):
        started = time.monotonic()
        line = one_error_line(run_cli(*command))
        assert time.monotonic() - started < 20
        assert line.startswith(f"sealfile: error: {sealed}: ")
        assert f"pgp {fingerprint}: gpg gave no answer within 1 s (SEALFILE_PROMPT_TIMEOUT)" in line
        assert "passphrase prompt" in line
    assert sealed.read_bytes() == before
    with pytest.raises(NoUsableKeyError, match="gpg gave no answer within 1 s"):
        load_secrets(sealed)
    monkeypatch.setenv("SEALFILE_PROMPT_TIMEOUT", "soon")
    with pytest.raises(WrapError, match="SEALFILE_PROMPT_TIMEOUT must be a positive number of seconds"):
        PgpKey(fingerprint).wrap(os.urandom(32))
