"""Every output type read back by the programs that read it, over generated awkward values and keys.

A tree of what sealed files hold (string, integer and boolean keys; strings, numbers, booleans, null, dates,
times, binary, lists, mappings) is rendered in each output type and read by the consuming tool: YAML by ruamel
(C and pure) and PyYAML (C and pure, YAML 1.1); JSON by a strict reader (no duplicate key, no NaN); dotenv by
python-dotenv (interpolating or not), bash and Node's ``dotenv`` (its parser's rules, below; a value it reads
otherwise is named on stderr) (``set -a; . file``); a Kubernetes Secret by PyYAML, ruamel and
a strict JSON reading of the same manifest, its ``data`` decoded; the environment of ``exec`` by the child.
What they read is the data, or the output is refused in one line naming the key path, never changed.
The suite replays fixed examples (the ``replay`` profile); the exploring step draws fresh ones.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import dotenv
import yaml as pyyaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from sealfile.errors import SealfileError
from sealfile.model.paths import format_keypath, iter_leaves
from sealfile.model.scalars import same_data, time_text
from sealfile.runtime.environment import variables_for
from sealfile.runtime.flatten import flatten, flatten_with_origins
from sealfile.runtime.outputs import read_otherwise_by_node, render
from tests.support.node_dotenv import node_reads

FRAGMENTS = ["'", '"', "\\", "$", "`", "${A}", "$A", "$(id)", "\n", "\r", "\t", "\0", " ", "#", " #", "=", "\x85",
             "\u2028", "\ufeff", "\x7f", "\x1b", "é", "\U0001f600", "yes", "null", "~", "0x1F", "1e3", "---", "...",
             ": ", "- ", "%", "!", "&a", "*a", "{", "[", "\\n", "export ", "a", "0", "12:30", "2024-01-01", "\xa0",
             "\x0b", "\x0c", "\x1c", "\u3000", "\u2029", "\\r", "\\'", '\\"', "\\\\", "KEY=x", "\n#"]
TEXT = st.lists(st.sampled_from(FRAGMENTS), max_size=5).map("".join) | st.text(max_size=8)
SCALAR = st.one_of(
    TEXT, st.booleans(), st.none(), st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0.5, -0.0, 1e20, 5e-324, 1.7976931348623157e308, float("inf"), float("-inf"), float("nan")]),
    st.sampled_from([dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 3, 4, 5), dt.datetime(2024, 1, 2, 3, 4, 5, 100,
                     tzinfo=dt.UTC), dt.datetime(2001, 12, 14, 21, 59, 43, 100000,
                                                          tzinfo=dt.timezone(dt.timedelta(hours=-5)))]),
    st.binary(max_size=6),
)
KEY = st.one_of(st.sampled_from(["a", "b", "db", "A", "true", "1", "null", "~", "", "a.b", "a-b", "x y", "é", "yes",
                                 "1.5", "-0", "0x1F", "password", "<<", "="]), st.integers(-3, 3), st.booleans())
TREES = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEY, inner, max_size=3),
                     max_leaves=8)
DATA = st.dictionaries(KEY, TREES, max_size=4)
_SUPPRESSED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


def refused_in_one_line(error: SealfileError) -> None:
    message = str(error)
    assert message and "\n" not in message and "Traceback" not in message, message


def _strict_json(text: str) -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in items]
        assert len(set(keys)) == len(keys), f"a duplicate JSON key: {keys}"
        return dict(items)

    def constant(name: str) -> Any:
        raise AssertionError(f"JSON has no {name}")

    return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)


def jsonable(data: Any) -> Any:
    """What a JSON output of ``data`` holds, spelled here apart from the code: keys as JSON spells a key,
    dates and times as their text, binary as base64."""
    if isinstance(data, dict):
        return {(("true" if key else "false") if isinstance(key, bool) else str(key)): jsonable(value)
                for key, value in data.items()}
    if isinstance(data, list):
        return [jsonable(value) for value in data]
    if isinstance(data, (dt.date, dt.datetime)):
        return time_text(data)
    if isinstance(data, bytes):
        return base64.b64encode(data).decode("ascii")
    return data


def _bash_reads(path: Path) -> dict[str, str]:
    done = subprocess.run(["bash", "-c", 'set -a; . "$1"; env -0', "bash", str(path)], capture_output=True, env={},
                          check=False, timeout=20)
    pairs = (item.split(b"=", 1) for item in done.stdout.split(b"\0") if b"=" in item)
    return {name.decode(): value.decode("utf-8", "surrogateescape") for name, value in pairs}


def _yaml_readers(text: str, data: Any) -> None:
    for pure in (False, True):
        assert same_data(YAML(typ="safe", pure=pure).load(text), data), ("ruamel", pure)
    for loader in (pyyaml.CSafeLoader, pyyaml.SafeLoader):
        assert same_data(pyyaml.load(text, Loader=loader), data), loader.__name__


def _dotenv_readers(data: Any, text: str, names: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "out.env"
    path.write_bytes(text.encode("utf-8"))
    for interpolate in (False, True):
        assert dict(dotenv.dotenv_values(path, interpolate=interpolate)) == names, interpolate
    if shutil.which("bash"):
        by_bash = _bash_reads(path)
        assert {name: by_bash.get(name) for name in names} == names
    by_node = node_reads(text)
    origins = flatten_with_origins(data, "S_")[1]
    read_otherwise = [format_keypath(origins[name]) for name in names if by_node.get(name) != names[name]]
    assert read_otherwise_by_node(data, prefix="S_") == read_otherwise


def _k8s_readers(text: str, names: dict[str, str]) -> None:
    manifests = [YAML(typ="safe", pure=True).load(text), pyyaml.load(text, Loader=pyyaml.CSafeLoader),
                 pyyaml.load(text, Loader=pyyaml.SafeLoader)]
    manifests.append(_strict_json(json.dumps(manifests[0])))  # kubectl reads a manifest as JSON after YAML
    for manifest in manifests:
        assert manifest["kind"] == "Secret" and "stringData" not in manifest
        data = manifest.get("data") or {}
        assert all(isinstance(value, str) for value in data.values())
        assert {key: base64.b64decode(value, validate=True).decode("utf-8") for key, value in data.items()} == names


def _strings_kept(data: Any, names: dict[str, str]) -> None:
    """The oracle for names apart from :func:`flatten`'s values: every string leaf is some variable's text."""
    held = set(names.values())
    assert all(value in held for _, value in iter_leaves(data) if isinstance(value, str))


def check_outputs(data: dict[Any, Any], tmp_path: Path) -> None:
    for fmt in ("yaml", "json", "dotenv", "k8s-secret"):
        try:
            text = render(data, fmt, name="s", prefix="S_")
        except SealfileError as refused:
            refused_in_one_line(refused)
            continue
        if fmt == "yaml":
            _yaml_readers(text, data)
        elif fmt == "json":
            assert same_data(_strict_json(text), jsonable(data))
        else:
            names = flatten(data, "S_")
            _strings_kept(data, names)
            if fmt == "dotenv":
                _dotenv_readers(data, text, names, tmp_path)
            else:
                _k8s_readers(text, names)


def check_environment(data: dict[Any, Any]) -> None:
    try:
        names = variables_for(data, "S_")
    except SealfileError as refused:
        refused_in_one_line(refused)
        return
    script = "import json, os; print(json.dumps({k: v for k, v in os.environ.items() if k.startswith('S_')}))"
    done = subprocess.run([sys.executable, "-c", script], env=names, capture_output=True, text=True, check=True,
                          timeout=20)
    assert json.loads(done.stdout) == names


@settings(max_examples=60, suppress_health_check=_SUPPRESSED)
@given(data=DATA)
@example(data={"a": "it's $HOME", "b": "x\r\ny", "c": "${A}", "d": "a\0b"})
@example(data={"a": {1: "one", "1": "other"}, True: [None, b"\x00\xff", float("nan")]})
@example(data={"a": "it's \\n", "b": 'say "hi" it\'s', "c": "two \\\\", "d": "ends \\", "e": "it's"})
def test_every_output_reads_back_as_the_data(data: dict[Any, Any], tmp_path: Path) -> None:
    check_outputs(data, tmp_path)


@settings(max_examples=20, suppress_health_check=_SUPPRESSED)
@given(data=DATA)
@example(data={"a": "multi\nline = 'x'", "b": "\U0001f600\x85", "c": 2**70, "d": dt.date(2024, 1, 2)})
def test_the_environment_of_exec_holds_the_data(data: dict[Any, Any]) -> None:
    check_environment(data)
