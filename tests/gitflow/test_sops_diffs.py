"""``git diff`` of SOPS files through sealfile's textconv, for a team on its way from SOPS (files written
and changed by the real ``sops``): a key holder sees what ``sops decrypt`` prints; anyone else sees the
value that changed as a new fingerprint, and never the ``lastmodified``/``mac`` churn SOPS writes on
every change, nor any ciphertext."""

from __future__ import annotations

import re

import pytest

from tests.support.git import Sandbox

FILES = {  # name -> plaintext (sops picks the store by the name)
    "config/app.enc.yaml": "# who connects\ndb:\n  user: admin\n  token: abc\n  port: 5432\n",
    "config/app.enc.json": '{"db": {"user": "admin", "token": "abc", "port": 5432}}\n',
    "config/app.env": "USER=admin\nTOKEN=abc\n",
    "config/app.ini": "[db]\nuser = admin\ntoken = abc\n",
}
CHANGE = {"config/app.enc.yaml": '["db"]["token"]', "config/app.enc.json": '["db"]["token"]',
          "config/app.env": '["TOKEN"]', "config/app.ini": '["db"]["token"]'}



@pytest.fixture
def changed(installed: Sandbox) -> Sandbox:
    """Every file written by sops and committed, then one value of each changed by ``sops set``."""
    with (installed.repo / ".gitattributes").open("a") as attributes:
        attributes.write("*.env diff=sealfile\n*.ini diff=sealfile\n")
    for name, plaintext in FILES.items():
        (installed.repo / name).parent.mkdir(exist_ok=True)
        (installed.repo / name).write_text(plaintext)
        installed.sops("encrypt", "--age", installed.recipient, "-i", name)
    installed.commit("secrets, as sops wrote them")
    for name, where in CHANGE.items():
        installed.sops("set", name, where, '"n3w-t0ken"')
    return installed


def _changed_lines(diff: str) -> list[str]:
    return [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]


@pytest.mark.parametrize("name", list(FILES))
def test_without_a_key_only_the_changed_value_shows(changed: Sandbox, name: str) -> None:
    diff = changed.git("diff", "--", name, env=changed.keyless_env()).stdout
    lines = _changed_lines(diff)
    assert len(lines) == 2 and lines[0].startswith("-") and lines[1].startswith("+"), diff
    assert all("ENC#" in line and "oken" in line.lower() for line in lines), diff
    assert "AES256_GCM" not in diff and "n3w-t0ken" not in diff and "admin" not in diff, diff
    shown = changed.sealfile("git", "textconv", name, env=changed.keyless_env()).stdout
    # no metadata line: a random recipient may hold the letters "mac", a metadata key is a word of its own
    assert not re.search(r"lastmodified|\bmac\b|sops_mac", shown.replace(changed.recipient, "")), shown
    assert f"age {changed.recipient}" in shown


@pytest.mark.parametrize("name", list(FILES))
def test_a_key_holder_sees_what_sops_decrypt_prints(changed: Sandbox, name: str) -> None:
    lines = _changed_lines(changed.git("diff", "--", name).stdout)
    assert len(lines) == 2 and "abc" in lines[0] and "n3w-t0ken" in lines[1], lines
    shown = changed.sealfile("git", "textconv", name).stdout
    assert shown.startswith(changed.sops("decrypt", name).stdout) and "# (decrypted view)" in shown


@pytest.mark.parametrize("name", list(FILES))
def test_sealfile_diff_compares_sops_versions_by_key_path(changed: Sandbox, name: str) -> None:
    old = changed.root / f"old-{name.replace('/', '-')}"
    old.write_text(changed.git("show", f"HEAD:{name}").stdout)
    keyless = changed.sealfile("diff", str(old), name, env=changed.keyless_env()).stdout
    where = CHANGE[name].replace('["', "").replace('"]', ".").rstrip(".")
    assert keyless.splitlines()[1].startswith(f"  ~ {where}: ENC#") and len(keyless.splitlines()) == 2, keyless
    revealed = changed.sealfile("diff", "--reveal", str(old), name).stdout
    assert revealed.splitlines()[1:] == [f'  ~ {where}: "abc" -> "n3w-t0ken"'], revealed
    if name.endswith((".enc.yaml", ".enc.json")):  # the sealed_files patterns cover these names
        changed.commit("the sops clone changes a value")
        assert changed.sealfile("diff", "--git", "HEAD~1..HEAD", name, env=changed.keyless_env()).stdout == keyless


def test_an_import_is_checked_against_its_sops_file(changed: Sandbox) -> None:
    """``diff --reveal`` of a SOPS file and the sealed file imported from it: the same data, recipients and rule."""
    changed.sealfile("import-sops", "config/app.enc.yaml", "-o", "config/imported.enc.yaml")
    done = changed.sealfile("diff", "--reveal", "config/app.enc.yaml", "config/imported.enc.yaml")
    assert done.stdout.splitlines() == ["config/imported.enc.yaml (unchanged)", "  ! data key rotated: every value "
                                        "re-encrypted", "  ! format version: SOPS -> 2"], done.stdout


def test_where_seals_must_be_signed_a_sops_file_is_shown_redacted(changed: Sandbox) -> None:
    """A SOPS file carries no signature: where readers require one, git diff does not decrypt it either."""
    from sealfile.gitflow.textconv import textconv
    from sealfile.ops.signatures import TrustPolicy

    shown = textconv((changed.repo / "config/app.enc.yaml").read_text(), policy=TrustPolicy(require_signature=True))
    assert "n3w-t0ken" not in shown and "token: ENC#" in shown
    assert "# signature: none" in shown and "readers refuse this seal" in shown


HOSTILE = ("a: ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]\nsops:\n  key_groups: [1, x, [2]]\n"
           "  age: not-a-list\n  mac: ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]\n"
           "  lastmodified: '2024-01-01T00:00:00Z'\n  version: 3.11.0\n")


@pytest.mark.parametrize("metadata", [HOSTILE, HOSTILE.replace("key_groups: [1, x, [2]]", "key_groups: oops")])
def test_keyless_views_of_a_malformed_sops_file_never_fail(metadata: str) -> None:
    """Anyone who can push writes the metadata that diff, review and textconv read without a key."""
    from sealfile.gitflow.review import review_file
    from sealfile.gitflow.semantic_diff import diff_texts
    from sealfile.gitflow.textconv import textconv

    changed = metadata.replace("data:AA==,iv", "data:AB==,iv", 1)
    assert [v.keypath for v in diff_texts("x.enc.yaml", metadata, changed).values] == ["a"]
    assert "a: ENC#" in textconv(changed)
    assert review_file("x.enc.yaml", metadata, changed).violations


SPELLED_OTHERWISE = [["--encrypted-regex", "^(token|port)$"], ["--unencrypted-regex", "^user$"],
                     ["--encrypted-suffix", "en"]]
"""SOPS rules that ``import-sops`` keeps with the same meaning in another spelling (Go's ``$`` as ``\\Z``, a
suffix as an anchored regex)."""


@pytest.mark.parametrize("rule", SPELLED_OTHERWISE, ids=lambda rule: rule[0])
def test_an_import_keeps_the_rule_whatever_its_spelling(installed: Sandbox, rule: list[str]) -> None:
    """``diff --reveal`` and ``review`` compare the rule as the import keeps it: no "rule changed" for the same rule."""
    (installed.repo / "app.sops.yaml").write_text(FILES["config/app.enc.yaml"])
    installed.sops("encrypt", "--age", installed.recipient, *rule, "-i", "app.sops.yaml")
    installed.commit("a SOPS file")
    installed.sealfile("import-sops", "app.sops.yaml", "-o", "app.enc.yaml")
    done = installed.sealfile("diff", "--reveal", "app.sops.yaml", "app.enc.yaml")
    assert done.stdout.splitlines()[0] == "app.enc.yaml (unchanged)" and "rule" not in done.stdout, done.stdout
    (installed.repo / "app.sops.yaml").unlink()
    (installed.repo / "app.enc.yaml").rename(installed.repo / "app.sops.yaml")  # converted in place
    installed.commit("converted")
    assert "rule changed" not in installed.review_last()[1]


def test_a_comment_rule_replaced_on_import_is_a_rule_change(installed: Sandbox) -> None:
    (installed.repo / ".sops.yaml").write_text(
        f"creation_rules:\n  - encrypted_comment_regex: sops:enc\n    age: {installed.recipient}\n")
    (installed.repo / "app.sops.yaml").write_text("# sops:enc\ndb:\n  token: abc\n")
    installed.sops("encrypt", "-i", "app.sops.yaml")
    installed.sealfile("import-sops", "app.sops.yaml", "-o", "app.enc.yaml")
    done = installed.sealfile("diff", "--reveal", "app.sops.yaml", "app.enc.yaml")
    assert "  ! rule changed: encrypted_comment_regex: sops:enc -> encrypted_regex: ^" in done.stdout.splitlines()
