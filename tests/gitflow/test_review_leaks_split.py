"""``review`` and ``check`` find a decrypted copy beside its sealed file (the documented scope) pasted as a byte
dump with offsets (``xxd``'s default layout, ``hexdump -C``, ``od -c``...), split across a list's variables (a
compose file's ``environment``, a Deployment's ``env``) or across JSON-lines records; each passed both without a
word. A credential a file's decoded texts
repeat is said once. The new readers stay linear in a hostile line."""

from __future__ import annotations

import base64
import json
import subprocess
import time
import urllib.parse

import pytest

from sealfile.gitflow.copy_index import SealedCopies
from sealfile.gitflow.hex_dumps import dump_bytes
from sealfile.gitflow.java_escapes import properties_value
from sealfile.gitflow.json_records import joined_records
from tests.support.git import Sandbox, seal_file

FILE = "config/prod.enc.yaml"
SECRET = "s3cret-a91"
DUMPS = {  # file -> (command, what the finding says)
    "config/xxd.txt": (["xxd"], "hex dump on lines 2-"),
    "config/xxd-g1.txt": (["xxd", "-g1"], "hex dump on lines 2-"),
    "config/hexdump-C.txt": (["hexdump", "-C"], "hex dump on lines 2-"),
    "config/hexdump.txt": (["hexdump"], "hex dump on lines 2-"),
    "config/od-c.txt": (["od", "-c"], "od -c output on lines 2-"),
    "config/od-x.txt": (["od", "-x"], "hex dump on lines 2-"),
    "config/od-tx1z.txt": (["od", "-A", "x", "-t", "x1z"], "hex dump on lines 2-"),
}


def _base(box: Sandbox) -> bytes:
    # an odd length: hexdump's and od -x's last 16-bit word is half padding
    seal_file(box, FILE, f"db:\n  password: {SECRET}\n  user: app\n  host_unencrypted: db.local1\n")
    box.commit("base")
    return box.sealfile("decrypt", FILE).stdout.encode()


def _found(shown: str, path: str, where: str) -> bool:
    return any(line.strip().startswith(f"{path}: {where}") and f"holds every key path of {FILE} in plaintext" in line
               for line in shown.splitlines())


def test_a_copy_pasted_as_a_byte_dump_with_offsets_is_found(sandbox: Sandbox) -> None:
    copy = _base(sandbox)
    assert len(copy) % 2 == 1
    (sandbox.root / "prod.yaml").write_bytes(copy)
    for path, (command, _) in DUMPS.items():
        dumped = subprocess.run([*command, str(sandbox.root / "prod.yaml")], check=True, capture_output=True).stdout
        # an editor cuts each line's trailing spaces (od -c writes a space as four)
        lines = [line.rstrip() for line in dumped.decode().splitlines()]
        (sandbox.repo / path).write_text("Pasted from the deploy host:\n" + "\n".join(lines) + "\nthat was it\n")
    sandbox.commit("dumps")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    for path, (_, where) in DUMPS.items():
        assert _found(shown, path, where), (path, shown)
    assert SECRET not in shown
    checked = sandbox.sealfile("check", *DUMPS, check=False, env=sandbox.keyless_env())
    assert checked.returncode == 3, checked.stderr
    for path, (_, where) in DUMPS.items():
        assert f"error: {path}: {where}" in checked.stderr, (path, checked.stderr)
    assert SECRET not in checked.stderr


def _properties(copy: bytes) -> dict[str, str]:
    """What ``Properties.store`` writes for the copy as a value (line breaks, ``:`` and ``=`` escaped), and
    ``native2ascii`` (every character escaped), each beside a Windows path (no escapes)."""
    text = copy.decode()
    stored = "".join({"\n": "\\n", ":": "\\:", "=": "\\=", "#": "\\#"}.get(c, c) for c in text)
    every = "".join(f"\\u{ord(c):04x}" for c in text)
    return {"config/app.properties": f"#Tue Dec 01 10:00:00 UTC 2026\nprod.yaml={stored}\nlog.dir=C:\\users\n",
            "config/app_fr.properties": f"log.dir = C:\\users\\app\nbackup.yaml : {every}\n"}


def test_a_copy_written_as_a_java_properties_value_is_found(sandbox: Sandbox) -> None:
    files = _properties(_base(sandbox))
    for path, text in files.items():
        (sandbox.repo / path).write_text(text)
    sandbox.commit("properties")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert _found(shown, "config/app.properties", "Java escapes on line 2"), shown
    assert _found(shown, "config/app_fr.properties", "Java escapes on line 2"), shown
    checked = sandbox.sealfile("check", *files, check=False, env=sandbox.keyless_env())
    assert checked.returncode == 3 and all(f"error: {path}: Java escapes on line 2" in checked.stderr
                                           for path in files), checked.stderr
    assert SECRET not in shown + checked.stderr


def test_a_base64_copy_glued_to_a_name_by_an_equals_sign_is_found(sandbox: Sandbox) -> None:
    """Already found (base64 anywhere in a line, last session): pinned for the shapes closing41 listed as left."""
    encoded = base64.b64encode(_base(sandbox)).decode()
    files = {"config/Dockerfile": (f"FROM alpine:3\nARG DB_PASSWORD={encoded}\nENV DB_PASSWORD=${{DB_PASSWORD}}\n",
                                   "base64 in DB_PASSWORD on line 2"),
             "config/deploy.sh": (f"#!/bin/sh\nexport PROD_YAML={encoded}\n", "base64 in PROD_YAML on line 2"),
             "config/ci.txt": (f"KEY={encoded}\n", "base64 in KEY")}
    for path, (text, _) in files.items():
        (sandbox.repo / path).write_text(text)
    sandbox.commit("glued")
    status, shown = sandbox.review_last()
    assert status == 3 and all(_found(shown, path, where) for path, (_, where) in files.items()), shown


def _variables(copy: bytes, box: Sandbox) -> list[tuple[str, str]]:
    dotenv = box.sealfile("decrypt", "--output-type", "dotenv", FILE).stdout
    return [(name, value) for name, _, value in (line.partition("=") for line in dotenv.splitlines() if "=" in line)]


def test_a_copy_split_across_a_lists_variables_or_json_lines_records_is_found(sandbox: Sandbox) -> None:
    copy = _base(sandbox)
    pairs = _variables(copy, sandbox)
    compose = "services:\n  app:\n    image: app:1\n    environment:\n" + "".join(
        f"      - {name}={value}\n" for name, value in pairs) + "      - MODE=prod\n"
    env = "".join(f"            - name: {name}\n              value: {json.dumps(value)}\n" for name, value in pairs)
    deployment = ("apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n"
                  "        - name: app\n          image: app:1\n          env:\n" + env)
    records = "".join(json.dumps({"ts": n, "level": "debug", "db": {key: value}}) + "\n"
                      for n, (key, value) in enumerate([("password", SECRET), ("user", "app"),
                                                        ("host_unencrypted", "db.local1")]))
    # what `sealfile decrypt --output-type json prod.enc.yaml | jq -c 'to_entries[]'` writes, split further
    entries = "".join(json.dumps({"key": "db", "value": {key: value}}) + "\n" for key, value in
                      [("password", SECRET), ("user", "app"), ("host_unencrypted", "db.local1")])
    files = {"config/compose.yaml": (compose, "holds every key path"),
             "config/entries.jsonl": (entries, "records of the JSON lines joined: holds every key path"),
             "config/app.yaml": (deployment, "holds every key path"),
             "config/log.jsonl": (records, "records of the JSON lines joined: holds every key path")}
    for path, (text, _) in files.items():
        (sandbox.repo / path).parent.mkdir(exist_ok=True)
        (sandbox.repo / path).write_text(text)
    sandbox.commit("split copies")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    for path, (_, where) in files.items():
        assert any(line.strip().startswith(f"{path}: {where}") and FILE in line for line in shown.splitlines()), (
            path, shown)
    checked = sandbox.sealfile("check", *files, check=False, env=sandbox.keyless_env())
    assert checked.returncode == 3 and all(f"error: {path}: {where}" in checked.stderr
                                           for path, (_, where) in files.items()), checked.stderr
    assert SECRET not in shown + checked.stderr


def test_a_list_of_variables_whose_secrets_are_references_is_no_copy() -> None:
    token = "ENC[AES256_GCM,data:Zm9v,iv:" + "A" * 43 + "=,tag:" + "B" * 22 + "==,type:str]"
    copies = SealedCopies()
    copies.add(".env.enc", {("DB_PASSWORD",): token, ("DB_USER",): token})
    env = ("spec", "containers", 0, "env")
    assert copies.copied_by({(*env, 0, "name"): "DB_PASSWORD", (*env, 0, "valueFrom", "secretKeyRef", "key"): "pw",
                             (*env, 1, "name"): "DB_USER", (*env, 1, "value"): "app"}) is None
    assert copies.copied_by({("environment", 0): "DB_PASSWORD", ("environment", 1): "DB_USER=app"}) is None
    assert copies.copied_by({("environment", 0): "DB_PASSWORD=x", ("environment", 1): "DB_USER=app"}) == ".env.enc"
    assert copies.copied_by({("env", 0, "DB_PASSWORD"): "x", ("env", 1, "DB_USER"): "app"}) == ".env.enc"


def test_a_credential_repeated_by_a_files_decoded_texts_is_said_once(sandbox: Sandbox) -> None:
    """A notebook's cell and output, and the JSON strings they are written as, are one place each; a URL-encoded
    value logged twice is one credential."""
    _base(sandbox)
    url = "postgres://app:Hunter2pass@db/app"
    notebook = {"cells": [{"cell_type": "code", "source": ["import os\n", f"url = '{url}'\n"],
                           "outputs": [{"output_type": "stream", "text": [f"{url}\n", "done\n"]}]}]}
    (sandbox.repo / "notes.ipynb").write_text(json.dumps(notebook))
    encoded = "dsn=" + urllib.parse.quote(f"{url}\nok", safe="")  # built here: the corpus test reads this file
    (sandbox.repo / "curl.log").write_text(f"GET /?{encoded}\nGET /?{encoded}\n")
    sandbox.git("add", "-A")
    checked = sandbox.sealfile("check", "notes.ipynb", "curl.log", check=False, env=sandbox.keyless_env())
    warned = [line for line in checked.stderr.splitlines() if "a password in a URL" in line]
    assert len([line for line in warned if "notes.ipynb" in line]) == 2, checked.stderr  # its source, its output
    assert len([line for line in warned if "curl.log" in line]) == 1, checked.stderr
    (sandbox.repo / "curl.log").write_text(f"GET /?{encoded}\nGET /?{encoded}\nGET /health\n")  # staged differs
    checked = sandbox.sealfile("check", "curl.log", check=False, env=sandbox.keyless_env())
    assert len([line for line in checked.stderr.splitlines() if "a password in a URL" in line]) == 1, checked.stderr
    assert "Hunter2pass" not in checked.stderr


@pytest.mark.parametrize("hostile", [
    "00000000: " + "4141 " * 200_000,
    "00000000  " + "41 " * 300_000 + " |" + "A" * 100_000 + "|",
    "\n".join(f"{n:07o}" + "   a" * 16 for n in range(0, 16 * 40_000, 16)),
    "0000000" + "   a" * 300_000,
    "\n".join("0000 " + "ab " * 40 for _ in range(20_000)),
])
def test_byte_dump_reading_is_linear_in_a_hostile_text(hostile: str) -> None:
    started = time.process_time()
    dump_bytes(hostile, 1000)
    assert time.process_time() - started < 5


def test_java_escapes_reading_is_linear_in_a_hostile_line() -> None:
    started = time.process_time()
    for hostile in ("a=" + "\\u0041" * 300_000, "\\n\\:" * 300_000, "\\" * 600_000 + "\\u0041", "\\u" * 300_000):
        properties_value(hostile)
    assert time.process_time() - started < 5
    assert properties_value("log.dir=C:\\users\\app") is None
    assert properties_value("k\\:1 = \\u0041\\uD83D\\uDE00\\n") == "A\U0001F600\n"


def test_json_records_reading_is_linear_in_a_hostile_text() -> None:
    started = time.process_time()
    assert joined_records("".join(json.dumps({"a": {"b": n}}) + "\n" for n in range(50_000))) is not None
    assert joined_records('{"a": 1}\n' + "[" * 100_000 + "\n") is None
    joined_records('{"a": 1}\n' + '{"a": ' * 900 + "1" + "}" * 900 + "\n")  # deep: no crash
    assert time.process_time() - started < 5
