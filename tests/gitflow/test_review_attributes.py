"""``review`` of a ``.gitattributes`` change that takes sealed files away from sealfile's git drivers
(``sealfile.gitflow.attributes_at``): ``git log -p`` then says ``Binary files differ``."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sealfile.gitflow.attributes_at import drivers_dropped
from tests.support.git import Sandbox, seal_file, section

FILE = "config/prod.enc.yaml"



def _installed(box: Sandbox) -> None:
    seal_file(box, FILE, "db:\n  password: s3cret-a91\n")
    seal_file(box, "other.enc.yaml", "token: t-1\n")
    box.sealfile("git", "install")
    box.commit("base")


def test_a_line_unsetting_the_diff_driver_is_shown(sandbox: Sandbox) -> None:
    _installed(sandbox)
    sandbox.sealfile("set", FILE, "db.password", "s3cret-b22")
    attributes = sandbox.repo / "config" / ".gitattributes"
    attributes.write_text("*.enc.yaml -diff\n")
    sandbox.commit("a new password")
    shown_by_git = subprocess.run(["git", "log", "-p", "-1", "--", FILE], cwd=sandbox.repo, capture_output=True,
                                  text=True, check=True).stdout
    assert f"Binary files a/{FILE} and b/{FILE} differ" in shown_by_git
    status, shown = sandbox.review_last()
    assert status == 3, shown  # a reviewer's 'git log -p' shows nothing of it from now on
    assert (f"{FILE}: .gitattributes no longer gives it to sealfile's drivers (diff: unset): 'git diff' and "
            "'git log -p' show none of its values") in section(shown, "POLICY VIOLATIONS:")
    assert "other.enc.yaml: .gitattributes" not in shown  # outside config/: still given to the drivers


def test_a_merge_driver_replaced_is_shown_and_an_unrelated_attributes_change_is_not(sandbox: Sandbox) -> None:
    _installed(sandbox)
    with (sandbox.repo / ".gitattributes").open("a") as attributes:
        attributes.write("*.png binary\nother.enc.yaml merge=union\n")
    sandbox.commit("attributes")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    lines = [line.strip() for line in shown.splitlines() if ".gitattributes no longer" in line]
    assert lines == ["other.enc.yaml: .gitattributes no longer gives it to sealfile's drivers (merge: union): git "
                     "merges it as text"]


def test_the_reviewers_own_attributes_do_not_hide_what_the_change_drops(sandbox: Sandbox) -> None:
    """What the review judges is the attributes the change commits, which every clone reads: not the reviewer's
    ``~/.config/git/attributes`` (``git install --global`` writes the drivers there), ``info/attributes`` or
    ``/etc/gitattributes``, which git puts over or under them only on the reviewer's machine."""
    _installed(sandbox)
    home = sandbox.env["HOME"]
    (sandbox.repo / ".git" / "info").mkdir(exist_ok=True)
    for own in (f"{home}/.config/git/attributes", f"{sandbox.repo}/.git/info/attributes"):
        Path(own).parent.mkdir(parents=True, exist_ok=True)
        Path(own).write_text("*.enc.yaml diff=sealfile merge=sealfile\n")
        sandbox.git("rm", "-q", ".gitattributes")
        sandbox.commit("no attributes")
        status, shown = sandbox.review_last()
        assert status == 3, (own, shown)
        assert f"{FILE}: .gitattributes no longer gives it to sealfile's drivers (diff: unspecified, merge: " \
               "unspecified)" in shown, (own, shown)
        Path(own).unlink()
        sandbox.git("revert", "--no-edit", "HEAD")


def test_in_a_partial_clone_a_dropped_attributes_file_is_fetched_not_read_as_empty(sandbox: Sandbox) -> None:
    """git reads the attributes in a git directory of the review's own, which cannot fetch what a partial clone
    lacks: a ``.gitattributes`` of the base not fetched first would read as none, and the drop as no change."""
    _installed(sandbox)
    sandbox.git("rm", "-q", ".gitattributes")
    sandbox.commit("no attributes")
    bare = sandbox.root / "server.git"
    sandbox.git("clone", "-q", "--bare", str(sandbox.repo), str(bare))
    sandbox.git("-C", str(bare), "config", "uploadpack.allowFilter", "true")
    partial = sandbox.root / "partial"
    sandbox.git("clone", "-q", "--filter=blob:none", "--no-checkout", f"file://{bare}", str(partial))
    assert "?" in sandbox.git("-C", str(partial), "rev-list", "--objects", "--missing=print", "HEAD~1").stdout
    dropped = drivers_dropped("HEAD~1", "HEAD", partial, lambda name: name.endswith(".enc.yaml"))
    assert [line.split(":")[0] for line in dropped] == [FILE, "other.enc.yaml"]


def test_tens_of_thousands_of_sealed_files_are_each_asked_for_their_attributes(sandbox: Sandbox) -> None:
    """Every sealed file of ``head`` reaches ``git check-attr`` on its input: on its command line, 40,000 paths of
    100 characters (4 MB) were past the OS bound, and the review of a ``.gitattributes`` change failed."""
    _installed(sandbox)
    blob = sandbox.git("rev-parse", f"HEAD:{FILE}").stdout.strip()
    names = [f"team-{n:05}/{'x' * 80}/s.enc.yaml" for n in range(40_000)]
    subprocess.run(["git", "update-index", "--index-info"], cwd=sandbox.repo, env=sandbox.env, check=True,
                   input="".join(f"100644 {blob}\t{name}\n" for name in names), text=True)
    sandbox.git("commit", "-q", "-m", "many sealed files")
    (sandbox.repo / ".gitattributes").write_text("*.enc.yaml -diff\n")
    sandbox.git("add", ".gitattributes")
    sandbox.git("commit", "-q", "-m", "drop the diff driver")
    dropped = drivers_dropped("HEAD~1", "HEAD", sandbox.repo, lambda name: name.endswith(".enc.yaml"))
    assert len(dropped) == 40_002 and any(line.startswith(f"{names[-1]}: .gitattributes no longer") for line in dropped)


def test_install_asks_for_the_attributes_of_tens_of_thousands_of_files_on_gits_input(sandbox: Sandbox) -> None:
    """``sealfile git install`` checks every tracked sealed file: on one command line, 40,000 long paths failed."""
    from sealfile.gitflow.drivers import not_sent_to_drivers

    _installed(sandbox)
    names = [f"team-{n:05}/{'x' * 80}/s.enc.yaml" for n in range(40_000)]
    assert not_sent_to_drivers([*names, FILE], sandbox.repo, where_used=False) == {}
    (sandbox.repo / ".gitattributes").write_text("*.enc.yaml -diff\n")
    assert list(not_sent_to_drivers([*names, FILE], sandbox.repo, where_used=False))[-1] == FILE
