"""``review`` of names written with look-alike characters (``sealfile.gitflow.look_alike``): a reviewer reads
names, and a Cyrillic letter, a fullwidth form or a character drawn as nothing must not change what a name is
judged as, nor let two keys, or a file and a sealed file, read alike."""

from __future__ import annotations

from sealfile.gitflow.look_alike import disguised, disguised_file, look_alike_keys, skeleton
from sealfile.gitflow.secret_names import secret_name
from tests.support.git import Sandbox, seal_file, section

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


LOOK_ALIKES = ["passw\u0585rd", "tok\u057den", "\u13aaPI_KEY", "\u13daECRET", "AP\ua4f2_KEY", "pub\u01c0ic",
               "passw\u2c9frd", "passw\u1d0frd", "\u0570ost", "confi\u0581"]
"""Armenian, Cherokee, Lisu, Coptic letters and Latin small capitals drawn as ASCII ones: each read as itself."""


def test_letters_of_other_scripts_drawn_as_ascii_ones_read_as_those() -> None:
    for name in LOOK_ALIKES:
        assert disguised(name) and skeleton(name).isascii(), name
    assert secret_name("passw\u0585rd") and secret_name("\u13daECRET")
    violations, _ = look_alike_keys([("db", "password")], [("db", "password"), ("db", "passw\u0585rd")])
    assert len(violations) == 1 and "as the key db.password does" in violations[0]


def test_a_word_mixing_ascii_with_another_script_is_shown_whatever_its_letters_read_as() -> None:
    """No table of look-alikes is complete (an Osage letter drawn as o): a word of ASCII letters and another
    script's is shown; a word in one script, or Latin letters of other languages, is not."""
    assert look_alike_keys([], [("passw\U000104ebrd",)])[1]
    for name in ["\u043f\u0430\u0440\u043e\u043b\u044c", "user_\u540d\u524d", "stra\u00dfe",
                 "\u043a\u043b\u044e\u0447_api", "pass\u00f8rd", "\u0395\u03bb\u03bb\u03ac\u03b4\u03b1"]:
        assert not disguised(name), name


OSAGE_O = "\U000104eb"  # drawn as o, in no table of look-alikes
E = "\u0435"  # Cyrillic ie, drawn as e


def test_a_plain_file_named_like_a_sealed_one_in_mixed_scripts_fails_whatever_it_reads_as(sandbox: Sandbox) -> None:
    """``prod.enc.y<Osage o>ml`` matches no pattern (its skeleton is not ASCII) and ``s<Cyrillic e>crets.yaml`` reads
    as a name no default pattern lists: both were committed in plaintext under a sealed-looking name, unflagged."""
    _base(sandbox)
    (sandbox.repo / f"staging.enc.y{OSAGE_O}ml").write_text("api:\n  url: https://example.org\n")
    (sandbox.repo / f"s{E}crets.yaml").write_text("api:\n  url: https://example.org\n")
    sandbox.commit("sealed-looking names in mixed scripts")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    for path, reads_as in ((f"staging.enc.y{OSAGE_O}ml", f"staging.enc.y{OSAGE_O}ml"),
                           (f"s{E}crets.yaml", "secrets.yaml")):
        assert (f"{path}: named like a sealed file (it reads as {reads_as}), but no sealed_files pattern covers it: "
                "nothing checks that it is sealed") in shown, shown


def test_a_plain_file_reading_as_a_listed_sealed_file_fails(sandbox: Sandbox) -> None:
    (sandbox.repo / ".sealfile.yaml").write_text("sealed_files: ['config/secrets.yaml']\n")
    seal_file(sandbox, "config/secrets.yaml", PLAIN)
    sandbox.commit("base")
    (sandbox.repo / "config/secrets.yaml").unlink()
    (sandbox.repo / f"config/s{E}crets.yaml").write_text("api:\n  url: https://example.org\n")
    sandbox.commit("the same name, seemingly")
    status, shown = sandbox.review_last()
    assert status == 3 and f"config/s{E}crets.yaml: named like a sealed file (it reads as config/secrets.yaml)" in shown


def test_a_sealed_file_under_a_look_alike_name_is_shown(sandbox: Sandbox) -> None:
    _base(sandbox)
    seal_file(sandbox, f"pr{OSAGE_O}d.enc.yaml", "api:\n  token: x\n")
    sandbox.commit("a second prod, seemingly")
    status, shown = sandbox.review_last()
    assert status == 0, shown
    assert (f"pr{OSAGE_O}d.enc.yaml: named with characters that look like others (it reads as "
            f"pr{OSAGE_O}d.enc.yaml)") in section(shown, "NEEDS ATTENTION:"), shown


def test_names_in_one_script_or_not_sealed_looking_are_not_disguised_files() -> None:
    covered = {"prod.enc.yaml"}.__contains__
    for name in ["\u0441\u0435\u043a\u0440\u0435\u0442\u044b.yaml", "secrets.yaml", f"r{E}adme.md",
                 "stra\u00dfe.enc.yaml", "config/\u540d\u524d.yaml", "prod.enc.yaml"]:
        assert disguised_file(name, covered) == (None, None), name
    assert disguised_file(f"pr{OSAGE_O}d.enc.yaml", covered)[0] is not None
    assert disguised_file(f"v{A}ult/db.yaml", covered)[0] is not None
