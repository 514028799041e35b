"""A sealed file changed outside sealfile (a hand edit by someone without the key, ``git checkout -p``
keeping part of a change) is named as that by ``check``, with the way back: not as a text merge, nor
with "stage the whole file" for a working copy that does not open itself (real git)."""

from __future__ import annotations

import subprocess

from tests.support.git import Sandbox, seal_file

FILE = "secrets.enc.yaml"


def test_a_hand_edit_committed_without_a_hook_is_not_called_a_text_merge(installed: Sandbox) -> None:
    seal_file(installed, FILE, "host_unencrypted: db.local\npassword: pw-1\nuser: app\n")
    installed.commit("secrets")
    text = (installed.repo / FILE).read_text()
    (installed.repo / FILE).write_text(text.replace("db.local", "db2.local"))  # no key needed for that line
    installed.git("commit", "-q", "-am", "hand edit")

    done = installed.sealfile("check", env=installed.keyless_env(), check=False)
    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines()[0] == (
        f"sealfile: error: {FILE}: its 'mac' line is that of the version in HEAD^1, over other content: nobody can "
        "open it (edited by hand, or committed in part with 'git add -p', where no hook ran): go back to a version "
        "that opens and make the change with 'sealfile set' or 'sealfile edit'")
    installed.git("checkout", "-q", "HEAD^1", "--", FILE)  # the way back it names
    installed.sealfile("set", FILE, "host_unencrypted", "db2.local")
    installed.git("add", FILE)
    assert installed.sealfile("check", env=installed.keyless_env()).returncode == 0


def _drop_in_part(box: Sandbox, answers: str) -> None:
    """A value changed with sealfile, then one of its two hunks (the value, the mac line) dropped."""
    box.sealfile("set", FILE, "key_0", "changed-81")
    dropped = subprocess.run(["git", "checkout", "-p", FILE], cwd=box.repo, env=box.env, input=answers,
                             capture_output=True, text=True, timeout=60)
    assert dropped.returncode == 0, dropped.stderr
    assert len(box.git("diff", "--no-textconv", "-U0", FILE).stdout.split("\n@@")) == 2, dropped.stdout


def test_part_of_a_change_dropped_with_checkout_p_is_named_with_the_way_back(installed: Sandbox) -> None:
    names = [f"key_{i}" for i in range(12)]  # the first value and the mac line: hunks of their own
    seal_file(installed, FILE, "".join(f"{n}: v{i}\n" for i, n in enumerate(names)))
    installed.commit("secrets")
    fix = (f"staged in part ('git add -p')? if the working copy opens (sealfile verify {FILE}), stage it whole: git "
           f"add {FILE}; if it does not, it was changed outside sealfile (by hand, or 'git checkout -p' kept part of "
           f"a change): bring back the committed version (git checkout -- {FILE}) and make the change with "
           "'sealfile set' or 'sealfile edit'")

    _drop_in_part(installed, "y\nn\n")  # the value dropped: the new mac line over the old values
    with_key = installed.sealfile("check", FILE, check=False)
    assert with_key.returncode == 3
    assert with_key.stderr.splitlines()[0] == (
        f"sealfile: error: {FILE}: the file MAC does not match: the file was altered or damaged; {fix}")
    keyless = installed.sealfile("check", FILE, env=installed.keyless_env(), check=False)
    assert keyless.returncode == 3  # HEAD's values and stanzas under another mac line: no valid file has that
    assert keyless.stderr.splitlines()[0] == (
        f"sealfile: error: {FILE}: it holds the values and data key of the version in HEAD under another 'mac' "
        f"line: nobody can open it; {fix}")
    assert installed.sealfile("verify", FILE, check=False).returncode == 1  # so the way back is the checkout
    installed.git("checkout", "--", FILE)
    assert installed.sealfile("check", FILE).returncode == 0

    _drop_in_part(installed, "n\ny\n")  # the mac line dropped: HEAD's over the new value, told without a key
    keyless = installed.sealfile("check", FILE, env=installed.keyless_env(), check=False)
    assert keyless.returncode == 3
    assert keyless.stderr.splitlines()[0] == (
        f"sealfile: error: {FILE}: its 'mac' line is that of HEAD's version, over other content: nobody can open "
        f"it; {fix}")


def test_commands_on_a_file_checkout_p_left_unreadable_name_the_way_back(installed: Sandbox) -> None:
    names = [f"key_{i}" for i in range(12)]
    seal_file(installed, FILE, "".join(f"{n}: v{i}\n" for i, n in enumerate(names)))
    installed.commit("secrets")
    _drop_in_part(installed, "y\nn\n")
    broken = (installed.repo / FILE).read_bytes()
    way_back = (f"sealfile: error: {FILE}: the file MAC does not match: the file was altered or damaged; it differs "
                "from the committed version: changed outside sealfile (by hand, or 'git checkout -p' kept part of a "
                f"change)? bring that back with 'git checkout -- {FILE}' and make the change with 'sealfile set' or "
                "'sealfile edit'")
    for command in (["decrypt", FILE], ["set", FILE, "key_1", "x"], ["verify", FILE], ["rotate", FILE]):
        done = installed.sealfile(*command, check=False)
        assert (done.returncode, done.stderr.splitlines()) == (1, [way_back]), command
        assert (installed.repo / FILE).read_bytes() == broken
    copy = installed.root / "copy.enc.yaml"  # outside the work tree: git has no version of it to go back to
    copy.write_bytes(broken)
    done = installed.sealfile("decrypt", str(copy), check=False)
    assert done.stderr == f"sealfile: error: {copy}: the file MAC does not match: the file was altered or damaged\n"


def test_the_mac_line_staged_without_its_value_is_refused_without_a_key(installed: Sandbox) -> None:
    """'git add -p' taking the 'mac' line and leaving the value: the staged version has HEAD's content under a
    new 'mac' line, which CI (no key) can tell."""
    names = [f"key_{i}" for i in range(12)]
    seal_file(installed, FILE, "".join(f"{n}: v{i}\n" for i, n in enumerate(names)))
    installed.commit("secrets")
    installed.sealfile("set", FILE, "key_0", "changed-82")
    staged = subprocess.run(["git", "add", "-p", FILE], cwd=installed.repo, env=installed.env, input="n\ny\n",
                            capture_output=True, text=True, timeout=60)
    assert staged.returncode == 0, staged.stderr
    done = installed.sealfile("check", env=installed.keyless_env(), check=False)
    assert done.returncode == 3, done.stderr
    assert done.stderr.splitlines()[0].startswith(
        f"sealfile: error: {FILE} (staged version): it holds the values and data key of the version in HEAD under "
        "another 'mac' line: nobody can open it; staged in part")
    installed.git("add", FILE)
    assert installed.sealfile("check", env=installed.keyless_env()).returncode == 0
