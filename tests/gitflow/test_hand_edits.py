"""``review`` of sealed files edited by hand, told without a key (``sealfile.gitflow.tampering``): a
token copied to another key path (docs/format.md §5 binds it to its path), a ``mac`` line that cannot
match (§7), a value set back to an older ciphertext (a replay); and no such finding for sealfile's
own changes."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable

import pytest

from sealfile.kms.age import generate_identity
from tests.support.git import Sandbox, seal_file

FILE = "prod.enc.yaml"
TOKEN = re.compile(r"ENC\[[^\]]*\]")


def _base(box: Sandbox) -> None:
    seal_file(box, FILE, "db:\n  password: s3cret-a91\n  user: app\napi:\n  token: t-77\n  keys: [k1, k2, k3]\n")
    box.commit("base")


def _token(text: str, key: str) -> str:
    found = re.search(rf"\b{key}: (ENC\[[^\]]*\])", text)
    assert found is not None
    return found.group(1)


def _paste(box: Sandbox, key: str, token: str) -> None:
    text = (box.repo / FILE).read_text()
    (box.repo / FILE).write_text(text.replace(_token(text, key), token))



def test_a_token_pasted_over_another_key_fails_the_review(sandbox: Sandbox) -> None:
    _base(sandbox)
    _paste(sandbox, "password", _token((sandbox.repo / FILE).read_text(), "token"))
    sandbox.commit("swap")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert ("db.password: holds the ciphertext sealed for api.token; a token opens only at the key path it was "
            "sealed for: copied by hand, readers refuse this file") in shown
    assert "the content changed but its 'mac' line did not" in shown


def test_a_token_copied_from_another_file_of_the_change_is_named_with_its_file(sandbox: Sandbox) -> None:
    _base(sandbox)
    seal_file(sandbox, "other.enc.yaml", "api:\n  token: t-1\n")
    sandbox.commit("another file")
    other = sandbox.repo / "other.enc.yaml"
    other.write_text(other.read_text() + "\n")  # in the change, so its tokens are compared
    _paste(sandbox, "user", _token(other.read_text(), "token"))
    sandbox.commit("swap from another file")
    status, shown = sandbox.review_last()
    assert status == 3 and "db.user: holds the ciphertext sealed for api.token of other.enc.yaml" in shown


def test_a_mac_line_changed_over_the_same_content_fails_the_review(sandbox: Sandbox) -> None:
    _base(sandbox)
    text = (sandbox.repo / FILE).read_text()
    mac = re.search(r"  mac: (\S+)", text)
    assert mac is not None
    (sandbox.repo / FILE).write_text(text.replace(mac.group(1), "A" * 43 + "="))
    sandbox.commit("a new mac")
    status, shown = sandbox.review_last()
    assert status == 3 and "the 'mac' line changed but nothing it covers did, under the same data key" in shown


def test_a_value_set_back_to_an_older_ciphertext_is_flagged_as_a_replay(sandbox: Sandbox) -> None:
    _base(sandbox)
    old = _token((sandbox.repo / FILE).read_text(), "password")
    time.sleep(1.1)  # Fernet times count seconds
    sandbox.sealfile("set", FILE, "db.password", "n3w-value")
    sandbox.commit("a new password")
    _paste(sandbox, "password", old)
    sandbox.commit("the old one again")
    _, shown = sandbox.review_last()
    assert "db.password: set back to an older ciphertext (sealed " in shown
    assert "a value replayed from history?" in shown.split("NEEDS ATTENTION:")[1]


def test_sealfiles_own_changes_raise_no_hand_edit_finding(sandbox: Sandbox) -> None:
    _base(sandbox)
    sandbox.sealfile("unset", FILE, "api.keys.0")  # every later item moves to a new key path
    sandbox.sealfile("set", FILE, "db.user", "app2")
    sandbox.sealfile("rotate", FILE)
    copy = sandbox.repo / "copy.enc.yaml"
    copy.write_text((sandbox.repo / FILE).read_text())  # the same tokens at the same key paths: they open
    sandbox.commit("changes")
    status, shown = sandbox.review_last()
    assert status == 0 and "0 policy violation(s)" in shown, shown
    assert "by hand" not in shown and "older ciphertext" not in shown


def test_a_value_set_back_within_the_second_or_re_added_is_flagged_by_its_bytes(sandbox: Sandbox) -> None:
    """A token's time cannot tell a value set back within the same second, nor a deleted key re-added with
    its old token (nothing to compare with at the base): a token history already held can, by its bytes."""
    _base(sandbox)
    sandbox.sealfile("set", FILE, "db.password", "n3w-value")  # no pause: the same second as the base's
    sandbox.commit("a new password")
    sandbox.git("checkout", "HEAD~1", "--", FILE)  # the whole earlier version: its mac and signature hold
    sandbox.commit("the old one again")
    _, shown = sandbox.review_last()  # by its bytes within the second, by its time (as before) past it
    assert re.search(r"db\.password: set back to (a ciphertext this file held before \(commit |an older ciphertext)",
                     shown), shown
    assert shown.count("db.password: set back to") == 1

    sandbox.sealfile("unset", FILE, "api.token")
    sandbox.commit("token removed")
    sandbox.git("checkout", "HEAD~1", "--", FILE)
    sandbox.commit("token back, with its old ciphertext")
    _, shown = sandbox.review_last()
    assert "api.token: set back to a ciphertext this file held before (commit " in shown, shown
    assert "db.password" not in shown.split("CHANGES:")[0]


def _relabelled(box: Sandbox, intruder: str, label: str) -> None:
    """What a key holder can write: the file sealed for the sandbox's key and ``intruder``, the intruder's
    stanza labelled ``label`` (the sandbox's own recipient, as spelt), the MAC made again with the data key."""
    from sealfile.envelope.datakey import open_data_key
    from sealfile.envelope.mac import compute_mac, encode_leaves
    from sealfile.ops.reader import read_document
    from sealfile.stores import get_store

    box.sealfile("recipients", "add", FILE, "--age", intruder)
    text = (box.repo / FILE).read_text().replace(f"recipient: {intruder}", f"recipient: {label}")
    document = read_document(text, get_store("yaml"))
    mac = compute_mac(open_data_key(document.metadata), document.metadata, encode_leaves(document.leaves()))
    (box.repo / FILE).write_text(re.sub(r"  mac: \S+", f"  mac: {mac}", text))


@pytest.mark.parametrize("spelt", [str.lower, str.upper])
def test_a_stanza_for_another_key_labelled_as_a_listed_recipient_fails_the_review(
        sandbox: Sandbox, spelt: Callable[[str], str]) -> None:
    """The summary looked the same (the file 'unchanged', no recipient added) while a new stanza wrapped the
    data key for someone else: the recipient list is compared counted, and a key listed twice is refused."""
    _base(sandbox)
    intruder_identity, intruder = generate_identity()
    _relabelled(sandbox, intruder, spelt(sandbox.recipient))
    sandbox.sealfile("decrypt", FILE)  # readers accept it: the MAC holds
    (sandbox.root / "intruder.txt").write_text(intruder_identity + "\n")
    wrapped = re.findall(r"-----BEGIN AGE ENCRYPTED FILE-----\n.*?-----END AGE ENCRYPTED FILE-----\n",
                         (sandbox.repo / FILE).read_text().replace("        ", ""), re.S)[-1]
    opened = subprocess.run(["age", "-d", "-i", str(sandbox.root / "intruder.txt")], input=wrapped.encode(),
                            capture_output=True, check=False)
    assert opened.returncode == 0 and len(opened.stdout) == 32  # the intruder holds the data key
    sandbox.commit("a stanza for the intruder, labelled as the sandbox's key")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert f"{FILE}: ADDED age {sandbox.recipient}" in shown
    assert (f"{FILE}: sealfile.recipients.1: age {sandbox.recipient} is listed a second time: sealfile writes one "
            "stanza per key, so this one was made by hand and may wrap the data key for anyone") in shown
    assert "DATA KEY REPLACED" not in shown
    check = sandbox.sealfile("check", FILE, check=False, env=sandbox.keyless_env())
    assert check.returncode == 3 and "is listed a second time" in check.stderr
    for args in (["--keyless"], []):  # one meaning: verify says what check and review say
        verify = sandbox.sealfile("verify", *args, FILE, check=False)
        assert verify.returncode != 0 and "is listed a second time" in verify.stderr, verify.stdout
    diff = sandbox.sealfile("diff", "--git", "HEAD~1..HEAD", env=sandbox.keyless_env())
    assert f"  ! recipient added: age {sandbox.recipient}" in diff.stdout and "rotated" not in diff.stdout


def test_values_copied_from_a_file_sharing_the_data_key_are_named_with_that_file(sandbox: Sandbox) -> None:
    """staging began as a copy of prod (so they share a data key) and was changed since: its tokens open at
    the same key paths of prod, with prod's own data key kept and its MAC and signature made whole by
    copying staging's. That is no value prod ever held: review names the file it came from."""
    _base(sandbox)
    staging = sandbox.repo / "staging.enc.yaml"
    staging.write_text((sandbox.repo / FILE).read_text())
    sandbox.commit("staging, from prod")
    sandbox.sealfile("set", "staging.enc.yaml", "db.password", "staging-pw")
    sandbox.commit("staging's own password")
    (sandbox.repo / FILE).write_text(staging.read_text())  # the whole file: its mac and signature hold
    sandbox.commit("prod takes staging's values")

    status, shown = sandbox.review_last()
    attention = shown.split("NEEDS ATTENTION:")[1].split("CHANGES:")[0]
    assert "db.password: a ciphertext copied from staging.enc.yaml (held there as of commit " in attention, shown
    assert "data key replaced" not in shown and status == 0  # prod's data key: nothing else tells
