"""Byte for byte: ``decrypt(encrypt(x)) == x`` for hand-written tricky YAML (tests/corpus/*.yaml) and
for real-world files nobody here wrote (tests/corpus/real/: GitHub workflows, Helm values,
Kubernetes manifests, Compose, Ansible, OpenAPI...; see its MANIFEST.json), and a one-value
``set`` changes that value's bytes and the ``mac:`` line only, ``rotate`` the tokens only, and a new
recipient the metadata block only.

A file the format refuses (tags naming Python objects, as mkdocs files write) must be refused with one
line, never sealed into something that does not open. A file with aliases and merge keys reads as ruamel's
safe loader reads it; one with an application's tags (``!Ref``, ``!secret``) keeps them byte for byte.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyrage
import pytest
from ruamel.yaml import YAML

from sealfile.errors import FormatError
from sealfile.kms.age import AgeKey
from sealfile.model.metadata import METADATA_KEY
from sealfile.model.rules import EncryptionRules
from sealfile.model.scalars import same_data
from sealfile.ops.change import change_recipients, rotate, set_value
from sealfile.ops.read import decrypt_text, verify_text
from sealfile.ops.seal import seal_text
from sealfile.stores.yaml.scan import scan
from tests.support.identities import AgeIdentity

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
HANDWRITTEN = sorted(p.name for p in CORPUS.glob("*.yaml"))
MANIFEST = [entry for entry in json.loads((CORPUS / "real" / "MANIFEST.json").read_text(encoding="utf-8"))
            if entry.get("store", "yaml") == "yaml"]  # JSON and dotenv files: tests/stores/test_real_corpus_stores.py
REAL = sorted(entry["file"] for entry in MANIFEST if not entry["file"].endswith("utf-16.yaml"))


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def _check_exact(original: str, age_identity: AgeIdentity) -> None:
    try:
        plain = scan(original)
    except FormatError as err:
        with pytest.raises(FormatError) as info:
            seal_text(original, [age_identity.key])
        assert str(info.value) == str(err) and "\n" not in str(err)
        return
    sealed = seal_text(original, [age_identity.key])
    verify_text(sealed)
    assert decrypt_text(sealed) == original
    assert same_data(scan(decrypt_text(sealed)).tree, plain.tree)
    if plain.refs and not plain.tagged:  # aliases or merge keys: expanded as the safe loader expands them
        assert same_data(plain.tree, YAML(typ="safe").load(original))


@pytest.mark.parametrize("name", HANDWRITTEN)
def test_handwritten_files_come_back_byte_for_byte(age_identity: AgeIdentity, name: str) -> None:
    _check_exact(_read(CORPUS / name), age_identity)


@pytest.mark.parametrize("name", REAL)
def test_real_world_files_come_back_byte_for_byte(age_identity: AgeIdentity, name: str) -> None:
    _check_exact(_read(CORPUS / "real" / name), age_identity)


def test_the_real_corpus_is_wide() -> None:
    """The collection covers the layouts real files have (the counts are the manifest's own)."""
    assert len(REAL) >= 200
    for feature in ("crlf", "multi_document", "aliases"):
        assert sum(1 for entry in MANIFEST if entry[feature]) >= 5, feature
    assert sum(1 for entry in MANIFEST if not entry["final_newline"]) >= 5


@pytest.mark.parametrize("name", [n for n in REAL if "helm-values" in n or "kubernetes" in n][:12]
                         + [n for n in REAL if n.startswith("cloud-init/")])
def test_a_one_value_set_changes_that_value_and_the_mac_line_only(age_identity: AgeIdentity, name: str) -> None:
    original = _read(CORPUS / "real" / name)
    try:
        plain = scan(original)
    except FormatError:
        pytest.skip("refused by the format (tested above)")
    candidates = [leaf for leaf in plain.leaves if isinstance(leaf.value, str) and not leaf.node.style
                  and "\n" not in leaf.value and leaf.value]
    if not candidates:
        pytest.skip("no plain string to change")
    leaf = candidates[len(candidates) // 2]
    keypath = "".join(f"[{json.dumps(s) if isinstance(s, str) else int(s)}]" for s in leaf.path)
    sealed = seal_text(original, [age_identity.key])
    changed = set_value(sealed, keypath, leaf.value + "-changed")
    before, after = sealed.splitlines(keepends=True), changed.splitlines(keepends=True)
    assert len(before) == len(after)
    differing = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert len(differing) == 2, differing
    assert differing[-1][0].lstrip().startswith("mac: ")
    start, end = leaf.node.start_mark.index, leaf.node.end_mark.index
    assert decrypt_text(changed) == original[:start] + leaf.value + "-changed" + original[end:]


@pytest.mark.parametrize(("text", "keypath", "value", "expected"), [
    ("pro: {token: <ubuntu_pro_token>}\n", '["pro"]["token"]', "<a token>", "pro: {token: <a token>}\n"),
    ("runcmd:\n - [ sh, -c, echo hi ]\n", '["runcmd"][0][1]', "-xc", "runcmd:\n - [ sh, -xc, echo hi ]\n"),
    ("a: [.hidden, =x, '\\d']\n", '["a"][0]', ".shown", "a: [.shown, =x, '\\d']\n"),
    ("a: [x, y]\n", '["a"][0]', "- x", 'a: ["- x", y]\n'),  # a list item inside, as any reader reads it
    ("a: {k: v}\n", '["a"]["k"]', "<<", 'a: {k: "<<"}\n'),  # YAML 1.1's merge key
    ("a: [x]\n", '["a"][0]', "-1", 'a: ["-1"]\n'),  # a number
])
@pytest.mark.parametrize("rules", [None, EncryptionRules("encrypted_regex", "^nothing$")])
def test_a_set_inside_brackets_keeps_a_plain_value_plain(age_identity: AgeIdentity, text: str, keypath: str,
                                                         value: str, expected: str,
                                                         rules: EncryptionRules | None) -> None:
    """cloud-init writes ``{token: <ubuntu_pro_token>}`` and ``[ sh, -c, ... ]``: a new value starting with
    ``<``, ``-`` (no space after), ``.``, ``=`` or ``\\`` that every reader reads as that text inside brackets
    stays plain, as the same value already stays plain outside them (it was double-quoted)."""
    changed = decrypt_text(set_value(seal_text(text, [age_identity.key], rules), keypath, value))
    assert changed == expected
    assert same_data(YAML(typ="safe").load(changed), YAML(typ="safe", pure=True).load(changed))


@pytest.mark.parametrize(("header", "written"), [("|", "|-"), (">", ">-"), ("|2", "|2-"), ("|+", "|-"), ("|-", "|-"),
                                                 ("!Sub |", "!Sub |-")])
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_an_item_appended_after_a_block_that_ends_the_text_keeps_its_value(age_identity: AgeIdentity, header: str,
                                                                            written: str, newline: str) -> None:
    """devcontainers' update-documentation.yml ends in its last step's ``run: |`` block with no final line
    break: a new step was refused ("please report it"), as the line break before it would be the block's
    (``fi`` read as ``fi\\n``). The block is written ``|-``, the same value."""
    text = f"steps:\n  - run: {header}\n      echo hi\n      fi".replace("\n", newline)
    changed = decrypt_text(set_value(seal_text(text, [age_identity.key]), '["steps"][1]', "v"))
    assert changed == f"steps:\n  - run: {written}\n      echo hi\n      fi\n  - v".replace("\n", newline)
    assert same_data(scan(changed).tree, {"steps": [scan(text).tree["steps"][0], "v"]})


@pytest.mark.parametrize(("header", "written"), [("|", "|-"), (">", ">-"), ("|2", "|2-"), ("|+", "|-"), ("|-", "|-"),
                                                 ("!Sub |", "!Sub |-")])
@pytest.mark.parametrize(("keypath", "indent"), [("zz", ""), ("job.zz", "  ")], ids=["top", "nested"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_a_key_added_after_a_block_that_ends_the_text_goes_last(age_identity: AgeIdentity, header: str, written: str,
                                                                keypath: str, indent: str, newline: str) -> None:
    """A new key after such a block went first in its mapping (a fallback) where a new item went last: the
    same ``|-`` header rewrite puts it last, as in any other mapping (a multi-line value double-quoted: a
    block of its own ending the text would lose its last line break)."""
    text = f"job:\n  name: a\n  run: {header}\n    echo hi\n    fi".replace("\n", newline)
    sealed = seal_text(text, [age_identity.key])
    for value, spelled in (("v", "v"), ("two\nlines\n", '"two\\nlines\\n"')):
        changed = decrypt_text(set_value(sealed, keypath, value))
        assert changed == (f"job:\n  name: a\n  run: {written}\n    echo hi\n    fi\n{indent}zz: {spelled}"
                           .replace("\n", newline))
        tree = scan(text).tree
        (tree["job"] if indent else tree)["zz"] = value
        assert same_data(scan(changed).tree, tree)


def test_crlf_and_a_byte_order_mark_come_back(age_identity: AgeIdentity) -> None:
    original = "\ufeff# windows file\r\ndb:\r\n  password: hunter2\r\n  port: 5432\r\n"
    sealed = seal_text(original, [age_identity.key])
    assert "hunter2" not in sealed and sealed.count("\r\n") == sealed.count("\n")
    assert decrypt_text(sealed) == original


def test_rule_excluded_values_stay_readable_in_the_sealed_file(age_identity: AgeIdentity) -> None:
    sealed = seal_text(_read(CORPUS / "rules.yaml"), [age_identity.key])
    for line in ("region_unencrypted: eu-west-1\n", "  debug: false\n", "  replicas: 3\n", '  quoted: "0123"\n',
                 "    plain block\n", "  name_unencrypted: visible\n"):
        assert line in sealed
    assert "hunter2" not in sealed
    assert "hidden" not in sealed


_TOKEN = re.compile(r"ENC\[[^\]]*\]")


def _outside_metadata(sealed: str) -> list[str]:
    """The sealed text's lines around its metadata block (at the end, or at the top where the file ends
    in a block scalar without a final line break)."""
    lines = sealed.splitlines(keepends=True)
    start = max(i for i, line in enumerate(lines) if line.startswith(f"{METADATA_KEY}:"))
    end = start + 1
    while end < len(lines) and lines[end][:1] in (" ", "\t"):
        end += 1
    return lines[:start] + lines[end:]


def _body(sealed: str) -> list[str]:
    """The sealed text's lines outside its metadata block, each token masked."""
    return [_TOKEN.sub("ENC[]", line) for line in _outside_metadata(sealed)]


@pytest.mark.parametrize("name", REAL)
def test_rotate_and_a_new_recipient_change_tokens_and_metadata_only(age_identity: AgeIdentity, name: str) -> None:
    """Writes that change no value keep every byte of the user's text: ``rotate`` changes the
    tokens' ciphertext only, a new recipient the metadata block only."""
    original = _read(CORPUS / "real" / name)
    try:
        scan(original.removeprefix("\ufeff"))
    except FormatError:
        pytest.skip("refused by the format (tested above)")
    sealed = seal_text(original, [age_identity.key])
    rotated = rotate(sealed, adopt=True)
    assert _body(rotated) == _body(sealed) and decrypt_text(rotated) == original
    added = change_recipients(sealed, add=[AgeKey(str(pyrage.x25519.Identity.generate().to_public()))]).text
    assert _outside_metadata(added) == _outside_metadata(sealed)
    assert decrypt_text(added) == original
