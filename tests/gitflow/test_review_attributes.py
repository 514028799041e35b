"""``review`` of a ``.gitattributes`` change that takes sealed files away from sealfile's git drivers
(``sealfile.gitflow.attributes_at``): ``git log -p`` then says ``Binary files differ``."""

from __future__ import annotations

import subprocess

from tests.support.git import Sandbox, seal_file

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
            "'git log -p' show none of its values") in shown.split("POLICY VIOLATIONS:")[1]
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
