"""The way back, as a team leaving sealfile takes it: ``export-sops``, then the real ``sops`` on the result.

- a SOPS file is written only under a name ``sops`` reads as the store written (it picks the store by
  the name's exact suffix: another name is a file no ``sops`` command opens);
- times come back as they went (to the microsecond: a finer one is refused on the way in,
  tests/sops/test_time_refusals.py; in every year Go writes), on a round trip
  from SOPS through sealfile and in every output store.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sealfile.kms.age import AgeKey
from sealfile.model.rules import EncryptionRules
from sealfile.ops.seal import seal_plaintext
from sealfile.stores import get_store
from tests.sops.conftest import AgeIdentity, run_sops, sealfile_cli, sops_encrypt

TIMES = ("late: 1969-12-31T23:59:59.999999Z\n"
         "zoned: 2024-05-01T10:20:30.123456+02:00\n"
         "first: 0001-01-01\n"
         "early: 0999-12-31T23:59:59.5-01:00\n")
SHOWN = {"late": "1969-12-31T23:59:59.999999Z", "zoned": "2024-05-01T10:20:30.123456+02:00",
         "first": "0001-01-01T00:00:00Z", "early": "0999-12-31T23:59:59.5-01:00"}
"""What ``sops decrypt`` prints for :data:`TIMES`: Go's RFC 3339."""


@pytest.fixture
def env(sops_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    return {**os.environ}


def _sealed(tmp_path: Path, identity: AgeIdentity, env: dict[str, str]) -> Path:
    """:data:`TIMES` written by sops, then imported: the sealed file a team made from its SOPS file."""
    plain = tmp_path / "times.yaml"
    plain.write_text(TIMES)
    made = sops_encrypt(plain, tmp_path / "times.sops.yaml", "--age", identity.recipient, env=env)
    assert run_sops(["decrypt", str(made)], env).stdout == "".join(f"{k}: {v}\n" for k, v in SHOWN.items())
    sealed = tmp_path / "times.enc.yaml"
    done = sealfile_cli("import-sops", str(made), "-o", str(sealed), env=env)
    assert done.returncode == 0, done.stderr
    return sealed


@pytest.mark.parametrize("output", ["back.yaml", "back.json", "back.env"])
def test_times_come_back_from_sops_through_sealfile_as_they_went(output: str, sops_identity: AgeIdentity,
                                                                 env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / output
    done = sealfile_cli("export-sops", str(_sealed(tmp_path, sops_identity, env)), "-o", str(target), env=env)
    assert done.returncode == 0, done.stderr
    shown = run_sops(["decrypt", str(target)], env)
    assert shown.returncode == 0, shown.stderr
    if output.endswith(".json"):
        assert json.loads(shown.stdout) == SHOWN
    else:
        separator = ": " if output.endswith(".yaml") else "="
        assert shown.stdout.splitlines() == [f"{k}{separator}{v}" for k, v in SHOWN.items()]


def test_a_sealed_date_before_the_year_1000_goes_to_sops(sops_identity: AgeIdentity, env: dict[str, str],
                                                         tmp_path: Path) -> None:
    sealed = tmp_path / "old.enc.yaml"
    sealed.write_text(seal_plaintext("founded: 0999-01-02\nat: 0042-03-04T05:06:07Z\n", get_store("yaml"),
                                     [AgeKey(sops_identity.recipient)]))
    target = tmp_path / "old.yaml"
    done = sealfile_cli("export-sops", str(sealed), "-o", str(target), env=env)
    assert done.returncode == 0, done.stderr
    assert run_sops(["decrypt", str(target)], env).stdout == "founded: 0999-01-02T00:00:00Z\nat: 0042-03-04T05:06:07Z\n"


@pytest.mark.parametrize(("sealed_name", "output", "kind", "named"), [
    ("app.enc.yaml", "back.ini", "YAML", "INI"),
    ("app.enc.yaml", "back.sops", "YAML", "binary"),
    ("app.enc.yaml", "BACK.YAML", "YAML", "binary"),
    ("app.env.enc", "app.env.enc", "dotenv", "binary"),
])
def test_a_name_sops_reads_as_another_store_is_refused(sealed_name: str, output: str, kind: str, named: str,
                                                       sops_identity: AgeIdentity, env: dict[str, str],
                                                       tmp_path: Path) -> None:
    store = "dotenv" if sealed_name.endswith(".env.enc") else "yaml"
    sealed = tmp_path / sealed_name
    sealed.write_text(seal_plaintext("A: one\nB: two\n", get_store("yaml"), [AgeKey(sops_identity.recipient)],
                                     output=get_store(store)))
    before = sealed.read_bytes()
    target = tmp_path / output
    args = ["-i"] if target == sealed else ["-o", str(target)]
    done = sealfile_cli("export-sops", str(sealed), *args, env=env)
    assert done.returncode != 0 and done.stderr.count("\n") == 1, done.stderr
    assert f"{target}: sops reads a file of this name as {named}, not {kind}" in done.stderr
    assert sealed.read_bytes() == before and (target == sealed or not target.exists())
    fitting = tmp_path / ("app.env" if store == "dotenv" else "back.yaml")
    assert sealfile_cli("export-sops", str(sealed), "-o", str(fitting), env=env).returncode == 0
    assert run_sops(["decrypt", str(fitting)], env).stdout.replace(": ", "=") == "A=one\nB=two\n"


COMMENTED = """\
# head
a: 1 # after a
b:
  # inside b
  c: 2
l:
  # before the first item
  - x # after x
  # between items
  - y
  - # after a dash
    k: v
  - k2: v2
    # inside an item
    k3: v3
  # after the last item
z: last
# tail
"""


def test_comments_in_lists_come_back_from_sops_through_sealfile(sops_identity: AgeIdentity, env: dict[str, str],
                                                                tmp_path: Path) -> None:
    """SOPS keeps a comment in a list as an item of it: the export keeps it there, as every other comment."""
    plain = tmp_path / "commented.yaml"
    plain.write_text(COMMENTED)
    made = sops_encrypt(plain, tmp_path / "commented.sops.yaml", "--age", sops_identity.recipient, env=env)
    sealed, back = tmp_path / "commented.enc.yaml", tmp_path / "back.yaml"
    assert sealfile_cli("import-sops", str(made), "-o", str(sealed), env=env).returncode == 0
    assert sealfile_cli("export-sops", str(sealed), "-o", str(back), env=env).returncode == 0
    shown = run_sops(["decrypt", str(back)], env).stdout
    assert shown == run_sops(["decrypt", str(made)], env).stdout and "# between items" in shown


def test_a_key_yaml_v3_reads_as_a_number_goes_to_sops_as_the_string_it_is(sops_identity: AgeIdentity,
                                                                           env: dict[str, str], tmp_path: Path) -> None:
    """``0X1F``, ``0O17``, ``0B1`` are string keys to YAML 1.2 but numbers to yaml.v3: the export quotes them,
    with their comments; it was refused with no key path, reading the sealed plaintext's shape as SOPS would."""
    sealed = tmp_path / "keys.enc.yaml"
    sealed.write_text(seal_plaintext("# hex\n0X1F: a\nnested:\n  # octal\n  0O17: [1]\n  0B1: b\n", get_store("yaml"),
                                     [AgeKey(sops_identity.recipient)]))
    target = tmp_path / "keys.yaml"
    done = sealfile_cli("export-sops", str(sealed), "-o", str(target), env=env)
    assert done.returncode == 0, done.stderr
    assert run_sops(["decrypt", str(target)], env).stdout == (
        '# hex\n"0X1F": a\nnested:\n    # octal\n    "0O17":\n        - 1\n    "0B1": b\n')


def test_a_sops_file_s_key_yaml_v3_reads_as_a_number_is_refused_by_its_path(sops_identity: AgeIdentity,
                                                                            env: dict[str, str],
                                                                            tmp_path: Path) -> None:
    plain = tmp_path / "plain.yaml"
    plain.write_text('a:\n  "0X1F": 1\n')
    made = sops_encrypt(plain, tmp_path / "bad.sops.yaml", "--age", sops_identity.recipient, env=env)
    made.write_text(made.read_text().replace('"0X1F"', "0X1F"))  # as a hand edit leaves it; sops refuses it too
    assert run_sops(["decrypt", str(made)], env).returncode != 0
    done = sealfile_cli("decrypt", str(made), env=env)
    assert done.returncode != 0 and done.stderr.count("\n") == 1
    assert '["a"]["0X1F"]: SOPS YAML file: an int key' in done.stderr


@pytest.mark.parametrize("output", ["app.env", "app.yaml"])
def test_what_a_dotenv_line_holds_beyond_its_value_is_named(output: str, sops_identity: AgeIdentity,
                                                            env: dict[str, str], tmp_path: Path) -> None:
    """A comment after a value on its line, and ``export``, were dropped unsaid (SOPS's tree has no place
    for either); a ``#`` inside a value is the value's."""
    sealed = tmp_path / "app.enc.env"
    plain = "# whole line\nA=1 # after A\nB='x #y'\nC= # empty C\nexport D=d\nE=e#f\n"
    sealed.write_text(seal_plaintext(plain, get_store("dotenv"), [AgeKey(sops_identity.recipient)]))
    target = tmp_path / output
    done = sealfile_cli("export-sops", str(sealed), "-o", str(target), env=env)
    assert done.returncode == 0, done.stderr
    assert "a comment after a value on its line is left out (SOPS keeps a dotenv file's whole-line " \
           "comments): A, C\n" in done.stderr
    assert "'export' before a key is left out (a SOPS file has no place for it): D\n" in done.stderr
    theirs = run_sops(["decrypt", "--output-type", "json", str(target)], env)
    assert json.loads(theirs.stdout) == {"A": "1", "B": "x #y", "C": "", "D": "d", "E": "e#f"}


def test_comments_sops_keeps_in_plaintext_are_not_said_to_be_encrypted(sops_identity: AgeIdentity,
                                                                       env: dict[str, str], tmp_path: Path) -> None:
    """Under encrypted_regex SOPS encrypts no comment: the note said reviewers would see #ENC[...] lines."""
    sealed = tmp_path / "app.enc.yaml"
    sealed.write_text(seal_plaintext("# the database\ndb:\n  password: x # rotate\n", get_store("yaml"),
                                     [AgeKey(sops_identity.recipient)],
                                     EncryptionRules("encrypted_regex", "^password$")))
    target = tmp_path / "app.yaml"
    done = sealfile_cli("export-sops", str(sealed), "-o", str(target), env=env)
    assert done.returncode == 0, done.stderr
    assert "# the database\n" in target.read_text() and "comments are encrypted" not in done.stderr


@pytest.mark.parametrize("rule", ["encrypted_comment_regex: secret", "unencrypted_comment_regex: public"])
def test_a_value_sops_encrypted_under_a_comment_rule_is_sealed_after_import(rule: str, sops_identity: AgeIdentity,
                                                                           env: dict[str, str],
                                                                           tmp_path: Path) -> None:
    """Under a comment rule SOPS encrypts a key ending in _unencrypted too; the import sealed by sealfile's
    default rule, which wrote that value in plaintext: every value is sealed instead."""
    config = tmp_path / ".sops.yaml"
    config.write_text(f"creation_rules:\n  - age: {sops_identity.recipient}\n    {rule}\n")
    plain = tmp_path / "plain.yaml"
    plain.write_text("# secret\ntoken_unencrypted: hunter2\n# public\nhost: example.org\n")
    made = tmp_path / "app.sops.yaml"
    made.write_text(run_sops(["--config", str(config), "encrypt", str(plain)], env).stdout)
    assert "hunter2" not in made.read_text()
    sealed = tmp_path / "app.enc.yaml"
    done = sealfile_cli("import-sops", str(made), "-o", str(sealed), env=env)
    assert done.returncode == 0, done.stderr
    assert "every value is sealed instead (encrypted_regex ^)" in done.stderr
    assert "hunter2" not in sealed.read_text() and "example.org" not in sealed.read_text()
    assert sealfile_cli("decrypt", str(sealed), env=env).stdout == run_sops(["decrypt", str(made)], env).stdout


def test_import_never_writes_in_plaintext_a_value_sops_encrypted(sops_identity: AgeIdentity, env: dict[str, str],
                                                                  tmp_path: Path) -> None:
    """The guard behind every rule translation: a sealfile rule that would leave a value SOPS encrypted in
    plaintext is refused, naming the value's path (a translation gap must not publish a secret)."""
    from sealfile.errors import FormatError
    from sealfile.ops.import_sops import _refuse_unsealing
    from sealfile.sops import open_text

    plain = tmp_path / "plain.yaml"
    plain.write_text("db:\n  password: hunter2\n  host: h\nl:\n  - password: p2\n")
    made = sops_encrypt(plain, tmp_path / "app.sops.yaml", "--age", sops_identity.recipient, "--encrypted-regex",
                        "^password$", env=env)
    opened = open_text(made.read_text(), "yaml", comments=True)
    _refuse_unsealing(made.read_text(), opened, EncryptionRules("encrypted_regex", "^password\\Z"))
    with pytest.raises(FormatError, match="SOPS encrypted this value") as caught:
        _refuse_unsealing(made.read_text(), opened, EncryptionRules("encrypted_regex", "^pass\\Z"))
    assert caught.value.keypath == "db.password"


def test_a_null_goes_to_a_sops_dotenv_file_as_an_empty_value(sops_identity: AgeIdentity, env: dict[str, str],
                                                             tmp_path: Path) -> None:
    """The read-back refused it as 'not a SOPS encrypted value': a dotenv file has no null."""
    sealed = tmp_path / "app.enc.yaml"
    sealed.write_text(seal_plaintext("EMPTY: ~\nPORT: 1\n", get_store("yaml"), [AgeKey(sops_identity.recipient)]))
    target = tmp_path / "app.env"
    done = sealfile_cli("export-sops", str(sealed), "-o", str(target), env=env)
    assert done.returncode == 0, done.stderr
    assert "a null is an empty value in a SOPS dotenv file: EMPTY\n" in done.stderr
    assert run_sops(["decrypt", str(target)], env).stdout == "EMPTY=\nPORT=1\n"


def test_import_names_a_plaintext_value_spelled_as_a_ciphertext_for_what_it_is(
        sops_identity: AgeIdentity, env: dict[str, str], tmp_path: Path) -> None:
    """A value the rule leaves in plaintext that is spelled ``ENC[...]`` is text to sops (``sops decrypt`` prints
    it as it is); a sealed file cannot hold it in plaintext. The refusal said "SOPS encrypted this value"."""
    plain = tmp_path / "plain.yaml"
    spelled = "ENC[AES256_GCM,data:eA==,iv:eA==,tag:eA==,type:str]"
    plain.write_text(f"note_unencrypted: {spelled}\npassword: hunter2\n")
    made = sops_encrypt(plain, tmp_path / "app.sops.yaml", "--age", sops_identity.recipient, "--unencrypted-suffix",
                        "_unencrypted", env=env)
    assert f"note_unencrypted: {spelled}\n" in run_sops(["decrypt", str(made)], env).stdout
    sealed = tmp_path / "app.enc.yaml"
    done = sealfile_cli("import-sops", str(made), "-o", str(sealed), env=env)
    assert done.returncode != 0 and not sealed.exists()
    told = "note_unencrypted: SOPS YAML file: a plaintext value spelled as a SOPS ciphertext (ENC[...])"
    assert done.stderr.count("\n") == 1 and told in done.stderr, done.stderr
    assert "SOPS encrypted this value" not in done.stderr and "hunter2" not in done.stderr
