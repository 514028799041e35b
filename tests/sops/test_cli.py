"""``sealfile decrypt`` and ``sealfile import-sops`` on SOPS files, through a real subprocess."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

import sealfile
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.ops.seal import seal_text
from sealfile.stores.yaml import reader as yaml_store
from tests.sops.conftest import (
    AgeIdentity,
    assert_same,
    parse,
    run_sops,
    sealfile_cli,
    sops_decrypt,
    sops_encrypt,
)
from tests.sops.documents import JSON_DOCUMENT, YAML_DOCUMENT
from tests.support.cli import run_python


@pytest.fixture(scope="module")
def sops_files(sops_identity: AgeIdentity, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("cli")
    files = {}
    for name, text in (("app.yaml", YAML_DOCUMENT), ("app.json", JSON_DOCUMENT)):
        plain = work / name
        plain.write_text(text, encoding="utf-8")
        files[name] = sops_encrypt(plain, work / f"{plain.stem}.sops{plain.suffix}", "--age", sops_identity.recipient)
    return files


@pytest.fixture
def env(sops_identity: AgeIdentity) -> dict[str, str]:
    return {**os.environ, "SOPS_AGE_KEY_FILE": str(sops_identity.key_file)}


@pytest.mark.parametrize("name", ["app.yaml", "app.json"])
def test_decrypt_prints_what_sops_prints(name: str, sops_files: dict[str, Path], sops_identity: AgeIdentity,
                                         env: dict[str, str]) -> None:
    done = sealfile_cli("decrypt", str(sops_files[name]), env=env)
    assert done.returncode == 0, done.stderr
    if name.endswith(".json"):
        json.loads(done.stdout)  # JSON for a SOPS JSON file, as `sops decrypt` prints
    assert_same(parse(done.stdout, sops_files[name]), sops_decrypt(sops_files[name], sops_identity.key_file))


def test_decrypt_shows_comments_and_extracts(sops_files: dict[str, Path], env: dict[str, str]) -> None:
    done = sealfile_cli("decrypt", str(sops_files["app.yaml"]), env=env)
    assert "# top comment" in done.stdout and "# who connects" in done.stdout and "ENC[" not in done.stdout
    assert "# the second replica" in done.stdout  # SOPS stores comments in lists as items
    done = sealfile_cli("decrypt", "--extract", "database.port", str(sops_files["app.yaml"]), env=env)
    assert (done.returncode, done.stdout) == (0, "5432\n")


def test_decrypt_without_key_is_one_clear_line(sops_files: dict[str, Path]) -> None:
    done = sealfile_cli("decrypt", str(sops_files["app.json"]))
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "no recipient could open the data key" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("name", ["app.yaml", "app.json"])
def test_import_sops_gives_a_verified_sealed_file_with_the_same_data(
    name: str, sops_files: dict[str, Path], sops_identity: AgeIdentity, env: dict[str, str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "secrets.enc.yaml"
    done = sealfile_cli("import-sops", str(sops_files[name]), "-o", str(out), env=env)
    assert done.returncode == 0, done.stderr
    sealed_env = {**os.environ, "SEALFILE_AGE_KEY_FILE": str(sops_identity.key_file)}  # sealfile's own key source
    verified = sealfile_cli("verify", str(out), env=sealed_env)
    assert verified.returncode == 0, verified.stderr
    sealed = yaml_store.load_fast(out.read_text())
    assert [r["recipient"] for r in sealed["sealfile"]["recipients"]] == [sops_identity.recipient]
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(sops_identity.key_file))
    assert_same(sealfile.load_secrets(out), sops_decrypt(sops_files[name], sops_identity.key_file))


def test_import_sops_keeps_comments_rule_and_in_place(sops_files: dict[str, Path], env: dict[str, str],
                                                      tmp_path: Path) -> None:
    target = tmp_path / "app.yaml"
    target.write_text(sops_files["app.yaml"].read_text())
    done = sealfile_cli("import-sops", "-i", str(target), env=env)
    assert done.returncode == 0 and done.stdout == "", done.stderr
    text = target.read_text()
    assert "sops:" not in text and "sealfile:" in text
    assert "# top comment" in text and "# who connects" in text
    assert "region: eu-west-1" in text  # unencrypted_suffix, as in the SOPS file
    assert "admin" not in text



def test_a_repositorys_sops_files_convert_in_one_command_and_go_back(typed: dict[str, Path], env: dict[str, str],
                                                                      tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """``import-sops`` and ``export-sops`` took one file, so a team moving a repository wrote a shell loop, and
    one KMS wait after another. With ``-i`` they take several: each converted or left exactly as it was, a summary
    naming the failures, exit 1 if any failed."""
    copies = {name: tmp_path / f"app{Path(name).suffix}" for name in ("t.yaml", "t.json", "t.env")}
    for name, copy in copies.items():
        copy.write_bytes(typed[name].read_bytes())
    (tmp_path / "notes.yaml").write_text("x: 1\n")
    files = [*map(str, copies.values()), str(tmp_path / "notes.yaml")]
    done = sealfile_cli("import-sops", *files, env=env)
    assert done.returncode == 2 and "add -i" in done.stderr, done.stderr
    assert all(copies[name].read_bytes() == typed[name].read_bytes() for name in copies)
    done = sealfile_cli("import-sops", "-i", *files, env=env)
    assert done.returncode == 1, done.stderr
    assert f"{tmp_path / 'notes.yaml'}: not a SOPS file" in done.stderr
    assert done.stderr.rstrip().endswith(f"4 files: 3 ok, 1 failed ({tmp_path / 'notes.yaml'})"), done.stderr
    assert (tmp_path / "notes.yaml").read_text() == "x: 1\n"
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", env["SOPS_AGE_KEY_FILE"])
    for name, copy in copies.items():
        assert "sealfile" in copy.read_text() and "sops_mac" not in copy.read_text()
        assert_same(sealfile.load_secrets(copy, redacted=False), sealfile.load_secrets(typed[name], redacted=False),
                    name)
    done = sealfile_cli("export-sops", "-i", *map(str, copies.values()), env=env)
    assert done.returncode == 0 and "3 files: 3 ok" in done.stderr, done.stderr
    for name, copy in copies.items():
        assert_same(sops_decrypt(copy, Path(env["SOPS_AGE_KEY_FILE"])),
                    sops_decrypt(typed[name], Path(env["SOPS_AGE_KEY_FILE"])), name)

def test_import_sops_writes_no_syntax_the_outputs_name_denies(sops_files: dict[str, Path], env: dict[str, str],
                                                              tmp_path: Path) -> None:
    """--output-type json with -o x.enc.yaml (or -i on app.yaml) wrote a JSON sealed file every later command
    read as YAML by its name ('set' refused it)."""
    target = tmp_path / "app.yaml"
    target.write_text(sops_files["app.yaml"].read_text())
    for args in (["-o", str(tmp_path / "x.enc.yaml")], ["-i"]):
        done = sealfile_cli("import-sops", "--output-type", "json", *args, str(target), env=env)
        assert done.returncode != 0 and "its name says yaml, not json" in done.stderr, done.stderr
    assert target.read_text() == sops_files["app.yaml"].read_text() and not (tmp_path / "x.enc.yaml").exists()
    done = sealfile_cli("import-sops", "--output-type", "json", "-o", str(tmp_path / "x.enc.json"), str(target),
                        env=env)
    assert done.returncode == 0, done.stderr

TYPED_YAML = "when: 2024-05-01\nat: 2024-05-01T10:20:30.5+02:00\nratio: 1.0e-7\nbig: 1.0e+21\nport: 8080\n" \
             "secret: <p&ss>\nlist: [1, 2.5, true, null]\n"


@pytest.fixture(scope="module")
def typed(sops_identity: AgeIdentity, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same data in each SOPS store the data fits: YAML (with times), JSON, dotenv, INI, binary."""
    work = tmp_path_factory.mktemp("typed")
    sources = {"t.yaml": TYPED_YAML, "t.json": json.dumps({"a": 1.5, "b": "x", "c": [1, None]}),
               "t.env": "A=1\nB=two\n", "t.ini": "[s]\nk = v\n", "t.txt": "raw\n"}
    files = {}
    for name, text in sources.items():
        plain = work / name
        plain.write_text(text)
        files[name] = sops_encrypt(plain, work / f"sealed-{name}", "--age", sops_identity.recipient)
    return files


def _sops_out(args: list[str], key_file: Path) -> str:
    done = run_sops(args, {**os.environ, "SOPS_AGE_KEY_FILE": str(key_file)})
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_output_type_converts_as_sops_does(typed: dict[str, Path], sops_identity: AgeIdentity,
                                           env: dict[str, str]) -> None:
    as_json = sealfile_cli("decrypt", "--output-type", "json", str(typed["t.yaml"]), env=env)
    assert as_json.stdout == _sops_out(["decrypt", "--output-type", "json", str(typed["t.yaml"])],
                                       sops_identity.key_file)  # Go's spellings of times and floats
    as_yaml = sealfile_cli("decrypt", "--output-type", "yaml", str(typed["t.json"]), env=env)
    theirs = _sops_out(["decrypt", "--output-type", "yaml", str(typed["t.json"])], sops_identity.key_file)
    assert_same(yaml_store.load_fast(as_yaml.stdout), yaml_store.load_fast(theirs))
    flat = sealfile_cli("decrypt", "--output-type", "dotenv", str(typed["t.yaml"]), env=env)
    assert flat.returncode == 0 and "LIST_1='2.5'" in flat.stdout  # the deployment shape: flattened names


@pytest.mark.parametrize("name", ["t.yaml", "t.json", "t.env", "t.ini", "t.txt"])
def test_verify_and_status_read_every_sops_store(name: str, typed: dict[str, Path], env: dict[str, str],
                                                 sops_identity: AgeIdentity) -> None:
    kind = {"t.yaml": "YAML", "t.json": "JSON", "t.env": "dotenv", "t.ini": "INI", "t.txt": "binary"}[name]
    done = sealfile_cli("verify", str(typed[name]), env=env)
    assert (done.returncode, done.stdout) == (0, f"{typed[name]}: OK (SOPS {kind} file)\n"), done.stderr
    # --keyless tries no key: with no signature to check, nothing vouches for the file
    keyless_verify = sealfile_cli("verify", "--keyless", str(typed[name]), env=env)
    assert (keyless_verify.returncode, keyless_verify.stderr) == (
        1, f"sealfile: error: {typed[name]}: SOPS {kind} file, unsigned (it cannot carry a sealfile signature): "
           "without a key nothing can vouch for it\n")
    shown = sealfile_cli("status", str(typed[name]), env=env).stdout
    assert f"  - age: {sops_identity.recipient}" in shown
    assert "rule: unencrypted_suffix _unencrypted" in shown and "last modified: " in shown
    assert shown.endswith("\nMAC: not checked by status ('sealfile verify' checks it with a key)\n")
    assert sealfile_cli("status", str(typed[name])).stdout == shown  # the same, with no key here
    listed = sealfile_cli("recipients", "list", str(typed[name]))
    assert (listed.returncode, listed.stdout) == (0, f"{typed[name]}\tage\t{sops_identity.recipient}\n")


@pytest.mark.parametrize(("args", "cause"), [
    (("updatekeys", "-y"), "a SOPS file: sealfile reads SOPS files but changes only sealed files; convert it first "
                           "with 'sealfile import-sops -i {file}'"),
    (("export-sops",), "already a SOPS file: export-sops converts a sealed file"),
])
def test_a_sops_file_is_named_as_one_where_a_sealed_file_is_needed(args: tuple[str, ...], cause: str,
                                                                   typed: dict[str, Path],
                                                                   env: dict[str, str]) -> None:
    before = typed["t.yaml"].read_bytes()
    done = sealfile_cli(*args, str(typed["t.yaml"]), env=env)
    expected = f"sealfile: error: {typed['t.yaml']}: {cause.format(file=typed['t.yaml'])}"
    assert (done.returncode, done.stderr.splitlines()[-1]) == (1, expected)
    assert typed["t.yaml"].read_bytes() == before


def test_status_counts_values_and_refuses_what_sops_files_lack(typed: dict[str, Path], env: dict[str, str]) -> None:
    shown = sealfile_cli("status", str(typed["t.yaml"]), env=env).stdout
    assert "values: 9 (9 encrypted)" in shown and "format: SOPS YAML file (written by sops 3." in shown
    stale = sealfile_cli("status", "--older-than", "1d", str(typed["t.yaml"]), env=env)
    assert stale.returncode == 2 and "SOPS files do not record" in stale.stderr


def _without_ages(status: str) -> str:
    return re.sub(r" \(\d+[smhd] ago\)", "", status)


def test_a_usage_problem_after_the_first_files_is_worded_by_click_and_nothing_shows_twice(
        typed: dict[str, Path], tmp_path: Path) -> None:
    sealed = tmp_path / "own.enc.yaml"
    sealed.write_text(seal_text("a: 1\n", [AgeKey(generate_identity()[1])]))
    args = ["status", "--older-than", "90d", str(sealed), str(typed["t.yaml"])]
    fast = sealfile_cli(*args)
    by_click = run_python("import sys; from sealfile.cli.app import main; main(sys.argv[1:])", *args)
    assert fast.returncode == by_click.returncode == 2
    assert fast.stderr == by_click.stderr
    assert _without_ages(fast.stdout) == _without_ages(by_click.stdout)  # the runs are a second or so apart
    assert fast.stdout.count(f"file: {sealed}") == 1
    assert fast.stderr.startswith("sealfile: error: ") and "SOPS files do not record" in fast.stderr
    assert fast.stderr.endswith(". Usage: sealfile status [OPTIONS] FILES... (more: sealfile status --help)\n")


def test_a_tampered_sops_file_fails_verify_and_status_uses_no_key(typed: dict[str, Path], env: dict[str, str],
                                                                  tmp_path: Path) -> None:
    """``status`` shows what the metadata says without a key even when one is here (no key service, gpg agent
    or plug-in is asked); ``verify`` opens the file and finds the change."""
    tampered = tmp_path / "t.yaml"
    text = typed["t.yaml"].read_text()
    tampered.write_text(text.replace("port: ENC[AES256_GCM,data:", "port: ENC[AES256_GCM,data:A"))
    done = sealfile_cli("verify", str(tampered), env=env)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "SOPS YAML file" in done.stderr
    shown = sealfile_cli("status", str(tampered), env=env)
    assert (shown.returncode, shown.stderr) == (0, "") and "MAC: not checked by status" in shown.stdout


def test_input_type_names_the_sops_store(typed: dict[str, Path], env: dict[str, str], tmp_path: Path) -> None:
    renamed = tmp_path / "secrets.sops"
    renamed.write_text(typed["t.yaml"].read_text())
    done = sealfile_cli("decrypt", "--input-type", "yaml", "--extract", "port", str(renamed), env=env)
    assert (done.returncode, done.stdout) == (0, "8080\n"), done.stderr
    wrong = sealfile_cli("decrypt", "--input-type", "json", str(renamed), env=env)
    assert wrong.returncode == 1 and "SOPS JSON file: invalid JSON" in wrong.stderr
    raw = sealfile_cli("decrypt", "--output-type", "binary", str(typed["t.txt"]), env=env)
    assert raw.stdout == "raw\n"


@pytest.mark.parametrize(("name", "target"), [("t.env", "app.env"), ("t.ini", "app.yaml"), ("t.json", "app.json")])
def test_import_sops_from_other_stores(name: str, target: str, typed: dict[str, Path], env: dict[str, str],
                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / target
    done = sealfile_cli("import-sops", str(typed[name]), "-o", str(out), env=env)
    assert done.returncode == 0, done.stderr
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", env["SOPS_AGE_KEY_FILE"])
    text = out.read_text()
    assert "sealfile" in text and not any(marker in text for marker in ("sops:", '"sops"', "sops_mac", "[sops]"))
    assert_same(sealfile.load_secrets(out, redacted=False), sealfile.load_secrets(typed[name], redacted=False))


@pytest.mark.parametrize("name", ["t.yaml", "t.json", "t.env"])
def test_encrypt_refuses_a_sops_file(name: str, typed: dict[str, Path], env: dict[str, str], tmp_path: Path) -> None:
    """Sealed as plaintext, a SOPS file's ciphertexts would be the data (and a dotenv one, whose
    comment keeps SOPS's marker, would not open): encrypt names import-sops and writes nothing."""
    target = tmp_path / name
    target.write_bytes(typed[name].read_bytes())
    _, recipient = generate_identity()
    result = sealfile_cli("encrypt", "--age", recipient, "-i", str(target), env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == (f"sealfile: error: {target}: a SOPS file: sealfile reads SOPS files but "
                                     "changes only sealed files; convert it first with "
                                     f"'sealfile import-sops -i {target}'")
    assert target.read_bytes() == typed[name].read_bytes()


def test_decrypt_means_to_pyyaml_what_it_means_to_sops(sops_identity: AgeIdentity, tmp_path: Path,
                                                       env: dict[str, str]) -> None:
    """Strings YAML 1.1 reads as other types were printed plain (``on: yes``, ``1:20``): PyYAML read
    booleans and base-60 numbers; SOPS's yaml.v3 prints them double-quoted."""
    import yaml as pyyaml

    plain = tmp_path / "words.yaml"
    plain.write_text('on: yes\nno: "off"\ny: [n, 1:20, "0755", "1_000", plain]\n', encoding="utf-8")
    sealed = sops_encrypt(plain, tmp_path / "words.sops.yaml", "--age", sops_identity.recipient)
    done = sealfile_cli("decrypt", str(sealed), env=env)
    assert done.returncode == 0, done.stderr
    expected = {"on": "yes", "no": "off", "y": ["n", "1:20", "0755", "1_000", "plain"]}
    assert pyyaml.safe_load(done.stdout) == expected == sops_decrypt(sealed, sops_identity.key_file)
    assert done.stdout == run_sops(["decrypt", str(sealed)], env).stdout


def test_decrypt_output_means_to_sops_what_the_file_holds(sops_identity: AgeIdentity, tmp_path: Path,
                                                          env: dict[str, str]) -> None:
    """Strings yaml.v3 reads as other types though YAML 1.2 and 1.1 read strings (``0X1F``, ``0O17``,
    ``0B101``, ``2001-1-1``) were printed plain, keys too: the output given back to ``sops encrypt`` held
    numbers and a time, or was refused for its integer key. SOPS prints them double-quoted."""
    plain = tmp_path / "words.yaml"
    plain.write_text('"0X1F": a\n"0o17": b\n"00:00": c\nc: ["0B101", "0O17", "2001-1-1", "08", plain]\n',
                     encoding="utf-8")
    sealed = sops_encrypt(plain, tmp_path / "words.sops.yaml", "--age", sops_identity.recipient)
    done = sealfile_cli("decrypt", str(sealed), env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == run_sops(["decrypt", str(sealed)], env).stdout
    again = tmp_path / "again.yaml"
    again.write_text(done.stdout, encoding="utf-8")
    resealed = sops_encrypt(again, tmp_path / "again.sops.yaml", "--age", sops_identity.recipient)
    expected = {"0X1F": "a", "0o17": "b", "00:00": "c", "c": ["0B101", "0O17", "2001-1-1", "08", "plain"]}
    assert sops_decrypt(resealed, sops_identity.key_file) == expected == sops_decrypt(sealed, sops_identity.key_file)


def test_portable_applies_to_a_sops_file_too(sops_identity: AgeIdentity, tmp_path: Path,
                                             env: dict[str, str]) -> None:
    """--portable was ignored for a SOPS file: PyYAML read its ``1e+20`` (Go's spelling) as a string."""
    import yaml as pyyaml

    plain = tmp_path / "numbers.yaml"
    plain.write_text("big: 1e+20\nsmall: -2.5e-07\nword: yes\n", encoding="utf-8")
    sealed = sops_encrypt(plain, tmp_path / "numbers.sops.yaml", "--age", sops_identity.recipient)
    done = sealfile_cli("decrypt", "--portable", str(sealed), env=env)
    assert done.returncode == 0, done.stderr
    assert pyyaml.safe_load(done.stdout) == {"big": 1e20, "small": -2.5e-07, "word": "yes"}


def test_extract_prints_one_value_byte_for_byte_as_sops_does(sops_identity: AgeIdentity, tmp_path: Path,
                                                             env: dict[str, str]) -> None:
    """A string is printed exactly as it is (a script writes it to a password file that a program
    reads whole), any other value on its own line; from a SOPS file and a sealed file alike."""
    plain = tmp_path / "values.yaml"
    plain.write_text('password: "hunter2"\ncert: "line\\n"\nport: 5432\non: true\n', encoding="utf-8")
    sops_file = sops_encrypt(plain, tmp_path / "values.sops.yaml", "--age", sops_identity.recipient)
    sealed = tmp_path / "values.enc.yaml"
    sealed.write_text(seal_text(plain.read_text(encoding="utf-8"), [AgeKey(sops_identity.recipient)]))
    for key, shown in (("password", "hunter2"), ("cert", "line\n"), ("port", "5432\n"), ("on", "true\n")):
        assert run_sops(["decrypt", "--extract", f'["{key}"]', str(sops_file)], env).stdout == shown
        for path in (sops_file, sealed):
            done = sealfile_cli("decrypt", "--extract", key, str(path), env=env)
            assert (done.returncode, done.stdout) == (0, shown), done.stderr


EXTRACTED = {
    "x.yaml": "# top\nl:\n  # in the list\n  - 1\n  - 1.0e-7\n  - s\n  - null\n  - {a: 1}\n"
              "m:\n  # in the mapping\n  x: [2.5]\n  y: z\nn: null\nb: false\nf: 1e-7\nt: 2024-01-01\ns: text\n"
              "---\nother: document\n",
    "x.json": '{"l": [1, 1e-7, "s", null, true, {"a": 1e21}], "m": {"x": [2.5], "y": "z"}, "n": null,'
              ' "b": false, "s": "str", "f": 1e-7}\n',
    "x.env": "A=1\nB=x y\n",
    "x.ini": "[s]\nk = v\n",
    "x.txt": "raw text\n",
}
EXTRACTS = [(name, key, out) for name, keys in (("x.yaml", ["l", "m", "n", "b", "f", "t", "s"]),
                                                ("x.json", ["l", "m", "n", "b", "s", "f"]),
                                                ("x.env", ["A", "B"]), ("x.ini", ['s"]["k']), ("x.txt", ["data"]))
            for key in keys for out in (None, "json", "yaml")]


@pytest.fixture(scope="module")
def extracted_files(sops_identity: AgeIdentity, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("extract")
    files = {}
    for name, text in EXTRACTED.items():
        plain = work / name
        plain.write_text(text, encoding="utf-8")
        files[name] = sops_encrypt(plain, work / f"{plain.stem}.sops{plain.suffix}", "--age", sops_identity.recipient)
    return files


@pytest.mark.parametrize(("name", "key", "output_type"), EXTRACTS)
def test_extract_prints_what_sops_prints_for_every_store_and_output_type(
        name: str, key: str, output_type: str | None, extracted_files: dict[str, Path], env: dict[str, str]) -> None:
    """``--extract`` from the first document, a mapping as a file of the output store (comments
    kept), a string's exact text, another value as the output store encodes one value: JSON in
    ``encoding/json``'s spelling and no line end, YAML a top-level list and its comments unindented."""
    args = ["decrypt", "--extract", f'["{key}"]', *(["--output-type", output_type] if output_type else []),
            str(extracted_files[name])]
    theirs, ours = run_sops(args, env), sealfile_cli(*args, env=env)
    assert theirs.returncode == 0, theirs.stderr
    assert (ours.returncode, ours.stdout) == (0, theirs.stdout), ours.stderr


@pytest.mark.parametrize("output_type", [None, "json"])
def test_exec_file_gives_the_program_what_sops_exec_file_gives(output_type: str | None, sops_identity: AgeIdentity,
                                                                tmp_path: Path, env: dict[str, str]) -> None:
    """``sops exec-file F 'cat {}'`` becomes ``sealfile exec-file F -- sh -c 'cat {}'``: the same text."""
    plain = tmp_path / "app.yaml"
    plain.write_text("# who\nuser: admin\npassword: hunter2\nport: 5432\nlist: [a, 1]\n", encoding="utf-8")
    sops_file = sops_encrypt(plain, tmp_path / "app.sops.yaml", "--age", sops_identity.recipient)
    typed = ["--output-type", output_type] if output_type else []
    theirs = run_sops(["exec-file", *typed, str(sops_file), "cat {}"], env)
    assert theirs.returncode == 0, theirs.stderr
    ours = sealfile_cli("exec-file", *typed, str(sops_file), "--", "sh", "-c", "cat {}", env=env)
    assert (ours.returncode, ours.stdout) == (0, theirs.stdout), ours.stderr


SET_VALUES = ['"s"', "1", "-0", "1.5", "true", "null", '{"x": [1, "y"]}', '"2024-01-01"', '"yes"', '"a\\nb"']


@pytest.mark.parametrize("value", SET_VALUES)
def test_sops_set_is_set_with_type_yaml(value: str, sops_identity: AgeIdentity, tmp_path: Path,
                                        env: dict[str, str]) -> None:
    """``sops set F '["k"]' JSON`` and ``sealfile set --type yaml F '["k"]' -- JSON`` give the same data
    (docs/sops-compat.md, the command table): JSON is YAML 1.2."""
    plain = tmp_path / "s.yaml"
    plain.write_text("a: 1\n", encoding="utf-8")
    sops_file = sops_encrypt(plain, tmp_path / "s.sops.yaml", "--age", sops_identity.recipient)
    assert run_sops(["set", str(sops_file), '["k"]', value], env).returncode == 0
    sealed = tmp_path / "s.enc.yaml"
    sealed.write_text(seal_text(plain.read_text(encoding="utf-8"), [AgeKey(sops_identity.recipient)]))
    done = sealfile_cli("set", "--type", "yaml", str(sealed), '["k"]', "--", value, env=env)
    assert done.returncode == 0, done.stderr
    theirs = json.loads(run_sops(["decrypt", "--output-type", "json", str(sops_file)], env).stdout)
    ours = json.loads(sealfile_cli("decrypt", "--output-type", "json", str(sealed), env=env).stdout)
    assert ours == theirs


SOPS_PATHS = ["['db']['port']", "['it's']", "['db'][\"hosts\"][1]", "['']", "['a b']"]


@pytest.mark.parametrize("keypath", SOPS_PATHS)
def test_extract_reads_a_single_quoted_key_as_sops_does(keypath: str, sops_identity: AgeIdentity, tmp_path: Path,
                                                         env: dict[str, str]) -> None:
    """A script written for ``sops decrypt --extract "['db']"`` gives sealfile the same path: the text up to
    the quote the closing bracket follows, no escapes (``['it's']`` is ``it's``)."""
    plain = tmp_path / "quoted.yaml"
    plain.write_text("db:\n  port: 5432\n  hosts: [a, b]\n\"it's\": mine\n\"\": empty\n\"a b\": spaced\n",
                     encoding="utf-8")
    sops_file = sops_encrypt(plain, tmp_path / "quoted.sops.yaml", "--age", sops_identity.recipient)
    theirs = run_sops(["decrypt", "--extract", keypath, str(sops_file)], env)
    assert theirs.returncode == 0, theirs.stderr
    ours = sealfile_cli("decrypt", "--extract", keypath, str(sops_file), env=env)
    assert (ours.returncode, ours.stdout) == (0, theirs.stdout), ours.stderr


@pytest.mark.parametrize("text", ["{\"port\": 1, \"db\": {\"a\": \"b\"}}\n", "{\"db\": {\"hosts\": [\"a\"]}}\n"])
def test_ini_output_refuses_what_an_ini_file_cannot_hold(text: str, sops_identity: AgeIdentity, tmp_path: Path,
                                                         env: dict[str, str]) -> None:
    """A top-level value that is not a section was left out unsaid (SOPS refuses it); a list in a
    section was printed as Python's repr of it (SOPS prints Go's %v of it, which no reader reads back)."""
    plain = tmp_path / "app.json"
    plain.write_text(text, encoding="utf-8")
    sealed = sops_encrypt(plain, tmp_path / "app.sops.json", "--age", sops_identity.recipient)
    done = sealfile_cli("decrypt", "--output-type", "ini", str(sealed), env=env)
    assert (done.returncode, done.stdout) == (1, "")
    where = "port" if "port" in text else "db.hosts"
    assert done.stderr.count("\n") == 1 and f"app.sops.json: {where}: " in done.stderr, done.stderr


@pytest.mark.parametrize(("name", "text"), [
    ("a.ini", "[db]\nuser = x\n; the password\npassword = with space\nclé = é\n\n[app]\nport = 1\n"),
    ("a.ini", "[only]\nk = v\n"),
    ("a.json", '{"db": {"user": "x", "password_long": 1.5}, "app": {"on": true, "n": null}}\n'),
])
def test_ini_output_is_what_sops_prints(name: str, text: str, sops_identity: AgeIdentity, tmp_path: Path,
                                        env: dict[str, str]) -> None:
    """go-ini aligns the ``=`` of a section's keys and writes no blank line after the last section."""
    plain = tmp_path / name
    plain.write_text(text, encoding="utf-8")
    sealed = sops_encrypt(plain, tmp_path / f"sops{plain.suffix}", "--age", sops_identity.recipient)
    args = ["decrypt", "--output-type", "ini", str(sealed)]
    theirs, ours = run_sops(args, env), sealfile_cli(*args, env=env)
    assert theirs.returncode == 0, theirs.stderr
    assert (ours.returncode, ours.stdout) == (0, theirs.stdout), ours.stderr


IMPORTED_COMMENTS = [
    ("c.env", "# the port\nPORT=1\n# quoted, and a hash\nQ=\"q\" #x\n", "c.enc.env",
     "# the port\nPORT=1\n# quoted, and a hash\nQ=\"\\\"q\\\" #x\"\n"),
    ("c.env", "# the port\nPORT=1\n", "c.enc.yaml", '# the port\nPORT: "1"\n'),
    ("c.ini", "; top\n; two\n[s]\n; the key\nk = v ; inline\nj = w\n[t]\nx = y\n", "c.enc.yaml",
     "DEFAULT: {}\n# top\n# two\ns:\n    # the key\n    # inline\n    k: v\n    j: w\nt:\n    x: \"y\"\n"),
    ("c.yaml", "# top\ndb:\n  # the key\n  k: v\n", "c.enc.yaml", "# top\ndb:\n    # the key\n    k: v\n"),
]


@pytest.mark.parametrize(("name", "text", "target", "shown"), IMPORTED_COMMENTS)
def test_import_sops_keeps_comments_where_they_were_and_says_they_are_plaintext_now(
        name: str, text: str, target: str, shown: str, sops_identity: AgeIdentity, tmp_path: Path,
        env: dict[str, str]) -> None:
    """A dotenv or INI file's comments were left behind; SOPS encrypts comments (the default), so a
    comment kept is said to be plaintext now, one line, counted."""
    plain = tmp_path / name
    plain.write_text(text, encoding="utf-8")
    sealed = sops_encrypt(plain, tmp_path / f"sops{plain.suffix}", "--age", sops_identity.recipient)
    assert "type:comment]" in sealed.read_text(encoding="utf-8")
    done = sealfile_cli("import-sops", str(sealed), "-o", str(tmp_path / target), env=env)
    assert done.returncode == 0, done.stderr
    count = text.count("#") - text.count('"q" #x') + text.count(";")
    said = f"warning: {sealed}: {count} comment line(s) SOPS kept encrypted are plaintext in the sealed file"
    assert said in done.stderr
    assert "not carried over" not in done.stderr
    shown_now = sealfile_cli("decrypt", str(tmp_path / target), env=env)
    assert (shown_now.returncode, shown_now.stdout) == (0, shown), shown_now.stderr
    theirs = run_sops(["decrypt", "--output-type", "json", str(sealed)], env).stdout
    ours = sealfile_cli("decrypt", "--output-type", "json", str(tmp_path / target), env=env).stdout
    assert json.loads(ours) == json.loads(theirs)


@pytest.mark.parametrize(("name", "text", "target"), [("c.env", "# the port\nPORT=1\n", "c.enc.json"),
                                                      ("c.yaml", "# the port\nport: x\n", "c.enc.env"),
                                                      ("c.env", "# twice\nA=1\nA=2\n", "c.enc.env")])
def test_import_sops_says_which_comments_it_leaves_behind(
        name: str, text: str, target: str, sops_identity: AgeIdentity, tmp_path: Path, env: dict[str, str]) -> None:
    """JSON holds no comments; a sealed dotenv file from YAML, or from a dotenv file repeating a key, is
    written afresh from the data: the comments are said to stay behind."""
    plain = tmp_path / name
    plain.write_text(text, encoding="utf-8")
    sealed = sops_encrypt(plain, tmp_path / f"sops{plain.suffix}", "--age", sops_identity.recipient)
    done = sealfile_cli("import-sops", str(sealed), "-o", str(tmp_path / target), env=env)
    assert done.returncode == 0, done.stderr
    kind = name.split(".")[1].replace("env", "dotenv")
    assert f"the comments of the SOPS {kind} file are not carried over" in done.stderr
    assert "#" not in sealfile_cli("decrypt", str(tmp_path / target), env=env).stdout


@pytest.mark.parametrize("text", ["a: 1\nkeep: |+\n  kept\n\n", "a:\n  - |+\n    kept\n\n---\nb: 2\n"])
def test_a_kept_final_line_break_prints_no_document_end(text: str, sops_identity: AgeIdentity, tmp_path: Path,
                                                         env: dict[str, str]) -> None:
    """ruamel ended such a document with a "..." line, which sops decrypt does not print."""
    _assert_decrypt_prints_what_sops_prints(text, sops_identity, tmp_path, env)


def _assert_decrypt_prints_what_sops_prints(text: str, sops_identity: AgeIdentity, tmp_path: Path,
                                            env: dict[str, str]) -> None:
    plain = tmp_path / "plain.yaml"
    plain.write_text(text, encoding="utf-8")
    sealed = sops_encrypt(plain, tmp_path / "plain.sops.yaml", "--age", sops_identity.recipient)
    theirs, ours = run_sops(["decrypt", str(sealed)], env), sealfile_cli("decrypt", str(sealed), env=env)
    assert theirs.returncode == 0, theirs.stderr
    assert (ours.returncode, ours.stdout) == (0, theirs.stdout), ours.stderr


@pytest.mark.parametrize("text", [
    "updates:\n  - ecosystem: pip\n    schedule:\n      interval: monthly\n",  # a mapping under a list item's key
    "spec:\n  containers:\n  - name: app\n    args:\n    - -c\n    - |\n      echo hi\n    env:\n    - name: A\n"
    "      value: x\n",                                                        # lists and a block in list items
    "steps:\n  - if: |\n      failure()\n      && true\n    with:\n      # the version\n      v: 3\n",
    "matrix:\n  - - a\n    - b\n  - - {}\n    - []\n",                         # lists in lists, empty collections
    "on:\n  push:\n    tags: ['*', '&', '!', 'yes']\n",                       # indicators alone: single quotes
    "if: \"!contains(labels, 'skip')\"\nsay: \"it's: here\"\n",                    # a quote inside: single quotes
    "config: \"receivers: \\n  otlp:\\n\"\nend: \"ends \"\n",                       # a blank before a break: no block
])
def test_decrypt_prints_a_sops_yaml_file_byte_for_byte_as_sops_does(text: str, sops_identity: AgeIdentity,
                                                                    tmp_path: Path, env: dict[str, str]) -> None:
    """Shapes of real files that printed otherwise than sops did: yaml.v3 puts a block nested under a list
    item's key at the next multiple of 4 (column 8, not 10), and quotes as libyaml chooses."""
    _assert_decrypt_prints_what_sops_prints(text, sops_identity, tmp_path, env)


@pytest.mark.parametrize(("name", "text", "keypath", "expected", "sops_prints"), [
    ("dup.json", '{"a": "first", "a": "last"}\n', '["a"]', "last", "first"),
    ("list.yaml", "l:\n  # a note\n  - a\n  - b\n", '["l"][0]', "a", "value: ' a note'\n"),
])
def test_extract_follows_what_sops_decrypt_prints_where_sops_extract_differs(
    name: str, text: str, keypath: str, expected: str, sops_prints: str, sops_identity: AgeIdentity, tmp_path: Path,
    env: dict[str, str]
) -> None:
    """``sops decrypt --extract`` walks to a repeated key's first value and counts a list's comments as
    items; its full output (and every reader of it, load_secrets and exec too) means the last value
    and the items: --extract gives that one meaning (docs/sops-compat.md §7)."""
    plain = tmp_path / name
    plain.write_text(text, encoding="utf-8")
    sealed = sops_encrypt(plain, tmp_path / f"x.sops{plain.suffix}", "--age", sops_identity.recipient)
    assert run_sops(["decrypt", "--extract", keypath, str(sealed)], env).stdout == sops_prints
    done = sealfile_cli("decrypt", "--extract", keypath, str(sealed), env=env)
    assert (done.returncode, done.stdout) == (0, expected), done.stderr
