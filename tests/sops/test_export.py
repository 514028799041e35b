"""``export-sops``: the way back. The real ``sops decrypt`` opens the SOPS file with the data
``sealfile decrypt`` shows, and sealfile says what SOPS does not keep."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import sealfile
from sealfile.kms.age import AgeKey
from sealfile.ops.seal import seal_plaintext
from sealfile.stores import get_store
from sealfile.stores.yaml import reader as yaml_store
from tests.sops.conftest import AgeIdentity, assert_same, run_sops, sealfile_cli

ROUND_TRIP_YAML = """\
# who connects
database:
  # the user
  user: admin
  password: "p@ss: w0rd #1"
  port: 5432
  ratio: 0.25
  tiny: 1.0e-7
  huge: 1.0e+300
  enabled: true
  nothing: null
  empty: ""
  since: 2024-05-01T10:20:30.123456+02:00
  hosts:
    - a.example
    - b.example
  replicas: [{host: r1, weight: 1.5}, {host: r2}]
certificate: |
  -----BEGIN CERTIFICATE-----
  MIIB
  -----END CERTIFICATE-----
unicode: "héllo ✓ 日本 🔑"
quoted_number: "017"
looks_like_a_date: "2024-5-1"
public_unencrypted:
  region: eu-west-1
  count: 3
  code: "0x1F"
  when: 2024-05-01T00:00:00Z
"""
FLAT_YAML = "NAME: svc\nPASSWORD: hunter2\nPORT: 8080\nMULTILINE: |\n  one\n  two\n"


@pytest.fixture
def keys(sops_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Only the SOPS variable: the environment a team leaving sealfile has."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    return {**os.environ}


def _seal(text: str, identity: AgeIdentity, path: Path, store: str = "yaml") -> Path:
    path.write_text(seal_plaintext(text, get_store("yaml"), [AgeKey(identity.recipient)], output=get_store(store)))
    return path


def _sops_data(path: Path, env: dict[str, str], *args: str) -> object:
    done = run_sops(["decrypt", *args, str(path)], env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if path.suffix == ".json" or "json" in args else yaml_store.load_fast(done.stdout)


@pytest.mark.parametrize("output", ["out.sops.yaml", "out.sops.json"])
def test_sops_decrypt_shows_what_sealfile_decrypt_shows(output: str, sops_identity: AgeIdentity,
                                                       keys: dict[str, str], tmp_path: Path) -> None:
    sealed = _seal(ROUND_TRIP_YAML, sops_identity, tmp_path / "secrets.enc.yaml")
    target = tmp_path / output
    done = sealfile_cli("export-sops", str(sealed), "-o", str(target), env=keys)
    assert done.returncode == 0, done.stderr
    ours = sealfile.load_secrets(sealed, redacted=False)
    if target.suffix == ".json":  # JSON has no times: SOPS writes RFC 3339 text, with Z for UTC
        ours = json.loads(json.dumps(ours, default=lambda moment: moment.isoformat().replace("+00:00", "Z")))
    assert_same(_sops_data(target, keys), ours)
    text = target.read_text()
    assert "admin" not in text and "eu-west-1" in text  # the same rule: public_unencrypted stays readable
    assert_same(sealfile.load_secrets(target, redacted=False), _sops_data(target, keys))


def test_comments_survive_encrypted_and_the_notes_say_so(sops_identity: AgeIdentity, keys: dict[str, str],
                                                         tmp_path: Path) -> None:
    sealed = _seal(ROUND_TRIP_YAML, sops_identity, tmp_path / "secrets.enc.yaml")
    done = sealfile_cli("export-sops", str(sealed), env=keys)
    assert done.returncode == 0 and "# who connects" not in done.stdout and "#ENC[AES256_GCM," in done.stdout
    assert "comments are encrypted by SOPS" in done.stderr and "set-at times are not kept" in done.stderr
    target = tmp_path / "out.yaml"
    target.write_text(done.stdout)
    shown = run_sops(["decrypt", str(target)], keys).stdout
    assert "# who connects" in shown and "    # the user" in shown


def test_dotenv_and_json_sealed_files_export(sops_identity: AgeIdentity, keys: dict[str, str], tmp_path: Path) -> None:
    flat = _seal(FLAT_YAML, sops_identity, tmp_path / "app.enc.yaml")
    target = tmp_path / "app.env"
    assert sealfile_cli("export-sops", str(flat), "-o", str(target), env=keys).returncode == 0
    shown = run_sops(["decrypt", str(target)], keys)
    assert (shown.returncode, shown.stdout) == (0, "NAME=svc\nPASSWORD=hunter2\nPORT=8080\nMULTILINE=one\\ntwo\\n\n")
    sealed_json = _seal(FLAT_YAML, sops_identity, tmp_path / "app.enc.json", store="json")
    done = sealfile_cli("export-sops", str(sealed_json), "--output-type", "yaml", env=keys)
    assert done.returncode == 0, done.stderr
    target = tmp_path / "from-json.yaml"
    target.write_text(done.stdout)
    assert_same(_sops_data(target, keys), sealfile.load_secrets(sealed_json, redacted=False))


@pytest.mark.parametrize(("output", "shown"), [
    ("app.env", "# the service\nNAME=svc\n# rotate monthly\n# (owner: ops)\nPASSWORD=hunter2 #x\n# the end\n"),
    ("app.yaml", "# the service\nNAME: svc\n# rotate monthly\n# (owner: ops)\nPASSWORD: 'hunter2 #x'\n# the end\n"),
])
def test_a_sealed_dotenv_file_s_comments_go_to_sops_encrypted(output: str, shown: str, sops_identity: AgeIdentity,
                                                             keys: dict[str, str], tmp_path: Path) -> None:
    """They were dropped, unsaid: the way out kept a YAML file's comments only. A quoted '#' is a value's
    (python-dotenv reads 'hunter2 #x' as one value); blank lines are not kept."""
    sealed = tmp_path / "app.enc.env"
    plain = "# the service\nNAME=svc\n\n# rotate monthly\n  # (owner: ops)\nPASSWORD='hunter2 #x'\n# the end\n"
    sealed.write_text(seal_plaintext(plain, get_store("dotenv"), [AgeKey(sops_identity.recipient)]))
    target = tmp_path / output
    done = sealfile_cli("export-sops", str(sealed), "-o", str(target), env=keys)
    assert done.returncode == 0, done.stderr
    assert "comments are encrypted by SOPS" in done.stderr and "rotate" not in target.read_text()
    theirs = run_sops(["decrypt", str(target)], keys)
    assert (theirs.returncode, theirs.stdout) == (0, shown), theirs.stderr
    to_json = sealfile_cli("export-sops", str(sealed), "-o", str(tmp_path / "app.json"), env=keys)
    assert to_json.returncode == 0 and "comments are not kept (a SOPS JSON file has none)" in to_json.stderr


def test_comment_lines_between_list_items_export_and_a_bare_one_is_left_out(
        sops_identity: AgeIdentity, keys: dict[str, str], tmp_path: Path) -> None:
    """sops writes an empty comment in a list as the item "" (a value in its own JSON output): a bare
    "#" separating CI steps is left out and named, the other comments of a list are kept encrypted."""
    plaintext = "steps:\n  - run: a\n  # the build\n  #\n  #   \n  - run: b\n  - c\n  #\ntoken: t\n"
    sealed = _seal(plaintext, sops_identity, tmp_path / "ci.enc.yaml")
    target = tmp_path / "ci.sops.yaml"
    done = sealfile_cli("export-sops", str(sealed), "-o", str(target), env=keys)
    assert done.returncode == 0, done.stderr
    assert "an empty comment line (#) in a list is left out" in done.stderr and ": steps" in done.stderr
    assert "comments are encrypted by SOPS" in done.stderr
    assert _sops_data(target, keys, "--output-type", "json") == {"steps": [{"run": "a"}, {"run": "b"}, "c"],
                                                                "token": "t"}
    shown = run_sops(["decrypt", str(target)], keys).stdout
    assert "    # the build\n    #   \n    - run: b" in shown


def test_what_sops_changes_is_named(sops_identity: AgeIdentity, keys: dict[str, str], tmp_path: Path) -> None:
    sealed = _seal("whole: 2.0\nday: 2024-05-01\nlocal: 2024-05-01 10:20:30\n", sops_identity, tmp_path / "s.yaml")
    done = sealfile_cli("export-sops", str(sealed), env=keys)
    assert done.returncode == 0, done.stderr
    assert "sops decrypt prints these floats as integers: whole" in done.stderr
    assert "a date becomes a time at midnight UTC in SOPS: day" in done.stderr
    assert "a time without a zone is read as UTC by SOPS: local" in done.stderr


def test_strings_sops_decrypt_prints_unreadably_are_named(sops_identity: AgeIdentity, keys: dict[str, str],
                                                          tmp_path: Path) -> None:
    """yaml.v3 prints the strings "=" and "<<" plain, which YAML 1.1 and ruamel.yaml read as the value
    and merge tags and refuse, and "1e400" or a time Go does not parse plain, which they read as a float
    and a time, keys as much as values: a team leaving for SOPS is told which its readers will trip on."""
    sealed = _seal('op: "="\nmerge_unencrypted: "<<"\nfine: "=="\n"1e400": big\nat: "2001-12-14 21:59:43.10 -5"\n'
                   'tab: "2001-12-14\\t21:59:43"\n', sops_identity, tmp_path / "s.enc.yaml")
    target = tmp_path / "s.sops.yaml"
    done = sealfile_cli("export-sops", str(sealed), "-o", str(target), env=keys)
    assert done.returncode == 0, done.stderr
    assert "sops decrypt prints these strings unquoted ('1e400'" in done.stderr
    assert ": op, merge_unencrypted, [\"1e400\"], at\n" in done.stderr  # not "tab": yaml.v3 quotes it
    shown = run_sops(["decrypt", str(target)], keys).stdout
    assert "op: =\n" in shown and "!!merge <<" in shown and 'fine: ==' in shown
    assert "1e400: big\n" in shown and "at: 2001-12-14 21:59:43.10 -5\n" in shown and 'tab: "2001' in shown
    assert _sops_data(target, keys, "--output-type", "json") == {
        "op": "=", "merge_unencrypted": "<<", "fine": "==", "1e400": "big", "at": "2001-12-14 21:59:43.10 -5",
        "tab": "2001-12-14\t21:59:43"}


def test_dotenv_values_sops_decrypt_prints_otherwise_are_named(sops_identity: AgeIdentity, keys: dict[str, str],
                                                              tmp_path: Path) -> None:
    """SOPS prints a dotenv value bare, a line break as ``\\n``: python-dotenv reads spaces at its ends, a
    ``#`` after a blank or quotes around it otherwise, and SOPS reads any ``\\n`` back as a line break."""
    values = {"PEM": "line 1\nline 2", "PADDED": " x ", "NOTE": "a #b", "QUOTED": "'q'", "ESCAPE": "a\\nb",
              "FINE": "p@ss=w0rd$x"}
    sealed = _seal(json.dumps(values), sops_identity, tmp_path / "s.enc.env", store="dotenv")
    target = tmp_path / "s.sops.env"
    done = sealfile_cli("export-sops", str(sealed), "-o", str(target), env=keys)
    assert done.returncode == 0, done.stderr
    assert ("sops decrypt prints these values bare, a line break as \\n: python-dotenv reads them otherwise, and "
            "sops reads a \\n back as a line break (its JSON output is safe): PEM, PADDED, NOTE, QUOTED, ESCAPE\n"
            ) in done.stderr
    assert _sops_data(target, keys, "--output-type", "json") == values


def test_whole_plaintext_floats_go_to_sops_yaml(sops_identity: AgeIdentity, keys: dict[str, str],
                                                tmp_path: Path) -> None:
    """yaml.v3 prints a whole float64 as ``1`` and reads it back as an int, which SOPS hashes and
    prints alike: as for an encrypted whole float, a note, not a refusal."""
    sealed = _seal("public_unencrypted:\n  version: 1.0\n  sizes: [2.0, 2.5]\nsecret: 3.0\n", sops_identity,
                   tmp_path / "s.yaml")
    target = tmp_path / "out.yaml"
    done = sealfile_cli("export-sops", str(sealed), "-o", str(target), env=keys)
    assert done.returncode == 0, done.stderr
    assert "sops decrypt prints these floats as integers: public_unencrypted.version" in done.stderr
    assert "version: 1\n" in target.read_text()  # in plaintext, as SOPS writes it
    expected = {"public_unencrypted": {"version": 1, "sizes": [2, 2.5]}, "secret": 3}
    assert_same(_sops_data(target, keys), expected)
    assert run_sops(["rotate", "-i", str(target)], keys).returncode == 0
    assert_same(_sops_data(target, keys), expected)


@pytest.mark.parametrize(("plaintext", "cause"), [
    ("big: 123456789012345678901234567890\n", "big: an integer beyond int64"),
    ("public_unencrypted:\n  zero: -0.0\n", "public_unencrypted.zero: a negative zero"),
    ("zero: -0.0\n", "zero: a negative zero, which sops decrypt prints as -0"),  # encrypted: SOPS keeps -0.0, prints -0
    ("1: numeric key\n", "s.yaml: [1]: an integer key; SOPS files have only string keys"),
    ("db:\n  true: boolean key\n", 's.yaml: ["db"][true]: a boolean key; SOPS files have only string keys'),
    ("nested:\n  blob: !!binary /w==\n", "nested.blob: a bytes value, which SOPS cannot keep"),  # not UTF-8
    ("'<<': v\n", '["<<"]: a \'<<\' key, which SOPS writes plain'),  # sops itself cannot open the file then
    ("a:\n  '<<': {x: 1}\n", '["a"]["<<"]: a \'<<\' key'),  # yaml.v3 would merge {x: 1} into a
    ("a: 1\n---\nb: 2\n", "s.yaml: a file of several YAML documents; export-sops writes one document"),
])
def test_what_sops_cannot_keep_is_refused(plaintext: str, cause: str, sops_identity: AgeIdentity,
                                          keys: dict[str, str], tmp_path: Path) -> None:
    sealed = _seal(plaintext, sops_identity, tmp_path / "s.yaml")
    done = sealfile_cli("export-sops", str(sealed), "-o", str(tmp_path / "out.yaml"), env=keys)
    assert done.returncode == 1 and cause in done.stderr and done.stderr.count("\n") == 1
    assert not (tmp_path / "out.yaml").exists()


def test_the_rule_goes_with_the_file(sops_identity: AgeIdentity, keys: dict[str, str], tmp_path: Path) -> None:
    from sealfile.model.rules import EncryptionRules

    sealed = tmp_path / "s.yaml"
    sealed.write_text(seal_plaintext("password: x\nuser: admin\nlist: [a]\n", get_store("yaml"),
                                     [AgeKey(sops_identity.recipient)], EncryptionRules("encrypted_regex", r"^pass\Z")))
    done = sealfile_cli("export-sops", str(sealed), env=keys)
    exported = yaml_store.load_fast(done.stdout)
    assert exported["sops"]["encrypted_regex"] == r"^pass\z" and exported["user"] == "admin"
    target = tmp_path / "out.yaml"
    target.write_text(done.stdout)
    assert_same(_sops_data(target, keys), {"password": "x", "user": "admin", "list": ["a"]})


def test_import_of_the_export_gives_the_same_data(sops_identity: AgeIdentity, keys: dict[str, str],
                                                  tmp_path: Path) -> None:
    sealed = _seal(ROUND_TRIP_YAML, sops_identity, tmp_path / "secrets.enc.yaml")
    exported = tmp_path / "exported.yaml"
    assert sealfile_cli("export-sops", str(sealed), "-o", str(exported), env=keys).returncode == 0
    back = tmp_path / "back.enc.yaml"
    assert sealfile_cli("import-sops", str(exported), "-o", str(back), env=keys).returncode == 0
    assert_same(sealfile.load_secrets(back, redacted=False), sealfile.load_secrets(sealed, redacted=False))
    assert "# who connects" in sealfile_cli("decrypt", str(back), env=keys).stdout


@pytest.mark.parametrize("output", ["exported.yaml", "exported.json"])
def test_keys_yaml_readers_read_apart_come_back_from_the_export(output: str, sops_identity: AgeIdentity,
                                                                 keys: dict[str, str], tmp_path: Path) -> None:
    """A key holding U+2028, U+0085 or U+2029 was written raw, which sealfile's own YAML reader refuses
    (YAML 1.1 readers take them for line breaks): import-sops failed on the file export-sops wrote."""
    sealed = _seal('"\\L": line separator\nouter:\n  "a\\Nb": next line\n  "\\P": [1]\n', sops_identity,
                   tmp_path / "secrets.enc.yaml")
    exported = tmp_path / output
    assert sealfile_cli("export-sops", str(sealed), "-o", str(exported), env=keys).returncode == 0
    back = tmp_path / "back.enc.yaml"
    done = sealfile_cli("import-sops", str(exported), "-o", str(back), env=keys)
    assert done.returncode == 0, done.stderr
    data = sealfile.load_secrets(sealed, redacted=False)
    assert_same(sealfile.load_secrets(back, redacted=False), data)
    assert_same(_sops_data(exported, keys), data)


@pytest.mark.parametrize("plaintext", [
    "updates:\n  - ecosystem: pip # see the docs\n    # where\n    directory: /\n",
    "jobs:\n  test:\n    steps:\n      # v4\n      - uses: actions/checkout@v4\n        with:\n          depth: 1\n",
])
def test_an_exported_file_prints_as_sops_prints_it(plaintext: str, sops_identity: AgeIdentity,
                                                   keys: dict[str, str], tmp_path: Path) -> None:
    """A comment heading a list item's mapping is written before its dash, where yaml.v3 prints it
    (it was written after a lone dash), and nested blocks at yaml.v3's columns."""
    sealed = _seal(plaintext, sops_identity, tmp_path / "s.yaml")
    target = tmp_path / "out.yaml"
    assert sealfile_cli("export-sops", str(sealed), "-o", str(target), env=keys).returncode == 0
    theirs, ours = run_sops(["decrypt", str(target)], keys), sealfile_cli("decrypt", str(target), env=keys)
    assert theirs.returncode == 0, theirs.stderr
    assert (ours.returncode, ours.stdout) == (0, theirs.stdout), ours.stderr


@pytest.mark.parametrize("plaintext", ["# to be filled\n", "", "{a: 1, b: x}\n"])
def test_a_file_with_no_key_or_a_flow_top_level_exports(plaintext: str, sops_identity: AgeIdentity,
                                                         keys: dict[str, str], tmp_path: Path) -> None:
    """A YAML file with no key yet has no document for SOPS's shape: it exports as SOPS's empty mapping."""
    sealed = _seal(plaintext, sops_identity, tmp_path / "secrets.enc.yaml")
    target = tmp_path / "out.sops.yaml"
    done = sealfile_cli("export-sops", str(sealed), "-o", str(target), env=keys)
    assert done.returncode == 0, done.stderr
    assert_same(_sops_data(target, keys), sealfile.load_secrets(sealed, redacted=False))


def test_a_wide_mapping_is_exported_in_work_linear_in_its_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each key's place in SOPS's shape was looked up by walking the mapping: 20,000 keys (a 2.7 MB
    file, or 1,000 keys aliased 20 times from 10 kB) took minutes. Counted in items walked."""
    from sealfile.ops import export_sops
    from sealfile.sops.nodes import Branch, Item

    walked = 0
    entries = Branch.entries

    def counting(self: Branch) -> object:
        nonlocal walked
        for entry in entries(self):
            walked += 1
            yield entry

    monkeypatch.setattr(Branch, "entries", counting)
    data = {f"k{i}": {"v": i} for i in range(2000)}
    shape = Branch(Item(key, Branch([Item("v", i)])) for i, key in enumerate(data))
    tree = export_sops.go_tree(data, shape, "yaml", export_sops.Notes({}))
    assert [item.key for item in tree] == list(data)
    assert walked < 10 * len(data), walked


@pytest.mark.parametrize(("plaintext", "output", "cause"), [
    ("n_unencrypted: 9223372036854775807\n", "out.json",
     "n_unencrypted: SOPS would read this value back differently (a JSON number is a float64 to SOPS, which does "
     "not keep this integer's digits)"),
    ("list_unencrypted: [1, 9007199254740993]\n", "out.json", "list_unencrypted.1: SOPS would read this value back "
                                                              "differently (a JSON number is a float64"),
    ("port_unencrypted: 5432\n", "out.env",
     "port_unencrypted: SOPS would read this value back differently (a dotenv value is text to SOPS: this integer "
     "would come back as a string)"),
    ("on_unencrypted: true\n", "out.env", "a dotenv value is text to SOPS: this boolean would come back as a string"),
])
def test_a_value_sops_reads_back_otherwise_is_refused_naming_why(plaintext: str, output: str, cause: str,
                                                                sops_identity: AgeIdentity, keys: dict[str, str],
                                                                tmp_path: Path) -> None:
    """The read-back check names the cause by kind and type (never the value), not only "differently"."""
    sealed = _seal(plaintext, sops_identity, tmp_path / "s.yaml")
    done = sealfile_cli("export-sops", str(sealed), "-o", str(tmp_path / output), env=keys)
    assert done.returncode == 1 and cause in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert "5432" not in done.stderr and "9223372036854775807" not in done.stderr
    assert not (tmp_path / output).exists()
