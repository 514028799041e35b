"""Git set-up that cannot half-work, with real git: a clone without ``git install``, a virtualenv git
cannot see, a driver command that stops working."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.support.git import SRC, Sandbox, seal_file

FILE = "secrets.enc.yaml"
MARKERS_LEFT = (f"sealfile: error: {FILE}: git merged this sealed file as text and left conflict markers (line 1): "
                "the sealfile merge driver did not run (is it set up in this clone? an octopus or -s resolve merge "
                "runs none); to merge it again with the driver, run 'sealfile git install', then: "
                f"git checkout -m {FILE}")


def _clone(box: Sandbox, name: str) -> Sandbox:
    target = box.root / name
    box.git("clone", "-q", str(box.repo), str(target))
    return Sandbox(box.root, target, box.env, box.recipient)


def test_a_clone_without_install_is_told_what_happened_and_recovers_as_documented(installed: Sandbox) -> None:
    seal_file(installed, FILE, "a: one\nb: two\n")
    installed.commit("secrets")
    clone = _clone(installed, "clone")  # git config is not cloned: no drivers here
    clone.git("checkout", "-q", "-b", "other")
    warned = clone.sealfile("set", FILE, "a", "one-other")
    assert warned.stderr.count("this clone has none configured: run 'sealfile git install'") == 1
    clone.git("commit", "-q", "-am", "a")
    clone.git("checkout", "-q", "main")
    clone.sealfile("set", FILE, "b", "two-main")
    clone.git("commit", "-q", "-am", "b")

    merged = clone.git("merge", "other", check=False)
    assert merged.returncode != 0 and "CONFLICT" in merged.stdout
    assert "<<<<<<<" in (clone.repo / FILE).read_text()
    for command in (("decrypt", FILE), ("edit", FILE), ("verify", FILE)):
        done = clone.sealfile(*command, check=False)
        assert done.returncode == 1
        assert done.stderr.splitlines()[-1] == MARKERS_LEFT
    checked = clone.sealfile("check", FILE, check=False)  # the pre-commit hook, if the file were added as it is
    assert checked.returncode == 3
    assert checked.stderr.splitlines()[-1] == MARKERS_LEFT

    # The documented recovery (docs/git.md): install, re-run the merge of that file, commit.
    clone.sealfile("git", "install")
    clone.git("checkout", "-m", FILE)
    assert clone.sealfile("decrypt", FILE).stdout == "a: one-other\nb: two-main\n"
    clone.git("add", FILE)
    clone.git("commit", "-q", "--no-edit")
    assert "warning" not in clone.sealfile("check").stderr


def test_check_warns_once_in_a_clone_without_drivers(installed: Sandbox) -> None:
    seal_file(installed, FILE, "a: one\n")
    seal_file(installed, "other.enc.yaml", "b: two\n")
    installed.commit("secrets")
    clone = _clone(installed, "clone")
    done = clone.sealfile("check")
    assert done.stderr.count("sealfile: warning:") == 1
    assert "this clone has none configured" in done.stderr
    assert installed.sealfile("check").stderr == "sealfile: check: 2 files: 2 ok\n"
    quiet = clone.sealfile("decrypt", FILE, env={**clone.env, "SEALFILE_NO_SETUP_WARNING": "1"})
    assert quiet.stderr == ""  # a CI job or a deployment, which never merges: told to be quiet


def _off_path_virtualenv(where: Path) -> Path:
    """A real virtualenv, not on PATH, whose interpreter sees this checkout and the test venv's packages."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, timeout=120)
    python = where / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "sealfile-test.pth").write_text(f"{SRC}\n{sysconfig.get_paths()['purelib']}\n")
    return python


def _plain_env(box: Sandbox) -> dict[str, str]:
    """git's environment from a shell where no sealfile is on PATH and nothing points at this checkout."""
    env = {k: v for k, v in box.env.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = os.pathsep.join(d for d in ("/usr/local/bin", "/usr/bin", "/bin") if Path(d).is_dir())
    assert shutil.which("sealfile", path=env["PATH"]) is None
    assert shutil.which("git", path=env["PATH"]) is not None
    return env


def test_install_from_an_off_path_virtualenv_leaves_a_working_git_diff(sandbox: Sandbox) -> None:
    python = _off_path_virtualenv(sandbox.root / "venv")
    env = _plain_env(sandbox)
    installed = subprocess.run([str(python), "-m", "sealfile", "git", "install"], cwd=sandbox.repo, env=env,
                               capture_output=True, text=True, timeout=60)
    assert installed.returncode == 0, installed.stderr
    seal_file(sandbox, FILE, "db:\n  password: old-pass-31\n")
    sandbox.commit("secrets")
    subprocess.run([str(python), "-m", "sealfile", "set", FILE, "db.password", "new-pass-32"], cwd=sandbox.repo,
                   env=env, check=True, capture_output=True, timeout=60)

    diff = sandbox.git("diff", env=env)
    assert "-  password: old-pass-31" in diff.stdout and "+  password: new-pass-32" in diff.stdout

    # The virtualenv goes away: 'git diff' still works, showing the file as stored.
    shutil.rmtree(sandbox.root / "venv")
    diff = sandbox.git("diff", env=env)
    assert "+  password: ENC[" in diff.stdout
    assert "new-pass-32" not in diff.stdout


def test_install_refuses_a_command_git_could_not_run(sandbox: Sandbox) -> None:
    done = sandbox.sealfile("git", "install", check=False,
                            env={**sandbox.env, "SEALFILE_GIT_COMMAND": str(sandbox.root / "no-such" / "sealfile")})
    assert done.returncode == 1
    assert "git could not run the driver command" in done.stderr
    assert "pass --command with one that works from a plain shell" in done.stderr
    assert sandbox.git("config", "--get", "merge.sealfile.driver", check=False).stdout == ""
    assert not (sandbox.repo / ".gitattributes").exists()


def test_a_sealed_files_pattern_added_after_install_is_refused_until_gitattributes_follows(installed: Sandbox) -> None:
    """Without the check, everything works until two branches change such a file: then git merges it
    as text and leaves conflict markers in ciphertext."""
    box = installed
    (box.repo / "svc").mkdir()
    (box.repo / "svc" / ".sealfile.yaml").write_text(f'sealed_files: ["*.secret"]\ncreation_rules:\n'
                                                     f"  - age: {box.recipient}\n")
    seal_file(box, "svc/db.secret", "a: one\nb: two\n")
    box.git("add", "-A")
    done = box.sealfile("check", check=False)
    assert done.returncode == 3
    assert done.stderr.splitlines()[0] == (
        "sealfile: error: svc/db.secret: git would merge this sealed file as text: .gitattributes does not give it "
        "merge=sealfile (a sealed_files pattern newer than 'sealfile git install'); run 'sealfile git install' and "
        "commit .gitattributes")
    in_subdirectory = subprocess.run([sys.executable, "-m", "sealfile", "check", "db.secret"], cwd=box.repo / "svc",
                                     env=box.env, capture_output=True, text=True, timeout=60)
    assert in_subdirectory.returncode == 3 and "db.secret: git would merge" in in_subdirectory.stderr

    box.sealfile("git", "install")
    assert "the .gitattributes line sending it to the sealfile drivers is not staged; git add .gitattributes" in \
        box.sealfile("check", check=False).stderr  # the commit would take the old one
    box.git("add", ".gitattributes")
    assert box.sealfile("check").returncode == 0
    box.commit("a nested config and its file")
    box.git("checkout", "-q", "-b", "other")
    box.sealfile("set", "svc/db.secret", "a", "one-other")
    box.commit("a")
    box.git("checkout", "-q", "main")
    box.sealfile("set", "svc/db.secret", "b", "two-main")
    box.commit("b")
    box.git("merge", "-q", "--no-edit", "other")
    assert box.sealfile("decrypt", "svc/db.secret").stdout == "a: one-other\nb: two-main\n"


def test_a_repository_that_does_not_use_the_drivers_is_not_told_to(sandbox: Sandbox) -> None:
    seal_file(sandbox, FILE, "a: one\n")
    (sandbox.repo / ".gitattributes").write_text("*.png binary\n")
    assert sandbox.sealfile("check", FILE).stderr == ""


def test_a_clone_whose_driver_command_is_gone_is_told_to_install_again(sandbox: Sandbox) -> None:
    """git runs a merge driver that cannot start as one that found a conflict: the file is merged as text with
    conflict markers and the rest of git's output scrolls past; every command that reads a sealed file says why."""
    python = _off_path_virtualenv(sandbox.root / "venv")
    env = _plain_env(sandbox)
    subprocess.run([str(python), "-m", "sealfile", "git", "install"], cwd=sandbox.repo, env=env, check=True,
                   capture_output=True, timeout=60)
    seal_file(sandbox, FILE, "a: one\nb: two\n")
    sandbox.commit("secrets")
    assert "warning" not in sandbox.sealfile("decrypt", FILE).stderr
    shutil.rmtree(sandbox.root / "venv")

    sandbox.git("checkout", "-q", "-b", "other")
    done = sandbox.sealfile("set", FILE, "a", "one-other")
    assert done.stderr.count("sealfile: warning:") == 1
    assert (f"the sealfile merge driver of this clone runs {python}, which is not there (a moved or deleted "
            "virtualenv?): run 'sealfile git install' again") in done.stderr
    sandbox.commit("a")
    sandbox.git("checkout", "-q", "main")
    sandbox.sealfile("set", FILE, "b", "two-main")
    sandbox.commit("b")
    assert sandbox.git("merge", "other", check=False).returncode != 0
    checked = sandbox.sealfile("check", check=False)
    assert checked.returncode == 3
    assert "which is not there" in checked.stderr
    assert "left conflict markers" in checked.stderr

    sandbox.sealfile("git", "install")
    sandbox.git("checkout", "-m", FILE)
    assert sandbox.sealfile("decrypt", FILE).stdout == "a: one-other\nb: two-main\n"


def test_a_merge_whose_driver_cannot_start_leaves_markers_that_check_refuses_not_a_file_that_looks_resolved(
        sandbox: Sandbox) -> None:
    """'sealfile' on PATH when the clone was set up, not in the shell git merges from: staging the file
    as git left it must not commit our version over their change."""
    git_shell = _installed_off_gits_path(sandbox)
    _two_sides(sandbox)
    kept = (sandbox.repo / FILE).read_bytes()

    merged = subprocess.run(["git", "merge", "other"], cwd=sandbox.repo, env=git_shell,
                            capture_output=True, text=True, timeout=60)
    assert merged.returncode != 0
    assert (sandbox.repo / FILE).read_bytes() != kept  # not our version, which would look resolved
    sandbox.git("add", FILE)
    assert sandbox.sealfile("check", FILE, check=False).returncode == 3
    assert sandbox.sealfile("decrypt", FILE, check=False).stderr.strip().endswith(
        f"'sealfile git install', then: git checkout -m {FILE}")

    sandbox.git("checkout", "-m", FILE)  # with sealfile on PATH again, as the error says
    assert sandbox.sealfile("decrypt", FILE).stdout == "a: one-other\nb: two-main\n"


def test_a_clone_whose_merge_driver_an_older_sealfile_wrote_is_told_to_install_again(sandbox: Sandbox) -> None:
    """A driver from before the text-merge fallback, run by a shell without 'sealfile' on PATH (a GUI's git):
    git keeps our version, which looks resolved, and committing it drops their change; nothing said so."""
    git_shell = _installed_off_gits_path(sandbox)
    sandbox.git("config", "merge.sealfile.driver", "sealfile git merge-driver %O %A %B %P")  # as an older one wrote
    seal_file(sandbox, FILE, "a: one\nb: two\n")
    sandbox.commit("secrets")
    sandbox.git("checkout", "-q", "-b", "other")
    warned = sandbox.sealfile("set", FILE, "a", "one-other").stderr
    assert warned.count("sealfile: warning:") == 1
    assert (f"{sandbox.repo}: this clone's sealfile merge driver is not the one 'sealfile git install' writes (an "
            "older sealfile set it up, or it was written by hand): run 'sealfile git install' again") in warned
    sandbox.commit("a")
    sandbox.git("checkout", "-q", "main")
    sandbox.sealfile("set", FILE, "b", "two-main")
    sandbox.commit("b")
    kept = (sandbox.repo / FILE).read_bytes()
    merged = subprocess.run(["git", "merge", "other"], cwd=sandbox.repo, env=git_shell,
                            capture_output=True, text=True, timeout=60)
    assert merged.returncode != 0
    assert (sandbox.repo / FILE).read_bytes() == kept  # what the warning is about: our version, looking resolved
    sandbox.git("merge", "--abort")

    sandbox.sealfile("git", "install", "--command", "sealfile")
    assert "warning" not in sandbox.sealfile("decrypt", FILE).stderr
    merged = subprocess.run(["git", "merge", "other"], cwd=sandbox.repo, env=git_shell,
                            capture_output=True, text=True, timeout=60)
    assert merged.returncode != 0
    assert (sandbox.repo / FILE).read_bytes() != kept  # conflict markers now, which check refuses


def test_a_driver_whose_interpreter_lost_sealfile_leaves_markers_not_our_version(sandbox: Sandbox) -> None:
    """The virtualenv is still there, sealfile no longer in it ('pip uninstall', a venv recreated): its python
    exits 1 with 'No module named sealfile', which git took for a conflict the driver had found."""
    python = _off_path_virtualenv(sandbox.root / "venv")
    env = _plain_env(sandbox)
    subprocess.run([str(python), "-m", "sealfile", "git", "install"], cwd=sandbox.repo, env=env, check=True,
                   capture_output=True, timeout=60)
    _two_sides(sandbox)
    kept = (sandbox.repo / FILE).read_bytes()
    (pth,) = (sandbox.root / "venv").rglob("sealfile-test.pth")
    pth.unlink()

    merged = subprocess.run(["git", "merge", "other"], cwd=sandbox.repo, env=env,
                            capture_output=True, text=True, timeout=60)
    assert merged.returncode != 0
    assert "No module named" in merged.stderr
    assert (sandbox.repo / FILE).read_bytes() != kept  # not our version, which would look resolved
    assert sandbox.sealfile("check", FILE, check=False).returncode == 3

    sandbox.sealfile("git", "install")
    sandbox.git("checkout", "-m", FILE)
    assert sandbox.sealfile("decrypt", FILE).stdout == "a: one-other\nb: two-main\n"


def test_a_driver_command_run_by_name_is_told_when_this_shell_has_no_such_program(sandbox: Sandbox) -> None:
    """'sealfile git install --command sealfile' from an activated virtualenv, then a shell without it."""
    bin_dir = sandbox.root / "bin"
    bin_dir.mkdir()
    (bin_dir / "sealfile").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m sealfile "$@"\n')
    (bin_dir / "sealfile").chmod(0o755)
    without = os.pathsep.join(d for d in sandbox.env["PATH"].split(os.pathsep) if not Path(d, "sealfile").exists())
    sandbox.env["PATH"] = f"{bin_dir}{os.pathsep}{without}"
    sandbox.sealfile("git", "install", "--command", "sealfile")
    seal_file(sandbox, FILE, "a: one\n")
    assert "warning" not in sandbox.sealfile("decrypt", FILE).stderr

    sandbox.env["PATH"] = without
    assert shutil.which("sealfile", path=without) is None
    warned = sandbox.sealfile("decrypt", FILE).stderr
    assert (f"sealfile: warning: {sandbox.repo}: the sealfile merge driver of this clone runs sealfile, which is not "
            "on the PATH here (a virtualenv not activated?): run 'sealfile git install' again") in warned


def _two_sides(sandbox: Sandbox) -> None:
    """A sealed file whose value ``a`` changed on branch ``other`` and ``b`` on main: both merge cleanly."""
    seal_file(sandbox, FILE, "a: one\nb: two\n")
    sandbox.commit("secrets")
    sandbox.diverge(lambda: sandbox.sealfile("set", FILE, "a", "one-other"),
                    lambda: sandbox.sealfile("set", FILE, "b", "two-main"), branch="other")


def _installed_off_gits_path(sandbox: Sandbox) -> dict[str, str]:
    """Drivers installed as 'sealfile' from a PATH that has it; the environment of a shell (a GUI's git) without it."""
    bin_dir = sandbox.root / "bin"
    bin_dir.mkdir()
    (bin_dir / "sealfile").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m sealfile "$@"\n')
    (bin_dir / "sealfile").chmod(0o755)
    git_shell = _plain_env(sandbox)
    sandbox.env["PATH"] = f"{bin_dir}{os.pathsep}{sandbox.env['PATH']}"
    sandbox.sealfile("git", "install", "--command", "sealfile")
    return git_shell
