"""SOPS in and out, generated (:mod:`tests.sops.generated_documents`), with the real ``sops`` and real age keys.

Each plaintext, as ``sops encrypt`` seals it, reads in sealfile (``load_secrets``, ``decrypt``, ``import-sops``)
as the data ``sops decrypt`` prints, parsed as its users parse it; ``export-sops`` of the import decrypts in
``sops`` to the same data, has byte for byte the text ``sops`` writes from its own decryption but for what is
random (ciphertexts, the data key's wrapping, the MAC, the time), and ``sops set`` edits it. Few examples, many
values each: every example runs ``sops`` seven times.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings

import sealfile
from tests.sops.conftest import AgeIdentity, assert_same, parse, run_sops, sealfile_cli, sops_encrypt
from tests.sops.generated_documents import DOTENV_DOCUMENTS, JSON_DOCUMENTS, YAML_DOCUMENTS

_RANDOM = (
    (re.compile(r"ENC\[AES256_GCM,[^\]]*\]"), "ENC"),
    (re.compile(r"-----BEGIN AGE ENCRYPTED FILE-----.*?-----END AGE ENCRYPTED FILE-----", re.S), "AGE"),
    (re.compile(r"(?m)(\bsops_(?:lastmodified|mac)=|\b(?:lastmodified|mac)\W+).*$"), r"\1"),
)


def _without_randomness(text: str) -> str:
    for pattern, replacement in _RANDOM:
        text = pattern.sub(replacement, text)
    return text


def _sops_data(path: Path, kind: str) -> Any:
    """``sops decrypt``, parsed: a dotenv file through SOPS's JSON output, the one that says where a value ends."""
    done = run_sops(["decrypt", *(["--output-type", "json"] if kind == "dotenv" else []), str(path)])
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if kind == "dotenv" else parse(done.stdout, path)


def _resealed_by_sops(path: Path, kind: str) -> str:
    """The SOPS file ``sops`` writes from what it decrypts ``path`` to: the text a way out through the plaintext
    can keep (``sops`` itself moves a comment trailing a nested list's item out of that list on this way)."""
    types = ["--input-type", kind, "--output-type", kind]
    plain = path.with_name(f"resealed-plain{path.suffix}")
    shown = run_sops(["decrypt", *types, str(path)])
    assert shown.returncode == 0, shown.stderr
    plain.write_text(shown.stdout, encoding="utf-8")
    return sops_encrypt(plain, path.with_name(f"resealed{path.suffix}"), *types).read_text(encoding="utf-8")


def _round(text: str, kind: str, work: Path) -> None:
    suffix = {"yaml": "yaml", "json": "json", "dotenv": "env"}[kind]
    plain = work / f"plain.{suffix}"
    plain.write_text(text, encoding="utf-8")
    sealed = sops_encrypt(plain, work / f"sops.{suffix}", "--input-type", kind, "--output-type", kind)
    theirs = _sops_data(sealed, kind)
    sealfile.forget_data_keys()
    assert_same(sealfile.load_secrets(sealed, redacted=False), theirs, "load_secrets")
    shown = sealfile_cli("decrypt", str(sealed), *(["--output-type", "json"] if kind == "dotenv" else []))
    assert shown.returncode == 0, shown.stderr
    assert_same(json.loads(shown.stdout) if kind == "dotenv" else parse(shown.stdout, sealed), theirs, "decrypt")
    imported, exported = work / f"imported.{suffix}", work / f"exported.{suffix}"
    done = sealfile_cli("import-sops", str(sealed), "-o", str(imported))
    assert done.returncode == 0, done.stderr
    sealfile.forget_data_keys()
    assert_same(sealfile.load_secrets(imported, redacted=False), theirs, "imported")
    done = sealfile_cli("export-sops", str(imported), "-o", str(exported))
    assert done.returncode == 0, done.stderr
    assert_same(_sops_data(exported, kind), theirs, "exported")
    assert _without_randomness(exported.read_text(encoding="utf-8")) == _without_randomness(
        _resealed_by_sops(sealed, kind))
    # an argument holds no NUL, and sops set's path syntax cannot name a key holding a bracket or a quote
    name = next(key for key in [*theirs, "added by sops"] if not set(key) & set('\0[]"\\'))
    edited = run_sops(["set", "--input-type", kind, "--output-type", kind, str(exported),
                       json.dumps([name], ensure_ascii=False), '"set by sops"'])
    assert edited.returncode == 0, edited.stderr
    sealfile.forget_data_keys()
    assert sealfile.load_secrets(exported, redacted=False)[name] == "set by sops"


@pytest.fixture
def sops_keys(sops_identity: AgeIdentity, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The age key for both tools, and a ``.sops.yaml`` for ``sops set`` (and ``encrypt``) to find it by."""
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(sops_identity.key_file))
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".sops.yaml").write_text(f"creation_rules:\n  - age: {sops_identity.recipient}\n")
    return tmp_path


def _work(base: Path) -> Path:
    """A fresh directory per example (hypothesis runs many in one test's ``tmp_path``)."""
    number = len(list(base.glob("example-*")))
    work = base / f"example-{number}"
    work.mkdir()
    return work


# A failing example is shown as found: shrinking one, at seven runs of sops per try, took over five minutes.
_EXAMPLES = settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


@_EXAMPLES
@given(text=YAML_DOCUMENTS)
def test_generated_yaml_in_and_out(text: str, sops_keys: Path) -> None:
    _round(text, "yaml", _work(sops_keys))


@_EXAMPLES
@given(text=JSON_DOCUMENTS)
def test_generated_json_in_and_out(text: str, sops_keys: Path) -> None:
    _round(text, "json", _work(sops_keys))


@_EXAMPLES
@given(text=DOTENV_DOCUMENTS)
def test_generated_dotenv_in_and_out(text: str, sops_keys: Path) -> None:
    _round(text, "dotenv", _work(sops_keys))


AMBIGUOUS = ("a: 1e400\nb: 0xffffffffffffffffff\nc: 2001-12-14 21:59:43.10 -5\n"
             "d:\n  - |2\n        indented\n  - x\n")
"""What ``sops decrypt`` prints so that YAML 1.1 and 1.2 readers read another value (another type, or a block
two spaces less indented): its JSON output, and sealfile, hold what SOPS holds."""


def test_values_sops_prints_ambiguously_read_as_sops_holds_them(sops_keys: Path) -> None:
    plain = sops_keys / "plain.yaml"
    plain.write_text(AMBIGUOUS, encoding="utf-8")
    sealed = sops_encrypt(plain, sops_keys / "sops.yaml")
    held = run_sops(["decrypt", "--output-type", "json", str(sealed)])
    assert held.returncode == 0, held.stderr
    theirs = json.loads(held.stdout)
    assert theirs == {"a": "1e400", "b": "0xffffffffffffffffff", "c": "2001-12-14 21:59:43.10 -5",
                      "d": ["    indented\n", "x"]}
    assert_same(sealfile.load_secrets(sealed, redacted=False), theirs)
    shown = sealfile_cli("decrypt", str(sealed))  # sealfile's YAML says it to every reader
    assert shown.returncode == 0, shown.stderr
    assert_same(parse(shown.stdout, sealed), theirs)
    imported = sops_keys / "imported.yaml"
    assert sealfile_cli("import-sops", str(sealed), "-o", str(imported)).returncode == 0
    assert_same(sealfile.load_secrets(imported, redacted=False), theirs)


TAGGED = {  # tags written into a SOPS file by hand (sops drops every tag it reads, and its MAC covers none)
    "a: ENC": "a: !vault ENC", "d: ENC": "d: !!str ENC", "b_unencrypted: x": "b_unencrypted: !Ref x",
    "c_unencrypted: hello": "c_unencrypted: !!binary aGVsbG8=", "m_unencrypted:\n": "m_unencrypted: !custom\n",
    "t_unencrypted: 2001-12-14T00:00:00Z": "t_unencrypted: !!str 2001-12-14T00:00:00Z",
}


def test_tags_in_a_sops_file_mean_what_they_mean_to_sops(sops_keys: Path) -> None:
    """Tags in a SOPS file read as ``sops`` reads them on every way in (an application's tag dropped, YAML's own
    applied), and the import keeps that meaning: it never holds a tag sops's reading did not apply."""
    plain = sops_keys / "plain.yaml"
    plain.write_text("a: '123'\nb_unencrypted: x\nc_unencrypted: hello\nm_unencrypted: {k: v}\nd: 5\n"
                     "t_unencrypted: 2001-12-14\n", encoding="utf-8")
    sealed = sops_encrypt(plain, sops_keys / "sops.yaml", "--unencrypted-suffix", "_unencrypted")
    text = sealed.read_text(encoding="utf-8")
    for untagged, tagged in TAGGED.items():
        assert untagged in text
        text = text.replace(untagged, tagged, 1)
    sealed.write_text(text, encoding="utf-8")
    theirs = parse(run_sops(["decrypt", str(sealed)]).stdout, sealed)
    assert theirs["d"] == 5 and theirs["t_unencrypted"] == "2001-12-14T00:00:00Z"  # sops: the type the MAC covers
    assert_same(sealfile.load_secrets(sealed, redacted=False), theirs)
    imported = sops_keys / "imported.yaml"
    assert sealfile_cli("import-sops", str(sealed), "-o", str(imported)).returncode == 0
    assert_same(sealfile.load_secrets(imported, redacted=False), theirs)
    shown = sealfile_cli("decrypt", str(imported))
    assert shown.returncode == 0 and "!" not in shown.stdout, shown.stdout
    assert_same(parse(shown.stdout, imported), theirs)
