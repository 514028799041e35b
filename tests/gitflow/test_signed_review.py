"""Signed seals in the Git workflow, with real git and real ssh-keygen keys: ``review`` of a commit that
replaces a file's data key, changes to ``signers:``, and the merge driver facing a forged side."""

from __future__ import annotations

import json
import re

from sealfile.envelope.signing import SIGNING_KEY_ENV, Signer
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.ops.seal import seal_text
from sealfile.ops.sealing import signing_as
from tests.support.git import Sandbox
from tests.support.ssh import SshKeyPair, SshKeys, ssh_keys

__all__ = ["ssh_keys"]

FILE = "prod.enc.yaml"
PLAIN = "db:\n  password: s3cret-a91\n  url: postgres://db.internal/app\n"
EVIL = "db:\n  password: s3cret-a91\n  url: postgres://attacker.example/app\n"


def setup(box: Sandbox, ssh_keys: SshKeys) -> tuple[SshKeyPair, SshKeyPair]:
    """A repository trusting alice's key, with a file she sealed; mallory is the second identity."""
    alice, mallory = ssh_keys.get("ed25519", "alice"), ssh_keys.get("ed25519", "mallory")
    (box.repo / ".sealfile.yaml").write_text(f"signers:\n  alice: {alice.public_key.to_line()}\n"
                                             f"creation_rules:\n  - age: {box.recipient}\n")
    (box.repo / "plain.yaml").write_text(PLAIN)
    box.sealfile("encrypt", "plain.yaml", "-o", FILE, env=as_signer(box, alice))
    (box.repo / "plain.yaml").unlink()
    box.commit("alice seals the file")
    return alice, mallory


def trust(box: Sandbox, name: str, key: SshKeyPair) -> str:
    """``.sealfile.yaml`` with ``name``'s key added to ``signers:`` (written, and returned as it was before)."""
    config = box.repo / ".sealfile.yaml"
    before = config.read_text()
    config.write_text(before.replace("signers:\n", f"signers:\n  {name}: {key.public_key.to_line()}\n"))
    return before


def as_signer(box: Sandbox, key: SshKeyPair) -> dict[str, str]:
    return {**box.env, SIGNING_KEY_ENV: str(key.path)}


def forge(box: Sandbox, mallory: SshKeyPair | None) -> None:
    """Mallory's file for the same age recipient, with her own data key (she holds no recipient key)."""
    signer = Signer.from_private_key_file(mallory.path) if mallory else None
    with signing_as(signer):
        (box.repo / FILE).write_text(seal_text(EVIL, [AgeKey(box.recipient)]))


def test_review_of_a_commit_that_replaces_the_data_key_fails_and_names_the_signer(sandbox: Sandbox,
                                                                                   ssh_keys: SshKeys) -> None:
    alice, mallory = setup(sandbox, ssh_keys)
    forge(sandbox, mallory)
    sandbox.commit("mallory replaces the file")

    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    assert done.returncode == 3, done.stdout + done.stderr
    found = f"signed by {mallory.public_key.fingerprint}, a key not in the signers of"
    assert "!!! DATA KEY REPLACED !!!" in done.stdout
    assert f"{FILE}: data key replaced: {found}" in done.stdout  # the violation
    assert (f"@ sealed by {mallory.public_key.fingerprint} (before: alice ({alice.public_key.fingerprint}))"
            in done.stdout)
    report = json.loads(sandbox.sealfile("review", "HEAD~1", "HEAD", "--format", "json", check=False).stdout)
    assert report["ok"] is False and report["data_key_replaced"] == [
        f"{FILE}: data key replaced, sealed by {mallory.public_key.fingerprint} "
        f"(before: alice ({alice.public_key.fingerprint}))"]


def test_a_trusted_signers_signature_copied_onto_a_forged_file_is_not_shown_as_who_sealed_it(
        sandbox: Sandbox, ssh_keys: SshKeys) -> None:
    alice, _ = setup(sandbox, ssh_keys)
    genuine = (sandbox.repo / FILE).read_text()
    signature = genuine[genuine.index("  signature: |\n"):genuine.index("  mac: ")]
    forge(sandbox, None)
    forged = (sandbox.repo / FILE).read_text()
    (sandbox.repo / FILE).write_text(forged.replace("  mac: ", signature + "  mac: ", 1))
    sandbox.commit("mallory pastes alice's signature")

    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    assert done.returncode == 3, done.stdout + done.stderr
    claimed = f"nobody (a signature naming {alice.public_key.fingerprint} that does not verify)"
    assert f"{FILE}: data key replaced, sealed by {claimed} (before: alice ({alice.public_key.fingerprint}))" \
        in done.stdout
    assert f"sealed by {alice.public_key.fingerprint}" not in done.stdout


def test_a_rotation_by_a_trusted_signer_is_shown_but_passes(sandbox: Sandbox, ssh_keys: SshKeys) -> None:
    alice, _ = setup(sandbox, ssh_keys)
    sandbox.sealfile("rotate", FILE, env=as_signer(sandbox, alice))
    sandbox.commit("alice rotates")
    _, intruder = generate_identity()
    sandbox.sealfile("recipients", "add", FILE, "--age", intruder, env=as_signer(sandbox, alice))
    sandbox.commit("alice adds a recipient")

    rotation = sandbox.sealfile("review", "HEAD~2", "HEAD~1", env=sandbox.keyless_env())
    assert "!!! DATA KEY REPLACED !!!" in rotation.stdout
    assert f"{FILE}: data key replaced, sealed by alice ({alice.public_key.fingerprint})" in rotation.stdout
    added = sandbox.sealfile("review", "HEAD~1", "HEAD", env=sandbox.keyless_env())
    assert "DATA KEY REPLACED" not in added.stdout and "RECIPIENTS CHANGED" in added.stdout


def test_a_forger_adding_herself_to_signers_is_flagged_and_still_fails(sandbox: Sandbox, ssh_keys: SshKeys) -> None:
    _, mallory = setup(sandbox, ssh_keys)
    config = sandbox.repo / ".sealfile.yaml"
    trusting_mallory = f"signers:\n  mallory: {mallory.public_key.to_line()}\n"
    config.write_text(config.read_text().replace("signers:\n", trusting_mallory))
    forge(sandbox, mallory)
    sandbox.commit("mallory trusts herself")

    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    assert done.returncode == 3
    assert "!!! SIGNERS CHANGED !!!" in done.stdout
    assert f".sealfile.yaml: signer ADDED mallory ({mallory.public_key.fingerprint})" in done.stdout
    assert done.stdout.index("SIGNERS CHANGED") < done.stdout.index("CHANGES:")
    assert f"data key replaced: signed by {mallory.public_key.fingerprint}, a key not in" in done.stdout


def test_a_config_below_giving_a_trusted_name_another_key_says_so(sandbox: Sandbox, ssh_keys: SshKeys) -> None:
    """Below ``sub/.sealfile.yaml``, verify would call mallory's seals alice's: review shows the added signer
    as another key under a name the config above gives alice's key."""
    alice, mallory = setup(sandbox, ssh_keys)
    (sandbox.repo / "sub").mkdir()
    (sandbox.repo / "sub" / ".sealfile.yaml").write_text(f"signers:\n  alice: {mallory.public_key.to_line()}\n"
                                                         f"  bob: {mallory.public_key.to_line()}\n")
    sandbox.commit("a second alice")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    assert (f"sub/.sealfile.yaml: signer ADDED alice ({mallory.public_key.fingerprint}): ANOTHER KEY under a name "
            f"already used (alice in .sealfile.yaml is {alice.public_key.fingerprint})\n") in done.stdout
    assert f"sub/.sealfile.yaml: signer ADDED bob ({mallory.public_key.fingerprint})\n" in done.stdout


def test_diff_shows_a_signature_removed_or_given_another_key(sandbox: Sandbox, ssh_keys: SshKeys) -> None:
    """Nothing else changed: diff said '(unchanged)'. It names the key each side's signature claims (review
    verifies them and shows its own '@ sealed by' line instead)."""
    alice, _ = setup(sandbox, ssh_keys)
    signed = (sandbox.repo / FILE).read_text()
    (sandbox.repo / FILE).write_text(re.sub(r"  signature: \|\n(    .*\n)+", "", signed))
    sandbox.commit("unsigned")
    shown = sandbox.sealfile("diff", "--git", "HEAD~1..HEAD", env=sandbox.keyless_env()).stdout
    assert shown == (f"{FILE} (modified)\n  ! seal: a signature naming {alice.public_key.fingerprint} (not verified "
                     "here) -> unsigned\n")
    review = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env()).stdout
    assert "! seal:" not in review and "@ unsigned (before: alice" in review


def test_without_trusted_signers_a_replaced_key_needs_attention(sandbox: Sandbox, ssh_keys: SshKeys) -> None:
    alice, _ = setup(sandbox, ssh_keys)
    (sandbox.repo / ".sealfile.yaml").unlink()
    sandbox.commit("no more signers")
    forge(sandbox, None)
    sandbox.commit("anyone replaces the file")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", env=sandbox.keyless_env())
    assert f"{FILE}: data key replaced, unsigned (before: {alice.public_key.fingerprint})" in done.stdout
    assert "a rotation and a file forged by someone who can push look the same" in done.stdout


def _forged_branch_then_alice_on_main(box: Sandbox, alice: SshKeyPair, mallory: SshKeyPair, *,
                                  trusting_mallory: bool = False, signer_first: bool = False) -> str:
    """Branch ``forged``: the file forged by mallory (and, ``trusting_mallory``, her key added to ``signers:``,
    in a commit of its own before the file's if ``signer_first``); on main alice changes a value. Returns
    main's version of the file, which the merge must keep."""
    box.git("checkout", "-q", "-b", "forged")
    if trusting_mallory:
        trust(box, "mallory", mallory)
        if signer_first:
            box.commit("a new signer")
    forge(box, mallory)
    box.commit("mallory's branch")
    box.git("checkout", "-q", "main")
    box.sealfile("set", FILE, "db.password", "main-side", env=as_signer(box, alice))
    box.commit("alice changes a value")
    return (box.repo / FILE).read_text()


def test_the_merge_driver_refuses_a_side_that_is_not_validly_signed(installed: Sandbox, ssh_keys: SshKeys) -> None:
    box = installed
    alice, mallory = setup(box, ssh_keys)
    ours = _forged_branch_then_alice_on_main(box, alice, mallory)

    merged = box.git("merge", "--no-edit", "forged", check=False, env=as_signer(box, alice))
    assert merged.returncode != 0
    assert f"cannot open their version: signed by {mallory.public_key.fingerprint}" in merged.stderr
    assert (box.repo / FILE).read_text() == ours  # kept ours: nothing of theirs, no data key of theirs


def test_a_merge_run_again_is_judged_by_the_signers_ours_committed_not_by_those_the_merge_brings(
        installed: Sandbox, ssh_keys: SshKeys) -> None:
    """Theirs adds mallory to signers: and forges the file. The driver refuses it, and says to run
    'git checkout -m' once the cause is fixed; by then the work tree holds the merged config naming
    mallory, which must not make the driver take her data key and values and sign them as alice's."""
    box = installed
    alice, mallory = setup(box, ssh_keys)
    config = box.repo / ".sealfile.yaml"
    ours = _forged_branch_then_alice_on_main(box, alice, mallory, trusting_mallory=True)

    merged = box.git("merge", "--no-edit", "forged", check=False, env=as_signer(box, alice))
    assert merged.returncode != 0 and f"signed by {mallory.public_key.fingerprint}" in merged.stderr
    assert "mallory" in config.read_text()  # the merge brought theirs' config into the work tree

    again = box.git("checkout", "-m", FILE, check=False, env=as_signer(box, alice))
    assert (f"cannot open their version: signed by {mallory.public_key.fingerprint}, a key not in the signers of "
            f"{box.repo / '.sealfile.yaml'} as committed at HEAD") in again.stderr
    assert (box.repo / FILE).read_text() == ours
    assert "attacker.example" not in box.sealfile("decrypt", FILE, env=as_signer(box, alice)).stdout


def test_git_diff_and_diff_reveal_do_not_show_a_forged_file_decrypted(installed: Sandbox, ssh_keys: SshKeys) -> None:
    """textconv and 'sealfile diff --reveal' are readers too: a key holder sees who sealed each version and
    no forged value as if it were a trusted change (older versions come to textconv as temporary files)."""
    box = installed
    alice, mallory = setup(box, ssh_keys)
    forge(box, mallory)
    box.commit("mallory replaces the file")

    shown = box.git("log", "-p", "-2", "--", FILE).stdout
    assert "url: postgres://db.internal/app" in shown  # alice's version, decrypted
    assert f"# signature: signed by alice ({alice.public_key.fingerprint})" in shown
    assert "attacker" not in shown
    assert (f"# signature: signed by {mallory.public_key.fingerprint}, a key not in the signers of "
            f"{box.repo / '.sealfile.yaml'} (readers refuse it)") in shown
    assert "# (redacted view: not decrypted, as readers refuse this seal" in shown

    revealed = box.sealfile("diff", "--reveal", "--git", "HEAD~1..HEAD", check=False)
    assert revealed.returncode == 1 and "attacker" not in revealed.stdout + revealed.stderr
    assert f"signed by {mallory.public_key.fingerprint}, a key not in" in revealed.stderr


def nested_signers(box: Sandbox, alice: SshKeyPair) -> None:
    """svc/.sealfile.yaml names alice as svc's signer, the top config none; svc/FILE sealed by alice."""
    (box.repo / ".sealfile.yaml").write_text(f"creation_rules:\n  - age: {box.recipient}\n")
    (box.repo / "svc").mkdir()
    (box.repo / "svc" / ".sealfile.yaml").write_text(f"signers:\n  alice: {alice.public_key.to_line()}\n"
                                                     f"creation_rules:\n  - age: {box.recipient}\n")
    (box.repo / "svc" / "plain.yaml").write_text(PLAIN)
    box.sealfile("encrypt", "svc/plain.yaml", "-o", f"svc/{FILE}", env=as_signer(box, alice))
    (box.repo / "svc" / "plain.yaml").unlink()
    box.commit("alice seals svc's file")


def forge_in_svc(box: Sandbox, mallory: SshKeyPair) -> None:
    with signing_as(Signer.from_private_key_file(mallory.path)):
        (box.repo / "svc" / FILE).write_text(seal_text(EVIL, [AgeKey(box.recipient)]))
    box.commit("mallory's file")


def test_a_sparse_checkout_without_the_nested_config_does_not_merge_a_forged_side(installed: Sandbox,
                                                                                 ssh_keys: SshKeys) -> None:
    """svc/.sealfile.yaml names the signers of svc/; a sparse checkout leaves it out of the work tree.
    Merging with the top config alone would take mallory's data key and sign her values as alice's."""
    box = installed
    alice, mallory = ssh_keys.get("ed25519", "alice"), ssh_keys.get("ed25519", "mallory")
    nested_signers(box, alice)
    box.git("checkout", "-q", "-b", "forged")
    forge_in_svc(box, mallory)
    box.git("checkout", "-q", "main")
    box.sealfile("set", f"svc/{FILE}", "db.password", "main-side", env=as_signer(box, alice))
    box.commit("alice changes a value")
    box.git("sparse-checkout", "set", "--cone", "elsewhere")
    assert not (box.repo / "svc").exists()

    merged = box.git("merge", "--no-edit", "forged", check=False, env=as_signer(box, alice))
    assert merged.returncode != 0
    assert (f"sealfile: svc/{FILE}: cannot merge automatically: svc/.sealfile.yaml, whose signers say whose seals "
            "to trust here, is not in the work tree (a sparse checkout?); bring it back with: git sparse-checkout "
            f"add svc, then: git checkout -m svc/{FILE}") in merged.stderr
    assert "attacker.example" not in box.sealfile("decrypt", f"svc/{FILE}", env=as_signer(box, alice)).stdout

    box.git("sparse-checkout", "add", "svc")  # as the message says: now the merge is judged by svc's signers
    again = box.git("checkout", "-m", f"svc/{FILE}", check=False, env=as_signer(box, alice))
    assert f"signed by {mallory.public_key.fingerprint}, a key not in the signers of" in again.stderr
    assert "attacker.example" not in box.sealfile("decrypt", f"svc/{FILE}", env=as_signer(box, alice)).stdout


def test_git_log_p_judges_an_older_version_by_the_signers_of_every_config(installed: Sandbox,
                                                                          ssh_keys: SshKeys) -> None:
    """git hands textconv an older version as a temporary file, without its path: the signers of
    svc/.sealfile.yaml must still keep a forged svc file from being shown decrypted."""
    box = installed
    alice, mallory = ssh_keys.get("ed25519", "alice"), ssh_keys.get("ed25519", "mallory")
    nested_signers(box, alice)
    forge_in_svc(box, mallory)

    shown = box.git("log", "-p", "--", f"svc/{FILE}").stdout
    assert "attacker.example" not in shown
    assert f"+# signature: signed by {mallory.public_key.fingerprint}, a key not in the signers of" in shown
    assert "+  url: postgres://db.internal/app" in shown  # alice's version, decrypted
    assert f"# signature: signed by alice ({alice.public_key.fingerprint})" in shown



def test_a_sparse_checkout_without_the_nested_config_shows_no_forged_value(installed: Sandbox,
                                                                          ssh_keys: SshKeys) -> None:
    """With svc/.sealfile.yaml out of the work tree, neither textconv nor 'sealfile diff --reveal' can
    tell whose seals svc trusts: they must not fall back to the top config, which trusts anyone."""
    box = installed
    alice, mallory = ssh_keys.get("ed25519", "alice"), ssh_keys.get("ed25519", "mallory")
    nested_signers(box, alice)
    forge_in_svc(box, mallory)
    box.git("sparse-checkout", "set", "--cone", "elsewhere")

    shown = box.git("log", "-p", "--", f"svc/{FILE}").stdout
    assert "attacker.example" not in shown
    assert ("# sealfile: not decrypted: svc/.sealfile.yaml is not in the work tree (a sparse checkout?), so whose "
            "seals to trust is not known here") in shown
    # A file of svc/ in the work tree without its config (as a conflict outside the sparse cone leaves it)
    (box.repo / "svc").mkdir()
    (box.repo / "svc" / FILE).write_text(box.git("show", f"HEAD:svc/{FILE}").stdout)
    own = box.sealfile("git", "textconv", f"svc/{FILE}").stdout
    assert "attacker.example" not in own and own.startswith("# sealfile: not decrypted: svc/.sealfile.yaml, whose")
    (box.repo / "svc" / FILE).unlink()
    revealed = box.sealfile("diff", "--reveal", "--git", "HEAD~1..HEAD", check=False)
    assert revealed.returncode == 1 and "attacker.example" not in revealed.stdout
    assert revealed.stderr == (f"sealfile: error: svc/{FILE}: svc/.sealfile.yaml, whose signers say whose seals to "
                               "trust here, is not in the work tree (a sparse checkout?); bring it back with: git "
                               "sparse-checkout add svc\n")


def test_the_signers_apply_to_a_file_in_a_directory_named_with_glob_characters(sandbox: Sandbox,
                                                                              ssh_keys: SshKeys) -> None:
    """The policy is read from the nearest ``.sealfile.yaml`` at the base revision; a directory such as
    ``team[eu]`` holds none, and must not read as an empty one that trusts anyone."""
    _, mallory = setup(sandbox, ssh_keys)
    nested = "team[eu]/" + FILE
    (sandbox.repo / "team[eu]").mkdir()
    (sandbox.repo / FILE).rename(sandbox.repo / nested)
    sandbox.commit("moved")
    signer = Signer.from_private_key_file(mallory.path)
    with signing_as(signer):
        (sandbox.repo / nested).write_text(seal_text(EVIL, [AgeKey(sandbox.recipient)]))
    sandbox.commit("mallory replaces the file")

    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    assert done.returncode == 3, done.stdout + done.stderr
    assert f"{nested}: data key replaced: signed by {mallory.public_key.fingerprint}, a key not in" in done.stdout


def test_without_trusted_signers_a_signature_dropped_or_changed_is_flagged(sandbox: Sandbox,
                                                                          ssh_keys: SshKeys) -> None:
    alice, mallory = ssh_keys.get("ed25519", "alice"), ssh_keys.get("ed25519", "mallory")
    (sandbox.repo / "plain.yaml").write_text(PLAIN)
    sandbox.sealfile("encrypt", "plain.yaml", "--age", sandbox.recipient, "-o", FILE, env=as_signer(sandbox, alice))
    sandbox.sealfile("encrypt", "plain.yaml", "--age", sandbox.recipient, "-o", "b.enc.yaml",
                     env=as_signer(sandbox, alice))
    (sandbox.repo / "plain.yaml").unlink()
    sandbox.commit("signed by alice; no signers: configured")
    sandbox.sealfile("set", FILE, "db.password", "n3w")
    sandbox.sealfile("set", "b.enc.yaml", "db.password", "n3w", env=as_signer(sandbox, mallory))
    sandbox.commit("one unsigned, one signed by another key")

    done = sandbox.sealfile("review", "HEAD~1", "HEAD", env=sandbox.keyless_env())
    attention = done.stdout.split("NEEDS ATTENTION:")[1].split("CHANGES:")[0]
    assert f"{FILE}: unsigned now, no longer by {alice.public_key.fingerprint}" in attention
    assert (f"b.enc.yaml: signed by {mallory.public_key.fingerprint} now, no longer by "
            f"{alice.public_key.fingerprint}") in attention


def test_a_nested_config_without_signers_does_not_let_a_later_forgery_through(sandbox: Sandbox,
                                                                             ssh_keys: SshKeys) -> None:
    """Anyone who can push adds prod/.sealfile.yaml with a creation rule alone (review flags a config
    change, no signer change), then, in a later change judged by it, replaces prod's file: the top
    config's signers still govern prod/, for review and for every reader."""
    setup(sandbox, ssh_keys)
    box = sandbox
    (box.repo / "prod").mkdir()
    box.git("mv", FILE, f"prod/{FILE}")
    box.commit("prod's file moves to prod/")
    (box.repo / "prod" / ".sealfile.yaml").write_text(f"creation_rules:\n  - age: {box.recipient}\n")
    box.commit("a creation rule for prod")
    with signing_as(None):
        (box.repo / "prod" / FILE).write_text(seal_text(EVIL, [AgeKey(box.recipient)]))
    box.commit("prod's file replaced")

    done = box.sealfile("review", "HEAD~1", "HEAD", check=False, env=box.keyless_env())
    assert done.returncode == 3, done.stdout + done.stderr
    assert (f"prod/{FILE}: data key replaced: unsigned, but only a signer in the signers of "
            f"{box.repo / '.sealfile.yaml'} may seal it") in done.stdout
    refused = box.sealfile("decrypt", f"prod/{FILE}", check=False)
    assert refused.returncode == 1 and "attacker.example" not in refused.stdout + refused.stderr
    assert refused.stderr == (f"sealfile: error: prod/{FILE}: unsigned, but only a signer in the signers of "
                              f"{box.repo / '.sealfile.yaml'} may seal it\n")


def test_a_submodule_does_not_end_the_walk_to_the_signers_of_the_superproject(sandbox: Sandbox,
                                                                             ssh_keys: SshKeys) -> None:
    """A repository ends the walk for configs at its top: a submodule's checkout (its '.git' a file naming
    the superproject's .git/modules) is not a repository of its own for that. Anyone who can push can
    replace prod/ by a submodule of theirs holding a forged file; once a clone runs 'git submodule
    update --init' (as CI with recursive checkout does), the top config's signers still govern it."""
    setup(sandbox, ssh_keys)
    box = sandbox
    evil = box.root / "evil"
    evil.mkdir()
    box.git("-C", str(evil), "init", "-q")
    with signing_as(None):
        (evil / FILE).write_text(seal_text(EVIL, [AgeKey(box.recipient)]))
    box.git("-C", str(evil), "add", "-A")
    box.git("-C", str(evil), "commit", "-q", "-m", "forged")
    box.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(evil), "prod")
    box.commit("prod is a submodule")
    assert (box.repo / "prod" / ".git").is_file()

    refused = box.sealfile("decrypt", f"prod/{FILE}", check=False)
    assert refused.returncode == 1 and "attacker.example" not in refused.stdout + refused.stderr
    assert refused.stderr == (f"sealfile: error: prod/{FILE}: unsigned, but only a signer in the signers of "
                              f"{box.repo / '.sealfile.yaml'} may seal it\n")



def test_a_signature_broken_by_a_hand_edit_is_one_violation(sandbox: Sandbox, ssh_keys: SshKeys) -> None:
    alice, _ = setup(sandbox, ssh_keys)
    sealed = (sandbox.repo / FILE).read_text()
    (sandbox.repo / FILE).write_text(sealed.replace("db:\n", "db:\n  host_unencrypted: attacker.example\n", 1))
    sandbox.commit("a hand edit under alice's signature")

    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    assert done.returncode == 3, done.stdout + done.stderr
    broken = (f"{FILE}: the signature (naming {alice.public_key.fingerprint}) does not verify: "
              "the file is not what was signed")
    assert done.stdout.count(broken) == 1, done.stdout
    report = json.loads(sandbox.sealfile("review", "HEAD~1", "HEAD", "--format", "json", check=False).stdout)
    assert report["violations"].count(broken) == 1


def test_a_config_inside_a_submodule_does_not_decide_who_seals_the_superprojects_files(sandbox: Sandbox,
                                                                                       ssh_keys: SshKeys) -> None:
    """A submodule is another repository's commit: this repository's review sees none of its files. Its own
    .sealfile.yaml naming mallory's key as 'alice' made her forged file verify as 'signed by alice' once a
    clone ran 'git submodule update --init', and review said only that prod/ was deleted. Such a config is
    refused, naming it, rather than trusted or silently skipped (one with creation rules alone still serves
    its own files: tests/gitflow/test_team_clones.py)."""
    setup(sandbox, ssh_keys)
    box = sandbox
    mallory = ssh_keys.get("ed25519", "mallory")
    evil = box.root / "evil"
    evil.mkdir()
    box.git("-C", str(evil), "init", "-q")
    (evil / ".sealfile.yaml").write_text(f"signers:\n  alice: {mallory.public_key.to_line()}\n")
    with signing_as(Signer.from_private_key_file(mallory.path)):
        (evil / FILE).write_text(seal_text(EVIL, [AgeKey(box.recipient)]))
    box.git("-C", str(evil), "add", "-A")
    box.git("-C", str(evil), "commit", "-q", "-m", "forged")
    box.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(evil), "prod")
    box.commit("prod is a submodule")

    for args in (["decrypt", f"prod/{FILE}"], ["verify", f"prod/{FILE}"]):
        refused = box.sealfile(*args, check=False)
        assert refused.returncode == 1 and "attacker.example" not in refused.stdout + refused.stderr
        assert "signed by alice" not in refused.stdout
        assert refused.stderr == (f"sealfile: error: {box.repo / 'prod' / '.sealfile.yaml'}: not used: it is "
                                  f"inside the checkout of the submodule {box.repo / 'prod'}, another repository "
                                  "whose files this one's review does not see, and names trusted signers, hosts, "
                                  "roles or profiles; put them in a .sealfile.yaml of this repository\n")


def test_a_config_that_is_a_link_into_the_repository_is_refused_and_fails_the_review(sandbox: Sandbox,
                                                                                    ssh_keys: SshKeys) -> None:
    """prod/.sealfile.yaml -> ../notes.yaml: readers read the signers of notes.yaml (mallory's key named
    'alice'), while review read the link's text, said 'creation rules that do not parse' and showed no
    signer change; later edits of notes.yaml were no config change to it at all."""
    setup(sandbox, ssh_keys)
    box = sandbox
    mallory = ssh_keys.get("ed25519", "mallory")
    (box.repo / "notes.yaml").write_text(f"signers:\n  alice: {mallory.public_key.to_line()}\n")
    (box.repo / "prod").mkdir()
    (box.repo / "prod" / ".sealfile.yaml").symlink_to("../notes.yaml")
    box.commit("a config for prod")
    done = box.sealfile("review", "HEAD~1", "HEAD", check=False, env=box.keyless_env())
    assert done.returncode == 3, done.stdout
    assert ("prod/.sealfile.yaml: a symbolic link (to ../notes.yaml), not a config: readers read the file it "
            "leads to, which this review does not show") in done.stdout

    with signing_as(Signer.from_private_key_file(mallory.path)):
        (box.repo / "prod" / FILE).write_text(seal_text(EVIL, [AgeKey(box.recipient)]))
    for args in (["decrypt", f"prod/{FILE}"], ["verify", f"prod/{FILE}"]):
        refused = box.sealfile(*args, check=False)
        assert refused.returncode == 1 and "attacker.example" not in refused.stdout + refused.stderr
        assert refused.stderr == (f"sealfile: error: {box.repo / 'prod' / '.sealfile.yaml'}: not used: a symbolic "
                                  "link in the repository (to ../notes.yaml), which review does not read as a "
                                  "config; make it a file\n")
