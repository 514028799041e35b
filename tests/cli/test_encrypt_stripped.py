"""``encrypt`` of a sealed file whose metadata was stripped or cut short: its values are still tokens, which it sealed
as the values (a second layer; ``sops encrypt`` 3.11 does so too, exit 0). Now refused, the file left as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sealfile.ops.seal import seal_text
from sealfile.stores import store_for
from tests.support.cli import run_cli
from tests.support.identities import AgeIdentity
from tests.support.sops_binary import run_sops

CAUSE = ("the value is a sealed value (ENC[...]): the file looks sealed with its metadata missing (stripped or cut "
         "short); restore it from Git, do not seal it again")


def stripped(text: str, name: str, marker: str = "sealfile") -> str:
    """A sealed file as a partial copy or a hand edit leaves it: the values kept, the metadata gone."""
    if name.endswith(".json"):
        tree = json.loads(text)
        del tree[marker]
        return json.dumps(tree)
    if name.endswith(".env"):
        return "".join(line for line in text.splitlines(keepends=True) if marker not in line)
    return text[:text.index(f"\n{marker}:") + 1].removesuffix("---\n")


@pytest.mark.parametrize(("name", "plaintext", "keypath"), [
    ("s.enc.yaml", "db:\n  password: x1-value\nport: 5432\n", "db.password"),
    ("s.enc.json", '{"a": {"b": "x1-value"}, "c": ["y2"]}', "a.b"),
    ("s.enc.env", "A=x1-value\nB=y2-value\n", "A"),
    ("m.enc.yaml", "a: x1\n---\nb: y2\n", "0.a"),
    ("cut.enc.yaml", "a: x1\n", "a"),
])
@pytest.mark.parametrize("in_place", [True, False])
def test_encrypt_refuses_a_sealed_file_without_its_metadata(age_identity: AgeIdentity, tmp_path: Path, name: str,
                                                            plaintext: str, keypath: str, in_place: bool) -> None:
    path = tmp_path / name
    sealed = seal_text(plaintext, [age_identity.key], store=store_for(name))
    text = sealed[:sealed.index("version") + 3] if name.startswith("cut") else stripped(sealed, name)
    path.write_text(text)
    result = run_cli("encrypt", "--age", age_identity.recipient, *(["-i"] if in_place else []), path)
    assert (result.returncode, result.stderr) == (1, f"sealfile: error: {path}: {keypath}: {CAUSE}\n")
    assert result.stdout == ""
    assert path.read_text() == text


@pytest.mark.parametrize("name", ["s.yaml", "s.json"])
def test_encrypt_refuses_a_sops_file_without_its_metadata(age_identity: AgeIdentity, tmp_path: Path,
                                                          name: str) -> None:
    """Refused only whole so far (a SOPS file, to import): without its ``sops`` key its tokens were sealed."""
    plain = tmp_path / name
    plain.write_text("db:\n  password: x1-value\n" if name.endswith("yaml") else '{"db": {"password": "x1-value"}}')
    done = run_sops(["encrypt", "--age", age_identity.recipient, str(plain)])
    assert done.returncode == 0, done.stderr
    path = tmp_path / f"stripped.{name}"
    path.write_text(stripped(done.stdout, name, "sops"))
    before = path.read_bytes()
    result = run_cli("encrypt", "--age", age_identity.recipient, "-i", path)
    assert (result.returncode, result.stderr) == (1, f"sealfile: error: {path}: db.password: {CAUSE}\n")
    assert path.read_bytes() == before


@pytest.mark.parametrize("text", [
    "# was ENC[gAAAAABrFmbM5TVz2x0mA5OQ=] before\na: x\n",  # a token in a comment is no value
    "a: see ENC[gAAAAABrFmbM5TVz2x0mA5OQ=] here\n",  # nor one inside a longer value
    "a: 'ENC[AES256_GCM,data:x1'\n",  # nor the start of a SOPS token
    "a: ENC[not a token]\n",
])
def test_encrypt_seals_a_text_that_only_mentions_a_token(age_identity: AgeIdentity, tmp_path: Path,
                                                         text: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    result = run_cli("encrypt", "--age", age_identity.recipient, "-i", path)
    assert (result.returncode, result.stderr) == (0, "")
    assert "sealfile:" in path.read_text()
