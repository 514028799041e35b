"""Writers on YAML texts with anchors and aliases, through the real CLI: a token that does not change
when an alias to its value comes or goes, an alias replaced or removed on its own, and a change at an
alias made in the editor (docs/format.md §1.1)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


def _safe(text: str) -> Any:
    return YAML(typ="safe").load(text)


def _seal(run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path, text: str, name: str = "p",
          *previous: Path) -> Path:
    plain = tmp_path / f"{name}.yaml"
    plain.write_text(text)
    sealed = tmp_path / f"{name}.enc.yaml"
    extra = ["--previous", *previous] if previous else []
    sealed.write_text(_ok(run_cli("encrypt", "--age", age_identity.recipient, *extra, plain)))
    return sealed


def _tokens(text: str) -> list[str]:
    return [line.split("ENC[", 1)[1] for line in text.splitlines() if "ENC[" in line]


@pytest.mark.parametrize(("before", "after"), [
    ("a: &a s1\nc: x\n", "a: &a s1\nc: x\nd: *a\n"),  # an alias to it comes
    ("a: &a s1\nc: x\nd: *a\n", "a: &a s1\nc: x\n"),  # the last alias to it goes
    ("a: &a\n  multi word\nc: [x]\n", "a: &a\n  multi word\nc: [x, *a]\n"),
])
def test_a_token_does_not_change_when_an_alias_to_its_value_comes_or_goes(
        run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path, before: str, after: str) -> None:
    """The anchor was inside the token of a value nothing aliased and outside it once something did:
    ``diff`` showed the secret as changed. It is always outside now (its name is no secret: aliases
    show it anyway, and §7 binds every alias to the anchored node's path)."""
    one = _seal(run_cli, age_identity, tmp_path, before, "one")
    two = _seal(run_cli, age_identity, tmp_path, after, "two", one)
    assert _tokens(one.read_text())[0] == _tokens(two.read_text())[0]
    assert "a:" not in _ok(run_cli("diff", one, two))
    assert _ok(run_cli("decrypt", two)) == after


ALIASED = "a: &a s1\nm: &m {x: 1}\nb: *a   # why\nl:\n  - *a\n  - *m\n  - z\nf: {k: *a, j: 1}\nc: x\n"

ALIAS_SETS = [  # (command, key path, value or None, the plaintext expected after it)
    ("set", "b", "own", ALIASED.replace("b: *a", "b: own")),
    ("set", "l.0", "own", ALIASED.replace("  - *a\n", "  - own\n")),
    ("set", "l.1", "own", ALIASED.replace("  - *m\n", "  - own\n")),  # an alias of a mapping: --replace below
    ("set", "f.k", "two words", ALIASED.replace("{k: *a,", "{k: two words,")),
    ("set", "b", "multi\nline", ALIASED.replace("b: *a   # why\n", "b: |-   # why\n  multi\n  line\n")),
    ("unset", "b", None, ALIASED.replace("b: *a   # why\n", "")),
    ("unset", "l.0", None, ALIASED.replace("  - *a\n", "")),
    ("unset", "l.1", None, ALIASED.replace("  - *m\n", "")),
    ("unset", "f.k", None, ALIASED.replace("{k: *a, ", "{")),
]


@pytest.mark.parametrize(("command", "keypath", "value", "expected"), ALIAS_SETS)
def test_an_alias_itself_is_replaced_or_removed(run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path,
                                                command: str, keypath: str, value: str | None,
                                                expected: str) -> None:
    """``b: *a`` then ``set b own`` gives ``b`` a value of its own, sealed there; the anchor, its
    token and every other alias stay. Refused before, naming the anchor as if ``b`` were inside it."""
    sealed = _seal(run_cli, age_identity, tmp_path, ALIASED)
    token = _tokens(sealed.read_text())[0]
    args = [value, "--replace"] if value is not None else []
    _ok(run_cli(command, sealed, keypath, *args))
    assert _ok(run_cli("decrypt", sealed)) == expected
    assert json.loads(_ok(run_cli("decrypt", "--output-type", "json", sealed))) == _safe(expected)
    text = sealed.read_text()
    outside_tokens = re.sub(r"ENC\[[^\]]*\]", "", text.split("\nsealfile:")[0])  # base64 can spell "own"
    assert _tokens(text)[0] == token and "own" not in outside_tokens and "words" not in outside_tokens


def test_set_inside_an_alias_is_still_refused(run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path) -> None:
    sealed = _seal(run_cli, age_identity, tmp_path, ALIASED)
    before = sealed.read_bytes()
    done = run_cli("set", sealed, "l.1.x", "2")
    assert done.returncode == 1 and sealed.read_bytes() == before
    assert done.stderr.splitlines() == [f"sealfile: error: {sealed}: l.1.x: the value at l.1 is an alias of m: "
                                        "change it there, or edit the file"]


def _edit(run_cli: RunCli, sealed: Path, script: str) -> subprocess.CompletedProcess[str]:
    program = sealed.parent / "editor.py"
    program.write_text(script)
    return run_cli("edit", sealed, env={"EDITOR": f"{sys.executable} {program}"})


def test_edit_shows_the_aliases_and_takes_a_change_at_one(run_cli: RunCli, age_identity: AgeIdentity,
                                                          tmp_path: Path) -> None:
    """The editor shows the text as written, anchors and aliases included: a value changed at its
    anchor changes at every alias, an alias replaced by a value gives that place its own."""
    sealed = _seal(run_cli, age_identity, tmp_path, ALIASED)
    token = _tokens(sealed.read_text())[0]
    changed = ALIASED.replace("b: *a", "b: own").replace("j: 1", "j: *a")
    _ok(_edit(run_cli, sealed, f"import sys\nassert open(sys.argv[1]).read() == {ALIASED!r}\n"
                               f"open(sys.argv[1], 'w').write({changed!r})\n"))
    assert _ok(run_cli("decrypt", sealed)) == changed
    assert _tokens(sealed.read_text())[0] == token
    anchored = changed.replace("&a s1", "&a s2")
    _ok(_edit(run_cli, sealed, f"import sys\nopen(sys.argv[1], 'w').write({anchored!r})\n"))
    assert json.loads(_ok(run_cli("decrypt", "--output-type", "json", sealed)))["f"] == {"k": "s2", "j": "s2"}
    token = _tokens(sealed.read_text())[0]
    unaliased = anchored.replace("*a", "own")  # no alias names the anchor any more: its token stays
    _ok(_edit(run_cli, sealed, f"import sys\nopen(sys.argv[1], 'w').write({unaliased!r})\n"))
    assert _ok(run_cli("decrypt", sealed)) == unaliased
    assert _tokens(sealed.read_text())[0] == token


def test_the_merge_driver_takes_new_keys_from_both_sides_of_a_file_with_aliases(
        run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path) -> None:
    """An internal error (KeyError) before: the driver looked up theirs' new key in ours' data to see
    whether an alias had already put it there."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    sealed = _seal(run_cli, age_identity, tmp_path, ALIASED)
    sides = {side: tmp_path / f"{side}.enc.yaml" for side in ("base", "ours", "theirs")}
    for path in sides.values():
        path.write_bytes(sealed.read_bytes())
    _ok(run_cli("set", sides["ours"], "ours_key", "1"))
    _ok(run_cli("set", sides["theirs"], "theirs_key", "2"))
    _ok(run_cli("set", sides["theirs"], "a", "s2"))
    _ok(run_cli("git", "merge-driver", sides["base"], sides["ours"], sides["theirs"], "p.enc.yaml", cwd=tmp_path))
    expected = ALIASED.replace("&a s1", "&a s2") + 'theirs_key: "2"\nours_key: "1"\n'  # theirs' after c, as in theirs
    assert _ok(run_cli("decrypt", sides["ours"])) == expected


INLINE = {  # mappings written in a merge key (docs/format.md §1.1)
    "rails": "default: &default\n  adapter: postgresql\n  password: default-secret\n"
             "production:\n  <<: [*default, {password: inline-secret, pool: 5}]\n  pool: 6\n",
    "flow": "db:\n  <<: {adapter: postgres, password: flow-secret}\n  database: app\n",
    "block": "db:\n  <<:\n    adapter: postgres\n    password: &pw block-secret\n  database: app\nother: *pw\n",
    "top": "<<: {token: top-secret}\nname: app\n",
}


@pytest.mark.parametrize("name", list(INLINE))
def test_a_mapping_written_in_a_merge_key_is_sealed_where_it_is_written(
        run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path, name: str) -> None:
    """``<<: {adapter: postgres}`` and ``<<: [*a, {x: 1}]`` (read by ruamel's safe loader) were refused."""
    text = INLINE[name]
    sealed = _seal(run_cli, age_identity, tmp_path, text)
    assert "secret" not in sealed.read_text().partition("sealfile:")[0]
    assert _ok(run_cli("decrypt", sealed)) == text
    assert json.loads(_ok(run_cli("decrypt", "--output-type", "json", sealed))) == _safe(text)
    _ok(run_cli("rotate", sealed))
    assert _ok(run_cli("decrypt", sealed)) == text
    assert _ok(run_cli("check", sealed, env={"SEALFILE_AGE_KEY_FILE": str(tmp_path / "none")})) == ""


def test_changes_beside_a_mapping_written_in_a_merge_key(run_cli: RunCli, age_identity: AgeIdentity,
                                                         tmp_path: Path) -> None:
    text = INLINE["flow"]
    sealed = _seal(run_cli, age_identity, tmp_path, text)
    _ok(run_cli("set", sealed, "db.password", "own"))  # written into db, over the merged one, as YAML does
    expected = text + "  password: own\n"
    assert _ok(run_cli("decrypt", sealed)) == expected
    assert json.loads(_ok(run_cli("decrypt", "--output-type", "json", sealed)))["db"]["password"] == "own"
    _ok(run_cli("unset", sealed, "db.password"))  # the merged one shows again
    assert _ok(run_cli("decrypt", sealed)) == text
    done = run_cli("unset", sealed, "db.adapter")
    assert done.returncode == 1 and done.stderr.splitlines() == [
        f"sealfile: error: {sealed}: db.adapter: the value at db.adapter is merged (<<) from a mapping written in "
        "the merge key, which no key path names: edit the file"]


@pytest.mark.parametrize(("change", "name"), [
    (lambda text: text.replace("[*default, {", "[{").replace("pool: 5}]", "pool: 5}, *default]"), "order swapped"),
    (lambda text: text.replace("<<: [*default, ", "<<: ["), "an alias taken out of the list"),
])
def test_the_mac_covers_a_mapping_written_in_a_merge_key(run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path,
                                                          change: Any, name: str) -> None:
    sealed = _seal(run_cli, age_identity, tmp_path, INLINE["rails"])
    tampered = change(sealed.read_text())
    assert tampered != sealed.read_text(), name
    sealed.write_text(tampered)
    done = run_cli("decrypt", sealed)
    assert done.returncode != 0 and "MAC" in done.stderr, done.stderr


@pytest.mark.parametrize("text", ["a: !!str &a tag-first-secret\nb: *a\n",
                                  "a: !<tag:yaml.org,2002:str>  &a\n  12\nb: [*a]\n"])
def test_an_aliased_string_written_tag_first_is_sealed(run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path,
                                                        text: str) -> None:
    """YAML lets a node's tag and anchor come in either order; both engines read ``!!str &a x``. Its
    tag stays outside the token with the anchor (``!!str &a ENC[...]`` is a string). Refused before."""
    sealed = _seal(run_cli, age_identity, tmp_path, text)
    assert "secret" not in sealed.read_text() and re.search(r"&a\s+ENC\[", sealed.read_text())
    assert _ok(run_cli("decrypt", sealed)) == text
    assert json.loads(_ok(run_cli("decrypt", "--output-type", "json", sealed))) == _safe(text)


def test_an_aliased_value_of_another_type_written_tag_first_is_refused(run_cli: RunCli, age_identity: AgeIdentity,
                                                                        tmp_path: Path) -> None:
    plain = tmp_path / "p.yaml"
    plain.write_text("a: !!int &a 7\nb: *a\n")
    done = run_cli("encrypt", "--age", age_identity.recipient, plain)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [f"sealfile: error: {plain}: a: an aliased value other than a string written "
                                        "with its tag before its anchor (line 1, column 4): write the anchor first "
                                        "(&name !!tag value)"]
