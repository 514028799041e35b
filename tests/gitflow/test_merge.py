"""The three-way merge of sealed documents (library level; the git end-to-end is in test_merge_e2e)."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from sealfile.envelope.datakey import forget_data_keys
from sealfile.errors import FormatError, SealfileError
from sealfile.gitflow.merge import merge_texts
from sealfile.kms.age import AgeKey, add_identity
from sealfile.model.rules import EncryptionRules
from sealfile.ops import change as editing
from sealfile.ops.keyless import describe
from sealfile.ops.read import decrypt_text, verify_text
from sealfile.ops.seal import seal_text
from sealfile.ops.values import parse_value
from sealfile.stores.yaml.reader import load_fast
from tests.support.git import Sandbox

BASE = """\
# service secrets
db:
  password: base-pw   # rotated monthly
  user: app
  hosts: [a, b]
api:
  token: base-token
region_unencrypted: eu
"""


@pytest.fixture
def key(sandbox: Sandbox) -> AgeKey:
    return AgeKey.from_cli(sandbox.recipient)


def _changed_lines(a: str, b: str) -> list[str]:
    """``+key``/``-key`` for each changed line of a line diff."""
    return [line[0] + line[1:].split(":")[0].strip()
            for line in difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_disjoint_changes_merge_and_keep_every_other_ciphertext(key: AgeKey) -> None:
    base = seal_text(BASE, [key])
    ours = editing.set_value(base, "db.user", "ours-user")
    theirs = editing.unset_value(editing.set_value(base, "api.token", "theirs-token"), "db.password")
    result = merge_texts(base, ours, theirs)
    assert result.conflicts == [] and result.warnings == []
    verify_text(result.text)
    plain = decrypt_text(result.text)
    assert "user: ours-user" in plain and "token: theirs-token" in plain and "password" not in plain
    assert plain.startswith("# service secrets\n")
    assert _changed_lines(ours, result.text) == [
        "-password", "-token", "+token", "-mac", "+mac"]
    assert _changed_lines(theirs, result.text) == [
        "-user", "+user", "-mac", "+mac"]


def test_a_conflict_keeps_ours_there_and_applies_the_rest(key: AgeKey) -> None:
    base = seal_text(BASE, [key])
    ours = editing.set_value(base, "db.password", "ours-pw")
    theirs = editing.set_value(editing.set_value(base, "db.password", "theirs-pw"), "api.token", "t2")
    result = merge_texts(base, ours, theirs)
    assert result.conflicts == ["db.password"]
    plain = decrypt_text(result.text)
    assert "password: ours-pw" in plain and "token: t2" in plain and "theirs-pw" not in result.text


def test_the_same_change_on_both_sides_is_no_conflict(key: AgeKey) -> None:
    base = seal_text(BASE, [key])
    ours = editing.set_value(base, "db.password", "same")
    theirs = editing.set_value(base, "db.password", "same")
    assert merge_texts(base, ours, theirs).conflicts == []


def test_lists_merge_as_one_value(key: AgeKey) -> None:
    base = seal_text(BASE, [key])
    ours = editing.set_value(base, "db.hosts", parse_value("[a, b, c]", "yaml"))
    theirs = editing.set_value(base, "db.hosts", parse_value("[a]", "yaml"))
    assert merge_texts(base, ours, theirs).conflicts == ["db.hosts"]
    merged = merge_texts(base, base, theirs)
    assert merged.conflicts == []
    assert load_fast(decrypt_text(merged.text))["db"]["hosts"] == ["a"]


def test_new_keys_land_where_theirs_put_them_and_subtree_conflicts_are_caught(key: AgeKey) -> None:
    base = seal_text(BASE, [key])
    theirs = editing.set_value(base, "cache.url", "redis://x")
    merged = merge_texts(base, base, theirs)
    plain = decrypt_text(merged.text)
    assert plain.index("cache:") > plain.index("token:") and "url: redis://x" in plain
    ours = editing.set_value(base, "api.secret", "new-under-api")
    theirs = editing.unset_value(base, "api")
    assert merge_texts(base, ours, theirs).conflicts == ["api"]
    ours = editing.set_value(base, "api", "now-a-scalar")
    theirs = editing.set_value(base, "api.token", "changed")
    assert merge_texts(base, ours, theirs).conflicts == ["api.token"]


@pytest.mark.parametrize("plaintext, under, expected", [
    ("c: 1\nz: 2\n", "", "c: 1\nz: x\nk: t\nl: u\nm: v\n"),
    ("e: {}\nz: 2\n", "e.", "e: {k: t, l: u, m: v}\nz: x\n"),
    ("e:\n  c: 1\nz: 2\n", "e.", "e:\n  c: 1\n  k: t\n  l: u\n  m: v\nz: x\n"),
])
def test_keys_theirs_added_in_a_row_keep_theirs_order(key: AgeKey, plaintext: str, under: str, expected: str) -> None:
    """Each new key followed the last key ours already had, so theirs' ``k, l, m`` landed as ``m, l, k``."""
    base = seal_text(plaintext, [key])
    theirs = base
    for name, value in (("k", "t"), ("l", "u"), ("m", "v")):
        theirs = editing.set_value(theirs, under + name, value)
    merged = merge_texts(base, editing.set_value(base, "z", "x"), theirs)
    assert merged.conflicts == []
    assert decrypt_text(merged.text) == expected


def test_recipients_merge_three_way_with_warnings(sandbox: Sandbox, key: AgeKey, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    other_file = tmp_path / "other.txt"
    other = AgeKey.from_cli(add_identity(other_file))
    base = seal_text(BASE, [key])
    ours = editing.set_value(base, "db.user", "u2")
    theirs = editing.change_recipients(base, add=[other]).text
    result = merge_texts(base, ours, theirs)
    assert result.warnings == [f"recipient added by theirs: age {other.key_id}"]
    assert [r[1] for r in describe(result.text).recipients] == [key.key_id, other.key_id]
    # The new recipient alone opens the merged file.
    forget_data_keys()
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(other_file))
    assert "user: u2" in decrypt_text(result.text)


def test_a_rotation_on_theirs_wins_and_removed_recipients_stay_removed(key: AgeKey, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    leaver_file = tmp_path / "leaver.txt"
    leaver = AgeKey.from_cli(add_identity(leaver_file))
    base = seal_text(BASE, [key, leaver])
    ours = editing.set_value(base, "db.user", "u3")
    theirs = editing.rotate(editing.change_recipients(base, remove=[leaver]).text)
    result = merge_texts(base, ours, theirs)
    assert any("recipient removed by theirs" in w for w in result.warnings)
    assert [r[1] for r in describe(result.text).recipients] == [key.key_id]
    assert "user: u3" in decrypt_text(result.text)
    # not theirs' rotated key either: without trusted signers it may be whoever wrote theirs' (test_merge_vouched)
    assert any("data key rotated" in w for w in result.warnings)
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(leaver_file))
    forget_data_keys()
    with pytest.raises(SealfileError):
        decrypt_text(result.text)


def test_a_file_added_on_both_sides_merges_taking_no_recipient_from_theirs(key: AgeKey, tmp_path: Path) -> None:
    other = AgeKey.from_cli(add_identity(tmp_path / "o.txt"))
    ours = seal_text("a: 1\nshared: same\n", [key])
    theirs = seal_text("b: 2\nshared: same\n", [key, other])
    with pytest.raises(FormatError, match=f"theirs adds the recipient age {other.key_id} under a data key of its own"):
        merge_texts(None, ours, theirs)  # whoever sealed theirs chose 'other' (test_merge_vouched)
    result = merge_texts(None, ours, seal_text("b: 2\nshared: same\n", [key]))
    assert result.conflicts == []
    assert decrypt_text(result.text) == "b: 2\na: 1\nshared: same\n"  # b first, as in theirs
    assert len(describe(result.text).recipients) == 1


def test_rule_changes_merge_three_way(key: AgeKey) -> None:
    base = seal_text("a: 1\nb: 2\n", [key])
    ours = seal_text("a: 1\nb: 2\n", [], EncryptionRules("encrypted_regex", "^a$"), previous=base, unseal=True)
    theirs = seal_text("a: 1\nb: 2\n", [], EncryptionRules("unencrypted_regex", "^a$"), previous=base, unseal=True)
    with pytest.raises(FormatError, match="sealed in this file"):  # theirs' rule would unseal ours' a: meant, or not
        merge_texts(base, base, theirs)
    result = merge_texts(base, ours, theirs)  # a conflict: ours' text, rule and values kept
    assert result.conflicts == ["(encryption rule: ours encrypted_regex: ^a$, theirs unencrypted_regex: ^a$)"]
    one_sided = merge_texts(base, base, theirs, unseal=True)
    assert one_sided.warnings == ["encryption rule changed by theirs: unencrypted_regex: ^a$"]
    assert "a: 1" in one_sided.text and describe(one_sided.text).encrypted == 1


@pytest.mark.parametrize("name, plaintext, ours_path, theirs_path", [
    ("s.enc.json", '{\n  "db": {"user": "app", "password": "pw"},\n  "token": "t"\n}\n', "db.user", "token"),
    ("s.enc.env", "# settings\nDB_USER=app\nDB_PASSWORD=pw\nTOKEN=t\n", "DB_USER", "TOKEN"),
    # JSON that YAML refuses (a surrogate pair escape), with an '&' that YAML would read as an anchor
    ("s.enc.json", '{\n  "url": "a?b=1&c=\\ud83d\\ude00",\n  "db": {"user": "app"},\n  "token": "t"\n}\n', "db.user",
     "token"),
    ("s.enc.env", "URL=a?b=1&c=2\nDB_USER=app\nTOKEN=t\n", "DB_USER", "TOKEN"),
])
def test_json_and_dotenv_files_merge_too(key: AgeKey, name: str, plaintext: str, ours_path: str,
                                         theirs_path: str) -> None:
    from sealfile.gitflow.textconv import textconv
    from sealfile.stores import store_for

    store = store_for(name)
    base = seal_text(plaintext, [key], store=store)
    ours = editing.set_value(base, ours_path, "ours", store)
    theirs = editing.set_value(base, theirs_path, "theirs", store)
    result = merge_texts(base, ours, theirs, store)
    assert result.conflicts == []
    verify_text(result.text, store)
    merged = store.load_fast(decrypt_text(result.text, store=store))
    assert "ours" in str(merged) and "theirs" in str(merged)
    assert len(_changed_lines(ours, result.text)) == 4  # theirs' value line and the MAC line
    redacted = textconv(result.text, decrypt=False, store=store)
    assert "ENC#" in redacted and "ENC[" not in redacted and "wrapped" not in redacted
