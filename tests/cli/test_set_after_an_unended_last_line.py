"""``sealfile set`` of a new key in a YAML file whose last line has no line break: the key goes last in its mapping,
every other byte stays (the real CLI: encrypt, set, decrypt).

Where the text ends in a ``|``/``>`` block (clip or keep chomping), at any depth, the line break before the new key
would become the block's last character (``x`` read as ``x\\n``, YAML 1.2 §8.1.1.2): the block's header is written
strip-chomped (``|-``), the same value. A new key went first in its mapping there before (a fallback): the user's
file gained its key at the top. The other shapes (``|-``, a nested mapping, a list, a flow collection, a comment
last) went last already; they are here so the class is pinned whole.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity

CASES = {  # name: (plaintext without a final line break, key path set, the plaintext after it)
    "literal": ("a: 1\nb: |\n  x\n  y", "NEW", "a: 1\nb: |-\n  x\n  y\nNEW: v"),
    "literal keep": ("a: 1\nb: |+\n  x", "NEW", "a: 1\nb: |-\n  x\nNEW: v"),
    "literal strip": ("a: 1\nb: |-\n  x", "NEW", "a: 1\nb: |-\n  x\nNEW: v"),
    "folded": ("a: 1\nb: >\n  x\n  y", "NEW", "a: 1\nb: >-\n  x\n  y\nNEW: v"),
    "folded keep": ("a: 1\nb: >+\n  x", "NEW", "a: 1\nb: >-\n  x\nNEW: v"),
    "indentation indicator": ("a: 1\nb: |2\n   x", "NEW", "a: 1\nb: |2-\n   x\nNEW: v"),
    "anchored block": ("a: 1\nb: &k |\n  x", "NEW", "a: 1\nb: &k |-\n  x\nNEW: v"),
    "nested mapping": ("a: 1\nb:\n  c: 2", "NEW", "a: 1\nb:\n  c: 2\nNEW: v"),
    "block in a nested mapping": ("a: 1\nb:\n  c: |\n    x", "NEW", "a: 1\nb:\n  c: |-\n    x\nNEW: v"),
    "into the nested mapping": ("a: 1\nb:\n  c: |\n    x", "b.NEW", "a: 1\nb:\n  c: |-\n    x\n  NEW: v"),
    "list": ("a: 1\nb:\n  - 2", "NEW", "a: 1\nb:\n  - 2\nNEW: v"),
    "block in a list": ("a: 1\nb:\n- |\n  x", "NEW", "a: 1\nb:\n- |-\n  x\nNEW: v"),
    "flow mapping": ("a: 1\nb: {c: 2}", "NEW", "a: 1\nb: {c: 2}\nNEW: v"),
    "flow list": ("a: 1\nb: [1, 2]", "NEW", "a: 1\nb: [1, 2]\nNEW: v"),
    "comment last": ("a: 1\nb: 2\n# end", "NEW", "a: 1\nb: 2\nNEW: v\n# end"),
    "comment after a block": ("a: 1\nb: |\n  x\n# end", "NEW", "a: 1\nb: |\n  x\nNEW: v\n# end"),
    "CRLF": ("a: 1\r\nb: |\r\n  x", "NEW", "a: 1\r\nb: |-\r\n  x\r\nNEW: v"),
    "CRLF nested": ("a: 1\r\nb:\r\n  c: >\r\n    x", "NEW", "a: 1\r\nb:\r\n  c: >-\r\n    x\r\nNEW: v"),
    "stream": ("---\na: 1\n---\nb: |\n  x", "[1].NEW", "---\na: 1\n---\nb: |-\n  x\nNEW: v"),
}


def _read(text: str) -> list[object]:
    return list(YAML(typ="safe", pure=True).load_all(text))


@pytest.mark.parametrize("name", list(CASES))
def test_a_new_key_goes_after_the_last_line_and_nothing_else_moves(run_cli: RunCli, age_identity: AgeIdentity,
                                                                   tmp_path: Path, name: str) -> None:
    text, keypath, expected = CASES[name]
    plain, sealed, out = tmp_path / "plain.yaml", tmp_path / "s.enc.yaml", tmp_path / "out.yaml"
    plain.write_bytes(text.encode())
    for args in (("encrypt", "--age", age_identity.recipient, "--output", sealed, plain), ("set", sealed, keypath, "v"),
                 ("decrypt", "--output", out, sealed)):
        done = run_cli(*args)
        assert done.returncode == 0, done.stderr
    assert out.read_bytes().decode() == expected  # byte for byte: CRLF kept, still no final line break
    wanted = _read(text)
    document = wanted[-1]
    for key in keypath.removeprefix("[1].").split(".")[:-1]:
        document = document[key]  # type: ignore[index]
    document["NEW"] = "v"  # type: ignore[index]
    assert _read(expected) == wanted  # the same data as before, the new key added: no block gained a line break
