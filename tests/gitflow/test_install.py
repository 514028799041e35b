"""``sealfile git install`` / ``uninstall``: attributes block and driver config, idempotent."""

from __future__ import annotations

import shlex
import subprocess
import sys

import pytest

from sealfile.gitflow.driver_commands import imports_from_worktree, merge_driver_command, textconv_command
from tests.support.git import SEALFILE, Sandbox


def _config(box: Sandbox, *args: str) -> str:
    return box.git("config", *args, check=False).stdout


def test_install_writes_attributes_and_drivers_once(sandbox: Sandbox) -> None:
    (sandbox.repo / ".gitattributes").write_text("*.png binary\n")
    (sandbox.repo / ".sealfile.yaml").write_text("sealed_files: ['*.enc.yaml', 'secrets/*.yaml']\n")
    sandbox.sealfile("git", "install", "--command", SEALFILE)
    sandbox.sealfile("git", "install", "--command", SEALFILE)
    attributes = (sandbox.repo / ".gitattributes").read_text()
    assert attributes.startswith("*.png binary\n")
    assert attributes.count("*.enc.yaml diff=sealfile merge=sealfile") == 1
    assert "secrets/*.yaml diff=sealfile merge=sealfile" in attributes
    assert _config(sandbox, "--local", "diff.sealfile.textconv").strip() == textconv_command(SEALFILE)
    assert f"{SEALFILE} git textconv" in textconv_command(SEALFILE)
    assert _config(sandbox, "--local", "merge.sealfile.driver").strip() == merge_driver_command(SEALFILE)
    assert merge_driver_command(SEALFILE).startswith(f"{SEALFILE} git merge-driver -- %O %A %B %P || ")
    assert _config(sandbox, "--get", "diff.sealfile.cachetextconv") == ""  # never cache decrypted views
    assert sandbox.git("check-attr", "diff", "merge", "--", "secrets/db.yaml").stdout.count("sealfile") == 2

    sandbox.sealfile("git", "uninstall")
    assert (sandbox.repo / ".gitattributes").read_text() == "*.png binary\n"
    assert _config(sandbox, "--local", "--get-regexp", "sealfile") == ""
    sandbox.sealfile("git", "uninstall")  # idempotent too


def test_default_command_is_this_interpreter_and_the_environment_overrides_it(sandbox: Sandbox) -> None:
    sandbox.sealfile("git", "install")
    assert _config(sandbox, "--local", "merge.sealfile.driver").strip() == merge_driver_command(SEALFILE)
    assert SEALFILE.startswith(shlex.quote(sys.executable)) and not imports_from_worktree(SEALFILE)
    wrapper = sandbox.root / "bin" / "sf"
    wrapper.parent.mkdir()
    wrapper.write_text(f"#!/bin/sh\nexec {SEALFILE} \"$@\"\n")
    wrapper.chmod(0o755)
    sandbox.sealfile("git", "install", env={**sandbox.env, "SEALFILE_GIT_COMMAND": str(wrapper)})
    assert _config(sandbox, "--local", "merge.sealfile.driver").startswith(f"{wrapper} git merge-driver")


def test_every_syntax_and_nested_configs_reach_the_attributes(sandbox: Sandbox) -> None:
    (sandbox.repo / "services" / "api").mkdir(parents=True)
    (sandbox.repo / "services" / "api" / ".sealfile.yaml").write_text("sealed_files: ['*.secret', 'prod/*.yaml']\n")
    sandbox.sealfile("git", "install")
    for path in ("secrets/app.enc.json", ".env.enc", "deploy/prod.env.enc", "x.enc.yml", "a/b.enc.env",
                 "services/api/deep/x.secret", "services/api/prod/db.yaml"):
        assert sandbox.git("check-attr", "merge", "--", path).stdout.strip().endswith("merge: sealfile"), path
    for path in ("notes.yaml", "other/x.secret", "services/api/deep/prod/db.yaml"):
        assert sandbox.git("check-attr", "merge", "--", path).stdout.strip().endswith("unspecified"), path


def test_global_install_uses_the_global_config_and_attributes(sandbox: Sandbox) -> None:
    said = sandbox.sealfile("git", "install", "--global", "--command", SEALFILE).stderr
    # no repository's replay hooks: said in one line, with what to run in each repository
    assert said == ("sealfile: warning: a global install writes no repository's hooks (prepare-commit-msg, "
                    "pre-applypatch, post-rewrite): run 'sealfile git install' in each repository too (so that git "
                    "replaying commits cannot commit or drop a conflict the merge driver left unnoticed)\n")
    assert not (sandbox.repo / ".git" / "hooks" / "post-rewrite").exists()
    assert _config(sandbox, "--global", "merge.sealfile.name").strip() == "sealfile: three-way merge of sealed values"
    attributes = sandbox.root / "home" / ".config" / "git" / "attributes"
    assert "*.enc.yaml diff=sealfile merge=sealfile" in attributes.read_text()
    assert not (sandbox.repo / ".gitattributes").exists()
    sandbox.sealfile("git", "uninstall", "--global")
    assert not attributes.exists()  # install created it: undone, not left empty
    assert _config(sandbox, "--global", "--get-regexp", "sealfile") == ""


def test_uninstall_undoes_an_install_that_created_gitattributes(installed: Sandbox) -> None:
    installed.sealfile("git", "uninstall")
    assert not (installed.repo / ".gitattributes").exists()
    assert installed.git("status", "--porcelain").stdout == " D .gitattributes\n"


def test_names_with_spaces_and_glob_characters_reach_the_attributes_as_written(sandbox: Sandbox) -> None:
    """A pattern ends at a space in .gitattributes, and '[' in a directory's name is a glob there."""
    nested = sandbox.repo / "my svc [eu]"
    nested.mkdir()
    (nested / ".sealfile.yaml").write_text("sealed_files: ['*.secret', 'prod files/*.yaml']\n")
    (sandbox.repo / ".sealfile.yaml").write_text("sealed_files: ['*.enc.yaml', 'team secrets/*.yaml']\n")
    sandbox.sealfile("git", "install")
    attributes = sandbox.git("check-attr", "merge", "--", "x.enc.yaml").stderr
    assert "not a valid attribute name" not in attributes
    for path in ("my svc [eu]/x.secret", "my svc [eu]/deep/x.secret", "my svc [eu]/prod files/db.yaml",
                 "team secrets/db.yaml", "x.enc.yaml"):
        assert sandbox.git("check-attr", "merge", "--", path).stdout.strip().endswith("merge: sealfile"), path
    for path in ("my svc e/x.secret", "team/db.yaml", "secrets/db.yaml"):
        assert sandbox.git("check-attr", "merge", "--", path).stdout.strip().endswith("unspecified"), path


@pytest.mark.parametrize("end", [b"\r\n", b""], ids=["final break", "none"])
def test_install_and_uninstall_keep_the_line_breaks_of_a_windows_gitattributes(sandbox: Sandbox, end: bytes) -> None:
    """A last line with no break of its own got a bare line feed once the block followed it."""
    (sandbox.repo / ".gitattributes").write_bytes(b"*.png binary\r\n*.sh text eol=lf" + end)
    sandbox.sealfile("git", "install", "--command", SEALFILE)
    written = (sandbox.repo / ".gitattributes").read_bytes()
    assert written.startswith(b"*.png binary\r\n*.sh text eol=lf\r\n\r\n# >>> sealfile")
    assert written.count(b"\n") == written.count(b"\r\n")
    sandbox.sealfile("git", "uninstall")
    assert (sandbox.repo / ".gitattributes").read_bytes() == b"*.png binary\r\n*.sh text eol=lf\r\n"


@pytest.mark.parametrize("text", [
    b"*.png binary\r\n*.sh text eol=lf\n# mixed line breaks\r\n",
    b"*.bin binary\x0c# a form feed is no line break for git\n*.txt text \xc2\x85 \xe2\x80\xa8 kept\n",
    b"*.png binary\r\r\n*.md text\rstill one line for git\n",
])
def test_install_and_uninstall_give_back_every_other_line_byte_for_byte(sandbox: Sandbox, text: bytes) -> None:
    (sandbox.repo / ".gitattributes").write_bytes(text)
    sandbox.sealfile("git", "install", "--command", SEALFILE)
    written = (sandbox.repo / ".gitattributes").read_bytes()
    assert written.startswith(text) and b"# >>> sealfile" in written
    assert sandbox.git("check-attr", "merge", "--", "x.enc.yaml").stdout.strip().endswith("merge: sealfile")
    sandbox.sealfile("git", "uninstall")
    assert (sandbox.repo / ".gitattributes").read_bytes() == text


def test_a_gitattributes_link_is_never_written_through(sandbox: Sandbox) -> None:
    """A clone's .gitattributes can be a symbolic link (git reads none that is one, but checks it out),
    and sealed_files patterns are the repository's too: written through the link, install put
    '$(command)' lines into the user's ~/.bashrc, run by the next shell."""
    bashrc = sandbox.root / "home" / ".bashrc"
    bashrc.write_text("echo hi\n")
    (sandbox.repo / ".gitattributes").symlink_to("../home/.bashrc")
    (sandbox.repo / ".sealfile.yaml").write_text("sealed_files: ['$(touch${IFS}pwned)', '*.enc.yaml', \"\\e[2Jx\"]\n")
    sandbox.commit("a link and a pattern")

    for command in (["install", "--command", SEALFILE], ["uninstall"]):
        done = sandbox.sealfile("git", *command, check=False)
        assert done.returncode == 1, done.stdout + done.stderr
        assert done.stderr == (f"sealfile: error: {sandbox.repo / '.gitattributes'}: is a symbolic link (to "
                               "../home/.bashrc); nothing was written through it, as a link a repository holds could "
                               "point anywhere (name the file it points to, if that is what you mean)\n")
        assert bashrc.read_text() == "echo hi\n"
        assert _config(sandbox, "--local", "--get-regexp", "sealfile") == ""  # nothing configured either

    (sandbox.repo / ".gitattributes").unlink()
    shown = sandbox.sealfile("git", "install", "--command", SEALFILE).stdout
    assert "\x1b" not in shown and "\\x1b[2Jx" in shown


def test_install_from_a_sparse_checkout_keeps_the_patterns_of_configs_left_out(sandbox: Sandbox) -> None:
    """``.gitattributes`` is shared by every clone: a config outside the sparse cone still governs its files."""
    (sandbox.repo / "svc").mkdir()
    (sandbox.repo / "svc" / ".sealfile.yaml").write_text("sealed_files: ['*.secret']\n")
    (sandbox.repo / "web").mkdir()
    (sandbox.repo / "web" / "index.html").write_text("<p>\n")
    sandbox.sealfile("git", "install", "--command", SEALFILE)
    sandbox.commit("svc seals *.secret")
    attributes = (sandbox.repo / ".gitattributes").read_text()
    assert "svc/**/*.secret diff=sealfile merge=sealfile" in attributes
    sandbox.git("sparse-checkout", "set", "web")
    assert not (sandbox.repo / "svc").exists()

    sandbox.sealfile("git", "install", "--command", SEALFILE)
    assert (sandbox.repo / ".gitattributes").read_text() == attributes
    assert sandbox.git("status", "--porcelain").stdout == ""


def test_an_uninstall_that_cannot_write_the_attributes_keeps_the_drivers(sandbox: Sandbox) -> None:
    """The drivers' config was removed before the attributes were written: when that write failed, the block
    still named the drivers, now undefined, so git merged sealed files as text; and the error said nothing
    was written."""
    attributes = sandbox.repo / ".gitattributes"
    attributes.write_text("*.png binary\n")
    sandbox.sealfile("git", "install")
    before = attributes.read_bytes()
    (sandbox.root / "second-name").hardlink_to(attributes)  # a file sealfile refuses to replace
    done = sandbox.sealfile("git", "uninstall", check=False)
    assert done.returncode == 1 and "nothing was written" in done.stderr
    assert attributes.read_bytes() == before
    assert "merge.sealfile.driver" in _config(sandbox, "--local", "--get-regexp", "sealfile")


AFTER_THE_READ = """
import sys
from sealfile.files import atomic

def another_program_adds_a_line():  # once install has read .gitattributes, before its new copy takes the name
    atomic._test_pause = lambda: None
    with open(".gitattributes", "a") as handle:
        handle.write("*.bin binary\\n")

atomic._test_pause = another_program_adds_a_line
import sealfile.cli
sys.argv = ["sealfile", "git", "install", "--command", sys.argv[1]]
sealfile.cli.main()
"""


def test_a_line_another_program_adds_while_install_writes_is_kept(sandbox: Sandbox) -> None:
    """install wrote its copy of .gitattributes over a line an editor or git added meanwhile; and when that write
    was refused, the failed install's clean-up put back the file as it was before, dropping the line again."""
    attributes = sandbox.repo / ".gitattributes"
    attributes.write_text("*.png binary\n")
    done = subprocess.run([sys.executable, "-c", AFTER_THE_READ, SEALFILE], cwd=sandbox.repo, env=sandbox.env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert "changed by another program" in done.stderr
    assert attributes.read_text() == "*.png binary\n*.bin binary\n"
    assert _config(sandbox, "--local", "merge.sealfile.driver") == ""  # nothing installed
    sandbox.sealfile("git", "install", "--command", SEALFILE)  # again: it reads the new version
    assert attributes.read_text().startswith("*.png binary\n*.bin binary\n")


def test_the_guide_shows_the_config_install_writes() -> None:
    """docs/git.md's ``[diff]``/``[merge]`` block is what a reader compares their clone's config with."""
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[2] / "docs" / "git.md").read_text(encoding="utf-8")
    command = "/path/to/venv/bin/python -P -m sealfile"
    textconv = textconv_command(command).replace("\\", "\\\\").replace('"', '\\"')
    assert f'    textconv = "{textconv}"\n' in guide
    assert f"    driver = {merge_driver_command(command)}\n" in guide
