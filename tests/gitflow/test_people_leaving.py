"""Someone leaves the team: removing their key warns until the data key is rotated, .sealfile.yaml that
would add them back is named, and a review tells a removal with rotation from one without."""

from __future__ import annotations

import re
from pathlib import Path

from sealfile.kms.age import AgeKey, generate_identity
from sealfile.ops.seal import seal_text
from tests.support.git import Sandbox

FILE = "prod.enc.yaml"
NOT_ROTATED = "a removed recipient may have kept the old data key; run 'sealfile rotate' (or use --rotate)"


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"ENC\[[^\]]+\]", text))


def _team_file(box: Sandbox) -> str:
    """FILE sealed for the sandbox's key and a leaver's; returns the leaver's recipient."""
    _, leaver = generate_identity()
    (box.repo / FILE).write_text(seal_text("db:\n  password: p-1\n  user: u-1\n",
                                           [AgeKey(box.recipient), AgeKey(leaver)]))
    box.commit("team file")
    return leaver


def test_updatekeys_that_removes_a_recipient_the_rule_dropped_rotates(sandbox: Sandbox) -> None:
    leaver = _team_file(sandbox)
    (sandbox.repo / ".sealfile.yaml").write_text(f"creation_rules:\n  - age: {sandbox.recipient}\n")
    before = _tokens((sandbox.repo / FILE).read_text())
    done = sandbox.sealfile("updatekeys", "-y", FILE)
    assert f"{FILE}: - age {leaver}" in done.stderr
    # without signers a recipient the rule does not name may have chosen the data key (sealed afresh): it goes too
    assert f"{FILE}: removed age {leaver}; data key rotated" in done.stderr and NOT_ROTATED not in done.stderr
    assert not _tokens((sandbox.repo / FILE).read_text()) & before

    sandbox.git("checkout", FILE)
    done = sandbox.sealfile("updatekeys", "-y", "--rotate", FILE)
    assert f"{FILE}: removed age {leaver}; data key rotated" in done.stderr
    assert NOT_ROTATED not in done.stderr
    assert not _tokens((sandbox.repo / FILE).read_text()) & before
    assert sandbox.sealfile("decrypt", FILE).stdout == "db:\n  password: p-1\n  user: u-1\n"


def test_recipients_remove_names_the_config_that_would_add_them_back(sandbox: Sandbox) -> None:
    leaver = _team_file(sandbox)
    (sandbox.repo / ".sealfile.yaml").write_text(f"creation_rules:\n  - age: [{sandbox.recipient}, {leaver}]\n")
    done = sandbox.sealfile("recipients", "remove", FILE, "--age", leaver, "--rotate")
    config = sandbox.repo / ".sealfile.yaml"
    assert (f"sealfile: warning: {FILE}: {config.resolve()} still lists age {leaver} for this file: the next "
            "'sealfile updatekeys' would add it back; remove it there too") in done.stderr
    assert NOT_ROTATED not in done.stderr


def test_offboarding_from_many_files_passes_over_those_they_were_never_on(sandbox: Sandbox) -> None:
    """``recipients remove --age LEAVER secrets/*.enc.yaml`` failed for every file the leaver was not on, so the
    glob never succeeded, and running it again after a failure on one file failed on all the files already done."""
    leaver = _team_file(sandbox)
    (sandbox.repo / "ops.enc.yaml").write_text(seal_text("token: t-1\n", [AgeKey(sandbox.recipient)]))
    (sandbox.repo / "dev.enc.yaml").write_text(seal_text("db: d-1\n", [AgeKey(sandbox.recipient), AgeKey(leaver)]))
    never_on = (sandbox.repo / "ops.enc.yaml").read_bytes()
    files = ("dev.enc.yaml", "ops.enc.yaml", FILE)
    done = sandbox.sealfile("recipients", "remove", "--age", leaver, "--rotate", *files)
    assert f"ops.enc.yaml: unchanged (not a recipient: age {leaver})" in done.stderr
    assert f"{FILE}: removed age {leaver}; data key rotated" in done.stderr
    assert (sandbox.repo / "ops.enc.yaml").read_bytes() == never_on
    for file in files:
        assert leaver not in sandbox.sealfile("recipients", "list", file).stdout

    after = {file: (sandbox.repo / file).read_bytes() for file in files}
    again = sandbox.sealfile("recipients", "remove", "--age", leaver, *files, check=False)
    assert (again.returncode, again.stderr) == (1, f"sealfile: error: not a recipient of any of the 3 files: age "
                                                   f"{leaver}; nothing was changed (removed already? a recipient "
                                                   "removed without --rotate still holds the data key: 'sealfile "
                                                   "rotate' replaces it)\n")  # a typo, or done already
    assert {file: (sandbox.repo / file).read_bytes() for file in files} == after
    one = sandbox.sealfile("recipients", "remove", "--age", leaver, "ops.enc.yaml", check=False)
    assert one.returncode == 1 and "ops.enc.yaml: not a recipient of this file" in one.stderr


def test_an_edit_kept_aside_is_not_sealed_for_someone_removed_while_it_was_open(sandbox: Sandbox) -> None:
    """A ``git pull`` while the editor is open brings the file with the leaver removed (``recipients remove
    --rotate`` on another clone): the edit, kept beside the file where ``git add .`` finds it, was sealed with
    the data key and recipients it was opened with, so the leaver could read the values typed since."""
    leaver_identity, leaver = generate_identity()
    target = sandbox.repo / FILE
    target.write_text(seal_text("db:\n  password: p-1\n", [AgeKey(sandbox.recipient), AgeKey(leaver)]))
    sandbox.commit("team file")
    sandbox.sealfile("recipients", "remove", "--age", leaver, "--rotate", FILE)
    pulled = sandbox.root / "pulled.enc.yaml"
    pulled.write_bytes(target.read_bytes())
    sandbox.git("checkout", FILE)
    editor = f"sh -c 'echo \"  token: typed-while-open\" >> \"$0\"; cp {pulled} {target}'"
    done = sandbox.sealfile("edit", FILE, env={**sandbox.env, "EDITOR": editor}, check=False)
    aside = sandbox.repo / "prod.enc.edited.yaml"
    assert done.returncode == 1 and f"sealed without age {leaver}, whom that change removed" in done.stderr
    assert target.read_bytes() == pulled.read_bytes()
    assert leaver not in sandbox.sealfile("recipients", "list", str(aside)).stdout
    assert "token: typed-while-open" in sandbox.sealfile("decrypt", str(aside)).stdout
    keys = sandbox.root / "leaver.txt"
    keys.write_text(leaver_identity + "\n")
    keys.chmod(0o600)
    as_leaver = sandbox.sealfile("decrypt", str(aside), env={**sandbox.env, "SEALFILE_AGE_KEY_FILE": str(keys)},
                                 check=False)
    assert as_leaver.returncode == 1 and "typed-while-open" not in as_leaver.stdout


def test_an_edit_that_cannot_be_sealed_without_those_who_left_is_kept_out_of_the_repository(sandbox: Sandbox,
                                                                                             tmp_path: Path) -> None:
    _, other = generate_identity()
    target = sandbox.repo / FILE
    target.write_text(seal_text("db:\n  password: p-1\n", [AgeKey(sandbox.recipient)]))
    sandbox.commit("team file")
    pulled = sandbox.root / "pulled.enc.yaml"
    pulled.write_text(seal_text("db:\n  password: p-2\n", [AgeKey(other)]))  # every recipient replaced
    editor = f"sh -c 'echo \"  token: typed-while-open\" >> \"$0\"; cp {pulled} {target}'"
    env = {**sandbox.env, "EDITOR": editor, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = sandbox.sealfile("edit", FILE, env=env, check=False)
    kept = tmp_path / "cache" / "sealfile" / "kept" / "prod.enc.edited.yaml"
    assert done.returncode == 1 and f"it is kept in {kept}, sealed for the recipients it was opened with" in done.stderr
    assert "none of the recipients it had" in done.stderr
    assert sorted(path.name for path in sandbox.repo.iterdir()) == [".git", FILE]
    assert "token: typed-while-open" in sandbox.sealfile("decrypt", str(kept)).stdout


def test_review_tells_a_rotated_removal_from_one_that_was_not(sandbox: Sandbox) -> None:
    leaver = _team_file(sandbox)
    sandbox.git("checkout", "-q", "-b", "not-rotated")
    sandbox.sealfile("recipients", "remove", FILE, "--age", leaver)
    sandbox.commit("remove, no rotation")
    sandbox.git("checkout", "-q", "-b", "rotated", "main")
    sandbox.sealfile("recipients", "remove", FILE, "--age", leaver, "--rotate")
    sandbox.commit("remove and rotate")

    plain = sandbox.sealfile("review", "main", "not-rotated", env=sandbox.keyless_env()).stdout
    assert f"{FILE}: removed age {leaver} (data key NOT rotated: run 'sealfile rotate')" in plain
    assert "! data key NOT rotated: a removed recipient who kept it can read values set later" in plain
    rotated = sandbox.sealfile("review", "main", "rotated", env=sandbox.keyless_env()).stdout
    assert f"{FILE}: removed age {leaver} (data key rotated)" in rotated
    assert "! data key rotated: every value re-encrypted" in rotated
    assert "NOT rotated" not in rotated



NARROWED = "a recipient who now needs more key groups to open the file may have kept the old data key"


def test_updatekeys_that_splits_recipients_into_groups_warns_and_rotates_with_rotate(sandbox: Sandbox) -> None:
    """Both keys stay, but each alone no longer opens the file: whoever opened it alone before holds the data key,
    so this warns as a removal does, and --rotate replaces that key (it did not: the old key read new values)."""
    other = _team_file(sandbox)
    (sandbox.repo / ".sealfile.yaml").write_text(
        f"creation_rules:\n  - key_groups:\n      - age: [{sandbox.recipient}]\n      - age: [{other}]\n"
        "    threshold: 2\n")
    before = _tokens((sandbox.repo / FILE).read_text())
    done = sandbox.sealfile("updatekeys", "-y", FILE)
    assert NARROWED in done.stderr and NOT_ROTATED not in done.stderr
    assert _tokens((sandbox.repo / FILE).read_text()) == before

    sandbox.git("checkout", FILE)
    done = sandbox.sealfile("updatekeys", "-y", "--rotate", FILE)
    assert f"{FILE}: key groups changed; data key rotated" in done.stderr and NARROWED not in done.stderr
    assert not _tokens((sandbox.repo / FILE).read_text()) & before


def test_a_change_that_only_widens_access_neither_warns_nor_rotates(sandbox: Sandbox) -> None:
    other = _team_file(sandbox)
    (sandbox.repo / ".sealfile.yaml").write_text(
        f"creation_rules:\n  - key_groups:\n      - age: [{sandbox.recipient}]\n      - age: [{other}]\n"
        "    threshold: 1\n")
    before = _tokens((sandbox.repo / FILE).read_text())
    done = sandbox.sealfile("updatekeys", "-y", "--rotate", FILE)
    assert "key groups changed" in done.stderr and "rotated" not in done.stderr and NARROWED not in done.stderr
    assert _tokens((sandbox.repo / FILE).read_text()) == before


KEPT_BY_PREVIOUS = "--previous keeps its data key, and some who could open it cannot with the recipients now named"


def test_encrypt_previous_that_leaves_someone_out_warns(sandbox: Sandbox) -> None:
    """``encrypt --previous`` with fewer recipients is a removal too: the leaver's copy of the data key opens the
    values sealed then, so it warns as ``recipients remove`` does (it said nothing)."""
    leaver = _team_file(sandbox)
    (sandbox.repo / "edited.yaml").write_text("db:\n  password: p-2\n  user: u-1\n")
    done = sandbox.sealfile("encrypt", "--previous", FILE, "--age", sandbox.recipient, "edited.yaml", "-o", FILE)
    assert f"sealfile: warning: {FILE}: {KEPT_BY_PREVIOUS}" in done.stderr
    assert "run 'sealfile rotate' on the result" in done.stderr
    assert leaver not in (sandbox.repo / FILE).read_text()

    sandbox.git("checkout", FILE)  # the same recipients, or none named (the file's own): no one leaves
    for named in (("--age", sandbox.recipient, "--age", leaver), ()):
        done = sandbox.sealfile("encrypt", "--previous", FILE, *named, "edited.yaml", "-o", FILE)
        assert KEPT_BY_PREVIOUS not in done.stderr


def test_encrypt_previous_that_splits_recipients_into_groups_warns(sandbox: Sandbox) -> None:
    other = _team_file(sandbox)
    (sandbox.repo / "edited.yaml").write_text("db:\n  password: p-2\n  user: u-1\n")
    done = sandbox.sealfile("encrypt", "--previous", FILE, "--key-group", f"age:{sandbox.recipient}",
                            "--key-group", f"age:{other}", "edited.yaml", "-o", FILE)
    assert KEPT_BY_PREVIOUS in done.stderr
    sandbox.git("checkout", FILE)
    done = sandbox.sealfile("encrypt", "--previous", FILE, "--key-group", f"age:{sandbox.recipient}",
                            "--key-group", f"age:{other}", "--threshold", "1", "edited.yaml", "-o", FILE)
    assert KEPT_BY_PREVIOUS not in done.stderr
