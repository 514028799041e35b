"""Signed seals in the library: every writer signs, readers and writers enforce the trusted signers,
and a signature is checked by the real ``ssh-keygen -Y verify`` on the message docs/format.md §9 gives."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

import sealfile
from sealfile.envelope.cipher import ValueCipher
from sealfile.envelope.signing import SIGNING_KEY_ENV
from sealfile.errors import ConfigError, FormatError, IntegrityError, SealfileError, SigningError, UntrustedSealError
from sealfile.gitflow.merge import merge_texts
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.model.paths import encode_path
from sealfile.ops import change, signatures
from sealfile.ops.read import verify_text
from sealfile.ops.reader import read_document
from sealfile.ops.seal import seal_text
from sealfile.ops.sealing import signed_message_of, signing_as
from sealfile.ops.signatures import ALLOWED_SIGNERS_ENV, TrustPolicy, check_signature
from sealfile.ops.verify import verify_seal
from sealfile.runtime.loader import load_secrets
from sealfile.stores import get_store
from tests.support.signed import Team, team
from tests.support.ssh import RunningAgent, SshKeys, keygen_verify, ssh_agent, ssh_keys, write_allowed_signers

__all__ = ["ssh_agent", "ssh_keys", "team"]

YAML = get_store("yaml")
PLAIN = "db:\n  password: s3cret-4b1\n  url: postgres://db.internal/app\nregion_unencrypted: eu\n"
EVIL = "db:\n  password: s3cret-4b1\n  url: postgres://attacker.example/app\nregion_unencrypted: eu\n"
V1 = Path(__file__).resolve().parents[1] / "corpus" / "v1"


def trusting_alice(team: Team) -> TrustPolicy:
    return signatures.for_application(team.allowed_signers)


def signer_of(text: str, policy: TrustPolicy) -> str:
    return check_signature(read_document(text, YAML), policy.signers).describe()


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa256", "rsa"])
def test_a_signed_file_verifies_with_ssh_keygen_on_the_documented_message(
        kind: str, ssh_keys: SshKeys, team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = ssh_keys.get(kind, "alice")
    monkeypatch.setenv(SIGNING_KEY_ENV, str(key.path))
    sealed = change.seal_new(PLAIN, [AgeKey(team.age.recipient)], None)
    document = read_document(sealed, YAML)
    signature = document.metadata.signature
    assert signature is not None
    message = signed_message_of(document)
    assert message.startswith(b"sealfile seal v2\ndigest sha256:")
    assert message.endswith(f"\nmac {document.metadata.mac}\n".encode())
    allowed = write_allowed_signers(tmp_path, key)
    accepted = keygen_verify(allowed, "alice", "sealfile", signature, message, tmp_path)
    assert accepted.returncode == 0, accepted.stderr
    altered = message.replace(b"digest sha256:", b"digest sha256:0", 1)
    assert keygen_verify(allowed, "alice", "sealfile", signature, altered, tmp_path).returncode != 0


def test_signing_through_ssh_agent(ssh_agent: RunningAgent, team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    ssh_agent.add(team.alice)
    monkeypatch.setenv(SIGNING_KEY_ENV, str(team.alice.pub_path))  # only the public half: the agent signs
    sealed = change.seal_new(PLAIN, [AgeKey(team.age.recipient)], None)
    assert signer_of(sealed, trusting_alice(team)) == f"signed by alice ({team.alice.public_key.fingerprint})"


WRITERS: dict[str, Callable[[str], str]] = {
    "set": lambda text: change.set_value(text, "db.password", "new-9c2"),
    "set a new key": lambda text: change.set_value(text, "db.user", "app"),
    "unset": lambda text: change.unset_value(text, "db.url"),
    "rotate": lambda text: change.rotate(text),
    "recipients": lambda text: change.change_recipients(text, add=[AgeKey(generate_identity()[1])]).text,
    "edit": lambda text: change.reseal_edited(text, PLAIN.replace("eu", "us")),
    "merge": lambda text: merge_texts(text, change.set_value(text, "db.password", "ours-1"),
                                      change.set_value(text, "region_unencrypted", "us")).text,
}


@pytest.mark.parametrize("write", WRITERS.values(), ids=WRITERS.keys())
def test_every_writer_signs_what_it_writes(write: Callable[[str], str], team: Team,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    unsigned = team.forge(PLAIN, signed_by=None)
    monkeypatch.setenv(SIGNING_KEY_ENV, str(team.alice.path))
    written = write(unsigned)
    assert written != unsigned
    assert signer_of(written, trusting_alice(team)).startswith("signed by alice (")
    verify_text(written, YAML, trusting_alice(team))


@pytest.mark.parametrize("signed_by", ["mallory", None])
def test_load_secrets_refuses_a_forged_file(signed_by: str | None, team: Team, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    forged = tmp_path / "secrets.enc.yaml"
    forged.write_text(team.forge(EVIL, signed_by=team.mallory if signed_by else None))
    assert load_secrets(forged, redacted=False)["db"]["url"].startswith("postgres://attacker")  # no policy: as before
    found = f"signed by {team.mallory.public_key.fingerprint}, a key not in {team.allowed_signers}" if signed_by \
        else f"unsigned, but only a signer in {team.allowed_signers} may seal it"
    with pytest.raises(UntrustedSealError) as refused:
        load_secrets(forged, allowed_signers=team.allowed_signers)
    assert str(refused.value) == f"{forged}: {found}"
    assert isinstance(refused.value, sealfile.UntrustedSealError)
    monkeypatch.setenv(ALLOWED_SIGNERS_ENV, str(team.allowed_signers))
    with pytest.raises(UntrustedSealError, match=re.escape(found)):
        load_secrets(forged)
    genuine = tmp_path / "genuine.enc.yaml"
    genuine.write_text(team.seal(PLAIN))
    assert load_secrets(genuine, redacted=False)["db"]["url"] == "postgres://db.internal/app"


def test_load_secrets_applies_the_repositorys_signers_as_decrypt_does(team: Team, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """An application reading a file of a repository that lists its signers refuses a forged file,
    as ``sealfile decrypt`` there does; a pin outside the repository still outranks the list."""
    team.config(tmp_path)
    forged, genuine = tmp_path / "forged.enc.yaml", tmp_path / "genuine.enc.yaml"
    forged.write_text(team.forge(EVIL, signed_by=team.mallory))
    genuine.write_text(team.seal(PLAIN))
    with pytest.raises(UntrustedSealError, match=f"signed by {re.escape(team.mallory.public_key.fingerprint)}"):
        load_secrets(forged)
    assert load_secrets(genuine, redacted=False)["db"]["url"] == "postgres://db.internal/app"
    (tmp_path / "deploy").mkdir()
    trusting_mallory = write_allowed_signers(tmp_path / "deploy", team.mallory, "mallory")
    assert load_secrets(forged, allowed_signers=trusting_mallory, redacted=False)["db"]["url"].endswith("attacker"
                                                                                                        ".example/app")
    monkeypatch.setenv(ALLOWED_SIGNERS_ENV, str(trusting_mallory))
    assert load_secrets(forged, redacted=False)["db"]["password"] == "s3cret-4b1"
    with pytest.raises(UntrustedSealError):
        load_secrets(genuine)


def test_a_key_holders_set_refuses_a_forged_file_and_rotate_shuts_the_forger_out(
        team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    forged = team.forge(EVIL, signed_by=team.mallory)
    forgers_key = read_document(forged, YAML).open().reuse().data_key  # mallory chose it: she has it
    monkeypatch.setenv(SIGNING_KEY_ENV, str(team.alice.path))
    policy = trusting_alice(team)
    with pytest.raises(UntrustedSealError, match=r"refusing to keep its data key.*--rotate"):
        change.set_value(forged, "db.password", "fresh-7d0", policy=policy)
    with pytest.raises(UntrustedSealError, match="--rotate"):
        change.plaintext_for_editing(forged, policy=policy)

    rotated = change.set_value(forged, "db.password", "fresh-7d0", policy=policy, rotate=True)
    document = read_document(rotated, YAML)
    token = dict((path, value) for path, value in document.leaves())[("db", "password")]
    with pytest.raises(IntegrityError):
        ValueCipher(forgers_key).open(encode_path(("db", "password")), token)
    assert document.open().data()["db"]["password"] == "fresh-7d0"
    assert signer_of(rotated, policy).startswith("signed by alice (")


@pytest.mark.parametrize("change_of", ["add", "remove", "exact"])
def test_a_recipient_change_with_rotate_seals_a_forged_file_under_a_new_key(change_of: str, team: Team,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The refusal names --rotate as the way on, as ``set`` does; ``recipients remove --rotate`` and ``updatekeys
    --rotate`` were refused all the same, so a key holder could not shut the forger's key out in one step."""
    newcomer, stays = AgeKey(generate_identity()[1]), AgeKey(team.age.recipient)
    with signing_as(team.signer(team.mallory)):
        forged = seal_text(EVIL, [stays, newcomer] if change_of == "remove" else [stays])
    forgers_key = read_document(forged, YAML).open().reuse().data_key
    monkeypatch.setenv(SIGNING_KEY_ENV, str(team.alice.path))
    policy = trusting_alice(team)
    how: dict[str, list[AgeKey]] = {change_of: [newcomer] if change_of != "exact" else [stays, newcomer]}
    with pytest.raises(UntrustedSealError, match=r"refusing to keep its data key.*--rotate"):
        change.change_recipients(forged, policy=policy, **how)
    changed = change.change_recipients(forged, policy=policy, rotate=True, **how)
    assert changed.rotated
    document = read_document(changed.text, YAML)
    token = dict((path, value) for path, value in document.leaves())[("db", "password")]
    with pytest.raises(IntegrityError):
        ValueCipher(forgers_key).open(encode_path(("db", "password")), token)
    assert document.open().data()["db"]["url"] == "postgres://attacker.example/app"  # adopted, as set --rotate does
    assert signer_of(changed.text, policy).startswith("signed by alice (")
    # a trusted file keeps its data key for a change that takes no one's access away
    trusted = team.seal(PLAIN)
    added = change.change_recipients(trusted, add=[newcomer], policy=policy, rotate=True)
    assert not added.rotated and read_document(added.text, YAML).open().reuse().data_key == \
        read_document(trusted, YAML).open().reuse().data_key


@pytest.mark.parametrize("signed_by", ["mallory", None])
def test_rotate_does_not_sign_a_forged_file_unless_told_to_adopt_it(signed_by: str | None, team: Team,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A routine rotation by a key holder must not turn a forger's values and recipients into a file
    the trusted signers vouch for: it refuses, and --adopt (an explicit decision) does it."""
    forged = team.forge(EVIL, signed_by=team.mallory if signed_by else None)
    monkeypatch.setenv(SIGNING_KEY_ENV, str(team.alice.path))
    policy = trusting_alice(team)
    with pytest.raises(UntrustedSealError, match=r"refusing to sign its values and recipients as yours: --adopt"):
        change.rotate(forged, policy=policy)
    adopted = change.rotate(forged, policy=policy, adopt=True)
    assert signer_of(adopted, policy).startswith("signed by alice (")
    assert read_document(adopted, YAML).open().data()["db"]["url"] == "postgres://attacker.example/app"
    trusted = team.seal(PLAIN)
    assert signer_of(change.rotate(trusted, policy=policy), policy).startswith("signed by alice (")


def with_pasted_signature(forged: str, signed: str) -> str:
    """``forged`` carrying the signature block of ``signed``: anyone can copy it, it does not verify there."""
    signature = signed[signed.index("  signature: |\n"):signed.index("  mac: ")]
    return forged.replace("  mac: ", signature + "  mac: ", 1)


@pytest.mark.parametrize("write", WRITERS.values(), ids=WRITERS.keys())
def test_no_writer_signs_over_a_signature_that_does_not_verify_even_without_trusted_signers(
        write: Callable[[str], str], team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    """verify and check refuse such a file whatever the policy; a routine write must not make it pass."""
    pasted = with_pasted_signature(team.forge(EVIL, signed_by=None), team.seal(PLAIN))
    check = check_signature(read_document(pasted, YAML), None)
    assert check.status == "invalid"
    assert check.describe() == (f"the signature (naming {team.alice.public_key.fingerprint}) does not verify: "
                                "the file is not what was signed")  # the key is a claim, not who made the file
    monkeypatch.setenv(SIGNING_KEY_ENV, str(team.alice.path))
    with pytest.raises(UntrustedSealError, match="does not verify: the file is not what was signed; refusing"):
        write(pasted)
    adopted = change.rotate(pasted, adopt=True)
    assert signer_of(adopted, signatures.NO_POLICY).startswith(f"signed by {team.alice.public_key.fingerprint} ")


def test_the_merge_driver_takes_nothing_from_a_side_whose_signature_does_not_verify(
        team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    base = team.seal(PLAIN)
    pasted = with_pasted_signature(team.forge(EVIL, signed_by=None), base)
    monkeypatch.setenv(SIGNING_KEY_ENV, str(team.alice.path))
    for ours, theirs, side in ((base, pasted, "their version"), (pasted, base, "our version")):
        with pytest.raises(SealfileError, match=f"cannot open {side}: the signature .* does not verify"):
            merge_texts(base, ours, theirs, YAML, signatures.NO_POLICY)


@pytest.mark.parametrize("spelled", ["''", "null", "", "' '"])
def test_an_empty_signature_field_is_malformed_not_unsigned(spelled: str, team: Team) -> None:
    """A reader MUST refuse a malformed signature (docs/format.md §9); an empty one is not an absent one."""
    signed = team.seal(PLAIN)
    emptied = signed[:signed.index("  signature: |\n")] + f"  signature: {spelled}\n" + signed[signed.index("  mac: "):]
    with pytest.raises(FormatError, match=r"sealfile\.signature: the signature is empty"):
        read_document(emptied, YAML)


STANZA_CHANGES: dict[str, Callable[[str], str]] = {
    "a role added": lambda t: t.replace("    - type: age\n", "    - type: age\n      role: arn:aws:iam::1:role/x\n", 1),
    "a profile added": lambda t: t.replace("    - type: age\n", "    - type: age\n      profile: attacker\n", 1),
    "the recipient": lambda t: t.replace("recipient: age1", "recipient: age1q", 1),
    "the wrapped key": lambda t: t.replace("-----BEGIN AGE ENCRYPTED FILE-----\n        ",
                                           "-----BEGIN AGE ENCRYPTED FILE-----\n        A", 1),
    "the rule": lambda t: t.replace("unencrypted_suffix: _unencrypted", "unencrypted_suffix: _plain"),
    "the mac": lambda t: t.replace("  mac: ", "  mac: A", 1),
}


@pytest.mark.parametrize("alter", STANZA_CHANGES.values(), ids=STANZA_CHANGES.keys())
def test_any_change_to_the_metadata_is_detected_without_a_key(alter: Callable[[str], str], team: Team) -> None:
    sealed = team.seal(PLAIN)
    altered = alter(sealed)
    assert altered != sealed
    assert verify_seal(sealed, YAML, trusting_alice(team), keyless=True).signature.status == "trusted"
    for policy in (trusting_alice(team), signatures.NO_POLICY):
        with pytest.raises(UntrustedSealError, match="does not verify"):
            verify_seal(altered, YAML, policy, keyless=True)


def test_a_duplicated_stanza_breaks_the_signature(team: Team) -> None:
    sealed = team.seal(PLAIN)
    head, _, rest = sealed.partition("  recipients:\n")
    stanza, _, tail = rest.partition("  unencrypted_suffix:")
    with pytest.raises(UntrustedSealError, match="does not verify"):
        verify_seal(head + "  recipients:\n" + stanza + stanza + "  unencrypted_suffix:" + tail, YAML,
                    signatures.NO_POLICY, keyless=True)


def test_require_signature_without_a_signing_key_refuses_every_write(team: Team) -> None:
    policy = TrustPolicy(require_signature=True)
    unsigned = team.forge(PLAIN, signed_by=None)
    unsigned_write = rf"refusing to write it unsigned: .*require_signature; set {SIGNING_KEY_ENV}"
    with pytest.raises(SigningError, match=unsigned_write):
        change.seal_new(PLAIN, [AgeKey(team.age.recipient)], None, policy=policy)
    with pytest.raises(UntrustedSealError, match="unsigned, but its creation rule"):
        change.set_value(unsigned, "db.password", "x", policy=policy)
    with pytest.raises(UntrustedSealError, match="unsigned, but its creation rule"):
        change.rotate(unsigned, policy=policy)
    with pytest.raises(SigningError, match="refusing to write it unsigned"):
        change.rotate(unsigned, policy=policy, adopt=True)


def test_a_writer_whose_key_readers_would_refuse_refuses_to_write(team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SIGNING_KEY_ENV, str(team.mallory.path))
    with pytest.raises(SigningError, match=re.escape(f"{team.mallory.public_key.fingerprint} is not a trusted signer")):
        change.rotate(team.seal(PLAIN), policy=trusting_alice(team))


def test_the_merge_driver_takes_nothing_from_a_side_not_validly_signed(team: Team,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    base = team.seal(PLAIN)
    monkeypatch.setenv(SIGNING_KEY_ENV, str(team.alice.path))
    ours = change.set_value(base, "db.password", "ours-3", policy=trusting_alice(team))
    theirs = team.forge(EVIL, signed_by=team.mallory)
    refusal = f"cannot open their version: signed by {team.mallory.public_key.fingerprint}, a key not in"
    with pytest.raises(SealfileError, match=re.escape(refusal)):
        merge_texts(base, ours, theirs, YAML, trusting_alice(team))
    merged = merge_texts(base, ours, change.set_value(base, "region_unencrypted", "us"), YAML, trusting_alice(team))
    assert signer_of(merged.text, trusting_alice(team)).startswith("signed by alice (")


def test_a_version_1_file_opens_and_is_written_back_as_version_2_signed(
        team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = tmp_path / "v1-keys.txt"
    key.write_text((V1 / "age-key.txt").read_text())
    key.chmod(0o600)
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(key))
    monkeypatch.setenv(SIGNING_KEY_ENV, str(team.alice.path))
    old = (V1 / "secrets.enc.yaml").read_text()
    assert verify_seal(old, YAML, signatures.NO_POLICY).summary() == "OK, unsigned"
    new = change.set_value(old, "database.port", 6543)
    assert verify_text(new, YAML, trusting_alice(team)).version == 2
    assert signer_of(new, trusting_alice(team)).startswith("signed by alice (")


@pytest.mark.parametrize(("section", "message"), [
    ("signers:\n  alice: ssh-ed25519 AAAA-not-base64\n", "signers.alice: malformed ssh-ed25519 public key"),
    ("signers:\n  'al ice': ssh-ed25519 AAAA\n", "signers.al ice: a signer's name must be one word"),
    ("signers: [ssh-ed25519 AAAA]\n", "signers: must map each signer's name"),
    # a policy trusting no key made every read fail as 'unsigned, but only a signer ... may seal it'
    ("signers:\n  bob: []\n", "signers: lists no SSH public key, so no file could be trusted"),
    ("creation_rules:\n  - require_signature: 'yes'\n", "creation_rules.0.require_signature: must be true or false"),
    # a misspelt section was ignored: readers trusted any seal while the config seemed to list signers
    ("signer:\n  alice: ssh-ed25519 AAAA\n", "unknown field(s) signer (known: creation_rules, sealed_files, signers, "
                                             "trust)"),
    ("Signers:\n  alice: ssh-ed25519 AAAA\n", "unknown field(s) Signers (known: "),
])
def test_a_malformed_signer_policy_is_one_line_naming_the_field(section: str, message: str, tmp_path: Path) -> None:
    (tmp_path / ".sealfile.yaml").write_text(section)
    with pytest.raises(ConfigError) as refused:
        signatures.for_file(tmp_path / "secrets.enc.yaml")
    assert str(refused.value).startswith(f"{tmp_path / '.sealfile.yaml'}: {message}")


def test_the_repositorys_signers_and_a_pinned_file(team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "secrets.enc.yaml"
    assert signatures.for_file(file) == signatures.NO_POLICY
    team.config(tmp_path, require_signature=True)
    policy = signatures.for_file(file)
    assert policy.require_signature and policy.signers is not None
    assert policy.signers.source == f"the signers of {tmp_path / '.sealfile.yaml'}"
    monkeypatch.setenv(ALLOWED_SIGNERS_ENV, str(team.allowed_signers))
    pinned = signatures.for_file(file)
    assert pinned.signers is not None and pinned.signers.source == str(team.allowed_signers)
    assert pinned.require_signature


@pytest.mark.parametrize("top", ["signers", "require_signature"])
def test_a_nested_config_does_not_drop_the_signer_policy_of_the_config_above(
        top: str, team: Team, tmp_path: Path) -> None:
    """Anyone who can push can add prod/.sealfile.yaml: its own creation rule (no signers:, no
    require_signature) must not make readers of prod/ accept a file sealed by anyone, unsigned."""
    (tmp_path / ".git").mkdir()
    team.config(tmp_path, signers=top == "signers", require_signature=top == "require_signature")
    (tmp_path / "prod").mkdir()
    (tmp_path / "prod" / ".sealfile.yaml").write_text(f"creation_rules:\n  - age: {team.age.recipient}\n")
    forged = tmp_path / "prod" / "secrets.enc.yaml"
    forged.write_text(team.forge(EVIL, signed_by=None))
    policy = signatures.for_file(forged)
    assert policy.required
    found = (f"unsigned, but only a signer in the signers of {tmp_path / '.sealfile.yaml'} may seal it"
             if top == "signers" else "unsigned, but its creation rule in .sealfile.yaml has require_signature")
    with pytest.raises(UntrustedSealError) as refused:
        load_secrets(forged)
    assert str(refused.value) == f"{forged}: {found}"
    genuine = tmp_path / "prod" / "genuine.enc.yaml"
    genuine.write_text(team.seal(PLAIN))
    assert load_secrets(genuine, redacted=False)["db"]["url"] == "postgres://db.internal/app"


def test_a_nested_signers_section_still_decides_for_its_directory(team: Team, tmp_path: Path) -> None:
    """A nested config with signers of its own replaces those above for its directory, as before (a team
    can narrow who seals prod/; review flags a signer added there); a config without one keeps them."""
    (tmp_path / ".git").mkdir()
    team.config(tmp_path)
    (tmp_path / "svc" / "deeper").mkdir(parents=True)
    (tmp_path / "svc" / ".sealfile.yaml").write_text(f"signers:\n  ops: {team.mallory.public_key.to_line()}\n")
    (tmp_path / "svc" / "deeper" / ".sealfile.yaml").write_text(f"creation_rules:\n  - age: {team.age.recipient}\n")
    for file in (tmp_path / "svc" / "secrets.enc.yaml", tmp_path / "svc" / "deeper" / "secrets.enc.yaml"):
        policy = signatures.for_file(file)
        assert policy.signers is not None and [s.principals for s in policy.signers.signers] == ["ops"]
        assert policy.signers.source == f"the signers of {tmp_path / 'svc' / '.sealfile.yaml'}"
    top = signatures.for_file(tmp_path / "secrets.enc.yaml")
    assert top.signers is not None and [s.principals for s in top.signers.signers] == ["alice"]


@pytest.mark.parametrize("linked", ["file", "directory", "directory above"])
def test_a_sealed_file_linked_out_of_the_repository_keeps_the_repositorys_signers(linked: str, team: Team,
                                                                                 tmp_path: Path) -> None:
    """A clone can hold prod/secrets.enc.yaml (or prod/, or a directory above prod/x/) as a link to /tmp, where
    another local user wrote a file: judged only by the configs where the link points (none), a forged
    file there was read as trusted."""
    repo, elsewhere = tmp_path / "repo", tmp_path / "shared-tmp"
    (repo / ".git").mkdir(parents=True)
    (elsewhere / "x").mkdir(parents=True)
    team.config(repo)
    (elsewhere / "x.enc.yaml").write_text(team.forge(EVIL, signed_by=team.mallory))
    (elsewhere / "x" / "x.enc.yaml").symlink_to(elsewhere / "x.enc.yaml")
    if linked == "file":
        (repo / "prod").mkdir()
        (repo / "prod" / "secrets.enc.yaml").symlink_to(elsewhere / "x.enc.yaml")
        link = repo / "prod" / "secrets.enc.yaml"
    else:
        (repo / "prod").symlink_to(elsewhere)
        link = repo / "prod" / "x.enc.yaml" if linked == "directory" else repo / "prod" / "x" / "x.enc.yaml"
    with pytest.raises(UntrustedSealError, match=f"signed by {re.escape(team.mallory.public_key.fingerprint)}, a key "
                                                 f"not in the signers of {re.escape(str(repo / '.sealfile.yaml'))}"):
        load_secrets(link)
    (elsewhere / "x.enc.yaml").write_text(team.seal(PLAIN))
    assert load_secrets(link, redacted=False)["db"]["url"] == "postgres://db.internal/app"


@pytest.mark.parametrize("target", ["in the repository", "outside"])
def test_require_signature_is_judged_at_the_links_place_as_the_signers_are(target: str, team: Team,
                                                                           tmp_path: Path) -> None:
    """``prod -> staging`` (or a link out of the clone): the signers were the link place's, but the creation
    rule (its ``require_signature``) was matched against where the link points, so an unsigned file
    read as prod/x.enc.yaml passed a rule that requires prod's files signed."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".sealfile.yaml").write_text(f"creation_rules:\n  - path_regex: ^prod/\n    require_signature: true\n"
                                         f"    age: {team.age.recipient}\n  - age: {team.age.recipient}\n")
    staging = repo / "staging" if target == "in the repository" else tmp_path / "staging"
    (staging / "deep").mkdir(parents=True)
    (staging / "deep" / "x.enc.yaml").write_text(team.forge(EVIL, signed_by=None))
    (repo / "prod").symlink_to(staging)
    link = repo / "prod" / "deep" / "x.enc.yaml"
    with pytest.raises(UntrustedSealError, match=r"unsigned, but its creation rule in \.sealfile\.yaml has "
                                                 "require_signature"):
        load_secrets(link)
    assert signatures.for_file(link).require_signature
    from sealfile.ops.config import load_config

    rule = load_config(link).rule_for(link)  # the recipients 'encrypt' and 'updatekeys' give it
    assert rule is not None and rule.path_regex == "^prod/"
    if target == "in the repository":
        assert load_secrets(staging / "deep" / "x.enc.yaml", redacted=False) is not None  # staging's own rule


def test_reviews_policy_for_a_revision_does_not_follow_the_work_trees_links(team: Team, tmp_path: Path) -> None:
    """review judges a revision's prod/x.enc.yaml by the configs committed there; the rule was matched
    against the work tree's file, resolved: with 'prod' a link to 'staging' there, the revision's prod
    file was judged by staging's rule, without require_signature."""
    from sealfile.gitflow.seals import policy_at

    (tmp_path / ".git").mkdir()
    (tmp_path / "staging").mkdir()
    (tmp_path / "prod").symlink_to("staging")
    config = (f"creation_rules:\n  - path_regex: ^prod/\n    require_signature: true\n    age: {team.age.recipient}\n"
              f"  - age: {team.age.recipient}\n")

    class Revision:
        def read(self, path: str) -> str | None:
            return config if path == ".sealfile.yaml" else None

    assert policy_at(Revision(), "prod/x.enc.yaml", tmp_path).require_signature  # type: ignore[arg-type]
    assert not policy_at(Revision(), "staging/x.enc.yaml", tmp_path).require_signature  # type: ignore[arg-type]
