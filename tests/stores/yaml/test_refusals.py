"""The YAML scan refuses what the format cannot represent, with one clear line and no secret, and
accepts what real files hold (anchors never aliased, standard tags, several documents)."""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path

import pytest

from sealfile.errors import FormatError, IntegrityError
from sealfile.ops.seal import seal_text
from sealfile.runtime.loader import load_secrets
from sealfile.stores.yaml import reader as yaml_reader
from sealfile.stores.yaml.scan import scan
from tests.support.cli import RunCli, cli_env
from tests.support.identities import AgeIdentity

SECRET = "hunter2-do-not-print"

REFUSED_PLAINTEXTS = {
    "alias as a key": (f"a: &x k\nb: {{*x : {SECRET}}}\n", "alias as a mapping key"),
    "alias of a collection around it": (f"a: &x [{SECRET}, *x]\n", "not a value written before it"),
    "alias of the document": (f"&d\na: {SECRET}\nb: *d\n", "not a value written before it"),
    "merge of a list written in place": (f"d:\n  <<: [[{SECRET}]]\n", "merge key (<<) takes a mapping"),
    "merge of a scalar": (f"a: &x {SECRET}\nd:\n  <<: *x\n", "merge key (<<) takes a mapping"),
    "a '<<' key beside a merge of a mapping written in place": (f"d:\n  <<: {{x: {SECRET}}}\n  '<<': 1\n",
                                                                 "their values would share a path"),
    "two merge keys": (f"a: &x {{b: {SECRET}}}\nd:\n  <<: *x\n  <<: *x\n", "duplicate merge key"),
    "aliased value, tag first": ("a: !!int &x 12345\nb: *x\n", "write the anchor first"),
    "an anchor name libyaml ends before the value": (f"a: &x:y {SECRET}\n", "a: an anchor name followed by ':' (line "),
    "an anchor name libyaml ends, tag first": (f"a: !!str &x:y {SECRET}\n", "a: an anchor name followed by ':'"),
    "an anchor name libyaml ends, in a list": (f"l:\n  - &x?y {SECRET}\n", "l.0: an anchor name followed by '?'"),
    "duplicate key": (f"password: {SECRET}\npassword: other\n", "duplicate key"),
    "nested duplicate key": (f"a:\n  b: {SECRET}\n  b: 2\n", "duplicate key"),
    "true and 1 are one key": (f"m:\n  true: {SECRET}\n  1: other\n", "duplicate key at line 3, column 3 (true "
                               "and 1 are one key in Python, whose dicts readers return)"),
    "0 and false are one key": (f"m:\n  0: {SECRET}\n  false: other\n", "(0 and false are one key in Python"),
    "a key with no value in a flow mapping": (f"m: {{a: {SECRET}, b}}\n", "a key with no ':' after it (as b in "
                                              "'{a: 1, b}', or a '?' key with no value) is not supported (line 1"),
    "top-level sequence": (f"- {SECRET}\n", "must be a mapping"),
    "top-level scalar": (f"{SECRET}\n", "must be a mapping"),
    "several documents, all empty": ("---\n---\n", "holds no YAML document"),
    "a Python object tag on a scalar": (f"a: !!python/name:os.system {SECRET}\n", "a tag neither YAML's own"),
    "a Python object tag on a mapping": (f"a: !!python/object:os.Foo {{b: {SECRET}}}\n", "not supported"),
    "a Python object tag on a sequence": (f"a: !!python/object/apply:os.system [{SECRET}]\n", "not supported"),
    "a global tag written verbatim": (f"a: !<tag:example.com,2000:x> {SECRET}\n", "a tag neither YAML's own"),
    "a local tag a %TAG directive makes global": (f"%TAG ! tag:evil.example,2000:\n---\na: !x {SECRET}\n",
                                                 "a tag neither YAML's own"),
    "a named handle": (f"%TAG !e! tag:e.example,2000:\n---\na: !e!x {SECRET}\n", "a tag neither YAML's own"),
    "an application tag on a key": (f"!k {SECRET}: 1\n", "a tag neither YAML's own"),
    "an application tag on the top level": (f"!top\na: {SECRET}\n", "must be a mapping"),
    "an application tag on the metadata": ("a: 1\nsealfile: !x {}\n", "invalid YAML"),
    "an unquoted value starting with '!' (a tag without a value)": (f"password: !{SECRET}\n",
        "password: a value starts with '!' and a word YAML reads as a tag"),
    "'!' alone without a value": ("password: !\n", "password: a plain value tagged '!' reads differently"),
    "the same in a flow list": (f"a: [!{SECRET} , b]\n", "a.0: a value starts with '!'"),
    "a comment between a tag and its value": (f"a: !Sub\n  # {SECRET}\n  x\n", "a comment between a tag"),
    "a set": (f"a: !!set {{{SECRET}}}\n", "!!set"),
    "a plain '=' value": (f"a: {SECRET}\nb: =\n", "b: a plain '=' is YAML 1.1's value key (no text) to ruamel and "
                          "PyYAML (line 2, column 4): quote it"),
    "a plain '=' key": (f"a: {SECRET}\n=: b\n", "a plain '=' is YAML 1.1's value key"),
    "a plain '=' in a flow list": (f"a: [{SECRET}, =]\n", "a.1: a plain '=' is YAML 1.1's value key"),
    "syntax error": (f"password: '{SECRET}\n", "invalid YAML at line"),
    "a URL in a flow list": (f"a: {SECRET}\nurls: [https://example.org]\n", "invalid YAML at line 2, column 13: found "
                             "unexpected ':' in a plain value inside [...] or {...}, which ruamel's C reader refuses "
                             "(PyYAML reads it): quote the value, as in ['https://example.com']"),
    "host:port in a flow mapping": (f"a: {{k: {SECRET}, h: db:5432}}\n", "quote the value, as in ['https://"),
    "tab indentation": (f"a:\n\tb: {SECRET}\n", "invalid YAML at line 2"),
    "a control character": (f"a: 1\nk: \"x\x7f{SECRET}\"\n", "invalid YAML at line 2, column 6: a character YAML "
                            "does not allow in a file (U+007F); write it as \\x7F inside double quotes"),
    "float key": (f"1.5: {SECRET}\n", "mapping keys must be"),
    "null key": (f"~: {SECRET}\n", "mapping keys must be"),
    "complex key": (f"? [a]\n: {SECRET}\n", "mapping keys must be"),
    "template placeholder": ("password: {{ .Values.password }}\n", "template placeholder"),
    "reserved sealfile key": ("sealfile: 1\n", "reserved"),
    "absurd nesting": ("a: " + "[" * 600 + "]" * 600 + "\n", "too deep"),
    "YAML 1.1 directive": (f"%YAML 1.1\n---\na: {SECRET}\n", "only YAML 1.2"),
    "a date that does not exist": ("a: 1\nd: 2024-02-30\n", "d: a date or time that does not exist at line 2, "
                                                             "column 4 (quote it to keep it as text)"),
    "a time that does not exist": ("l:\n  - 1\n  - 2024-01-01 25:61:00\n", "l.1: a date or time that does not exist"),
    # ruamel rounded the nanoseconds up a second, past datetime.max: an OverflowError, an internal error
    "a time rounded past the year 9999": ("t: 9999-12-31T23:59:59.9999999Z\n", "t: a time finer than a microsecond"),
    # ruamel rounded it to the next day, PyYAML cut it: never what was written
    "a time finer than a microsecond": ("a: 1\nt: 2001-12-14 23:59:59.9999999Z\n", "t: a time finer than a "
                                        "microsecond, which Python's datetime cannot hold (ruamel rounds it, PyYAML "
                                        "cuts it) at line 2, column 4 (quote it to keep it as text)"),
    "an integer past Python's limit": ("n: " + "9" * 5000 + "\n", "n: an integer of more than 4,300 digits"),
    "a hexadecimal integer past it": ("n: 0x" + "f" * 3600 + "\n", "n: an integer of more than 4,300 digits"),
    "an octal integer past it": ("n: 0o" + "7" * 4800 + "\n", "n: an integer of more than 4,300 digits"),
    # ruamel's constructors failed with an IndexError or a KeyError: an internal error
    "an empty value tagged !!int": ("n: !!int\n", "n: a value that is not of the type its tag gives it"),
    "a value tagged !!bool": (f"b: !!bool {SECRET}\n", "b: a value that is not of the type its tag gives it"),
    "a quoted empty value tagged !!float": ("f: !!float ''\n", "f: a value that is not of the type its tag"),
    "a key tagged !!bool": (f"!!bool {SECRET}: 1\n", "a value that is not of the type its tag gives it"),
    # refused for a reason they do not have: an integer past Python's limit, a spelling not of its type
    "text tagged !!int": (f"n: !!int {SECRET}\n", "n: a value that is not of the type its tag gives it at line 1, "
                          "column 4 (remove the tag to keep it as text)"),
    "a fraction tagged !!int": ("n: !!int 1.5\n", "n: a value that is not of the type its tag gives it"),
    "text tagged !!float": (f"f: !!float {SECRET}\n", "f: a value that is not of the type its tag gives it"),
    "a long integer tagged !!int": ("n: !!int -" + "9" * 5000 + "\n", "n: an integer of more than 4,300 digits"),
    # a tag its text contradicts: ruamel built ``!!null x`` as null, ``!!bool yes`` and ``!!int ' 1'`` as values
    # that SOPS (and YAML 1.2's core schema) refuse, so export-sops failed on a file sealed without a word
    "text tagged !!null": (f"a: !!null {SECRET}\n", "a: a value that is not of the type its tag gives it at line 1, "
                           "column 4 (remove the tag to keep it as text)"),
    "a verbatim !!null tag": (f"a: !<tag:yaml.org,2002:null> {SECRET}\n", "a: a value that is not of the type"),
    "a %TAG handle for !!null": (f"%TAG !e! tag:yaml.org,2002:\n---\na: !e!null {SECRET}\n", "a: a value that is not"),
    "an anchored !!null": (f"a: &x !!null {SECRET}\nb: *x\n", "a: a value that is not of the type its tag gives it"),
    "a YAML 1.1 boolean tagged !!bool": ("a: !!bool yes\n", "a: a value that is not of the type its tag gives it"),
    "a spaced integer tagged !!int": ('a: !!int " 12"\n', "a: a value that is not of the type its tag gives it"),
    "a block scalar tagged !!int": ("a: !!int |\n  12\n", "a: a value that is not of the type its tag gives it"),
    "a spaced float tagged !!float": ('a: !!float " 1.5"\n', "a: a value that is not of the type its tag gives"),
    "text tagged !!timestamp": (f"a: !!timestamp {SECRET}\n", "a: a value that is not of the type its tag gives"),
    "text tagged !!binary": (f"a: !!binary '{SECRET}'\n", "a: a value that is not of the type its tag gives it"),
    "a key tagged !!null": (f"!!null {SECRET}: 1\n", "a value that is not of the type its tag gives it"),
    "a value tagged !!seq": (f"a: !!seq {SECRET}\n", "a: a single value tagged !!seq, a collection's tag (line 1, "
                             "column 4): remove the tag"),
    "a value tagged !!set": (f"a: !!set {SECRET}\n", "a: a single value tagged !!set, a collection's tag"),
    "a value tagged !!map": (f"a: !!map {SECRET}\n", "a: a single value tagged !!map, a collection's tag"),
}


@pytest.mark.parametrize("case", list(REFUSED_PLAINTEXTS))
def test_sealing_refuses_with_a_clear_message(age_identity: AgeIdentity, case: str) -> None:
    text, expected = REFUSED_PLAINTEXTS[case]
    with pytest.raises(FormatError) as info:
        seal_text(text, [age_identity.key])
    message = str(info.value)
    assert expected in message
    assert SECRET not in message
    assert "\n" not in message


def test_alias_error_names_the_key_path(age_identity: AgeIdentity) -> None:
    with pytest.raises(FormatError) as info:
        seal_text("db:\n  a: &x [1, {b: *x}]\n", [age_identity.key])
    assert info.value.keypath == "db.a.1.b"


@pytest.mark.parametrize(("text", "keypath"), [
    ("dev:\n  <<: [1]\n", "dev"),
    ("db:\n  password: a\n  password: b\n", "db.password"),
    ("db:\n  - {user: a, user: b}\n", "db.0.user"),
])
def test_merge_key_and_duplicate_key_refusals_name_the_key_path(age_identity: AgeIdentity, text: str,
                                                                keypath: str) -> None:
    """One line naming the file, the key path and the cause: in a real file the line number alone
    points at one of many `<<:` or `password:` lines."""
    with pytest.raises(FormatError) as info:
        seal_text(text, [age_identity.key])
    assert info.value.keypath == keypath


@pytest.mark.parametrize(("text", "keypath", "where"), [
    ("a:\n  b: {x: 1, y}\n", "a.b.y", "(line 2, column 13)"),  # as yaml-test-suite's 7W2P, nested
    ("a:\n  ? b\n", "a.b", "(line 2, column 5)"),
    ("l:\n- {a: 1, b}\n", "l.0.b", "(line 2, column 10)"),
])
def test_a_key_with_no_colon_is_refused_naming_its_key_path(age_identity: AgeIdentity, text: str, keypath: str,
                                                             where: str) -> None:
    """Refused with its place only, it named no key: in a real file (20 of yaml-test-suite's cases) the
    line alone does not say which key of a long flow mapping lacks its ':'."""
    with pytest.raises(FormatError) as info:
        seal_text(text, [age_identity.key])
    assert info.value.keypath == keypath and str(info.value).startswith(f"{keypath}: a key with no ':' after it")
    assert where in str(info.value)


@pytest.mark.parametrize(("text", "keypath", "cause"), [
    ("on: push\njobs:\n  scan:\n    with:\n      group_id: {{ groupId }}\n", "jobs.scan.with.group_id",
     "a template placeholder"),  # as actions/starter-workflows' code-scanning/nowsecure.yml
    ("a:\n  [x]: 1\n", "a", "mapping keys must be strings"),
    ("a:\n  !!int abc: 1\n", "a", "a value that is not of the type its tag gives it at line 2, column 3"),
])
def test_a_key_that_is_no_key_is_refused_naming_its_mapping(age_identity: AgeIdentity, text: str, keypath: str,
                                                            cause: str) -> None:
    """A key read as a mapping, a list or against its tag named only its line, where a key of no key type
    named the mapping holding it."""
    with pytest.raises(FormatError) as info:
        seal_text(text, [age_identity.key])
    assert info.value.keypath == keypath and str(info.value).startswith(f"{keypath}: {cause}")


def test_an_alias_as_a_key_is_refused_pointing_at_its_anchor(age_identity: AgeIdentity) -> None:
    """The node an alias names carries its anchor's place, not the alias's: the message says whose place it gives,
    so a reader does not look for the alias on the anchor's line."""
    with pytest.raises(FormatError) as info:
        seal_text(f"a: &x {SECRET}\nb:\n  c:\n    *x : 1\n", [age_identity.key])
    assert info.value.keypath == "b.c" and "not supported (its anchor at line 1, column 4)" in str(info.value)
    assert SECRET not in str(info.value)


def test_an_empty_document_appended_to_a_sealed_stream_is_refused(age_identity: AgeIdentity, tmp_path: Path) -> None:
    """A document without keys has no leaf in the seal: appended before the metadata, it kept the MAC, and
    load_secrets gave a list of documents ending in None that the file's writer never sealed. The documents entry
    (§7) covers it now (tests/ops/test_stream_documents.py has every such change)."""
    sealed = seal_text(f"a: {SECRET}\n---\nb: [1, {{}}, null]\n---\n---\nc: 3\n", [age_identity.key])
    secrets = load_secrets(_written(tmp_path, sealed))
    assert len(secrets) == 4 and secrets[2] is None and secrets[3]["c"] == 3
    head, metadata = sealed.split("---\nsealfile:")
    with pytest.raises(IntegrityError, match="MAC does not match"):
        load_secrets(_written(tmp_path, head + "---\n---\nsealfile:" + metadata))


def test_a_file_sealed_before_tags_were_checked_still_reads_and_edit_asks_to_fix_it(age_identity: AgeIdentity,
                                                                                    run_cli: RunCli,
                                                                                    tmp_path: Path) -> None:
    """A value whose tag its text contradicts is refused when sealed; a file sealed before that, as every earlier
    version did, must still read back: refused by its own read-back check, its text could not be decrypted, nor
    the file edited to fix it."""
    from sealfile.stores.yaml.sealed_tags import tags_as_sealed_before

    with tags_as_sealed_before():  # as a file was sealed before the check
        sealed = seal_text(f"a: !!null {SECRET}\nb: !!bool yes\nc: keep\n", [age_identity.key])
    path = _written(tmp_path, sealed)
    env = {"SEALFILE_AGE_KEY_FILE": str(age_identity.path)}
    assert load_secrets(path) == {"a": None, "b": True, "c": "keep"}
    done = run_cli("decrypt", path, env=env)
    assert (done.returncode, done.stdout) == (0, f"a: !!null {SECRET}\nb: !!bool yes\nc: keep\n"), done.stderr
    kept = run_cli("edit", path, env={**env, "EDITOR": "sed -i s/keep/kept/"})
    assert kept.returncode == 1 and "a: edited text: a value that is not of the type its tag gives it" in kept.stderr
    assert SECRET not in kept.stderr and path.read_text() == sealed
    fixed = run_cli("edit", path, env={**env, "EDITOR": "sed -i -e s/keep/kept/ -e s/!!null.// -e s/!!bool.yes/true/"})
    assert fixed.returncode == 0, fixed.stderr
    assert load_secrets(path) == {"a": SECRET, "b": True, "c": "kept"}


def _written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "stream.enc.yaml"
    path.write_text(text)
    return path


def test_an_alias_smuggled_into_a_sealed_file_is_refused(age_identity: AgeIdentity, tmp_path: Path) -> None:
    """The seal covers what each alias names (§7): one written in by hand fails the MAC."""
    sealed = seal_text("a:\n  b: 1\nc: 2\n", [age_identity.key])
    path = tmp_path / "s.yaml"
    path.write_text(sealed.replace("a:\n", "a: &x\n", 1).replace("c: ", "c: *x #", 1))
    with pytest.raises(IntegrityError, match="MAC does not match"):
        load_secrets(path)


@pytest.mark.parametrize("spelling", ["0x" + "f" * 3600, "0o" + "7" * 4800, "-0x" + "f" * 3600])
@pytest.mark.parametrize("where", ["host_unencrypted: {}\n", "sealfile:\n  version: {}\n"])
def test_an_integer_too_long_for_text_in_any_spelling_is_refused_by_every_reader(
        age_identity: AgeIdentity, tmp_path: Path, spelling: str, where: str) -> None:
    """Only a decimal spelling was refused as it was read: ``0x`` and 3,600 ``f`` (no limit on int()
    in a power-of-two base) made every reader and writer fail later, an internal error (ValueError)
    where the MAC or a message wrote the value as decimal text."""
    sealed = seal_text(f"password: {SECRET}\nhost_unencrypted: db\n", [age_identity.key])
    if where.startswith("sealfile"):
        text = sealed.replace("  version: 2\n", "  version: " + spelling + "\n", 1)
    else:
        text = sealed.replace("host_unencrypted: db\n", where.format(spelling), 1)
    path = tmp_path / "s.enc.yaml"
    path.write_text(text)
    for read in (lambda: load_secrets(path), lambda: yaml_reader.load_fast(text), lambda: scan(text)):
        with pytest.raises(FormatError) as info:
            read()
        assert "\n" not in str(info.value) and "f" * 20 not in str(info.value)


@pytest.mark.parametrize("spelling", ["!!bool 2", "!!int x", "!!float x", "!!bool true", "true", "'2'", "2.0",
                                      "!!str 2", "!!null 2"])
def test_a_format_version_that_is_not_an_integer_says_so(age_identity: AgeIdentity, run_cli: RunCli, tmp_path: Path,
                                                         spelling: str) -> None:
    """``version: !!bool 2`` was refused as "invalid YAML: a value cannot be read (a number too long?)"."""
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text("a: 1\n", [age_identity.key]).replace("  version: 2\n", f"  version: {spelling}\n", 1))
    done = run_cli("decrypt", str(path))
    assert done.returncode != 0 and done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(f"sealfile: error: {path}: sealfile.version: "), done.stderr
    assert "not an integer" in done.stderr, done.stderr


ACCEPTED = {
    "an anchor never aliased": (f"a: &x {SECRET}\n", {"a": SECRET}),
    "an anchor on a sequence": (f"a: &x [{SECRET}]\n", {"a": [SECRET]}),
    "standard tags": ("a: !!str 12\nb: !!int '7'\nc: !!map {d: !!float 1}\n", {"a": "12", "b": 7, "c": {"d": 1.0}}),
    "scalar tags on their own spellings": ("a: !!null ''\nb: !!null ~\nc: !!bool 'true'\nd: !!float 1\ne: !!int 0x1F\n"
                                           "f: !!float .inf\ng: !!timestamp 2024-01-01\nh: !<tag:yaml.org,2002:int> 3\n"
                                           "i: !!binary aGk=\n",
                                           {"a": None, "b": None, "c": True, "d": 1.0, "e": 31, "f": float("inf"),
                                            "g": datetime.date(2024, 1, 1), "h": 3, "i": b"hi"}),
    "several documents": (f"a: {SECRET}\n---\nb: 2\n", [{"a": SECRET}, {"b": 2}]),
    "YAML 1.2 directive": (f"%YAML 1.2\n---\na: {SECRET}\n", {"a": SECRET}),
}


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_what_real_files_hold_is_accepted(age_identity: AgeIdentity, tmp_path: Path, case: str) -> None:
    text, expected = ACCEPTED[case]
    path = tmp_path / "s.yaml"
    path.write_text(seal_text(text, [age_identity.key]))
    assert load_secrets(path, redacted=False) == expected


@pytest.mark.parametrize("engine", ["c", "pure"])
def test_a_character_yaml_does_not_allow_is_placed_after_wider_characters(engine: str) -> None:
    """The C reader counts UTF-8 bytes and the pure one characters; the message gives the character's column."""
    text = f"\u00e9\U0001f600: 1\nk: {SECRET}\x01\n"
    with pytest.raises(FormatError) as info:
        scan(text, engine=engine)
    assert str(info.value) == ("invalid YAML at line 2, column 24: a character YAML does not allow in a file "
                               "(U+0001); write it as \\x01 inside double quotes")


def test_a_sops_file_with_a_character_yaml_does_not_allow_says_where() -> None:
    from sealfile.sops.yamltree import read_yaml

    with pytest.raises(FormatError, match=r"^invalid YAML at line 1, column 7: a character YAML does not allow"):
        read_yaml(f"a: 1, \x02{SECRET}\n")


def test_both_parsers_agree_on_yaml_1_2() -> None:
    """YAML 1.2 on both engines: ``on``/``yes`` are strings, ``0o17`` is octal, ``017`` decimal."""
    text = "a: on\nb: yes\nc: 0o17\nd: 017\ne: 1_000\nf: .5\ng: 2001-12-14\nh: ~\n"
    fast, pure = scan(text, engine="c").tree, scan(text, engine="pure").tree
    assert fast == {"a": "on", "b": "yes", "c": 15, "d": 17, "e": 1000, "f": 0.5, "g": pure["g"], "h": None}
    assert fast == pure


def test_a_yaml_directive_does_not_leak_into_later_documents() -> None:
    with pytest.raises(FormatError, match=r"only YAML 1\.2"):
        scan("%YAML 1.1\n---\na: yes\n")
    assert scan("%YAML 1.2\n---\na: yes\n").tree == {"a": "yes"}
    assert scan("a: yes\n").tree == {"a": "yes"}


def test_a_yaml_set_is_refused_by_path(age_identity: AgeIdentity) -> None:
    for text in ("db:\n  s: !!set {a, b}\n", "db:\n  s_unencrypted: !!set {a, b}\n"):
        with pytest.raises(FormatError) as info:
            seal_text(text, [age_identity.key])
        assert info.value.keypath in ("db.s", "db.s_unencrypted")


def _laughs(levels: int, indent: str) -> str:
    """Nine aliases of nine aliases ..., ``levels`` deep: 9 ** levels values once expanded."""
    lines = [f"{indent}l0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"{indent}l{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("engine", ["c", "pure"])
def test_aliases_in_the_metadata_are_refused_before_they_expand(age_identity: AgeIdentity, engine: str) -> None:
    """An unknown field of a stanza is read and spelt out (copied into plain data, written into the
    seal digest): aliases there once cost time and memory exponential in the file's size (nine
    levels: minutes and gigabytes)."""
    sealed = seal_text("db:\n  password: x\n", [age_identity.key])
    bomb = sealed.replace("      recipient: ", _laughs(9, "      ") + "      recipient: ", 1)
    with pytest.raises(FormatError, match="aliases are not supported in the metadata") as info:
        scan(bomb, engine=engine)
    assert str(info.value.keypath).startswith("sealfile.recipients.0.l")


@pytest.mark.parametrize("engine", ["c", "pure"])
def test_merge_keys_and_shared_nodes_in_the_metadata_are_refused(age_identity: AgeIdentity, engine: str) -> None:
    sealed = seal_text("db:\n  password: x\n", [age_identity.key])
    merged = sealed.replace("  version: 2\n", "  <<: {version: 2}\n", 1)
    with pytest.raises(FormatError, match=r"merge keys \(<<\) are not supported in the metadata"):
        scan(merged, engine=engine)
    # the data may not alias a node of the block either (here the block comes first, its anchor before the alias)
    body, _, meta = sealed.partition("sealfile:\n")
    first = "sealfile:\n" + meta.replace("  version: 2\n", "  version: &v 2\n", 1) + body + "copy: *v\n"
    with pytest.raises(FormatError, match="alias to a node that is not a value written before it"):
        scan(first, engine=engine)
    # an anchor alone is kept, as in the data
    assert scan(sealed.replace("sealfile:\n", "sealfile: &m\n", 1), engine=engine).metadata["version"] == 2


DEEP = {"flow sequences": "a: " + "[" * 40000 + "]" * 40000 + "\n",
        "flow mappings": "a: " + "[a: " * 40000 + "]" * 40000 + "\n",
        "block sequences on one line": "a:\n" + "- " * 40000 + "x\n",
        "explicit keys on one line": "a:\n" + "? " * 40000 + "x\n"}
READERS = {"scan": "from sealfile.stores.yaml.scan import scan as read",
           "load_fast": "from sealfile.stores.yaml.reader import load_fast as read",
           "SOPS": "from sealfile.sops.yamltree import read_yaml as read"}


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("shape", list(DEEP))
def test_deep_nesting_is_refused_at_once_by_every_c_reader(shape: str, reader: str) -> None:
    """40,000 levels crashed the process (the C composer recurses in C: a segmentation fault, not a
    RecursionError) in scan and load_fast, so ``status`` of a crafted file crashed; the SOPS reader
    took 22 s (the C scanner slows quadratically with flow depth)."""
    code = (f"import sys, time\n{READERS[reader]}\nfrom sealfile.errors import FormatError\n"
            "text = sys.stdin.read()\nstart = time.process_time()\n"
            "try:\n    read(text)\nexcept FormatError as err:\n    print(err, round(time.process_time() - start, 3))\n")
    done = subprocess.run([sys.executable, "-c", code], input=DEEP[shape], capture_output=True, text=True,
                          env=cli_env(), timeout=120)
    assert done.returncode == 0, done.stderr[-300:]
    message, seconds = done.stdout.rsplit(" ", 1)
    assert "too deep" in message and float(seconds) < 1.0, done.stdout


def test_a_big_sealed_file_is_not_parsed_twice_for_its_depth(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every token holds a ``[`` (``ENC[...]``) and base64url ``-``: neither opens a collection, so a
    sealed file of thousands of values is not measured by a second, event-by-event parse."""
    token = "ENC[gAAAAABp-x-_-Q-" + "A" * 60 + "]"
    text = "".join(f"key{i}:\n  - {token}\n  - [a, {{b: c}}]\n" for i in range(300))
    text += "".join(f"value{i}: {token}\n" for i in range(5000))

    def measured(*_args: object) -> None:
        raise AssertionError("measured by a second parse")

    monkeypatch.setattr(yaml_reader, "check_depth", measured)
    yaml_reader.refuse_deep(text, yaml_reader.MAX_READ_DEPTH)
    with pytest.raises(AssertionError, match="second parse"):
        yaml_reader.refuse_deep("- " * 2100 + "x\n", yaml_reader.MAX_READ_DEPTH)


def test_a_text_read_again_is_measured_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A review, diff or merge reads each version of a file a dozen times through several readers, and each
    reader measured its depth and nodes again: a megabyte of ``---`` lines (a quarter of a million documents,
    under the node limit) held one review for 14 s. Now each text is measured once, by one pass per limit."""
    monkeypatch.setenv("SEALFILE_MAX_NODES", "5000")
    # 1,100 flow lists open the depth check, a comment of colons the exact node count (3,301 nodes: under it)
    text = "# " + ":" * 6000 + "\n" + "".join(f"k{i}: [{i}]\n" for i in range(1100))
    passes = []
    real = yaml_reader._safe

    class Counted:
        def __getattr__(self, name: str) -> object:
            return getattr(real(), name)

        def parse(self, stream: str) -> object:
            passes.append(len(stream))
            return real().parse(stream)

    monkeypatch.setattr(yaml_reader, "_safe", Counted)
    for _ in range(3):
        assert scan(text).tree["k7"] == [7]
        assert yaml_reader.load_fast(text)["k7"] == [7]
    assert len(passes) == 3  # the depth under two limits (editing, reading), the nodes under one
    monkeypatch.setenv("SEALFILE_MAX_NODES", "3000")
    with pytest.raises(FormatError, match="more than 3,000 keys and values"):
        scan(text)
    with pytest.raises(FormatError, match="more than 3,000 keys and values"):
        yaml_reader.load_fast(text)
    assert len(passes) == 4
