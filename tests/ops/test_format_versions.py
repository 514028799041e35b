"""Version 1 files still open and are written back as version 2; version 2 covers every stanza field."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sealfile.errors import IntegrityError
from sealfile.model.metadata import Stanza
from sealfile.ops.change import set_value
from sealfile.ops.document import Reuse
from sealfile.ops.read import verify_text
from sealfile.ops.seal import seal_plaintext, seal_text
from sealfile.runtime.loader import load_secrets
from sealfile.stores import get_store
from tests.support.cli import run_cli
from tests.support.identities import AgeIdentity, write_identity
from tests.support.v1_corpus import V1, v1_key
from tests.support.values import safe_load

__all__ = ["v1_key"]



def test_a_version_1_file_opens(v1_key: Path) -> None:
    sealed = V1 / "secrets.enc.yaml"
    assert "version: 1\n" in sealed.read_text()
    assert load_secrets(sealed, redacted=False) == safe_load((V1 / "plain.yaml").read_text())
    assert verify_text(sealed.read_text()).version == 1


def test_any_write_upgrades_it_to_version_2(v1_key: Path) -> None:
    old = (V1 / "secrets.enc.yaml").read_text()
    new = set_value(old, "database.port", 6543)
    assert verify_text(new).version == 2
    expected = safe_load((V1 / "plain.yaml").read_text())
    expected["database"]["port"] = 6543
    assert load_secrets_text(new, v1_key.parent) == expected
    unchanged = [line for line in old.splitlines() if "password: ENC[" in line]
    assert unchanged and unchanged[0] in new.splitlines()  # other values keep their ciphertext


def load_secrets_text(text: str, where: Path) -> object:
    path = where / "upgraded.enc.yaml"
    path.write_text(text)
    return load_secrets(path, redacted=False)


ROLE = "arn:aws:iam::111122223333:role/x"


@pytest.mark.parametrize("change", [
    lambda t: t.replace("    - type: aws_kms\n", f"    - type: aws_kms\n      role: {ROLE}\n", 1),
    lambda t: t.replace("    - type: aws_kms\n", "    - type: aws_kms\n      profile: attacker\n", 1),
    lambda t: t.replace("  unencrypted_suffix: _unencrypted\n", "  unencrypted_suffix: _plain\n"),
], ids=["a role added to a stanza", "a profile added", "the rule"])
def test_a_version_2_mac_covers_every_stanza_field(change: object, age_identity: AgeIdentity) -> None:
    """The age stanza opens the data key; a field added to the AWS stanza beside it (one that provider
    reads, so it is not refused as unknown) is caught by the MAC."""
    data_key = os.urandom(32)
    stanzas = (age_identity.key.wrap(data_key).stanza,
               Stanza.from_mapping({"type": "aws_kms", "arn": "arn:aws:kms:us-east-1:111122223333:key/k",
                                    "wrapped": "AAAA"}))
    sealed = seal_plaintext("a: 1\nb_unencrypted: 2\n", get_store("yaml"), [], None,
                            reuse=Reuse(data_key, (stanzas,), {}))
    assert callable(change)
    forged = change(sealed)
    assert forged != sealed
    with pytest.raises(IntegrityError, match="MAC"):
        verify_text(forged)


def test_a_duplicated_stanza_is_detected(age_identity: AgeIdentity) -> None:
    sealed = seal_text("a: 1\n", [age_identity.key])
    head, _, stanza_and_rest = sealed.partition("  recipients:\n")
    stanza, _, rest = stanza_and_rest.partition("  unencrypted_suffix:")
    forged = head + "  recipients:\n" + stanza + stanza + "  unencrypted_suffix:" + rest
    with pytest.raises(IntegrityError, match="MAC"):
        verify_text(forged)


BLOCKS = V1 / "blocks.enc.yaml"
"""Sealed by sealfile 0.1's own code: each of those values' token alone in its block (``motd: >-``
then the token on the next line), as early version 1 writers left a literal or folded block."""


def test_a_version_1_file_with_tokens_in_blocks_decrypts(v1_key: Path) -> None:
    """The folded blocks' values, written afresh on one line, took the line break that ends the block
    with them: ``motd: "Welcome to the host"nested:`` did not read back, so decrypt refused the file."""
    result = run_cli("decrypt", BLOCKS, env={"SEALFILE_AGE_KEY_FILE": str(v1_key)})
    assert result.returncode == 0, result.stderr
    assert safe_load(result.stdout) == safe_load((V1 / "blocks.yaml").read_text())
    assert 'motd: "Welcome to the host"  # shown at login\nnested:\n' in result.stdout


@pytest.mark.parametrize("args", [("set", "motd", "hello"), ("set", "nested.note", "hello"),
                                  ("set", "certificate", "hello"), ("rotate",)])
def test_a_version_1_file_with_tokens_in_blocks_is_written(args: tuple[str, ...], v1_key: Path,
                                                           tmp_path: Path) -> None:
    """set and rotate refused ('written in a way sealfile cannot change in place') a token alone in a
    block: the file could not be rotated after a recipient left, nor upgraded to version 2."""
    sealed = tmp_path / "blocks.enc.yaml"
    sealed.write_text(BLOCKS.read_text())
    env = {"SEALFILE_AGE_KEY_FILE": str(v1_key)}
    changed = run_cli(args[0], sealed, *args[1:], env=env)
    assert changed.returncode == 0, changed.stderr
    expected = safe_load((V1 / "blocks.yaml").read_text())
    if args[0] == "set":
        *parents, last = args[1].split(".")
        at = expected
        for key in parents:
            at = at[key]
        at[last] = args[2]
    opened = run_cli("decrypt", sealed, env=env)
    assert opened.returncode == 0, opened.stderr
    assert safe_load(opened.stdout) == expected
    assert verify_text(sealed.read_text()).version == 2


@pytest.mark.parametrize("args", [("rotate",), ("set", "database.port", "1")])
def test_a_recipient_added_to_a_version_1_file_is_not_sealed_in(args: tuple[str, ...], v1_key: Path,
                                                                 tmp_path: Path) -> None:
    """A version 1 MAC does not cover the recipients: anyone who can write the file can add a stanza for
    their own age key (with any wrapped text) and it still verifies. ``rotate`` wrapped the new data key
    for that key too, and any write sealed the stanza into a version 2 file whose next rotate did."""
    attacker = write_identity(tmp_path / "attacker.txt")
    stanza = f"    - type: age\n      recipient: {attacker.recipient}\n      wrapped: junk\n"
    sealed = tmp_path / "secrets.enc.yaml"
    sealed.write_text((V1 / "secrets.enc.yaml").read_text().replace("  unencrypted_suffix:",
                                                                     stanza + "  unencrypted_suffix:"))
    before = sealed.read_text()
    assert run_cli("verify", sealed).returncode == 0  # the version 1 seal cannot tell
    changed = run_cli(args[0], sealed, *args[1:])
    assert changed.returncode == 1
    assert "version 1" in changed.stderr and attacker.recipient in changed.stderr
    assert sealed.read_text() == before
    stolen = run_cli("decrypt", sealed, env={"SEALFILE_AGE_KEY_FILE": str(attacker.path)})
    assert stolen.returncode == 1


@pytest.mark.parametrize("copied", [False, True], ids=["junk", "the-other-files-stanza"])
@pytest.mark.parametrize("fast", ["1", "0"])
def test_a_key_that_opened_another_file_vouches_for_no_stanza_of_a_version_1_file(
        copied: bool, fast: str, v1_key: Path, tmp_path: Path) -> None:
    """A stanza counted as vouched for when any stanza naming its key had opened a data key in the process: the
    attacker, holding a key the reader also holds (a team's dev key), adds a stanza for it to the version 1 prod file
    (junk, or the very stanza of a dev file of their own); ``rotate dev prod`` opened dev with that key and then
    wrapped prod's new data key for it, and the attacker decrypted prod."""
    import re

    dev_key = write_identity(tmp_path / "dev-key.txt")
    both = tmp_path / "both.txt"
    both.write_text(v1_key.read_text() + dev_key.path.read_text())
    both.chmod(0o600)
    dev = tmp_path / "a-dev.enc.yaml"
    dev.write_text(seal_text("x: 1\n", [dev_key.key]))
    stanza = f"    - type: age\n      recipient: {dev_key.recipient}\n      wrapped: junk\n"
    if copied:
        armored = re.search(r"wrapped: \|\n((?:      .*\n)+)", dev.read_text())
        assert armored is not None
        stanza = f"    - type: age\n      recipient: {dev_key.recipient}\n      wrapped: |\n" + "".join(
            "  " + line + "\n" for line in armored.group(1).splitlines())
    prod = tmp_path / "prod.enc.yaml"
    prod.write_text((V1 / "secrets.enc.yaml").read_text().replace("  unencrypted_suffix:",
                                                                  stanza + "  unencrypted_suffix:"))
    before = prod.read_text()
    assert run_cli("verify", prod).returncode == 0  # the version 1 seal cannot tell
    rotated = run_cli("rotate", dev, prod, env={"SEALFILE_AGE_KEY_FILE": str(both), "SEALFILE_FAST_PATH": fast})
    assert rotated.returncode == 1
    # refused as a stanza nothing vouches for, or (dev's copied stanza, opened first from this process's keys)
    # as the file MAC its data key does not make: never wrapped for the dev key either way
    assert ("version 1" in rotated.stderr and dev_key.recipient in rotated.stderr) or (
        copied and "prod.enc.yaml: the file MAC does not match" in rotated.stderr)
    assert prod.read_text() == before
    assert run_cli("decrypt", prod, env={"SEALFILE_AGE_KEY_FILE": str(dev_key.path)}).returncode == 1


def _with_stanza(tmp_path: Path, recipient: str) -> Path:
    """The version 1 fixture of values in blocks (string keys alone, as SOPS files have) with a stanza added."""
    sealed = tmp_path / "blocks.enc.yaml"
    stanza = f"  - type: age\n    recipient: {recipient}\n    wrapped: junk\n"
    sealed.write_text((V1 / "blocks.enc.yaml").read_text().replace("  unencrypted_suffix:",
                                                                    stanza + "  unencrypted_suffix:"))
    return sealed


def test_export_sops_wraps_no_recipient_added_to_a_version_1_file(v1_key: Path, tmp_path: Path) -> None:
    """export-sops wraps a new data key for the file's recipients: an added stanza got it, and the real sops
    opened the export with the attacker's key."""
    attacker = write_identity(tmp_path / "attacker.txt")
    sealed = _with_stanza(tmp_path, attacker.recipient)
    exported = run_cli("export-sops", sealed, "-o", tmp_path / "out.sops.yaml")
    assert exported.returncode == 1
    assert "version 1" in exported.stderr and attacker.recipient in exported.stderr
    assert not (tmp_path / "out.sops.yaml").exists()


@pytest.mark.parametrize("fast", ["1", "0"])
def test_rotate_of_a_version_1_file_asks_no_added_key_to_wrap(fast: str, v1_key: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """rotate wrapped the new data key for every stanza before the write was refused: a KMS key or an age plugin
    the added stanza names was asked (here the plugin program ran) for a file that is then not written."""
    from tests.support.age_plugins import new_plugin_key
    from tests.support.spy import spy_program

    runs = spy_program(tmp_path / "bin", "age-plugin-fake", monkeypatch, then="exit 1")
    added = new_plugin_key().recipient
    sealed = _with_stanza(tmp_path, added)
    before = sealed.read_text()
    rotated = run_cli("rotate", sealed, env={"SEALFILE_FAST_PATH": fast})
    assert rotated.returncode == 1
    assert "version 1" in rotated.stderr
    assert sealed.read_text() == before
    removed = run_cli("recipients", "remove", sealed, "--rotate", "--age", added, env={"SEALFILE_FAST_PATH": fast})
    assert removed.returncode == 0, removed.stderr  # the way out the refusal names, rotating for the rest
    assert added not in sealed.read_text() and verify_text(sealed.read_text()).version == 2
    assert not runs.exists()


@pytest.mark.parametrize("args", [("rotate",), ("set", "motd", "x")])
def test_an_age_plugin_stanza_of_a_version_1_file_vouches_for_no_recipient(
        args: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An age plugin opens a stanza with any identity of its own, whatever recipient the stanza names: the fixture
    re-addressed to the attacker's plugin recipient, holding the victim's wrapped data key, opened with the
    victim's identity, and rotate wrapped the new data key for the attacker (who then decrypted the file)."""
    import re

    import pyrage

    from sealfile.kms import age_plugin
    from tests.support.age_plugins import PLUGIN_BIN, new_plugin_key

    monkeypatch.setenv("PATH", f"{PLUGIN_BIN}{os.pathsep}{os.environ['PATH']}")
    text = (V1 / "blocks.enc.yaml").read_text()
    armored = "".join(line[6:] + "\n" for line in re.findall(r"^      .*$", text, re.MULTILINE))
    identity = next(line for line in (V1 / "age-key.txt").read_text().splitlines() if line.startswith("AGE-SECRET"))
    data_key = pyrage.decrypt(armored.encode(), [pyrage.x25519.Identity.from_str(identity)])
    victim, attacker = new_plugin_key(), new_plugin_key()
    wrapped = "".join(f"      {line}\n" for line in age_plugin.wrap(victim.recipient, "fake", data_key).splitlines())
    head, rest = text.split("  recipients:\n", 1)
    sealed = tmp_path / "blocks.enc.yaml"
    sealed.write_text(f"{head}  recipients:\n  - type: age\n    recipient: {attacker.recipient}\n    wrapped: |\n"
                      f"{wrapped}{rest[rest.index('  unencrypted_suffix:'):]}")
    before = sealed.read_text()
    victims = {"SEALFILE_AGE_KEY": victim.identity}
    assert run_cli("decrypt", sealed, env=victims).returncode == 0  # reading it is as before
    changed = run_cli(*args[:1], sealed, *args[1:], env=victims)
    assert changed.returncode == 1
    assert "version 1" in changed.stderr and attacker.recipient in changed.stderr
    assert sealed.read_text() == before
    assert run_cli("decrypt", sealed, env={"SEALFILE_AGE_KEY": attacker.identity}).returncode == 1
