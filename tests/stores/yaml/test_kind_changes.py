"""``set`` replacing a value by one of another kind (a scalar by a mapping or list, a collection by a
scalar, a block collection by another, an empty ``{}`` or ``[]`` by content) writes only that value's
lines: a comment beside its key (or its list item's dash) stays at the end of that line, with the blanks
before it as written; comments above and below, blank lines around and line breaks (LF, CRLF, a CR
alone) stay as they were. What was inside the old value goes with it: an anchor nothing aliases, a tag
(it named the old kind), a comment inside a multi-line value. JSON keeps its own layout the same way.

Each case runs the library's ``set`` on the sealed file and compares the decrypted text exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sealfile.kms.age import AgeKey
from sealfile.model.paths import ListIndex
from sealfile.ops.change import set_value
from sealfile.ops.read import decrypt_text
from sealfile.stores import get_store
from sealfile.stores.yaml.graft import graft
from sealfile.stores.yaml.scan import scan
from tests.support.cli import RunCli
from tests.support.fast_path import age_key, seal
from tests.support.identities import AgeIdentity

__all__ = ["age_key"]

N = "  # note"
CASES: list[tuple[str, str, Any, str]] = [
    # a scalar (null, empty, string, tagged, anchored, block) replaced by a mapping or a list
    (f"resources: null{N}\nb: 1\n", "resources.limits.cpu", "100m",
     f"resources:{N}\n  limits:\n    cpu: 100m\nb: 1\n"),
    (f"resources:{N}\nb: 1\n", "resources", {"cpu": 1}, f"resources:{N}\n  cpu: 1\nb: 1\n"),
    (f"resources: ''{N}\nb: 1\n", "resources", {"cpu": 1}, f"resources:{N}\n  cpu: 1\nb: 1\n"),
    (f"resources: x{N}\nb: 1\n", "resources", [1, 2], f"resources:{N}\n- 1\n- 2\nb: 1\n"),
    (f"resources: 'x'{N}\nb: 1\n", "resources", {"cpu": 1}, f"resources:{N}\n  cpu: 1\nb: 1\n"),
    (f"resources: !!str x{N}\nb: 1\n", "resources", {"cpu": 1}, f"resources:{N}\n  cpu: 1\nb: 1\n"),
    (f"resources: &a x{N}\nb: 1\n", "resources", {"cpu": 1}, f"resources:{N}\n  cpu: 1\nb: 1\n"),
    ("resources: null # note\nb: 1\n", "resources", {"cpu": 1}, "resources: # note\n  cpu: 1\nb: 1\n"),
    ("resources: null\t# note\nb: 1\n", "resources", {"cpu": 1}, "resources:\t# note\n  cpu: 1\nb: 1\n"),
    ("resources: x\nb: 1\n", "resources", {"cpu": 1}, "resources:\n  cpu: 1\nb: 1\n"),
    (f"resources: |{N}\n  text\nb: 1\n", "resources", {"cpu": 1}, f"resources:{N}\n  cpu: 1\nb: 1\n"),
    (f"resources: x{N}\nb: 1\n", "resources", "two\nlines", f"resources: |-{N}\n  two\n  lines\nb: 1\n"),
    (f"a:\n  resources: null{N}\n  b: 1\n", "a.resources", {"cpu": 1}, f"a:\n  resources:{N}\n    cpu: 1\n  b: 1\n"),
    # comments above, below, blank lines around
    (f"# above\nresources: x{N}\n# below\n\nb: 1\n", "resources", {"cpu": 1},
     f"# above\nresources:{N}\n  cpu: 1\n# below\n\nb: 1\n"),
    (f"a: 0\n\nresources: x{N}\n\nb: 1\n", "resources", ["p"], f"a: 0\n\nresources:{N}\n- p\n\nb: 1\n"),
    # a list item replaced by a collection: the comment stays on the dash's line
    (f"a:\n  - x{N}\n  - y\n", "a[0]", {"cpu": 1}, f"a:\n  - cpu: 1{N}\n  - y\n"),
    (f"a:\n- x{N}\n- y\n", "a[0]", [1], f"a:\n- - 1{N}\n- y\n"),
    (f"a:\n  -{N}\n  - y\n", "a[0]", {"cpu": 1}, f"a:\n  - cpu: 1{N}\n  - y\n"),
    # a collection replaced by a scalar
    (f"resources:{N}\n  cpu: 1\nb: 1\n", "resources", "x", f"resources: x{N}\nb: 1\n"),
    (f"resources:{N}\n  - 1\nb: 1\n", "resources", "x", f"resources: x{N}\nb: 1\n"),
    (f"resources:{N}\n  cpu: 1\n\nb: 1\n", "resources", "x", f"resources: x{N}\n\nb: 1\n"),
    (f"resources:{N}\n  cpu: 1\n# below\nb: 1\n", "resources", None, f"resources:{N}\n# below\nb: 1\n"),
    (f"resources: &a{N}\n  cpu: 1\nb: 1\n", "resources", "x", f"resources: x{N}\nb: 1\n"),
    (f"resources: !!map{N}\n  cpu: 1\nb: 1\n", "resources", "x", f"resources: x{N}\nb: 1\n"),
    (f"resources: {{a: 1}}{N}\nb: 1\n", "resources", "x", f"resources: x{N}\nb: 1\n"),
    (f"a:\n  - {{c: 1}}{N}\n", "a[0]", "x", f"a:\n  - x{N}\n"),
    # a block collection replaced by another collection
    (f"resources:{N}\n  - 1\nb: 1\n", "resources", {"cpu": 1}, f"resources:{N}\n  cpu: 1\nb: 1\n"),
    (f"resources:{N}\n  cpu: 1\nb: 1\n", "resources", [1], f"resources:{N}\n- 1\nb: 1\n"),
    # a flow collection replaced by block content
    (f"resources: {{}}{N}\nb: 1\n", "resources", {"cpu": 1}, f"resources:{N}\n  cpu: 1\nb: 1\n"),
    (f"resources: []{N}\nb: 1\n", "resources", [1], f"resources:{N}\n- 1\nb: 1\n"),
    (f"resources: {{a: 1}}{N}\nb: 1\n", "resources", {"cpu": [1]}, f"resources:{N}\n  cpu:\n  - 1\nb: 1\n"),
    (f"a: {{r: x}}{N}\n", "a.r", {"cpu": 1}, f"a: {{r: {{cpu: 1}}}}{N}\n"),
    # the last key of a mapping removed leaves {} in its parent's entry, beside the same comment
    (f"a:{N}\n  b: 1\nc: 2\n", "a.b", "unset", f"a: {{}}{N}\nc: 2\n"),
    # what is inside the old value goes with it: compact content on a dash's line, a multi-line value
    ("a:\n  - b: 1  # inner\n    c: 2\n", "a[0]", "x", "a:\n  - x\n"),
    ("resources: {a: 1,  # inner\n  b: 2}\nc: 1\n", "resources", [1], "resources:\n- 1\nc: 1\n"),
    # an anchor aliased elsewhere stays with the new value, in flow style
    (f"resources: &a null{N}\nb: *a\n", "resources", {"cpu": 1}, f"resources: &a {{cpu: 1}}{N}\nb: *a\n"),
    # line breaks: CRLF, a CR alone, no final line break
    (f"resources: null{N}\r\nb: 1\r\n", "resources", {"cpu": 1}, f"resources:{N}\r\n  cpu: 1\r\nb: 1\r\n"),
    (f"resources: null{N}\rb: 1\r", "resources", {"cpu": 1}, f"resources:{N}\r  cpu: 1\rb: 1\r"),
    (f"resources:{N}\r\n  cpu: 1\r\nb: 1\r\n", "resources", "x", f"resources: x{N}\r\nb: 1\r\n"),
    (f"resources:{N}\r  - 1\rb: 1\r", "resources", {"cpu": 1}, f"resources:{N}\r  cpu: 1\rb: 1\r"),
    (f"resources: null{N}", "resources", {"cpu": 1}, f"resources:{N}\n  cpu: 1"),
    (f"b: 1\r\nresources: null{N}", "resources", {"cpu": 1}, f"b: 1\r\nresources:{N}\r\n  cpu: 1"),
]


@pytest.mark.parametrize(("plaintext", "keypath", "value", "expected"), CASES)
def test_a_value_of_another_kind_keeps_the_comment_beside_its_key(
        age_key: AgeKey, plaintext: str, keypath: str, value: Any, expected: str) -> None:
    sealed = seal(plaintext, age_key)
    if value == "unset":
        from sealfile.ops.change import unset_value
        changed = unset_value(sealed, keypath)
    else:
        changed = set_value(sealed, keypath, value)
    assert decrypt_text(changed) == expected


@pytest.mark.parametrize("line_break", ["\n", "\r\n", "\r"])
def test_the_cli_keeps_the_comment_of_a_null_that_becomes_a_mapping(
        run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path, line_break: str) -> None:
    """The command run as a user runs it (a process of its own); the file's bytes read back as they are:
    a process's output read as text has its CRs turned into LFs."""
    plain = f"name: web{N}\nresources: null{N}\nreplicas: 2\n".replace("\n", line_break)
    sealed = tmp_path / "v.enc.yaml"
    sealed.write_bytes(seal(plain, age_identity.key).encode())
    done = run_cli("set", sealed, "resources.limits.cpu", "100m")
    assert done.returncode == 0, done.stderr
    expected = f"name: web{N}\nresources:{N}\n  limits:\n    cpu: 100m\nreplicas: 2\n".replace("\n", line_break)
    assert decrypt_text(sealed.read_bytes().decode()) == expected


JSON = get_store("json")


@pytest.mark.parametrize(("plaintext", "keypath", "value", "expected"), [
    ('{\n  "a": null,\n  "b": 1\n}\n', "a", {"c": 1}, '{\n  "a": {\n    "c": 1\n  },\n  "b": 1\n}\n'),
    ('{\n  "a": "x",\n  "b": 1\n}\n', "a", [1, 2], '{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1\n}\n'),
    ('{\n  "a": {\n    "c": 1\n  },\n  "b": 1\n}\n', "a", "x", '{\n  "a": "x",\n  "b": 1\n}\n'),
    ('{\n  "a": [\n    1\n  ],\n  "b": 1\n}\n', "a", {"c": 1}, '{\n  "a": {\n    "c": 1\n  },\n  "b": 1\n}\n'),
    ('{\n  "a": {},\n  "b": 1\n}\n', "a", {"c": 1}, '{\n  "a": {\n    "c": 1\n  },\n  "b": 1\n}\n'),
    ('{\n  "a": [],\n  "b": 1\n}\n', "a", [1], '{\n  "a": [\n    1\n  ],\n  "b": 1\n}\n'),
    ('{\n  "a": {},\n  "b": 1\n}\n', "a.c.d", 1, '{\n  "a": {\n    "c": {\n      "d": 1\n    }\n  },\n  "b": 1\n}\n'),
    ('{"a": {}, "b": 1}\n', "a", {"c": 1}, '{"a": {"c": 1}, "b": 1}\n'),
    ('{"a": null, "b": 1}\n', "a", {"c": 1}, '{"a": {"c": 1}, "b": 1}\n'),
    ('{"a": {"c": 1}, "b": 1}\n', "a", "x", '{"a": "x", "b": 1}\n'),
    ('{\r\n  "a": {},\r\n  "b": 1\r\n}\r\n', "a", {"c": [1]},
     '{\r\n  "a": {\r\n    "c": [\r\n      1\r\n    ]\r\n  },\r\n  "b": 1\r\n}\r\n'),
    ('{\r\t"a": null,\r\t"b": 1\r}\r', "a", {"c": 1}, '{\r\t"a": {\r\t\t"c": 1\r\t},\r\t"b": 1\r}\r'),
])
def test_a_json_value_of_another_kind_is_laid_out_as_the_file_is(
        age_key: AgeKey, plaintext: str, keypath: str, value: Any, expected: str) -> None:
    sealed = seal_json(plaintext, age_key)
    assert decrypt_text(set_value(sealed, keypath, value, JSON), store=JSON) == expected


def seal_json(plaintext: str, key: AgeKey) -> str:
    from sealfile.ops.seal import seal_text
    return seal_text(plaintext, [key], store=JSON)


@pytest.mark.parametrize(("ours", "theirs", "path", "expected"), [
    (f"a: &x 1\nr: null{N}\nb: *x\n", "a: &x 1\nr:\n  q: *x\nb: *x\n", ("r",), f"a: &x 1\nr:{N}\n  q: *x\nb: *x\n"),
    (f"a: &x 1\nr: {{}}{N}\n", "a: &x 1\nr:\n  q: *x\n", ("r",), f"a: &x 1\nr:{N}\n  q: *x\n"),
    (f"a: &x 1\nr: null{N}\r\nb: 2\r\n", "a: &x 1\nr:\n  q: *x\n", ("r",), f"a: &x 1\nr:{N}\r\n  q: *x\r\nb: 2\r\n"),
    (f"a: &x 1\nl:\n  - x{N}\n  - y\n", "a: &x 1\nl:\n  - q: *x\n", ("l", ListIndex(0)),
     f"a: &x 1\nl:\n  -{N}\n    q: *x\n  - y\n"),
    (f"a: &x 1\nr:{N}\n  q: 2\nb: *x\n", "a: &x 1\nr: *x\n", ("r",), f"a: &x 1\nr: *x{N}\nb: *x\n"),
    (f"a: &x 1\nr: &y{N}\n  q: 2\n", "a: &x 1\nr: *x\n", ("r",), f"a: &x 1\nr: *x{N}\n"),
    (f"a: &x 1\nr:{N}\n  q: 2\n\n# below\nb: 1\n", "a: &x 1\nr: [*x,\n  2]\n", ("r",),
     f"a: &x 1\nr: [*x,\n  2]{N}\n\n# below\nb: 1\n"),
])
def test_a_grafted_value_of_another_kind_keeps_the_comment_beside_its_key(
        ours: str, theirs: str, path: tuple[Any, ...], expected: str) -> None:
    """The merge driver's graft (theirs' value written as theirs writes it, aliases and all) keeps ours' comment
    beside the key, not under the new block (a scalar became a collection) nor on a line of its own."""
    assert graft(ours, scan(ours), path, scan(theirs)) == expected
