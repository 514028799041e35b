"""A value the file's syntax cannot hold is refused before anything is written, naming its key path.

Written, such a value (a date, NaN or !!binary in JSON; anything but a string in dotenv; a lone
surrogate anywhere, as an undecodable byte on a command line reads) would give a file that opens
as data but that ``decrypt`` cannot print, or prints as text no reader reads back.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from sealfile.errors import FormatError, KeyPathError
from sealfile.ops import change
from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity

PLAIN = {"yaml": "a: 1\n", "json": '{"a": 1}\n', "dotenv": "A=1\n"}

UNFIT: list[tuple[str, Any, str, str]] = [
    ("json", dt.date(2020, 1, 2), "d", "JSON has no date values"),
    ("json", dt.datetime(2020, 1, 2, 3, 4, tzinfo=dt.UTC), "d", "JSON has no datetime values"),
    ("json", b"\x00\x01", "d", "JSON has no bytes values"),
    ("json", float("nan"), "d", "JSON cannot hold NaN or infinity"),
    ("json", {"x": [1, float("-inf")]}, "d.x.1", "JSON cannot hold NaN or infinity"),
    ("json", {1: "one"}, "d", "JSON keys are strings, not int"),
    ("json", {None: "x"}, "d", "JSON keys are strings, not null"),
    ("dotenv", 5, "d", "dotenv values are strings, not int"),
    ("dotenv", None, "d", "dotenv values are strings, not null"),
    ("dotenv", True, "d", "dotenv values are strings, not bool"),
    ("dotenv", 1.5, "d", "dotenv values are strings, not float"),
    ("dotenv", dt.date(2020, 1, 2), "d", "dotenv values are strings, not date"),
    ("dotenv", {"x": "y"}, "d", "a dotenv file is flat"),
    ("yaml", "x\udcff", "d", "lone surrogate"),
    ("yaml", {"k": ["\ud800"]}, "d.k.0", "lone surrogate"),
    ("yaml", {"\udcff": 1}, "d", "a key holds a lone surrogate"),
    ("json", "x\udcff", "d", "lone surrogate"),
    ("dotenv", "x\udcff", "d", "lone surrogate"),
    # --type yaml reads !!set, !!pairs and complex keys that no file reader takes: they said "please report
    # it" (YAML) or named no key path (JSON)
    ("yaml", {"a"}, "d", "a set value cannot be sealed"),
    ("yaml", {"k": [{"a"}]}, "d.k.0", "a set value cannot be sealed"),
    ("yaml", [("a", 1)], "d.0", "a tuple value cannot be sealed"),
    ("yaml", {(1,): "x"}, "d", "mapping keys must be strings, integers or booleans, not tuple"),
    ("yaml", {None: "x"}, "d", "mapping keys must be strings, integers or booleans, not null"),
    ("json", {"a"}, "d", "a set value cannot be sealed"),
]


@pytest.mark.parametrize(("syntax", "value", "where", "cause"), UNFIT)
def test_set_refuses_a_value_the_syntax_cannot_hold(age_identity: AgeIdentity, syntax: str, value: Any,
                                                     where: str, cause: str) -> None:
    store = get_store(syntax)
    sealed = seal_text(PLAIN[syntax], [age_identity.key], store=store)
    with pytest.raises(FormatError, match=cause) as refused:
        change.set_value(sealed, "d", value, store)
    assert refused.value.keypath == where
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(("syntax", "value"), [("json", "2020-01-02"), ("json", 1.5), ("json", {"x": [1, None]}),
                                               ("dotenv", "5"), ("yaml", dt.date(2020, 1, 2))])
def test_set_keeps_writing_what_the_syntax_holds(age_identity: AgeIdentity, syntax: str, value: Any) -> None:
    store = get_store(syntax)
    changed = change.set_value(seal_text(PLAIN[syntax], [age_identity.key], store=store), "d", value, store)
    decrypt_text(changed, store=store)  # prints: the file reads back through decrypt too


FRESH_VALUES = [b"hello", b"", dt.date(2020, 1, 2), dt.datetime(2001, 12, 14, 21, 59, 43, 100000),
                dt.datetime(2001, 12, 14, 21, 59, 43, tzinfo=dt.timezone(dt.timedelta(hours=-5)))]


@pytest.mark.parametrize("value", FRESH_VALUES, ids=repr)
@pytest.mark.parametrize("keypath", ["b", "new", "f.0", "f.2", "m.k", "m.new", "l.0", "l.1"])
def test_a_value_written_afresh_decrypts_to_yaml_that_reads_back(age_identity: AgeIdentity, keypath: str,
                                                                 value: Any) -> None:
    """set wrote a bytes value, in place of another one, as ``"b'hello'"`` and a time inside a flow
    collection as a plain scalar with ``:`` (which libyaml refuses there): the file opened as data,
    but decrypt refused it, or printed YAML that no reader reads."""
    import yaml as pyyaml
    from ruamel.yaml import YAML

    store = get_store("yaml")
    sealed = seal_text("b: 1\nf: [1, 2]\nm: {k: v}\nl:\n- x\n", [age_identity.key], store=store)
    changed = change.set_value(sealed, keypath, value, store)
    text = decrypt_text(changed, store=store)
    read = YAML(typ="safe").load(text)
    assert read == pyyaml.safe_load(text)
    place: Any = read
    for part in keypath.split("."):
        place = place[int(part)] if isinstance(place, list) else place[part]
    assert place == value


def test_encrypt_into_another_syntax_refuses_what_it_cannot_hold(age_identity: AgeIdentity) -> None:
    yaml = get_store("yaml")
    text = "name: x\nwhen:\n  day: 2020-01-02\n"
    with pytest.raises(FormatError, match="JSON has no date values") as refused:
        seal_text(text, [age_identity.key], store=yaml, output=get_store("json"))
    assert refused.value.keypath == "when.day"
    with pytest.raises(FormatError, match="a dotenv file is flat") as refused:
        seal_text(text, [age_identity.key], store=yaml, output=get_store("dotenv"))
    assert refused.value.keypath == "when"


@pytest.mark.parametrize(("name", "args"), [("s.json", ["d", "2020-01-02", "--type", "yaml"]),
                                            ("s.json", ["d", "inf", "--type", "float"]),
                                            ("s.env", ["d", "5", "--type", "int"]),
                                            ("s.enc.yaml", ["d", "x\udcff"])])
def test_the_cli_leaves_the_file_as_it_was(age_identity: AgeIdentity, run_cli: RunCli, tmp_path: Path,
                                           name: str, args: list[str]) -> None:
    syntax = {"json": "json", "env": "dotenv", "yaml": "yaml"}[name.rsplit(".", 1)[1]]
    path = tmp_path / name
    path.write_text(seal_text(PLAIN[syntax], [age_identity.key], store=get_store(syntax)), encoding="utf-8")
    before = path.read_bytes()
    result = run_cli("set", path, *args)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and f"{name}: d: " in result.stderr
    assert path.read_bytes() == before
    assert run_cli("decrypt", path).returncode == 0


@pytest.mark.parametrize("value", ["!!null hunter2-secret", "!!int hunter2-secret", "!!bool yes"])
def test_set_refuses_a_yaml_value_whose_tag_its_text_contradicts(age_identity: AgeIdentity, run_cli: RunCli,
                                                                   tmp_path: Path, value: str) -> None:
    """The cause named is the tag, not 'a date that does not exist, or an integer of more than 4,300 digits'."""
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text(PLAIN["yaml"], [age_identity.key]), encoding="utf-8")
    before = path.read_bytes()
    result = run_cli("set", path, "d", value, "--type", "yaml")
    assert result.returncode == 1
    assert result.stderr == (f"sealfile: error: {path}: d: the value is not valid YAML: a value that is not of the "
                             "type its tag gives it: remove the tag to keep it as text\n")
    assert path.read_bytes() == before


@pytest.mark.parametrize(("keypath", "quoted"), [('["m"][0]', '["m"]["0"]'), ('["n"][true]', '["n"]["true"]'),
                                                ('["missing"][true]["x"]', '["missing"]["true"]["x"]'),
                                                ("[0]", '["0"]'), ('["l"][0][true]', '["l"][0]["true"]')])
def test_set_refuses_a_key_its_path_would_make_that_json_cannot_hold(age_identity: AgeIdentity, keypath: str,
                                                                      quoted: str) -> None:
    """A bracketed key that is not a string where ``set`` makes or fills a mapping (an existing one, below a null,
    a missing key, a new list item) is an integer or boolean key: JSON has none, and the refusal said "please report
    it" instead of how to write the key. (A bracketed index below a null or a missing key makes a list, as
    ``sops set`` does: :func:`test_an_index_below_nothing_makes_a_list_in_json_too`.)"""
    store = get_store("json")
    sealed = seal_text('{"n": null, "a": 1, "l": [], "m": {}}\n', [age_identity.key], store=store)
    with pytest.raises(FormatError, match=r"JSON keys are strings, not (int|bool) \(quote the key\)") as refused:
        change.set_value(sealed, keypath, "v", store)
    assert refused.value.keypath == keypath
    assert "please report" not in str(refused.value)
    assert '"v"' in decrypt_text(change.set_value(sealed, quoted, "v", store), store=store)  # as the hint says


@pytest.mark.parametrize(("keypath", "made"), [('["n"][0]', ("n", ["v"])), ('["missing"][0]', ("missing", ["v"])),
                                              ('["missing"][0]["x"]', ("missing", [{"x": "v"}])),
                                              ('["l"][0][0]', ("l", [["v"]]))])
def test_an_index_below_nothing_makes_a_list_in_json_too(age_identity: AgeIdentity, keypath: str,
                                                          made: tuple[str, Any]) -> None:
    """These were refused as integer keys; ``sops set`` (3.11) writes these lists. ``["l"][0][1]`` (a new item's
    second index) is refused as in an empty list."""
    store = get_store("json")
    sealed = seal_text('{"n": null, "l": []}\n', [age_identity.key], store=store)
    key, value = made
    assert read_back(decrypt_text(change.set_value(sealed, keypath, "v", store), store=store))[key] == value
    with pytest.raises(KeyPathError, match=r"no such list index \(the list is empty; 0 appends one\)"):
        change.set_value(sealed, '["l"][0][1]', "v", store)


def read_back(text: str) -> Any:
    from ruamel.yaml import YAML
    return YAML(typ="safe").load(text)


def test_an_integer_key_is_still_made_where_the_syntax_holds_one(age_identity: AgeIdentity) -> None:
    """In YAML an index names an integer key of a mapping that is there; below a null, a missing key or a new list
    item it makes a list (as ``sops set`` does), and the integer key is written as a value: ``--type yaml '{0: v}'``."""
    store = get_store("yaml")
    sealed = seal_text("n:\nl: []\nm: {}\n", [age_identity.key], store=store)
    assert read_back(decrypt_text(change.set_value(sealed, '["m"][0]', "v", store), store=store))["m"] == {0: "v"}
    for keypath, key in (('["n"]', "n"), ('["missing"]', "missing"), ('["l"][0]', "l")):
        read = read_back(decrypt_text(change.set_value(sealed, keypath, {0: "v"}, store), store=store))
        assert (read["l"][0] if key == "l" else read[key]) == {0: "v"}
    for keypath, key in (('["n"][0]', "n"), ('["missing"][0]', "missing"), ('["l"][0][0]', "l")):
        read = read_back(decrypt_text(change.set_value(sealed, keypath, "v", store), store=store))
        assert (read["l"][0] if key == "l" else read[key]) == ["v"]
