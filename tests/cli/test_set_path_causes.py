"""A key path ``set`` or ``unset`` cannot take is refused in one line naming the file, the key path and the true
cause, whatever the path goes through (a null, a single value, a mapping, a list, past a list's end, a negative
index, a flat dotenv file), and nothing is written. A JSON ``x[0]`` below a null was refused as if the user had
typed a wrong key ("JSON keys are strings"), below a string too, where the string was the cause."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from sealfile.ops.change import set_value
from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity

FILES = {
    "j.json": '{"x": null, "s": "str", "m": {"k": "v"}, "l": ["a", "b"], "e": []}\n',
    "y.yaml": "x: null\ns: str\nm:\n  k: v\nl:\n- a\n- b\ne: []\n",
    "d.env": "x=\ns=str\n",
}
NULL_LIST = "x holds null, which set makes a mapping, and JSON keys are strings, not int (quote the key); for a list, "
SINGLE = ("the path goes through a value that is not a mapping or list ({0} holds a single value: to make it a "
          "mapping, first set {0} --type yaml '{{}}')")
FLAT = "a dotenv file is flat: values cannot be mappings or lists: a key path there is one name"

# (file, command and key path, the cause after "FILE: KEYPATH: ")
CAUSES = [
    ("j.json", ("set", '["x"][true]'), NULL_LIST.replace("not int", "not bool") + "set x --type yaml '[...]'"),
    ("j.json", ("set", "x[0][1]"), "no such list index (the list is empty; 0 appends one)"),
    ("j.json", ("set", "n[1]"), "no such list index (the list is empty; 0 appends one)"),
    ("y.yaml", ("set", "x[1]"), "no such list index (the list is empty; 0 appends one)"),
    ("y.yaml", ("set", "n[0][2]"), "no such list index (the list is empty; 0 appends one)"),
    ("j.json", ("set", "s[0]"), SINGLE.format("s")),
    ("j.json", ("set", "l[0][0]"), SINGLE.format("l.0")),
    ("j.json", ("set", "m[0]"), "JSON keys are strings, not int (quote the key)"),
    ("j.json", ("set", "l[-1]"), "no such list index (list indexes count from 0, not from the end: the list holds 2 "
                                 "items; 2 appends one)"),
    ("j.json", ("unset", "l.-1"), "no such list index (list indexes count from 0, not from the end: the list holds "
                                  "2 items)"),
    ("j.json", ("unset", "x[0]"), "the path goes through a value that is not a mapping or list (x holds a single "
                                  "value)"),
    ("y.yaml", ("set", "l[5]"), "no such list index (the list holds 2 items; 2 appends one)"),
    ("y.yaml", ("unset", "e[0]"), "no such list index (the list is empty)"),
    ("y.yaml", ("unset", "l[1].k"), "the path goes through a value that is not a mapping or list (l.1 holds a "
                                    "single value)"),
    ("y.yaml", ("set", "s[0]"), SINGLE.format("s")),
    ("y.yaml", ("set", "l.k"), "a list is indexed by a number"),
    ("d.env", ("set", "x[0]"), FLAT),
    ("d.env", ("set", "s.k"), FLAT + ' (write ["s.k"] for a name holding dots)'),
    ("d.env", ("unset", "s.k"), FLAT + ' (write ["s.k"] for a name holding dots)'),
]


@pytest.mark.parametrize(("name", "args", "cause"), CAUSES,
                         ids=[f"{name}-{' '.join(args)}" for name, args, _ in CAUSES])
def test_a_refused_key_path_names_its_true_cause(run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path,
                                                 name: str, args: tuple[str, str], cause: str) -> None:
    path = tmp_path / name
    path.write_text(FILES[name])
    assert run_cli("encrypt", "-i", "--age", age_identity.recipient, path).returncode == 0
    before = path.read_bytes()
    verb, keypath = args
    done = run_cli(verb, path, keypath, *(["new"] if verb == "set" else []))
    assert done.returncode == 1 and path.read_bytes() == before
    assert done.stderr == f"sealfile: error: {path}: {keypath}: {cause}\n"
    assert "str" not in done.stderr.replace("strings", "")  # no value is ever quoted


# What `sops set f '["x"][0]' '"v"'` (3.11) writes, for x null or missing, in YAML and JSON alike
CREATED = [("x[0]", ["v"]), ("x[0].a", [{"a": "v"}]), ("x.a[0]", {"a": ["v"]}), ("x[0][0]", [["v"]])]


@pytest.mark.parametrize("name", ["y.yaml", "j.json"])
@pytest.mark.parametrize("x", ["null", "missing"])
@pytest.mark.parametrize(("keypath", "created"), CREATED, ids=[keypath for keypath, _ in CREATED])
def test_an_index_below_nothing_creates_a_list_as_sops_does(age_identity: AgeIdentity, name: str, x: str,
                                                           keypath: str, created: object) -> None:
    """``x[0]`` where x was null or missing wrote the mapping ``x: {0: v}`` in YAML (an integer key no application
    reading a list finds) and was refused in JSON as an integer key; ``sops set`` makes a list in both."""
    store = get_store(name.split(".")[1])
    plain = FILES[name] if x == "null" else FILES[name].replace('"x": null, ', "").replace("x: null\n", "")
    changed = set_value(seal_text(plain, [age_identity.key], store=store), keypath, "v", store)
    assert YAML(typ="safe").load(decrypt_text(changed, store=store))["x"] == created  # JSON is YAML
