"""``review`` of names written with look-alike characters (``sealfile.gitflow.look_alike``): a reviewer reads
names, and a Cyrillic letter, a fullwidth form or a character drawn as nothing must not change what a name is
judged as, nor let two keys, or a file and a sealed file, read alike."""

from __future__ import annotations

from sealfile.gitflow.look_alike import disguised, look_alike_keys, skeleton
from tests.support.git import Sandbox, seal_file

FILE = "prod.enc.yaml"
PLAIN = "db:\n  password: s3cret-a91\n  host: db.local\n"
A = "\u0430"  # Cyrillic a
H = "\u04bb"  # Cyrillic shha, drawn as h


def _base(box: Sandbox) -> None:
    seal_file(box, FILE, PLAIN)
    box.commit("base")


def test_a_secrets_name_in_look_alike_letters_left_in_plaintext_fails(sandbox: Sandbox) -> None:
    _base(sandbox)
    (sandbox.repo / "plain.yaml").write_text(f"db:\n  p{A}ssword_unencrypted: hunter2-x\n  host: db.local\n")
    seal_file(sandbox, FILE, (sandbox.repo / "plain.yaml").read_text().replace("db:\n", "db:\n  password: s3c\n"))
    (sandbox.repo / "plain.yaml").unlink()
    sandbox.commit("a look-alike")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert f'{FILE}: ["db"]["p{A}ssword_unencrypted"]: named like a secret and left unencrypted' in shown


def test_a_key_that_reads_as_another_is_a_violation(sandbox: Sandbox) -> None:
    _base(sandbox)
    seal_file(sandbox, FILE, PLAIN.replace("  host: db.local\n", f"  {H}ost: attacker.example\n"))
    sandbox.commit("the host, seemingly unchanged")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert (f'{FILE}: ["db"]["{H}ost"]: named with characters that look like others (it reads as db.host), as the key '
            "db.host does: a reader cannot tell the two apart") in shown


def test_a_file_named_like_a_sealed_file_fails_and_is_read_as_data(sandbox: Sandbox) -> None:
    _base(sandbox)
    (sandbox.repo / f"staging.enc.y{A}ml").write_text("db:\n  password: leaked-5e1\n")
    (sandbox.repo / f"prod.y{A}ml").write_text(PLAIN)  # a decrypted copy, under a name that reads as prod.yaml
    sandbox.commit("look-alike names")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert (f"staging.enc.y{A}ml: named like a sealed file (it reads as staging.enc.yaml), but no sealed_files "
            "pattern covers it") in shown
    assert f"prod.y{A}ml: holds every key path of {FILE} in plaintext" in shown
    assert "leaked-5e1" not in shown and "s3cret" not in shown


def test_a_skeleton_folds_what_reads_alike_and_keeps_other_scripts() -> None:
    assert skeleton("\uff50\uff41\uff53\uff53") == skeleton(f"p{A}ss") == skeleton("pa\u200bss\u3164") == "pass"
    assert not disguised("\u043f\u0430\u0440\u043e\u043b\u044c")  # a Russian name reads as itself
    assert not disguised("password") and disguised(f"p{A}ssword")
    violations, attention = look_alike_keys([("db", "host")], [("db", "host"), ("db", f"{H}ost"), (f"{A}pi",)])
    assert len(violations) == 1 and attention == [f'["{A}pi"]: named with characters that look like others (it reads '
                                                   "as api)"]
