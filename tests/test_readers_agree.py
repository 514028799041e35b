"""One meaning for a file: every reader of a sealed file gives the same data, or refuses in one line.

A random plaintext (YAML of every scalar type, tag, anchor, comment and style; JSON; dotenv) is sealed, then
read by each reader sealfile has: ``load_secrets`` through the fast and the general implementation, the line
scan and the full parse (C and pure engines), ``decrypt`` in each output format read by the tool that reads it
(ruamel for YAML 1.2, ``json``, python-dotenv, a Kubernetes Secret's base64 ``data``), ``decrypt --extract``,
``exec``'s child environment, the pydantic settings source, ``review``'s keys, the merge driver merging the file
with itself, and SOPS export then import. The reference is the plaintext read by the syntax's own reader.

A YAML text with an application's tags (``!Ref x``) has one meaning too (docs/format.md §1.3): YAML output keeps
it byte for byte, every reader that returns values without YAML text refuses it in one line, and a tag changed in
the sealed text breaks the seal.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import dotenv
import pytest
import yaml as pyyaml
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from ruamel.yaml import YAML

from sealfile.cli.app import cli
from sealfile.errors import SealfileError
from sealfile.gitflow.merge import merge_texts
from sealfile.gitflow.semantic_diff import diff_texts
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.model.paths import encode_path, format_keypath, iter_leaves
from sealfile.ops.export_sops import export_sops
from sealfile.ops.import_sops import import_sops
from sealfile.ops.read import decrypt_text
from sealfile.ops.reader import FAST_PATH_ENV
from sealfile.ops.seal import seal_plaintext
from sealfile.runtime.flatten import flatten
from sealfile.runtime.loader import load_secrets
from sealfile.stores import get_store
from sealfile.stores.yaml.basics import split_bom
from sealfile.stores.yaml.fastscan import fast_scan
from sealfile.stores.yaml.scan import parsed
from tests.support.cli import run_cli
from tests.support.documents import DOCUMENTS

SUFFIX = {"yaml": ".enc.yaml", "json": ".enc.json", "dotenv": ".enc.env"}
COUNTS: dict[str, int] = {}


def typed(value: Any) -> Any:
    """``value`` with every type spelled out, so 1, 1.0 and True, or -0.0 and 0.0, never compare equal."""
    if isinstance(value, dict):
        return ("map", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return ("list", [typed(item) for item in value])
    for kind in (bool, int, str, bytes):
        if isinstance(value, kind):
            return (kind.__name__, kind(value))
    if isinstance(value, float):
        return ("float", "nan" if math.isnan(value) else float(value).hex())
    if isinstance(value, dt.datetime):
        return ("datetime", value.isoformat(), value.utcoffset())
    if isinstance(value, dt.date):
        return ("date", value.isoformat())
    if value is None:
        return ("null",)
    raise AssertionError(f"an unexpected type {type(value).__name__}")


def same(first: Any, second: Any, what: str) -> None:
    assert typed(first) == typed(second), what
    COUNTS[what] = COUNTS.get(what, 0) + 1


def one_line(message: str, what: str) -> None:
    lines = [line for line in message.strip().splitlines() if line.strip()]
    assert len(lines) == 1, f"{what}: refused in {len(lines)} lines: {message!r}"
    COUNTS[f"{what} refused"] = COUNTS.get(f"{what} refused", 0) + 1


def plain_reading(syntax: str, text: str) -> Any:
    """What the syntax's own reader reads from the plaintext (YAML 1.2 as ruamel reads it)."""
    if syntax == "json":
        return json.loads(text.removeprefix("\ufeff"))  # a byte-order mark is no part of the document
    if syntax == "dotenv":
        return dict(dotenv.dotenv_values(stream=io.StringIO(text), interpolate=False))
    documents = list(YAML(typ="safe").load_all(text))  # ruamel as users load it: its C scanner where present
    return documents[0] if len(documents) == 1 else documents


def has_app_tags(text: str) -> bool:
    """Whether ruamel's composer reads a local tag (``!Ref``, not ``!!str``) on any node of ``text``."""
    seen: set[int] = set()

    def tagged(node: Any) -> bool:
        if id(node) in seen:
            return False
        seen.add(id(node))
        tag = str(node.tag)
        if tag.startswith("!") and len(tag) > 1:
            return True
        if isinstance(node.value, list):
            return any(tagged(item) for pair in node.value
                       for item in (pair if isinstance(pair, tuple) else (pair,)))
        return False
    return "!" in text and any(tagged(root) for root in YAML(typ="safe").compose_all(text))  # C, as users load


@pytest.fixture(scope="module", autouse=True)
def counts() -> Any:
    """How many cases each reader compared (shown with ``-s``)."""
    yield COUNTS
    print("\nreaders-agree cases:", json.dumps(COUNTS, indent=1, sort_keys=True))


@pytest.fixture(scope="module")
def age_key() -> tuple[str, AgeKey]:
    identity, recipient = generate_identity()
    return identity, AgeKey(recipient)


def _cli(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input)
    # the bytes: click's ``stdout`` turns CRLF into LF
    return result.exit_code, result.stdout_bytes.decode("utf-8"), result.stderr


def _decrypt_outputs(path: Path, data: Any) -> None:
    """Each output format, read by the tool that reads it, gives the data (or the command refuses in a line)."""
    for fmt in ("yaml", "json", "dotenv", "k8s-secret"):
        code, out, err = _cli("decrypt", "--output-type", fmt, *(["--name", "s"] if fmt == "k8s-secret" else []),
                              str(path))
        if code:
            one_line(err, f"decrypt {fmt}")
            continue
        if fmt == "yaml":
            same(plain_reading("yaml", out), data, "decrypt yaml by ruamel")
        elif fmt == "json":  # a JSON file's own text, its byte-order mark too, as the source reading skips it
            same(json.loads(out.removeprefix("\ufeff") if path.suffix == ".json" else out), jsonable(data),
                 "decrypt json by json")
        elif fmt == "dotenv":
            same(dict(dotenv.dotenv_values(stream=io.StringIO(out))), flatten(data), "decrypt dotenv by python-dotenv")
        else:
            manifest = pyyaml.safe_load(out)  # as Kubernetes reads a manifest: YAML 1.1
            decoded = {k: base64.b64decode(v).decode("utf-8") for k, v in (manifest.get("data") or {}).items()}
            same(decoded, flatten(data), "decrypt k8s-secret as Kubernetes")


def _portable(path: Path, data: Any) -> None:
    """``decrypt --portable`` is for YAML 1.1 readers: PyYAML reads the data from it."""
    code, out, err = _cli("decrypt", "--portable", str(path))
    if code:
        one_line(err, "decrypt --portable")
        return
    # PyYAML with libyaml, as it is installed: its pure scanner refuses a tab before a comment (a: x<TAB># c)
    documents = list(pyyaml.load_all(out, Loader=pyyaml.CSafeLoader))
    same(documents[0] if len(documents) == 1 else documents, data, "decrypt --portable by PyYAML")


def jsonable(data: Any) -> Any:
    """What the JSON output holds: dates as their text, binary as base64, keys as JSON spells them."""
    return json.loads(json.dumps(data, default=_json_default))


def _json_default(value: Any) -> Any:
    from sealfile.model.scalars import time_text

    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return time_text(value)


def _extracts(path: Path, data: Any) -> None:
    for where, value in list(iter_leaves(data))[:6]:
        keypath = format_keypath(where)
        code, out, err = _cli("decrypt", "--extract", keypath, str(path))
        if code:
            one_line(err, "decrypt --extract")
            continue
        same(load_secrets(str(path), extract=keypath, redacted=False), value, "load_secrets extract")
        if isinstance(value, (dict, list)):
            same(plain_reading("yaml", out) if value else value, value, "decrypt --extract subtree")


def _engines(text: str) -> None:
    """The line scan, the C parse and the pure parse read one tree (with every key's type)."""
    body = split_bom(text)[1]
    full = parsed(body, "c")
    for leaf in full.leaves:  # each walk encodes key paths as it goes: the same bytes as the one encoder
        assert leaf.encoded_path == encode_path(leaf.path)
    same(parsed(body, "pure").tree, full.tree, "pure parse = C parse")
    fast = fast_scan(body, parsed)
    if fast is not None:
        same(fast.tree, full.tree, "line scan = full parse")
        assert [typed(list(leaf.path)) for leaf in fast.leaves] == [typed(list(leaf.path)) for leaf in full.leaves]


def _git_views(path: Path, sealed: str, data: Any, syntax: str) -> None:
    store = get_store(syntax)
    diff = diff_texts(path.name, None, sealed)
    assert diff.problem is None, diff.problem
    leaves = {format_keypath(where) or "(top level)" for where, value in iter_leaves(data)
              if not isinstance(value, (dict, list)) or not value}
    same(sorted(change.keypath for change in diff.values), sorted(leaves), "review keys")
    merged = merge_texts(sealed, sealed, sealed, store)
    assert not merged.conflicts
    same(merged.text, sealed, "merge with itself leaves the text")


def _sops(path: Path, sealed: str, data: Any, syntax: str) -> None:
    try:
        exported = export_sops(sealed, get_store(syntax), kind=syntax)  # type: ignore[arg-type]
        back = import_sops(exported.text, input_type=syntax, output=get_store(syntax))
    except SealfileError as err:
        one_line(str(err), "export-sops then import-sops")
        return
    again = path.with_name("again" + SUFFIX[syntax])
    again.write_text(back.sealed, encoding="utf-8")
    imported = load_secrets(str(again), redacted=False)
    if [note for note in exported.notes if not note.startswith("per-value set-at times")]:
        # what SOPS keeps otherwise is named (as a note): the key paths must stay
        same(_paths(imported), _paths(data), "export-sops then import-sops (noted) key paths")
    else:
        same(imported, data, "export-sops then import-sops")


def _paths(data: Any) -> list[str]:
    return [format_keypath(where) for where, _ in iter_leaves(data)]


def _pydantic(path: Path, data: Any) -> None:
    from pydantic_settings import BaseSettings

    from sealfile.pydantic import SealedFileSettingsSource, SealedSettingsConfigDict

    class Settings(BaseSettings):
        model_config = SealedSettingsConfigDict(sealed_file=path)

    try:
        source = SealedFileSettingsSource(Settings)
    except SealfileError as err:
        assert not isinstance(data, dict) or not all(isinstance(key, str) for key in data), err
        one_line(str(err), "pydantic source")
        return
    same(source(), data, "pydantic source")


def _tagged_readers(path: Path, sealed: str, plaintext: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A text with an application's tags: YAML output keeps it, readers of values refuse it in one line."""
    for fast in ("1", "0"):
        monkeypatch.setenv(FAST_PATH_ENV, fast)
        with pytest.raises(SealfileError) as info:
            load_secrets(str(path), redacted=False)
        assert "YAML tag" in str(info.value)
        one_line(str(info.value), "tagged: load_secrets")
        code, out, err = _cli("decrypt", str(path))
        assert code == 0, err
        same(out, plaintext, "tagged: decrypt keeps the text")
    monkeypatch.delenv(FAST_PATH_ENV)
    _engines(plaintext)
    _engines(sealed)
    for fmt in ("json", "dotenv", "k8s-secret"):
        code, out, err = _cli("decrypt", "--output-type", fmt, *(["--name", "s"] if fmt == "k8s-secret" else []),
                              str(path))
        assert code != 0 and "YAML tag" in err
        one_line(err, f"tagged: decrypt {fmt}")
    code, out, err = _cli("decrypt", "--portable", str(path))
    if code:
        one_line(err, "tagged: decrypt --portable")
    _pydantic(path, None)
    data = parsed(split_bom(plaintext)[1]).tree
    _git_views(path, sealed, data, "yaml")
    with pytest.raises(SealfileError) as info:
        export_sops(sealed, get_store("yaml"), kind="yaml")
    one_line(str(info.value), "tagged: export-sops")
    tampered = re.sub(r"(?<![!\w])!(?:[A-Za-z_]\w*|<![a-z]+>)", "", sealed, count=1)  # the first tag removed
    assert tampered != sealed
    code, out, err = _cli("decrypt", "-", input=tampered)
    assert code != 0, "a removed tag kept the seal"
    one_line(err, "tagged: decrypt after a tag is removed")


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(document=DOCUMENTS)
@example(document=("json", '{"a": "&\\ud800\\udc00"}\n'))  # JSON YAML refuses, with what YAML reads as an anchor
@example(document=("json", "\ufeff{}"))  # decrypt --output-type json keeps a JSON file's text, its mark too
@example(document=("json", "{}"))  # review names the empty root '(top level)'
@example(document=("dotenv", "A=\n# \r\n"))  # decrypt prints a CRLF as LF; decrypt_text keeps it
def test_every_reader_reads_the_same_data(document: tuple[str, str], age_key: tuple[str, AgeKey],
                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    syntax, plaintext = document
    monkeypatch.setenv("SEALFILE_AGE_KEY", age_key[0])
    monkeypatch.chdir(tmp_path)
    COUNTS["generated"] = COUNTS.get("generated", 0) + 1
    try:
        sealed = seal_plaintext(plaintext, get_store(syntax), [age_key[1]], None)
    except SealfileError as err:
        one_line(str(err), "seal")
        return
    path = tmp_path / ("secrets" + SUFFIX[syntax])
    path.write_text(sealed, encoding="utf-8")
    if syntax == "yaml" and has_app_tags(plaintext):
        _tagged_readers(path, sealed, plaintext, monkeypatch)
        return
    data = load_secrets(str(path), redacted=False)
    same(data, plain_reading(syntax, plaintext), "load_secrets = the syntax's own reader")
    monkeypatch.setenv(FAST_PATH_ENV, "0")
    same(load_secrets(str(path), redacted=False), data, "general path = fast path")
    monkeypatch.delenv(FAST_PATH_ENV)
    if syntax == "yaml":
        _engines(plaintext)
        _engines(sealed)
    code, out, err = _cli("decrypt", str(path))
    assert code == 0, err
    same(decrypt_text(sealed, store=get_store(syntax)), plaintext, "decrypt_text keeps the text")
    if syntax == "dotenv":  # the CLI prints its line breaks as LF, as python-dotenv (universal newlines) and a shell
        same(out, plaintext.replace("\r\n", "\n").replace("\r", "\n"), "decrypt keeps the text, line breaks LF")
    else:
        same(out, plaintext, "decrypt keeps the text")
    _decrypt_outputs(path, data)
    if syntax == "yaml":
        _portable(path, data)
    _extracts(path, data)
    _pydantic(path, data)
    _git_views(path, sealed, data, syntax)
    _sops(path, sealed, data, syntax)


@settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(document=DOCUMENTS)
def test_exec_gives_the_child_the_flattened_data(document: tuple[str, str], age_key: tuple[str, AgeKey],
                                                 tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    syntax, plaintext = document
    monkeypatch.setenv("SEALFILE_AGE_KEY", age_key[0])
    try:
        sealed = seal_plaintext(plaintext, get_store(syntax), [age_key[1]], None)
    except SealfileError:
        return
    path = tmp_path / ("secrets" + SUFFIX[syntax])
    path.write_text(sealed, encoding="utf-8")
    try:
        data = load_secrets(str(path), redacted=False)
    except SealfileError:  # a tagged value (docs/format.md §1.3): exec refuses it as load_secrets does
        assert syntax == "yaml" and has_app_tags(plaintext)
        data = None
    child = run_cli("exec", "--prefix", "S_", path, "--", sys.executable, "-c",
                    "import json, os; print(json.dumps({k: v for k, v in os.environ.items() if k.startswith('S_')}))",
                    env={"SEALFILE_AGE_KEY": age_key[0]})
    if data is None:
        assert child.returncode != 0 and "YAML tag" in child.stderr
        one_line(child.stderr, "tagged: exec")
        return
    try:
        expected = flatten(data, "S_")
    except SealfileError:
        assert child.returncode != 0
        one_line(child.stderr, "exec")
        return
    assert child.returncode == 0, child.stderr
    same(json.loads(child.stdout), expected, "exec child environment")
