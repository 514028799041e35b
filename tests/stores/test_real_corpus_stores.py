"""Real JSON and dotenv files nobody here wrote (tests/corpus/real/json/, dotenv/; sources and licences in its
MANIFEST.json) through their own store, by one set of properties whatever the store: sealed whole and under a
partial rule they decrypt byte for byte and the sealed text still reads in the real reader (``json``,
python-dotenv); ``rotate`` changes the tokens only and a new recipient the metadata only; ``set`` and
``unset`` at existing and new key paths read back in the real reader as the same edit made to what it read
of the original, and a one-value ``set`` changes that value's line only (and the metadata's MAC). A file the
store refuses (JSONC, a list at the top) is refused in one line, by the library and by the CLI naming the file.

The YAML files' byte-exact and rotate properties are tests/stores/yaml/test_corpus.py's; the edits here run
over a sample of them too (ruamel's safe loader as the reader)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage
import pytest
from dotenv import dotenv_values
from ruamel.yaml import YAML

from sealfile.errors import SealfileError
from sealfile.kms.age import AgeKey
from sealfile.model.rules import EncryptionRules
from sealfile.ops.change import change_recipients, rotate, set_value, unset_value
from sealfile.ops.read import decrypt_text, verify_text
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity

REAL = Path(__file__).resolve().parents[1] / "corpus" / "real"
ENTRIES = json.loads((REAL / "MANIFEST.json").read_text(encoding="utf-8"))
MANIFEST = [entry for entry in ENTRIES if entry.get("store", "yaml") != "yaml"]
READS = [entry["file"] for entry in MANIFEST if entry["parses"]]
# YAML files go through test_corpus.py's byte-exact and rotate tests; here through the same edits as the others
# (single-document mappings without aliases or tags, whose reading ruamel's safe loader defines alone)
YAML_EDITS = [entry["file"] for category in ("helm-values", "kubernetes", "docker-compose", "spring")
              for entry in [e for e in ENTRIES if e["category"] == category and e["parses"] and not e["aliases"]
                            and not e["multi_document"] and not e.get("tags")][:3]]
REFUSED = [entry["file"] for entry in MANIFEST if not entry["parses"]]
SHELL_MISREAD = {  # under PARTIAL a plaintext value a shell reads otherwise than python-dotenv: (line, key, spelling)
    "dotenv/motdotla__dotenv__tests__.env": (8, "EMPTY_BACKTICKS", "``"),  # a shell runs `` (an empty command)
    "dotenv/bkeepers__dotenv__spec__fixtures__quoted.env": (9, "OPTION_H", '"\\n"'),  # python-dotenv: a line break
}


def _read_json(text: str) -> Any:
    return json.loads(text.removeprefix("\ufeff"))  # as .NET and Node read a file with a byte order mark


def _read_dotenv(text: str) -> Any:
    return dict(dotenv_values(stream=io.StringIO(text), interpolate=False))  # sealfile interpolates nothing


@dataclass(frozen=True)
class Kind:
    """What the properties need to know of a store: its real reader and where its metadata starts."""

    store: str
    read: Callable[[str], Any]
    metadata: re.Pattern[str]


KINDS = {"yaml": Kind("yaml", lambda text: YAML(typ="safe", pure=True).load(text), re.compile(r"^sealfile:", re.M)),
         "json": Kind("json", _read_json, re.compile(r'"sealfile"\s*:')),
         "dotenv": Kind("dotenv", _read_dotenv, re.compile(r"^# sealfile metadata", re.M))}
PARTIAL = EncryptionRules("encrypted_regex", "(?i)(pass|secret|token|key|name|url)")
_TOKEN = re.compile(r"ENC\[[^\]]*\]")
_NEW = "corpus_new_key"
_QUOTED = "a 'b' \"c\" #d $e \\f"  # quotes, a comment sign, a reference, a backslash: a writer must quote it


def _kind(name: str) -> Kind:
    return KINDS.get(name.split("/")[0], KINDS["yaml"])


def _text(name: str) -> str:
    return (REAL / name).read_bytes().decode("utf-8")


def _seal(name: str, identity: AgeIdentity, rules: EncryptionRules | None = None) -> str:
    return seal_text(_text(name), [identity.key], rules, store=get_store(_kind(name).store))


def _body(kind: Kind, sealed: str) -> str:
    """The sealed text before its metadata, each token masked."""
    return _TOKEN.sub("ENC[]", sealed[:list(kind.metadata.finditer(sealed))[-1].start()])


def _data_lines(kind: Kind, sealed: str) -> list[str]:
    """The sealed text's lines before its metadata, tokens as written."""
    return sealed[:list(kind.metadata.finditer(sealed))[-1].start()].splitlines()


def _same(a: Any, b: Any) -> bool:
    """Equal, types and key order included (``1 == 1.0 == True`` and ``{a, b} == {b, a}`` are not)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _leaves(tree: Any, path: tuple[str | int, ...] = ()) -> list[tuple[tuple[str | int, ...], Any]]:
    if isinstance(tree, dict):
        return [leaf for key, value in tree.items() for leaf in _leaves(value, (*path, key))]
    if isinstance(tree, list):
        return [leaf for index, value in enumerate(tree) for leaf in _leaves(value, (*path, index))]
    return [(path, tree)]


def _keypath(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{json.dumps(step) if isinstance(step, str) else step}]" for step in path)


def _edited(tree: Any, path: tuple[str | int, ...], value: Any = None, *, remove: bool = False) -> Any:
    """``tree`` with the value at ``path`` set (a new key last) or removed, as ``set``/``unset`` do."""
    copy = json.loads(json.dumps(tree))
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    if remove:
        del parent[path[-1]]
    elif isinstance(parent, list) and path[-1] == len(parent):
        parent.append(value)
    else:
        parent[path[-1]] = value
    return copy


def _refused_as_a_shell_reads(name: str, identity: AgeIdentity) -> None:
    """A value the rule leaves in plaintext that a shell sourcing the decrypted file reads otherwise: refused at
    encrypt in one line naming the line and key, never the value (docs/format.md §1)."""
    line, key, spelled = SHELL_MISREAD[name]
    with pytest.raises(SealfileError) as info:
        _seal(name, identity, PARTIAL)
    message = str(info.value)
    assert "\n" not in message and f"line {line}:" in message and message.startswith(f"{key}: "), message
    assert "a shell sourcing the decrypted file reads otherwise" in message and spelled not in message, message


@pytest.mark.parametrize("rules", [None, PARTIAL], ids=["whole", "partial"])
@pytest.mark.parametrize("name", READS, ids=READS)
def test_sealed_files_decrypt_byte_for_byte_and_still_read(age_identity: AgeIdentity, name: str,
                                                           rules: EncryptionRules | None, run_cli: RunCli,
                                                           tmp_path: Path) -> None:
    kind, original = _kind(name), _text(name)
    if rules is not None and name in SHELL_MISREAD:
        _refused_as_a_shell_reads(name, age_identity)
        target = tmp_path / Path(name).name
        target.write_bytes((REAL / name).read_bytes())
        done = run_cli("encrypt", "--age", age_identity.recipient, "--input-type", "dotenv", "--encrypted-regex",
                       rules.pattern, "-i", str(target))
        assert done.returncode != 0 and done.stderr.count("\n") == 1, done.stderr
        assert str(target) in done.stderr and SHELL_MISREAD[name][1] in done.stderr, done.stderr
        assert SHELL_MISREAD[name][2] not in done.stderr and target.read_bytes() == (REAL / name).read_bytes()
        return
    sealed = _seal(name, age_identity, rules)
    verify_text(sealed, get_store(kind.store))
    assert decrypt_text(sealed, store=get_store(kind.store)) == original
    plain, read = kind.read(original), kind.read(sealed)
    assert list(read)[:len(plain)] == list(plain)  # the same keys in the same order, the metadata after them
    if rules is not None:  # what the rule leaves out stays readable as it was
        kept = [(path, value) for path, value in _leaves(plain)
                if not any(isinstance(step, str) and re.search(rules.pattern, step) for step in path)]
        for path, value in kept:
            got = read
            for step in path:
                got = got[step]
            assert _same(got, value), path


@pytest.mark.parametrize("name", READS, ids=READS)
def test_rotate_and_a_new_recipient_change_tokens_and_metadata_only(age_identity: AgeIdentity, name: str) -> None:
    kind, store = _kind(name), get_store(_kind(name).store)
    if name in SHELL_MISREAD:  # sealed whole only: the rule leaves a value a shell reads otherwise in plaintext
        _refused_as_a_shell_reads(name, age_identity)
    for sealed in [_seal(name, age_identity)] + ([] if name in SHELL_MISREAD else [_seal(name, age_identity, PARTIAL)]):
        rotated = rotate(sealed, store, adopt=True)
        assert _body(kind, rotated) == _body(kind, sealed)
        assert decrypt_text(rotated, store=store) == _text(name)
    added = change_recipients(sealed, add=[AgeKey(str(pyrage.x25519.Identity.generate().to_public()))],
                              store=store).text
    start = list(kind.metadata.finditer(sealed))[-1].start()
    assert added[:start] == sealed[:start]
    assert decrypt_text(added, store=store) == _text(name)


def _edits(plain: Any) -> list[tuple[str, tuple[str | int, ...], Any]]:
    """New values for an existing one-line string and another single value (one needing quotes), new keys at
    the top, beside that string and in an empty mapping, an item after a list's last, unsets of that string
    and of the top's last key."""
    leaves = [(path, value) for path, value in _leaves(plain) if not isinstance(value, (dict, list))]
    strings = [path for path, value in leaves if isinstance(value, str) and "\n" not in value]
    others = [path for path, value in leaves if not isinstance(value, str)]
    edits: list[tuple[str, tuple[str | int, ...], Any]] = [("set", (_NEW,), "new value ü")]
    if strings:
        path = strings[len(strings) // 2]
        edits += [("set", path, "changed"), ("set", strings[0], _QUOTED), ("unset", path, None)]
        if len(path) > 1 and isinstance(path[-1], str):  # in a mapping below the top
            edits.append(("set", (*path[:-1], _NEW), "beside"))
    if others:
        edits.append(("set", others[-1], "was not a string"))
    empty = [path for path, value in _containers(plain) if value == {} and path]
    lists = [(path, value) for path, value in _containers(plain) if isinstance(value, list) and path]
    edits += [("set", (*path, _NEW), "in {}") for path in empty[:1]]
    edits += [("set", (*path, len(value)), "appended") for path, value in lists[:1]]
    if len(plain) > 1:  # not emptying the file (an empty YAML document reads as null, not {})
        edits.append(("unset", (list(plain)[-1],), None))
    return edits


def _containers(tree: Any, path: tuple[str | int, ...] = ()) -> list[tuple[tuple[str | int, ...], Any]]:
    if not isinstance(tree, (dict, list)):
        return []
    items = tree.items() if isinstance(tree, dict) else enumerate(tree)
    return [(path, tree)] + [found for key, value in items for found in _containers(value, (*path, key))]


@pytest.mark.parametrize("name", READS + YAML_EDITS, ids=READS + YAML_EDITS)
def test_set_and_unset_read_back_in_the_real_reader(age_identity: AgeIdentity, name: str) -> None:
    kind, store, original = _kind(name), get_store(_kind(name).store), _text(name)
    plain, sealed = kind.read(original), _seal(name, age_identity)
    for op, path, value in _edits(plain):
        if op == "set":
            changed = set_value(sealed, _keypath(path), value, store)
        else:
            changed = unset_value(sealed, _keypath(path), store)
        kind.read(changed)  # still a JSON / dotenv file
        text = decrypt_text(changed, store=store)
        assert _same(kind.read(text), _edited(plain, path, value, remove=op == "unset")), (op, path)
        if op == "set" and path[-1] != _NEW and _has(plain, path):
            before, after = original.splitlines(keepends=True), text.splitlines(keepends=True)
            assert len(before) == len(after)
            assert sum(1 for a, b in zip(before, after, strict=True) if a != b) == 1, path
            sealed_before, sealed_after = _data_lines(kind, sealed), _data_lines(kind, changed)  # other tokens kept
            assert sum(1 for a, b in zip(sealed_before, sealed_after, strict=True) if a != b) == 1, path


def _has(tree: Any, path: tuple[str | int, ...]) -> bool:
    for step in path:
        if not (step in tree if isinstance(tree, dict) else isinstance(step, int) and step < len(tree)):
            return False
        tree = tree[step]
    return True


@pytest.mark.parametrize("name", REFUSED, ids=REFUSED)
def test_refused_files_are_refused_in_one_line(age_identity: AgeIdentity, name: str, run_cli: RunCli,
                                               tmp_path: Path) -> None:
    with pytest.raises(SealfileError) as info:
        _seal(name, age_identity)
    assert "\n" not in str(info.value)
    target = tmp_path / Path(name).name
    target.write_bytes((REAL / name).read_bytes())
    done = run_cli("encrypt", "--age", age_identity.recipient, "--input-type", _kind(name).store, "-i", str(target))
    assert done.returncode != 0 and done.stderr.count("\n") == 1 and str(target) in done.stderr, done.stderr
    assert target.read_bytes() == (REAL / name).read_bytes()


def test_the_corpus_holds_the_shapes_real_json_and_dotenv_files_have() -> None:
    """BOM, CRLF, no final line break, tabs, \\u escapes, integers beyond 2**53, arrays of objects, export
    lines (the manifest's own counts), comments and empty values."""
    json_files = [e for e in MANIFEST if e["store"] == "json"]
    dotenv_files = [e for e in MANIFEST if e["store"] == "dotenv"]
    assert len(json_files) >= 15 and len(dotenv_files) >= 10
    for feature in ("bom", "tabs", "unicode_escapes", "big_integers", "arrays_of_objects", "export"):
        assert any(feature in e["features"] for e in MANIFEST), feature
    assert any(e["crlf"] for e in json_files) and sum(not e["final_newline"] for e in MANIFEST) >= 5
    assert all(e["license"] in ("MIT", "MIT-0", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause") for e in MANIFEST)
    dotenv_text = "".join(_text(e["file"]) for e in dotenv_files)
    assert re.search(r"^\s*#", dotenv_text, re.M) and re.search(r"=\s*$", dotenv_text, re.M)
