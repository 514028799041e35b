"""A team with a bare origin and clones of its own (each person with a HOME, git config and age key),
with real git: a clone that never ran ``sealfile git install`` merges sealed files as text, and
``-X theirs`` makes git call that merge clean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sealfile.gitflow.guard_hooks import HOOKS
from sealfile.kms.age import add_identity
from tests.gitflow.test_pre_commit import LOCAL
from tests.gitflow.test_signed_review import forge, setup, trust
from tests.support.git import SEALFILE, Sandbox
from tests.support.ssh import SshKeys, ssh_keys

__all__ = ["ssh_keys"]

FILE = "app.enc.yaml"
TEXT_MERGED = (f"sealfile: error: {FILE}: git merged this sealed file as text (a value of either side may be lost, "
               "or the file left unreadable, though git called the merge clean): this clone has no sealfile merge "
               "driver; run 'sealfile git install', then redo the merge: git merge --abort, and merge again")


def _person(sandbox: Sandbox, name: str, origin: Path) -> Sandbox:
    """``name``'s own HOME, git config and age key, and a clone of ``origin``."""
    home = sandbox.root / name
    home.mkdir()
    (home / "gitconfig").write_text(f"[user]\n\tname = {name}\n\temail = {name}@example.com\n"
                                    "[init]\n\tdefaultBranch = main\n")
    env = {**sandbox.env, "HOME": str(home), "GIT_CONFIG_GLOBAL": str(home / "gitconfig"),
           "SEALFILE_AGE_KEY_FILE": str(home / "keys.txt"), "PRE_COMMIT_HOME": str(sandbox.root / "pre-commit")}
    recipient = add_identity(home / "keys.txt")
    subprocess.run(["git", "clone", "-q", str(origin), str(home / "repo")], env=env, check=True, capture_output=True)
    return Sandbox(sandbox.root, home / "repo", env, recipient)


@pytest.fixture
def team(sandbox: Sandbox) -> tuple[Sandbox, Sandbox]:
    """alice set the repository up as the README says; bob has only cloned it."""
    origin = sandbox.root / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], env=sandbox.env, check=True)
    bin_dir = sandbox.root / "bin"  # 'sealfile' on PATH, as an installed command (the README's local hook)
    bin_dir.mkdir()
    (bin_dir / "sealfile").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m sealfile "$@"\n')
    (bin_dir / "sealfile").chmod(0o755)
    sandbox.env["PATH"] = f"{bin_dir}{os.pathsep}{sandbox.env['PATH']}"
    alice, bob = _person(sandbox, "alice", origin), _person(sandbox, "bob", origin)
    (alice.repo / ".sealfile.yaml").write_text(
        f"creation_rules:\n  - path_regex: \\.enc\\.yaml$\n    age: [{alice.recipient}, {bob.recipient}]\n")
    (alice.repo / ".pre-commit-config.yaml").write_text(LOCAL)
    (alice.repo / FILE).write_text("db:\n  password: pw-0\n  port: 5432\napi_token: tok-0\nsmtp: mail-0\n")
    alice.sealfile("encrypt", "-i", FILE)
    alice.sealfile("git", "install", "--command", SEALFILE)
    alice.commit("secrets, drivers")
    alice.git("push", "-q", "origin", "main")
    bob.git("pull", "-q")
    return alice, bob


def _diverge(alice: Sandbox, bob: Sandbox, alice_sets: tuple[str, str], bob_sets: tuple[str, str]) -> None:
    """Each sets one value and commits; alice pushes first."""
    bob.sealfile("set", FILE, *bob_sets)
    bob.git("commit", "-q", "-am", "bob")
    alice.sealfile("set", FILE, *alice_sets)
    alice.git("commit", "-q", "-am", "alice")
    alice.git("push", "-q")
    bob.git("fetch", "-q")


@pytest.mark.parametrize(("alice_sets", "bob_sets"), [
    (("smtp", "mail-alice"), ("db.password", "pw-bob")),  # far apart: alice's mac over both values
    (("smtp", "mail-alice"), ("api_token", "tok-bob")),  # adjacent lines: one hunk, bob's value dropped
])
def test_a_text_merge_git_calls_clean_is_refused_and_the_named_fix_works(
        team: tuple[Sandbox, Sandbox], alice_sets: tuple[str, str], bob_sets: tuple[str, str]) -> None:
    alice, bob = team
    _diverge(alice, bob, alice_sets, bob_sets)
    merged = bob.git("merge", "--no-commit", "-X", "theirs", "origin/main")
    assert "Automatic merge went well" in merged.stderr + merged.stdout  # git sees nothing wrong
    for who in (bob.env, bob.keyless_env()):  # the key holder and a reviewer without one
        checked = bob.sealfile("check", env=who, check=False)
        assert checked.returncode == 3
        assert checked.stderr.splitlines()[-1] == TEXT_MERGED, checked.stderr
        assert sum("error" in line for line in checked.stderr.splitlines()) == 1  # the cause, not its symptoms

    bob.git("merge", "--abort")  # the fix the error names
    bob.sealfile("git", "install", "--command", SEALFILE)
    bob.git("merge", "--no-edit", "-X", "theirs", "origin/main")
    assert bob.sealfile("decrypt", FILE, "--extract", alice_sets[0]).stdout == alice_sets[1]
    assert bob.sealfile("decrypt", FILE, "--extract", bob_sets[0]).stdout == bob_sets[1]
    assert "error" not in bob.sealfile("check").stderr


def test_the_readme_hook_refuses_the_merge_commit_git_pull_makes_on_its_own(team: tuple[Sandbox, Sandbox]) -> None:
    alice, bob = team
    installed = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=bob.repo, env=bob.env,
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    _diverge(alice, bob, ("smtp", "mail-alice"), ("db.password", "pw-bob"))
    bob_head = bob.git("rev-parse", "HEAD").stdout

    pulled = bob.git("pull", "--no-rebase", "--no-edit", "-X", "theirs", check=False)
    assert pulled.returncode != 0
    assert TEXT_MERGED in pulled.stdout + pulled.stderr
    assert bob.git("rev-parse", "HEAD").stdout == bob_head  # no merge commit was made


def test_the_bare_origin_reviews_each_push_in_a_pre_receive_hook(team: tuple[Sandbox, Sandbox]) -> None:
    """A server (or a CI mirror) has the revisions and no work tree."""
    alice, bob = team
    origin = alice.root / "origin.git"
    hook = origin / "hooks" / "pre-receive"
    hook.write_text('#!/bin/sh\nwhile read old new ref; do sealfile review "$old" "$new" || exit 1; done\n')
    hook.chmod(0o755)
    bob.sealfile("set", FILE, "smtp", "mail-bob")
    bob.git("commit", "-q", "-am", "smtp")
    pushed = bob.git("push", "-q")
    assert "~ smtp: ENC#" in pushed.stderr  # git relays the hook's output

    (bob.repo / "leak.enc.yaml").write_text("password: leaked-91\n")
    bob.commit("leak")
    refused = bob.git("push", "-q", check=False)
    assert refused.returncode != 0
    assert "leak.enc.yaml" in refused.stderr and "pre-receive hook declined" in refused.stderr

    def in_origin(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "sealfile", *args], cwd=origin, env=bob.env,
                              capture_output=True, text=True)

    assert "~ smtp: ENC#" in in_origin("diff", "--git", "HEAD~1..HEAD").stdout
    for refused_there in (("check",), ("diff", "--git", "HEAD~1"), ("diff", "--reveal", "--git", "HEAD~1..HEAD")):
        done = in_origin(*refused_there)
        assert done.returncode == 2 and "bare repository" in done.stderr, refused_there


def _warnings(box: Sandbox, env: dict[str, str] | None = None) -> list[str]:
    return [line for line in box.sealfile("status", FILE, env=env).stderr.splitlines() if "warning" in line]


def test_a_newcomer_is_told_each_step_the_readme_gives_until_the_clone_is_set_up(
        team: tuple[Sandbox, Sandbox]) -> None:
    _, bob = team
    assert _warnings(bob) == [f"sealfile: warning: {bob.repo}: .gitattributes uses the sealfile merge and diff "
                              "drivers, but this clone has none configured: run 'sealfile git install' (until then "
                              "git merges sealed files as text)"]
    bob.sealfile("git", "install", "--command", SEALFILE)
    no_hooks = (f"sealfile: warning: {bob.repo}: .pre-commit-config.yaml runs sealfile check, but this clone has no "
                "pre-commit or pre-merge-commit hook: ")
    until = " (until then nothing checks sealed files when git commits)"
    assert _warnings(bob) == [no_hooks + "run 'pre-commit install'" + until]
    bob.git("config", "core.hooksPath", ".husky")  # another tool's hooks: 'pre-commit install' refuses
    (told,) = _warnings(bob)  # git runs none of .git/hooks now: the replay hooks first (test_half_setups)
    assert told.startswith(f"sealfile: warning: {bob.repo}: this clone has the sealfile drivers but not the "
                           "prepare-commit-msg and pre-applypatch and post-rewrite hook 'sealfile git install' writes")
    for hook in HOOKS:
        (bob.repo / ".husky").mkdir(exist_ok=True)
        (bob.repo / ".husky" / hook).write_text(f"#!/bin/sh\n{SEALFILE} git unresolved\n")
        (bob.repo / ".husky" / hook).chmod(0o755)
    assert _warnings(bob) == [no_hooks + "core.hooksPath is set (.husky), where 'pre-commit install' installs "
                              "nothing: make each of these hooks there run 'pre-commit run --hook-stage HOOK'" + until]
    bob.git("config", "--unset", "core.hooksPath")
    installed = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=bob.repo, env=bob.env,
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    assert _warnings(bob) == []


def test_a_work_tree_git_is_pointed_at_by_git_dir_is_told_its_drivers_are_missing(team: tuple[Sandbox, Sandbox]
                                                                                  ) -> None:
    """No ``.git`` in it: a bare repository and ``GIT_DIR``/``GIT_WORK_TREE`` (a dotfiles set-up, some CI)."""
    alice, _ = team
    store, tree = alice.root / "store.git", alice.root / "tree"
    subprocess.run(["git", "clone", "-q", "--bare", str(alice.root / "origin.git"), str(store)], env=alice.env,
                   check=True)
    tree.mkdir()
    env = {**alice.env, "GIT_DIR": str(store), "GIT_WORK_TREE": str(tree)}
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=tree, env=env, check=True)
    elsewhere = Sandbox(alice.root, tree, env, alice.recipient)
    assert "but this clone has none configured" in _warnings(elsewhere)[0]
    elsewhere.sealfile("git", "install", "--command", SEALFILE)
    assert "but this clone has no pre-commit" in _warnings(elsewhere)[0]


def test_a_branch_opened_before_someone_left_is_reviewed_for_its_own_changes_and_merges_without_them(
        team: tuple[Sandbox, Sandbox]) -> None:
    alice, bob = team
    bob.git("checkout", "-q", "-b", "feature")
    bob.sealfile("set", FILE, "api_token", "tok-feature")
    bob.git("commit", "-q", "-am", "feature")
    bob.git("push", "-q", "origin", "feature")
    alice.sealfile("recipients", "remove", "--rotate", "--age", bob.recipient, FILE)
    alice.git("commit", "-q", "-am", "bob leaves")
    alice.git("push", "-q")

    bob.git("fetch", "-q")
    reviewed = bob.sealfile("review", "origin/main", "HEAD").stdout
    assert "forked from origin/main at" in reviewed
    assert "~ api_token: ENC#" in reviewed and "smtp:" not in reviewed  # ":": recipients hold any letters
    # main's removal and rotation are not this branch's doing: shown reversed, they read as an attack
    assert "RECIPIENTS CHANGED" not in reviewed and "DATA KEY REPLACED" not in reviewed, reviewed

    alice.git("fetch", "-q")
    before = alice.git("rev-parse", "HEAD").stdout.strip()
    alice.git("merge", "-q", "--no-edit", "origin/feature")
    assert alice.sealfile("decrypt", FILE, "--extract", "api_token").stdout == "tok-feature"
    merged = alice.sealfile("review", before, "HEAD").stdout
    # no trusted signers vouch for main's rotation: the merge seals under a key of its own (docs/git.md), which
    # review shows as replaced, and no recipient comes back
    assert "RECIPIENTS CHANGED" not in merged and "data key replaced, unsigned (before: unsigned)" in merged, merged
    assert bob.recipient not in alice.sealfile("recipients", "list", FILE).stdout


def test_a_branch_is_judged_by_the_signers_its_base_trusts_now_not_where_it_forked(sandbox: Sandbox,
                                                                                    ssh_keys: SshKeys) -> None:
    """Its changes are counted from the fork; whose seals to trust is the base's say as it is now."""
    _, mallory = setup(sandbox, ssh_keys)
    untrusting = trust(sandbox, "mallory", mallory)
    sandbox.commit("mallory may seal")
    sandbox.git("checkout", "-q", "-b", "branch")
    forge(sandbox, mallory)
    sandbox.commit("mallory seals the file anew")
    sandbox.git("checkout", "-q", "main")
    (sandbox.repo / ".sealfile.yaml").write_text(untrusting)
    sandbox.commit("mallory is trusted no more")

    done = sandbox.sealfile("review", "main", "branch", check=False, env=sandbox.keyless_env())
    assert done.returncode == 3, done.stdout
    assert "forked from main at" in done.stdout
    assert f"signed by {mallory.public_key.fingerprint}, a key not in the signers of" in done.stdout
    assert "SIGNERS CHANGED" not in done.stdout  # main's change, not the branch's


def test_a_clone_set_up_before_inner_merges_went_binary_is_told_to_install_again(team: tuple[Sandbox, Sandbox]
                                                                                 ) -> None:
    alice, _ = team
    alice.git("config", "--unset", "merge.sealfile.recursive")  # as 'sealfile git install' left it before
    (warning,) = [w for w in _warnings(alice) if "merge.sealfile.recursive" in w]
    assert warning.endswith("run 'sealfile git install' again (until then a merge of branches that merged each "
                            "other can settle a conflict silently)")
    alice.sealfile("git", "install", "--command", SEALFILE)
    assert not [w for w in _warnings(alice) if "merge.sealfile" in w]


def test_a_clone_with_the_merge_driver_but_not_the_diff_driver_is_told_to_install_again(
        team: tuple[Sandbox, Sandbox]) -> None:
    """Half a set-up (a diff section removed by hand, or by a tool that rewrites .git/config) went unsaid."""
    alice, _ = team
    alice.git("config", "--unset", "diff.sealfile.textconv")
    (warning,) = [w for w in _warnings(alice) if "diff.sealfile.textconv" in w]
    assert warning.endswith("run 'sealfile git install' again (until then git diff shows sealed files as ciphertext)")
    alice.sealfile("git", "install", "--command", SEALFILE)
    assert not [w for w in _warnings(alice) if "sealfile" in w.split(":", 2)[-1] and "driver" in w]


def test_a_worktree_shares_the_set_up_and_a_submodule_needs_its_own(team: tuple[Sandbox, Sandbox]) -> None:
    alice, _ = team
    installed = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=alice.repo, env=alice.env,
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    tree = Sandbox(alice.root, alice.root / "alice-feature", alice.env, alice.recipient)
    alice.git("worktree", "add", "-q", "-b", "feature", str(tree.repo))
    assert _warnings(tree) == []  # config and hooks live in the repository both share
    tree.sealfile("set", FILE, "smtp", "mail-feature")
    tree.git("commit", "-q", "-am", "smtp")
    alice.sealfile("set", FILE, "api_token", "tok-main")
    alice.git("commit", "-q", "-am", "token")
    alice.git("merge", "-q", "--no-edit", "feature")
    assert alice.sealfile("decrypt", FILE, "--extract", "smtp").stdout == "mail-feature"

    alice.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(alice.root / "origin.git"), "vendored")
    vendored = Sandbox(alice.root, alice.repo / "vendored", alice.env, alice.recipient)
    (warning,) = _warnings(vendored)
    assert warning.startswith(f"sealfile: warning: {vendored.repo}: .gitattributes uses the sealfile merge and diff "
                              "drivers, but this clone has none configured")


def test_a_branch_from_before_the_drivers_merges_them_in_as_text_and_is_told_how_to_recover(
        team: tuple[Sandbox, Sandbox]) -> None:
    """git takes the attributes from the checkout being merged into: a branch older than ``.gitattributes``
    merges a sealed file as text even in a clone with the driver."""
    alice, _ = team
    attributes = (alice.repo / ".gitattributes").read_text()
    alice.git("rm", "-q", ".gitattributes")
    alice.git("commit", "-q", "-m", "before the drivers")
    alice.git("checkout", "-q", "-b", "old")
    alice.sealfile("set", FILE, "db.password", "pw-old")
    alice.git("commit", "-q", "-am", "a branch from before the drivers")
    alice.git("checkout", "-q", "main")
    (alice.repo / ".gitattributes").write_text(attributes)
    alice.sealfile("set", FILE, "smtp", "mail-main")
    alice.commit("the drivers, and a change")
    alice.git("checkout", "-q", "old")
    alice.git("merge", "--no-commit", "-X", "theirs", "main")
    checked = alice.sealfile("check", FILE, check=False)
    assert checked.returncode == 3
    assert checked.stderr.splitlines()[-1].endswith(
        "the branch merged into has no .gitattributes naming the sealfile driver yet; commit the one the merge "
        "brings on that branch first, then redo the merge: git merge --abort, and merge again"), checked.stderr

    alice.git("merge", "--abort")  # the fix it names
    alice.git("checkout", "main", "--", ".gitattributes")
    alice.git("commit", "-q", "-m", "the drivers")
    alice.git("merge", "-q", "--no-edit", "-X", "theirs", "main")
    assert alice.sealfile("decrypt", FILE, "--extract", "db.password").stdout == "pw-old"
    assert alice.sealfile("decrypt", FILE, "--extract", "smtp").stdout == "mail-main"
