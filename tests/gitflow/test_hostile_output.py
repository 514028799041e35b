"""Text a sealed file (or its name) holds, printed to a reviewer's terminal by the keyless commands:
``diff``, ``status``, ``recipients list``, ``check`` and ``git diff``'s footer. YAML's escapes decode
``"\\e[2J"`` into a live terminal escape; a file's name may hold a line break. Every line printed
must be printable, so nothing a file holds can clear the screen, reorder text or forge a line."""

from __future__ import annotations

import os

from tests.support.git import SEALFILE, Sandbox, seal_file
from tests.support.ssh import SshKeys, ssh_keys

__all__ = ["ssh_keys"]

# A line break, a terminal escape (CSI and OSC), the 8-bit CSI, a right-to-left override.
HOSTILE = "\\n\\e[2J\\e]0;x\\a\\x9b2J\u202e"
NAME = "dir\u202e/x\nforged.enc.yaml"


def _hostile_files(box: Sandbox) -> None:
    seal_file(box, "a.enc.yaml", f'n_unencrypted: "v{HOSTILE}"\n"k{HOSTILE}": s\n')
    seal_file(box, NAME, "k: s\n")
    box.commit("base")
    text = (box.repo / "a.enc.yaml").read_text()
    text = text.replace("unencrypted_suffix: _unencrypted", f'unencrypted_suffix: "_unencrypted{HOSTILE}"')
    text = text.replace("  recipients:\n", f'  recipients:\n    - type: keyring\n      name: "n{HOSTILE}"\n'
                                          f'      wrapped: x\n    - type: "t{HOSTILE}"\n      wrapped: y\n', 1)
    (box.repo / "a.enc.yaml").write_text(text.replace('"v\\n', '"w\\n'))
    (box.repo / NAME).write_text((box.repo / NAME).read_text().replace("k: ENC[", "k2: ENC["))
    box.commit("the change")


def _printable(text: str) -> bool:
    return all(field.isprintable() for line in text.splitlines() for field in line.split("\t"))


def test_keyless_commands_print_what_a_file_holds_on_one_printable_line(sandbox: Sandbox) -> None:
    _hostile_files(sandbox)
    keyless = sandbox.keyless_env()
    for args in (["diff", "--git", "HEAD~1..HEAD"], ["status", "a.enc.yaml", NAME],
                 ["recipients", "list", "a.enc.yaml", NAME], ["check"]):
        done = sandbox.sealfile(*args, check=False, env=keyless)
        assert _printable(done.stdout) and _printable(done.stderr), (args, done.stdout, done.stderr)
        assert "forged.enc.yaml" not in (done.stdout + done.stderr).replace("x\\nforged.enc.yaml", ""), args
    shown = sandbox.sealfile("diff", "--git", "HEAD~1..HEAD", env=keyless).stdout
    assert "dir\\u202e/x\\nforged.enc.yaml (modified)" in shown and "! recipient added: t\\n\\x1b[2J\\x1b]0;x" in shown
    assert sandbox.sealfile("status", "a.enc.yaml", env=keyless).stdout.count("\n- ") == 0


def test_git_diff_footer_shows_recipients_and_rule_on_printable_lines(sandbox: Sandbox) -> None:
    sandbox.sealfile("git", "install", "--command", SEALFILE)
    _hostile_files(sandbox)
    done = sandbox.git("-c", "color.ui=never", "diff", "HEAD~1", "HEAD", "--", "a.enc.yaml",
                       env=sandbox.keyless_env())
    footer = done.stdout[done.stdout.index("# --- sealfile ---"):]
    assert _printable(footer), footer
    assert "+#   t\\n\\x1b[2J\\x1b]0;x\\x07\\x9b2J\\u202e (unreadable stanza)" in footer
    assert "+# rule: unencrypted_suffix: _unencrypted\\n\\x1b[2J\\x1b]0;x\\x07\\x9b2J\\u202e" in footer


def test_review_and_check_read_names_with_a_carriage_return_or_bytes_not_utf8(sandbox: Sandbox) -> None:
    """git names a file by any bytes but NUL: a carriage return read as a line break, or a byte that is
    not UTF-8 refused, named another file (the change showed as an empty "added" and the recipient it
    added passed ``--fail-on-recipient-change``) or stopped the command with an internal error."""
    from sealfile.kms.age import generate_identity

    cr, latin1 = "ev\x1b[31mil\rX.enc.yaml", os.fsdecode(b"caf\xe9.enc.yaml")
    for name in (cr, latin1):
        seal_file(sandbox, name, "k: s\n")
    sandbox.commit("base")
    intruder = generate_identity()[1]
    for name in (cr, latin1):
        sandbox.sealfile("recipients", "add", name, "--age", intruder)
    (sandbox.repo / "leak\r.enc.yaml").write_text("password: hunter2\n")
    sandbox.commit("the change")
    done = sandbox.sealfile("review", "--fail-on-recipient-change", "HEAD~1", "HEAD", check=False)
    assert done.returncode == 3, done.stderr
    assert f"ev\\x1b[31mil\\rX.enc.yaml: ADDED age {intruder}" in done.stdout
    assert f"caf\\udce9.enc.yaml: ADDED age {intruder}" in done.stdout
    assert "leak\\r.enc.yaml: NOT SEALED" in done.stdout and _printable(done.stdout)
    check = sandbox.sealfile("check", check=False)
    assert check.returncode == 3 and "leak\\r.enc.yaml: NOT SEALED" in check.stderr, check.stderr
    assert _printable(check.stderr) and "no such file" not in check.stderr


def test_the_merge_driver_prints_a_hostile_name_as_text(installed: Sandbox) -> None:
    """git hands the merge driver the file's name, which the author of a change chose: it was
    printed as it came, escape sequences, bidirectional overrides and carriage returns live."""
    box, name = installed, "m\x1b]0;x\x07\u202e\rforged.enc.yaml"
    seal_file(box, name, "k: base\n")
    box.commit("base")
    box.diverge(lambda: box.sealfile("set", name, "k", "theirs"), lambda: box.sealfile("set", name, "k", "ours"))
    merge = box.git("merge", "--no-edit", "feature", check=False)
    driver = [line for line in merge.stderr.splitlines() if line.startswith("sealfile: ")]
    assert len(driver) == 4 and all(line.isprintable() for line in driver), merge.stderr
    assert "sealfile: m\\x1b]0;x\\x07\\u202e\\rforged.enc.yaml: CONFLICT at k" in driver


def test_a_recipients_comment_written_to_spoof_the_review_is_not_shown(sandbox: Sandbox, ssh_keys: SshKeys) -> None:
    seal_file(sandbox, "prod.enc.yaml", "db:\n  password: s3cret-a91\n")
    sandbox.commit("base")
    key_type, body = ssh_keys.get("ed25519", "mallory").public_key.to_line().split()[:2]
    sandbox.sealfile("recipients", "add", "prod.enc.yaml", "--ssh", f"{key_type} {body} opsMARK")
    text = (sandbox.repo / "prod.enc.yaml").read_text()
    spoof = r'"ops\e[2K\e[1Aprod.enc.yaml: removed age1alice \u202eevil\u200b"'  # YAML escapes, written by hand
    (sandbox.repo / "prod.enc.yaml").write_text(text.replace(f"{key_type} {body} opsMARK",
                                                             spoof.replace('"ops', f'"{key_type} {body} ops')))
    assert "removed age1alice" in (sandbox.repo / "prod.enc.yaml").read_text()
    sandbox.commit("a recipient with a crafted comment")
    status, shown = sandbox.review_last()
    assert status == 0 and _printable(shown), shown
    assert "removed age1alice" not in shown and "prod.enc.yaml: ADDED ssh ssh-ed25519 SHA256:" in shown

