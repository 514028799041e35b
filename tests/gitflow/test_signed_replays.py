"""The merge driver during a replay (``git pull --rebase``, a range of cherry-picks, ``git am -3``), with real
git and ssh-keygen keys: HEAD is then not the user's branch but the one replayed onto, or holds the commits
applied so far, so a branch adding mallory to ``signers:`` beside her forged file must not have the driver
take her data key and values and sign them as the user's; the replay is judged by the signers of the
commit it started from."""

from __future__ import annotations

import pytest

from tests.gitflow.test_signed_review import FILE, _forged_branch_then_alice_on_main, as_signer, setup, trust
from tests.support.git import Sandbox
from tests.support.ssh import SshKeyPair, SshKeys, ssh_keys

__all__ = ["ssh_keys"]


def _refused(box: Sandbox, done_stderr: str, mallory: SshKeyPair, alice: SshKeyPair, start: str) -> None:
    """The driver refused mallory's side, judged by the signers of ``start``, alice's branch as it was."""
    assert (f"signed by {mallory.public_key.fingerprint}, a key not in the signers of {box.repo / '.sealfile.yaml'} "
            f"as committed at {start[:12]}, where the replay started") in done_stderr, done_stderr
    verified = box.sealfile("verify", FILE, check=False, env=as_signer(box, alice))
    decrypted = box.sealfile("decrypt", FILE, check=False, env=as_signer(box, alice))
    # in a stopped rebase the file is git's "ours", mallory's as she signed it: never hers signed by alice
    assert not ("attacker.example" in decrypted.stdout and "signed by alice" in verified.stdout), verified.stdout


@pytest.mark.parametrize("backend", ["--merge", "--apply"])
def test_a_rebase_onto_a_branch_that_trusts_its_own_forger_does_not_sign_her_file(
        installed: Sandbox, ssh_keys: SshKeys, backend: str) -> None:
    """alice's commit on main changes a value; ``forged`` (upstream, as ``git pull --rebase`` sees it) adds
    mallory to signers: and replaces the file. Rebasing checks out ``forged``: its configs are in the work
    tree and at HEAD, so both used to trust mallory, and the result was signed by alice."""
    box = installed
    alice, mallory = setup(box, ssh_keys)
    mine = _forged_branch_then_alice_on_main(box, alice, mallory, trusting_mallory=True)

    start = box.git("rev-parse", "main").stdout.strip()
    done = box.git("rebase", backend, "forged", check=False, env=as_signer(box, alice))
    assert done.returncode != 0
    _refused(box, done.stderr, mallory, alice, start)
    box.git("rebase", "--abort")
    assert (box.repo / FILE).read_text() == mine


def _forged_in_two_commits(box: Sandbox, alice: SshKeyPair, mallory: SshKeyPair) -> str:
    """Branch ``forged``: one commit adds mallory to signers:, the next forges the file; alice changes a value
    on main (checked out). Returns main's version of the file."""
    return _forged_branch_then_alice_on_main(box, alice, mallory, trusting_mallory=True, signer_first=True)


def test_a_range_of_picks_is_judged_by_the_branch_it_started_on_not_by_the_picks_so_far(
        installed: Sandbox, ssh_keys: SshKeys) -> None:
    box = installed
    alice, mallory = setup(box, ssh_keys)
    mine = _forged_in_two_commits(box, alice, mallory)

    start = box.git("rev-parse", "main").stdout.strip()
    done = box.git("cherry-pick", "forged~1", "forged", check=False, env=as_signer(box, alice))
    assert done.returncode != 0
    assert "mallory" in (box.repo / ".sealfile.yaml").read_text()  # the first pick is in, at HEAD
    _refused(box, done.stderr, mallory, alice, start)
    box.git("cherry-pick", "--abort")
    assert (box.repo / FILE).read_text() == mine


def test_git_am_of_a_series_is_judged_by_the_branch_it_started_on(installed: Sandbox, ssh_keys: SshKeys) -> None:
    box = installed
    alice, mallory = setup(box, ssh_keys)
    mine = _forged_in_two_commits(box, alice, mallory)
    patches = box.root / "series.mbox"
    patches.write_text(box.git("format-patch", "--stdout", "main..forged").stdout)

    start = box.git("rev-parse", "main").stdout.strip()
    done = box.git("am", "-3", str(patches), check=False, env=as_signer(box, alice))
    assert done.returncode != 0
    _refused(box, done.stderr, mallory, alice, start)
    box.git("am", "--abort")
    assert (box.repo / FILE).read_text() == mine


@pytest.mark.parametrize("backend", ["--merge", "--apply"])
def test_rebasing_a_branch_that_trusts_its_own_forger_onto_main_does_not_sign_her_file(
        installed: Sandbox, ssh_keys: SshKeys, backend: str) -> None:
    """A maintainer lands a contributor's branch by rebasing it onto main: checked out, ``forged`` is her
    branch, and its first commit (mallory in signers:) is replayed before her forged file, so the work tree
    and the start commit both trust her. The branch rebased onto judges too."""
    box = installed
    alice, mallory = setup(box, ssh_keys)
    _forged_in_two_commits(box, alice, mallory)
    onto = box.git("rev-parse", "main").stdout.strip()
    box.git("checkout", "-q", "forged")
    hers = (box.repo / FILE).read_text()

    done = box.git("rebase", backend, "main", check=False, env=as_signer(box, alice))
    assert done.returncode != 0
    assert (f"signed by {mallory.public_key.fingerprint}, a key not in the signers of {box.repo / '.sealfile.yaml'} "
            f"as committed at {onto[:12]}, the branch rebased onto") in done.stderr, done.stderr
    verified = box.sealfile("verify", FILE, check=False, env=as_signer(box, alice))
    decrypted = box.sealfile("decrypt", FILE, check=False, env=as_signer(box, alice))
    assert not ("attacker.example" in decrypted.stdout and "signed by alice" in verified.stdout), verified.stdout
    box.git("rebase", "--abort")
    assert (box.repo / FILE).read_text() == hers


def test_a_cherry_pick_left_unfinished_does_not_make_a_later_merge_judged_by_its_old_start(
        installed: Sandbox, ssh_keys: SshKeys) -> None:
    """A range of picks stopped, then left (``git reset --hard``: git keeps its state directory), while mallory was
    a signer; alice removes her since. A later merge of mallory's branch, which adds her back beside her forged
    file, must be judged by HEAD too, not only by the commit that stale replay started from."""
    box = installed
    alice, mallory = setup(box, ssh_keys)
    untrusting = trust(box, "mallory", mallory)
    box.commit("mallory joins")
    box.git("checkout", "-q", "-b", "notes")
    for index in range(2):
        (box.repo / "notes.txt").write_text(f"theirs {index}\n")
        box.commit(f"note {index}")
    box.git("checkout", "-q", "main")
    (box.repo / "notes.txt").write_text("ours\n")
    box.commit("a note")
    assert box.git("cherry-pick", "notes~2..notes", check=False).returncode != 0
    box.git("reset", "-q", "--hard")
    assert box.git("rev-parse", "--git-path", "sequencer").stdout.strip()  # left behind
    (box.repo / ".sealfile.yaml").write_text(untrusting)
    box.commit("mallory leaves")
    ours = _forged_branch_then_alice_on_main(box, alice, mallory, trusting_mallory=True)

    box.git("merge", "--no-edit", "forged", check=False, env=as_signer(box, alice))
    box.git("checkout", "-m", FILE, check=False, env=as_signer(box, alice))
    verified = box.sealfile("verify", FILE, check=False, env=as_signer(box, alice))
    decrypted = box.sealfile("decrypt", FILE, check=False, env=as_signer(box, alice))
    assert not ("attacker.example" in decrypted.stdout and "signed by alice" in verified.stdout), verified.stdout
    assert (box.repo / FILE).read_text() == ours


@pytest.mark.parametrize("separator", ["\u2028", "\x1c", "\x85"])
def test_a_commit_subject_cannot_name_the_commit_a_rebase_is_onto(installed: Sandbox, ssh_keys: SshKeys,
                                                                   separator: str) -> None:
    """``rebase --apply`` writes where it is onto only once stopped, and HEAD's reflog says it meanwhile; a
    commit it replays puts its subject in that reflog, and a subject holding a character Python breaks lines at
    forged an entry naming her own commit that trusts her as the one rebased onto."""
    box = installed
    alice, mallory = setup(box, ssh_keys)
    _forged_in_two_commits(box, alice, mallory)
    onto = box.git("rev-parse", "main").stdout.strip()
    box.git("checkout", "-q", "forged")
    signer, forged = (box.git("rev-parse", rev).stdout.strip() for rev in ("forged~1", "forged"))
    box.git("reset", "-q", "--hard", signer)
    (box.repo / "notes.txt").write_text("tidy\n")
    box.git("add", "notes.txt")
    box.git("commit", "-q", "-m", f"tidy{separator}{signer} rebase (start): checkout main")
    box.git("cherry-pick", forged)
    hers = (box.repo / FILE).read_text()

    done = box.git("rebase", "--apply", "main", check=False, env=as_signer(box, alice))
    assert done.returncode != 0
    assert (f"as committed at {onto[:12]}, the branch rebased onto") in done.stderr, done.stderr
    verified = box.sealfile("verify", FILE, check=False, env=as_signer(box, alice))
    decrypted = box.sealfile("decrypt", FILE, check=False, env=as_signer(box, alice))
    assert not ("attacker.example" in decrypted.stdout and "signed by alice" in verified.stdout), verified.stdout
    box.git("rebase", "--abort")
    assert (box.repo / FILE).read_text() == hers
