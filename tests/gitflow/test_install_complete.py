"""``sealfile git install`` reports success only for a set-up that works for every tracked sealed file,
and running it again changes nothing (real git: attributes precedence is git's own)."""

from __future__ import annotations

from tests.support.git import SEALFILE, Sandbox, seal_file

OVERRIDDEN = ("another attributes line overrides the sealfile block of .gitattributes (a .gitattributes in its "
              "directory or above it, a line after the block, .git/info/attributes): remove or narrow that line")


def _sealfile_config(box: Sandbox, scope: str) -> str:
    return box.git("config", scope, "--get-regexp", "sealfile", check=False).stdout


def test_install_refuses_when_another_attributes_line_overrides_the_block_and_check_names_the_real_cause(
        sandbox: Sandbox) -> None:
    """A directory's own .gitattributes (or .git/info/attributes) wins over the top's block: install said
    it was done, the file still merged as text, and check told the user to run install again, which
    changed nothing."""
    box = sandbox
    seal_file(box, "secrets.enc.yaml", "a: one\n")
    seal_file(box, "sub/secrets.enc.yaml", "a: one\n")
    (box.repo / ".gitattributes").write_text("*.png binary\n")
    (box.repo / "sub" / ".gitattributes").write_text("*.yaml -diff merge=text\n")
    box.commit("secrets, and a directory whose attributes say otherwise")

    done = box.sealfile("git", "install", "--command", SEALFILE, check=False)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == ("sealfile: error: sub/secrets.enc.yaml: nothing installed: git gives it diff: unset, "
                           f"merge: text: {OVERRIDDEN}\n")
    assert (box.repo / ".gitattributes").read_text() == "*.png binary\n"  # everything as it was
    assert _sealfile_config(box, "--local") == ""

    (box.repo / ".git" / "info" / "attributes").write_text("sub/*.yaml merge=text\n")  # git's own precedence
    box.git("rm", "-q", "sub/.gitattributes")  # (git reads the index's copy of one missing from the work tree)
    assert "sub/secrets.enc.yaml: nothing installed: git gives it merge: text" in \
        box.sealfile("git", "install", "--command", SEALFILE, check=False).stderr
    (box.repo / ".git" / "info" / "attributes").unlink()
    box.sealfile("git", "install", "--command", SEALFILE)
    box.commit("the drivers")

    (box.repo / "sub" / ".gitattributes").write_text("*.yaml merge=text\n")  # added after the install
    checked = box.sealfile("check", check=False)
    assert checked.returncode == 3
    assert checked.stderr.splitlines()[0] == (
        "sealfile: error: sub/secrets.enc.yaml: git would not give this sealed file to the sealfile drivers: git "
        f"gives it merge: text: {OVERRIDDEN}")


def test_a_global_install_refuses_where_the_repository_attributes_take_precedence(sandbox: Sandbox) -> None:
    box = sandbox
    seal_file(box, "s p.enc.yaml", "a: one\n")
    (box.repo / ".gitattributes").write_text("*.yaml binary\n")
    box.commit("a repository that says its YAML is binary")

    done = box.sealfile("git", "install", "--global", "--command", SEALFILE, check=False)
    assert done.returncode == 1
    assert done.stderr == ("sealfile: error: s p.enc.yaml: nothing installed: git gives it diff: unset, merge: unset: "
                           "this repository's own attributes take precedence over your global ones; run 'sealfile git "
                           "install' in it (without --global), or change the attributes line that sets it\n")
    assert _sealfile_config(box, "--global") == ""
    assert not (box.root / "home" / ".config" / "git" / "attributes").exists()

    box.sealfile("git", "install", "--command", SEALFILE)  # the block, later in the same file, wins
    assert box.git("check-attr", "diff", "merge", "--", "s p.enc.yaml").stdout.count(": sealfile") == 2


def test_installing_again_changes_nothing_when_lines_follow_the_block(installed: Sandbox) -> None:
    """Install moved its block below lines added after it: every clone that ran it again had a changed
    .gitattributes to commit (and a line that overrode the block quietly stopped doing so)."""
    attributes = installed.repo / ".gitattributes"
    attributes.write_bytes(attributes.read_bytes() + b"*.txt text eol=lf\n")
    before = attributes.read_bytes()
    installed.sealfile("git", "install", "--command", SEALFILE)
    assert attributes.read_bytes() == before
    installed.sealfile("git", "uninstall")
    assert b"sealfile" not in attributes.read_bytes() and attributes.read_bytes().endswith(b"*.txt text eol=lf\n")


def test_global_attributes_brought_without_the_global_config_are_told_to_install_again(sandbox: Sandbox) -> None:
    """~/.config/git/attributes from a dotfiles repository, ~/.gitconfig this machine's own: git sends sealed files
    to a merge driver nobody configured, which is its text merge."""
    box = sandbox
    seal_file(box, "s.enc.yaml", "a: one\n")
    box.commit("secrets")
    box.sealfile("git", "install", "--global", "--command", SEALFILE)
    box.git("config", "--global", "--remove-section", "merge.sealfile")
    box.git("config", "--global", "--remove-section", "diff.sealfile")
    user_attributes = box.root / "home" / ".config" / "git" / "attributes"
    assert "merge=sealfile" in user_attributes.read_text()

    assert box.sealfile("decrypt", "s.enc.yaml").stderr == (
        f"sealfile: warning: {box.repo}: {user_attributes} uses the sealfile merge and diff drivers, but this clone "
        "has none configured: run 'sealfile git install --global' (until then git merges sealed files as text)\n")
    box.git("config", "core.attributesFile", str(box.root / "elsewhere"))  # git reads another file instead
    assert box.sealfile("decrypt", "s.enc.yaml").stderr == ""
    box.git("config", "--unset", "core.attributesFile")
    box.sealfile("git", "install", "--global", "--command", SEALFILE)
    assert box.sealfile("decrypt", "s.enc.yaml").stderr == ""


def test_info_attributes_naming_the_drivers_without_their_config_are_told(sandbox: Sandbox) -> None:
    box = sandbox
    seal_file(box, "s.enc.yaml", "a: one\n")
    (box.repo / ".git" / "info").mkdir(exist_ok=True)
    (box.repo / ".git" / "info" / "attributes").write_text("*.enc.yaml diff=sealfile merge=sealfile\n")
    assert box.sealfile("decrypt", "s.enc.yaml").stderr == (
        f"sealfile: warning: {box.repo}: .git/info/attributes uses the sealfile merge and diff drivers, but this clone "
        "has none configured: run 'sealfile git install' (until then git merges sealed files as text)\n")


def test_a_clone_with_the_diff_driver_alone_is_told_the_merge_driver_is_missing(installed: Sandbox) -> None:
    """git diff decrypts there, so 'has none configured' read as wrong to whoever checked git config; git still
    merges sealed files as text."""
    box = installed
    seal_file(box, "s.enc.yaml", "a: one\n")
    box.git("config", "--remove-section", "merge.sealfile")
    assert box.sealfile("decrypt", "s.enc.yaml").stderr == (
        f"sealfile: warning: {box.repo}: .gitattributes uses the sealfile merge and diff drivers, but this clone has "
        "only the diff driver configured: run 'sealfile git install' (until then git merges sealed files as text)\n")
