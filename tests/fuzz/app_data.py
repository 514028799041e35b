"""What an application gets, against what the plaintext means: generated documents, compared (not run by pytest).

For each generated YAML, JSON or dotenv document (tricky scalars, non-string keys, anchors and merge keys,
block scalars, CRLF...) sealed with a fresh age key:

- ``sealfile decrypt`` prints the plaintext byte for byte;
- ``load_secrets(redacted=False)`` equals what ruamel.yaml's safe loader (``json``, python-dotenv with
  ``interpolate=False``) reads from it, types included (``-0.0``, NaN, timestamps and their offsets, bytes);
- the ``Secrets`` view prints no value, and ``to_dict()`` gives the same data;
- ``sealfile exec``'s environment holds exactly the names and texts of the README's rules (or fails when a
  rule refuses: a name starting with a digit, a collision, a NUL, a hook name);
- several files merged (``load_secrets([...])`` and ``sealfile decrypt A B``) equal a merge written here,
  later file winning, one warning per replaced value.

    .venv/bin/python -m tests.fuzz.app_data [SEED] [COUNT]
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import dotenv
import ruamel.yaml

import sealfile
from sealfile.model.scalars import same_data
from sealfile.ops.seal import seal_text
from sealfile.runtime.environment import refusal
from sealfile.stores import get_store
from tests.support.cli import cli_env
from tests.support.identities import write_identity

SCALARS = ["1", "-0", "0o17", "0x1F", "1_000", "1e3", "-0.0", ".5", "6.02e+23", ".nan", "-.inf", ".Inf", "null", "~",
           "", "true", "False", "yes", "on", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43",
           "2002-12-14 21:59:43.1234567 +1", "1:20", "123456789012345678901234567890", "1e400", "hello", "'q'",
           '"\\x00nul"', '"\\uD83D\\uDE00"', "héllo", '"a\\nb"', "!!binary aGVsbG8=", "!!str 123", "'#x'",
           "|\n  literal\n", ">\n  folded\n  text\n", '"${VAR}"', "08", "1__2"]
KEYS = ["a", "db", "password", "api-key", "api.key", "x y", "1", "0", "true", "false", "'1'", "é", "日本", "k_",
        "-", "Key", "KEY", "user", "host", "v", "x-y", "x_y", "PATH", "LD_PRELOAD"]
JSON_SCALARS = ["1", "-0.0", "1e3", "1.5e+300", "true", "null", '""', '"x"', '"\\u0000"', '"\\ud83d\\ude00"',
                '"caf\\u00e9"', '"1"', "3.0", "-1"]
DOTENV_VALUES = ["plain", "'single q'", '"double q"', '"a\\nb"', "'a\\nb'", "${HOME}", "", " spaced ", "a#b",
                 "v # comment", '"q" # c', "é日本", '"multi\nline"', "`cmd`", "'it'\\''s'"]


def yaml_doc(rng: random.Random, depth: int = 0, indent: int = 0, anchors: list[str] | None = None) -> str:
    anchors = [] if anchors is None else anchors
    pad, lines, used = " " * indent, [], set()
    for key in rng.sample(KEYS, rng.randint(1, 5)):
        roll = rng.random()
        if depth < 3 and roll < 0.25:
            anchor = f" &A{len(anchors)}" if rng.random() < 0.3 else ""
            inner = yaml_doc(rng, depth + 1, indent + 2, anchors)
            if anchor:
                anchors.append(anchor[2:])
            lines.append(f"{pad}{key}:{anchor}\n{inner}")
        elif depth < 3 and roll < 0.35:
            items = [s or "~" for s in (rng.choice(SCALARS) for _ in range(rng.randint(0, 4))) if "\n" not in s]
            lines.append(f"{pad}{key}: [{', '.join(items)}]\n")
        elif anchors and roll < 0.42:
            lines.append(f"{pad}{key}: *{rng.choice(anchors)}\n")
        elif anchors and roll < 0.46 and "<<" not in used:
            used.add("<<")
            lines.append(f"{pad}<<: *{rng.choice(anchors)}\n")
        else:
            lines.append(f"{pad}{key}: {rng.choice(SCALARS).replace(chr(10), chr(10) + pad + '  ').rstrip(' ')}\n"
                         .replace("\n\n", "\n"))
    return "".join(lines)


def json_doc(rng: random.Random, depth: int = 0) -> str:
    def value() -> str:
        roll = rng.random()
        if depth < 3 and roll < 0.2:
            return json_doc(rng, depth + 1)
        if depth < 3 and roll < 0.3:
            return "[" + ", ".join(rng.choice(JSON_SCALARS) for _ in range(rng.randint(0, 3))) + "]"
        return rng.choice(JSON_SCALARS)
    keys = rng.sample(['"a"', '"db"', '"1"', '"x y"', '"é"', '"true"', '"k-1"', '"Z"'], rng.randint(1, 4))
    return "{" + ", ".join(f"{key}: {value()}" for key in keys) + "}" + ("\n" if depth == 0 else "")


def dotenv_doc(rng: random.Random) -> str:
    keys = rng.sample(["A", "DB_PASS", "api_key", "x.y", "lower", "MiXed", "_U", "KEY2"], rng.randint(1, 5))
    return "".join(f"{rng.choice(['', 'export '])}{key}={rng.choice(DOTENV_VALUES)}\n" for key in keys)


def plain(node: Any) -> Any:
    """ruamel's round-trip types as the plain types a safe load gives."""
    if isinstance(node, dict):
        return {plain(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return node


def meaning(text: str, syntax: str) -> Any:
    if syntax == "json":
        return json.loads(text)
    if syntax == "dotenv":
        values = dotenv.dotenv_values(stream=io.StringIO(text), interpolate=False)
        return {k: "" if v is None else v for k, v in values.items()}
    return plain(ruamel.yaml.YAML(typ="safe").load(text) or {})


def difference(a: Any, b: Any, at: str = "$") -> str | None:
    """Where two trees differ: types exactly, NaN equal to NaN, the sign of zero, a timestamp's offset."""
    if type(a) is not type(b):
        return f"{at}: {type(a).__name__} {a!r} vs {type(b).__name__} {b!r}"
    if isinstance(a, dict):
        if set(a) != set(b):
            return f"{at}: keys {list(a)} vs {list(b)}"
        return next((d for k in a if (d := difference(a[k], b[k], f"{at}.{k!r}"))), None)
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{at}: {len(a)} vs {len(b)} items"
        pairs = enumerate(zip(a, b, strict=True))
        return next((d for i, (x, y) in pairs if (d := difference(x, y, f"{at}[{i}]"))), None)
    if isinstance(a, float) and math.isnan(a) and math.isnan(b):
        return None
    if isinstance(a, float) and math.copysign(1, a) != math.copysign(1, b):
        return f"{at}: {a!r} vs {b!r}"
    if isinstance(a, dt.datetime) and a.utcoffset() != b.utcoffset():
        return f"{at}: {a!r} vs {b!r}"
    return None if a == b else f"{at}: {a!r} vs {b!r}"


def env_text(value: Any) -> str:
    """The README's rule: booleans true/false, null empty, numbers as YAML writes them, dates ISO, bytes base64."""
    if value is None or isinstance(value, bool):
        return {None: "", True: "true", False: "false"}[value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    if isinstance(value, (float, dt.date)):
        return repr(value) if isinstance(value, float) else value.isoformat()
    return str(value)


def environment_of(tree: Any) -> dict[str, str] | None:
    """``NAME -> text`` by the README's rules, or None where a rule refuses the tree."""
    names: dict[str, str] = {}
    stack: list[tuple[list[str], Any]] = [([], tree)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, (dict, list)):
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for key, value in items:
                segment = "".join(c if c.isascii() and c.isalnum() else "_" for c in str(key).upper())
                stack.append(([*path, segment], value))
            continue
        name, text = "_".join(path), env_text(node)
        if not name or name[0].isdigit() or name in names or refusal(name) or "\0" in text:
            return None
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return None
        names[name] = text
    return names


def merged(trees: list[Any]) -> tuple[Any, int] | None:
    """Later file wins, mappings merged key by key; None where two keys are one to a dict (1 and true)."""
    result: dict[Any, Any] = {}
    overrides = 0

    def into(target: dict[Any, Any], tree: dict[Any, Any]) -> None:
        nonlocal overrides
        for key, value in tree.items():
            if key in target and next(type(k) for k in target if k == key) is not type(key):
                raise LookupError
            if isinstance(target.get(key), dict) and isinstance(value, dict):
                into(target[key], value)
                continue
            overrides += key in target and not same_data(target[key], value)
            target[key] = _copy(value)

    try:
        for tree in trees:
            into(result, tree)
    except LookupError:
        return None
    return result, overrides


def _copy(value: Any) -> Any:
    return {k: _copy(v) for k, v in value.items()} if isinstance(value, dict) else value


DUMP_ENVIRONMENT = "import os, json; print(json.dumps(dict(os.environ)))"


class Bench:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        identity = write_identity(directory / "keys.txt")
        os.environ["SEALFILE_AGE_KEY_FILE"] = str(identity.path)
        self.key = identity.key
        self.env = cli_env()
        self.count = 0

    def seal(self, text: str, syntax: str) -> Path | None:
        self.count += 1
        path = self.directory / f"d{self.count}.enc.{ {'yaml': 'yaml', 'json': 'json', 'dotenv': 'env'}[syntax]}"
        try:
            path.write_text(seal_text(text, [self.key], store=get_store(syntax)), encoding="utf-8")
        except sealfile.SealfileError:
            return None  # refused (a key that is not a string, an integer past 2^53...): not what is compared
        return path

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "sealfile", *args], capture_output=True, text=True,
                              env=self.env, timeout=60)

    def one(self, text: str, syntax: str) -> list[str]:
        path = self.seal(text, syntax)
        if path is None:
            return []
        problems = []
        shown = self.cli("decrypt", str(path)).stdout
        if shown != text:
            problems.append(f"decrypt prints {shown!r}")
        app = sealfile.load_secrets(path, redacted=False)
        if found := difference(app, meaning(text, syntax)):
            problems.append(f"load_secrets: {found}")
        view = sealfile.load_secrets(path)
        if difference(view.to_dict(), app) or any(
                isinstance(v, str) and len(v) > 3 and f"'{v}'" in repr(view) for v in _leaves(app)):
            problems.append("the Secrets view")
        expected = environment_of(app)
        done = self.cli("exec", str(path), "--", sys.executable, "-c", DUMP_ENVIRONMENT)
        if (done.returncode == 0) != (expected is not None):
            problems.append(f"exec: {done.stderr.strip() or 'ran'}; expected {'success' if expected else 'a refusal'}")
        elif expected is not None:
            child = json.loads(done.stdout)
            got = {k: v for k, v in child.items() if self.env.get(k) != v}
            if got != {k: v for k, v in expected.items() if k not in self.env}:
                problems.append(f"exec environment {got}")
        return problems

    def several(self, docs: list[tuple[str, str]]) -> list[str]:
        paths = [self.seal(text, syntax) for text, syntax in docs]
        if None in paths:
            return []
        expected = merged([meaning(text, syntax) for text, syntax in docs])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                app = sealfile.load_secrets(paths, redacted=False)
            except sealfile.FormatError:
                return [] if expected is None else ["merge refused"]
        if expected is None:
            return ["merge of 1 and true accepted"]
        problems = [f"merge: {found}"] if (found := difference(app, expected[0])) else []
        if len(caught) != expected[1]:
            problems.append(f"{len(caught)} warnings for {expected[1]} overrides")
        shown = self.cli("decrypt", *map(str, paths))
        if shown.returncode or difference(meaning(shown.stdout, "yaml"), expected[0]):
            problems.append(f"decrypt of several: {shown.stderr.strip()}")
        return problems


def _leaves(tree: Any) -> list[Any]:
    if isinstance(tree, dict):
        return [leaf for value in tree.values() for leaf in _leaves(value)]
    if isinstance(tree, list):
        return [leaf for value in tree for leaf in _leaves(value)]
    return [tree]


def main() -> None:
    seed, count = (int(sys.argv[1]) if len(sys.argv) > 1 else 0), (int(sys.argv[2]) if len(sys.argv) > 2 else 200)
    rng = random.Random(seed)
    makers = [(yaml_doc, "yaml"), (yaml_doc, "yaml"), (json_doc, "json"), (dotenv_doc, "dotenv")]
    failures = 0
    with tempfile.TemporaryDirectory() as directory:
        bench = Bench(Path(directory))
        for number in range(count):
            docs = [(make(rng), syntax) for make, syntax in (rng.choice(makers) for _ in range(rng.randint(1, 3)))]
            problems = bench.one(*docs[0]) if len(docs) == 1 else bench.several(docs)
            for problem in problems:
                failures += 1
                print(f"--- case {number} (seed {seed}): {problem}\n" + "\n".join(text for text, _ in docs))
    print(f"{count} cases, {failures} problems")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
