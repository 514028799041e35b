"""``check`` without any key (CI, a reviewer) refuses a sealed file carrying another version's ``mac``
line over other content: what git commits when it merges a sealed file as text and ``-X ours``
settles the ``mac`` line, in a clone that never ran ``sealfile git install`` (real git)."""

from __future__ import annotations

import subprocess

import pytest

from tests.support.git import SEALFILE, Sandbox, seal_file

FILE = "secrets.enc.yaml"


def _clone(box: Sandbox, name: str) -> Sandbox:
    target = box.root / name
    box.git("clone", "-q", str(box.repo), str(target))
    return Sandbox(box.root, target, box.env, box.recipient)


def _text_merged(installed: Sandbox, side: str) -> Sandbox:
    seal_file(installed, FILE, "a: one\nb: two\nc: three\n")
    installed.commit("secrets")
    return text_merge(installed, side)


def text_merge(box: Sandbox, side: str) -> Sandbox:
    """A clone of ``box`` with no drivers and no hooks where two branches changed the sealed file and ``-X side``
    merged them as text: git calls it clean, and commits one side's 'mac' line over both sides' values."""
    clone = _clone(box, "clone")
    clone.git("checkout", "-q", "-b", "other")
    clone.sealfile("set", FILE, "a", "one-other")
    clone.git("commit", "-q", "-am", "a")
    clone.git("checkout", "-q", "main")
    clone.sealfile("set", FILE, "c", "three-main")
    clone.git("commit", "-q", "-am", "c")
    clone.git("merge", "-q", "-X", side, "--no-edit", "other")
    return clone


@pytest.mark.parametrize("side", ["ours", "theirs"])
def test_a_text_merge_committed_without_the_driver_fails_check_without_a_key(installed: Sandbox, side: str) -> None:
    clone = _text_merged(installed, side)

    keyless = clone.keyless_env()
    done = clone.sealfile("check", env={**keyless, "SEALFILE_NO_SETUP_WARNING": "1"}, check=False)
    assert done.returncode == 3, done.stderr
    parent = "HEAD^1" if side == "ours" else "HEAD^2"
    assert done.stderr.splitlines()[0] == (
        f"sealfile: error: {FILE}: its 'mac' line is that of the version in {parent}, over other content: nobody "
        "can open it (git merged it as text where no sealfile merge driver ran, and -X ours or -X theirs settled the "
        "'mac' line): redo that merge after 'sealfile git install', or go "
        "back to a version that opens")
    assert clone.sealfile("decrypt", FILE, check=False).returncode == 1  # indeed nobody can open it

    # the same merge, made with the driver, passes
    installed.sealfile("git", "install")
    clone.sealfile("git", "install")
    clone.git("reset", "-q", "--hard", "HEAD^1")
    clone.git("merge", "-q", "--no-edit", "other")
    assert clone.sealfile("check", env=keyless).returncode == 0
    assert clone.sealfile("decrypt", FILE).stdout == "a: one-other\nb: two\nc: three-main\n"


def test_a_file_staged_without_its_mac_line_fails_check_without_a_key(installed: Sandbox) -> None:
    seal_file(installed, FILE, "a: one\nb: two\n")
    installed.commit("secrets")
    before = (installed.repo / FILE).read_text()
    installed.sealfile("set", FILE, "a", "one-new")
    after = (installed.repo / FILE).read_text()
    changed = next(line for line in after.splitlines() if line.startswith("a: "))
    staged = before.replace(next(line for line in before.splitlines() if line.startswith("a: ")), changed)
    blob = _hash(installed, staged)
    installed.git("update-index", "--cacheinfo", f"100644,{blob},{FILE}")  # as 'git add -p' leaves it

    done = installed.sealfile("check", env=installed.keyless_env(), check=False)
    assert done.returncode == 3
    assert done.stderr.splitlines()[0] == (
        f"sealfile: error: {FILE} (staged version): its 'mac' line is that of HEAD's version, over other content: "
        "nobody can open it; staged in part ('git add -p' takes value lines without the 'mac' line)? stage the whole "
        f"file: git add {FILE}")


def _hash(box: Sandbox, text: str) -> str:
    return subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=box.repo, env=box.env, input=text,
                          capture_output=True, text=True, check=True).stdout.strip()


def test_a_file_outside_the_repository_is_checked_as_before(installed: Sandbox) -> None:
    """check FILE run inside another repository: git was asked about a path outside it, and failed."""
    outside = installed.root / "elsewhere"
    outside.mkdir()
    seal_file(installed, FILE, "a: one\n")
    (outside / FILE).write_text((installed.repo / FILE).read_text())
    done = installed.sealfile("check", str(outside / FILE), env=installed.keyless_env(), check=False)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr


@pytest.mark.parametrize("side", ["ours", "theirs"])
@pytest.mark.parametrize("reviewer_has_drivers", [False, True])
def test_review_finds_a_text_merge_under_later_commits(installed: Sandbox, side: str,
                                                       reviewer_has_drivers: bool) -> None:
    """review compared the base with the head, whose 'mac' is one parent's: the -X ours merge passed it, and
    check (HEAD and its parents) no longer sees it once a later commit leaves the file alone. A reviewer's
    clone set up with the diff driver finds it too: git's search reads the stored text, not the textconv view."""
    clone = _text_merged(installed, side)
    if reviewer_has_drivers:
        clone.sealfile("git", "install", "--command", SEALFILE)
    base = clone.git("rev-parse", "HEAD^1^").stdout.strip()  # the commit both sides started from
    (clone.repo / "README").write_text("later\n")
    clone.git("add", "README")
    clone.git("commit", "-q", "-m", "a later commit leaves the file alone")

    keyless = {**clone.keyless_env(), "SEALFILE_NO_SETUP_WARNING": "1"}
    done = clone.sealfile("review", base, "HEAD", env=keyless, check=False)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "its 'mac' line is that of the version in commit " in done.stdout
    assert "nobody can open it" in done.stdout


def test_review_of_an_honest_change_finds_no_reused_mac(installed: Sandbox) -> None:
    seal_file(installed, FILE, "a: one\nb: two\n")
    installed.commit("secrets")
    base = installed.git("rev-parse", "HEAD").stdout.strip()
    installed.sealfile("set", FILE, "a", "one-new")
    installed.commit("a")
    installed.sealfile("set", FILE, "b", "two-new")
    installed.commit("b")
    done = installed.sealfile("review", base, "HEAD", env=installed.keyless_env(), check=False)
    assert done.returncode == 0 and "'mac' line" not in done.stdout, done.stdout + done.stderr
