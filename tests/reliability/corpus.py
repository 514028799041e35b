"""A corpus of broken and malicious sealed files, in YAML, JSON and dotenv.

Each case is a name, a file name (its suffix picks the store) and a way to write the bytes,
so the 100 MB case is streamed to disk rather than held in memory. Cases that need a real
sealed file to start from (truncated tokens, wrong metadata types) take its text.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Writer = Callable[[Path], object]


@dataclass(frozen=True)
class Case:
    name: str
    filename: str
    write: Writer


def _text(text: str) -> Writer:
    return lambda path: path.write_text(text, encoding="utf-8")


def _bytes(data: bytes) -> Writer:
    return lambda path: path.write_bytes(data)


def _hundred_megabytes(path: Path) -> None:
    line = "k" + "x" * 60 + ": " + "y" * 60 + "\n"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("big:\n")
        chunk = ("  " + line) * 8192
        while handle.tell() < 100 * 1024 * 1024:
            handle.write(chunk)


BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def _indented(text: str, indent: str) -> str:
    return "".join(indent + line + "\n" for line in text.splitlines())


def yaml_cases(sealed: str, marker: Path) -> list[Case]:
    """``sealed``: a valid sealed YAML file to damage; ``marker``: the file a code-execution payload would create."""
    body, _, meta = sealed.partition("sealfile:")
    token = re.search(r"ENC\[([^\]]+)\]", sealed)
    assert token is not None
    whole = token.group(0)
    cases = {
        "empty": _text(""),
        "comment only": _text("# nothing here\n"),
        "binary": _bytes(bytes(random.Random(9).randrange(256) for _ in range(4096))),
        "NUL bytes in text": _text("a: b\0c\n"),
        "UTF-8 BOM then garbage": _bytes(b"\xef\xbb\xbf\xff\xfe: x\n"),
        "invalid YAML": _text("a: [1, 2\nb: }\n"),
        "tab indentation": _text("a:\n\tb: c\n"),
        "top level is a list": _text("- a\n- b\n"),
        "top level is a scalar": _text("just some text\n"),
        "no metadata": _text("a: 1\nb: two\n"),
        "several documents": _text(sealed + "---\n" + sealed),
        "huge value (8 MB)": _text("a: " + "v" * (8 * 1024 * 1024) + "\n" + "sealfile:" + meta),
        "large value (1 MB, under the size limit)": _text("a: " + "v" * (1024 * 1024) + "\n" + "sealfile:" + meta),
        "huge integer (100,000 digits)": _text("a: " + "7" * 100_000 + "\n" + "sealfile:" + meta),
        "10,000-deep flow nesting": _text("a: " + "[" * 10_000 + "]" * 10_000 + "\n"),
        "2,000-deep block nesting (one-space indent)": _text("".join(" " * i + f"k{i}:\n" for i in range(2_000))
                                                            + " " * 2_000 + "v: 1\n"),
        "10,000-deep block nesting (over 2 MiB)": _text("".join("  " * i + f"k{i}:\n" for i in range(10_000))
                                                       + "  " * 10_000 + "v: 1\n"),
        "billion laughs (alias bomb)": _text(BILLION_LAUGHS + "sealfile:" + meta),
        "billion laughs inside the metadata": _text(body + "sealfile:" + meta.replace(
            "      recipient: ", _indented(BILLION_LAUGHS, "      ") + "      recipient: ", 1)),
        "merge key in the metadata": _text(body + "sealfile:" + meta.replace("  version: 2\n",
                                                                             "  <<: {version: 2}\n", 1)),
        "python/object/apply:os.system tag": _text(
            f"a: !!python/object/apply:os.system ['touch {marker}']\n" + "sealfile:" + meta),
        "python/object/new tag at the top": _text(
            f"!!python/object/new:os.system ['touch {marker}']\n"),
        "custom tag on metadata": _text(body + "sealfile: !!python/name:os.system\n"),
        "application tag on metadata": _text(body + "sealfile: !secret" + meta),
        "application tag added to a sealed value": _text(sealed.replace(whole, "!include " + whole, 1)),
        "application tag on a key": _text("!Ref a: 1\n" + sealed),
        "duplicate keys": _text(body + body.split("\n")[0] + "\n" + "sealfile:" + meta),
        "duplicate metadata key": _text(sealed + "sealfile: {}\n"),
        "metadata is a string": _text(body + "sealfile: oops\n"),
        "metadata version is a string": _text(sealed.replace("version: 2", "version: '2'")),
        "metadata version 3": _text(sealed.replace("version: 2", "version: 3")),
        "recipients is a string": _text(body + "sealfile:\n  version: 1\n  recipients: age1xyz\n  mac: x\n"),
        "recipient type unknown": _text(re.sub(r"type: age", "type: evil_provider", sealed)),
        "recipient type is a list": _text(re.sub(r"type: age", "type: [age]", sealed)),
        "recipient fields missing": _text(body + "sealfile:\n  version: 1\n  recipients: [{}]\n  mac: x\n"),
        "mac is a mapping": _text(re.sub(r"mac: .*", "mac: {a: 1}", sealed)),
        "unknown metadata field": _text(sealed.replace("version: 2", "version: 2\n  exec: rm -rf /")),
        "truncated token": _text(sealed.replace(whole, whole[: len(whole) // 2] + "]")),
        "token not base64": _text(sealed.replace(whole, "ENC[!!!not-base64!!!]")),
        "empty token": _text(sealed.replace(whole, "ENC[]")),
        "token from nowhere": _text(sealed.replace(whole, "ENC[" + "A" * 120 + "==]")),
        "file cut in half": _text(sealed[: len(sealed) // 2]),
        "wrapped key truncated": _text(re.sub(r"(-----BEGIN AGE ENCRYPTED FILE-----\n\s*)\S+", r"\1AAAA", sealed)),
        "non-string keys": _text("? [a, b]\n: 1\n1: x\nnull: y\n" + "sealfile:" + meta),
        "100 MB file": _hundred_megabytes,
        **hostile_recipients(sealed),
        "%YAML 1.1 directive": _text("%YAML 1.1\n---\n" + sealed),
        "key path with control characters": _text(sealed.replace("db:", '"db\\u001b[2J\\u202e":', 1)),
    }
    return [Case(name, "secrets.enc.yaml", write) for name, write in cases.items()]


def hostile_recipients(sealed: str) -> dict[str, Writer]:
    """Files that try to make the reader do something through their recipients: contact a host,
    assume a role, use a profile, or work through thousands of recipients or a huge wrapped key.
    The first four are what anyone who can write to the repository can commit: values of their own
    sealed under a data key of their own, with a valid MAC (the reader's own key is not among them)."""
    from tests.support.sealing import forged

    plaintext = "db:\n  password: attacker-chosen\n"
    arn = "arn:aws:kms:us-east-1:111122223333:key/k"
    stanzas = {
        "recipient names an untrusted Azure host": {"type": "azure_kv", "key": "https://attacker.example/keys/k"},
        "recipient names an AWS role": {"type": "aws_kms", "arn": arn, "role": "arn:aws:iam::111122223333:role/x"},
        "recipient names an AWS profile": {"type": "aws_kms", "arn": arn, "profile": "admin"},
        "recipient names a GCP endpoint": {"type": "gcp_kms", "resource": "projects/p/locations/l/keyRings/r/"
                                           "cryptoKeys/k", "endpoint": "http://attacker.example"},
    }
    cases: dict[str, Writer] = {name: _text(forged(plaintext, [{**stanza, "wrapped": "AAAA"}])[0])
                                for name, stanza in stanzas.items()}
    head, _, rest = sealed.partition("  recipients:\n")
    crowd = "".join(f"  - type: keyring\n    name: k{i}\n    wrapped: AAAA\n" for i in range(2000))
    cases["2,000 recipients"] = _text(head + "  recipients:\n" + crowd + rest)
    cases["wrapped key of 20,000 characters"] = _text(re.sub(
        r"^( *)(-----BEGIN AGE ENCRYPTED FILE-----\n)", lambda m: m.group(0) + m.group(1) + "A" * 20_000 + "\n",
        sealed, count=1, flags=re.MULTILINE))
    return cases


def json_cases(sealed_json: str) -> list[Case]:
    document = json.loads(sealed_json)
    meta = document["sealfile"]

    def with_meta(**changes: object) -> str:
        return json.dumps({**document, "sealfile": {**meta, **changes}})

    cases = {
        "JSON: empty": _text(""),
        "JSON: binary": _bytes(bytes(range(256)) * 16),
        "JSON: invalid": _text('{"a": [1, 2}'),
        "JSON: top level is a list": _text("[1, 2]"),
        "JSON: duplicate keys": _text('{"a": 1, "a": 2}'),
        "JSON: NaN": _text('{"a": NaN}'),
        "JSON: 100,000-deep nesting": _text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        "JSON: huge integer": _text('{"a": ' + "7" * 100_000 + ', "sealfile": ' + json.dumps(meta) + "}"),
        "JSON: metadata is a list": _text(json.dumps({**document, "sealfile": [1]})),
        "JSON: version is a float": _text(with_meta(version=1.0)),
        "JSON: version is true": _text(with_meta(version=True)),
        "JSON: recipients is null": _text(with_meta(recipients=None)),
        "JSON: wrapped is a number": _text(with_meta(recipients=[{"type": "age", "recipient": "x", "wrapped": 5}])),
        "JSON: truncated": _text(sealed_json[: len(sealed_json) // 2]),
        "JSON: key with a lone surrogate": _text(sealed_json.replace('"db":', '"\\ud800":', 1)),
        "JSON: value with a lone surrogate": _text(sealed_json.replace("{", '{"note_unencrypted": "\\udc80", ', 1)),
    }
    return [Case(name, "secrets.enc.json", write) for name, write in cases.items()]


def dotenv_cases(sealed_env: str) -> list[Case]:
    lines = sealed_env.splitlines(keepends=True)
    recipient = next(i for i, line in enumerate(lines) if line.startswith("sealfile_recipient_0="))

    def replace_line(index: int, text: str) -> str:
        return "".join([*lines[:index], text, *lines[index + 1:]])

    cases = {
        "dotenv: binary": _bytes(b"\x00\x01\x02A=\xff\xfe\n" * 100),
        "dotenv: unterminated quote": _text('A="never closed\nB=2\n'),
        "dotenv: no metadata": _text("A=1\nB=2\n"),
        "dotenv: duplicate keys": _text(sealed_env + lines[0]),
        "dotenv: recipient line not JSON": _text(replace_line(recipient, "sealfile_recipient_0='{not json'\n")),
        "dotenv: recipient JSON is a list": _text(replace_line(recipient, "sealfile_recipient_0='[1, 2]'\n")),
        "dotenv: recipient JSON deep": _text(replace_line(recipient, "sealfile_recipient_0='" + "[" * 100_000
                                                          + "]" * 100_000 + "'\n")),
        "dotenv: version is text": _text(sealed_env.replace("sealfile_version=2", "sealfile_version=one")),
        "dotenv: 8 MB line": _text("A=" + "v" * (8 * 1024 * 1024) + "\n"),
        "dotenv: a million blanks in a value": _text("A=x" + " " * 1_000_000 + "y\n"),
        "dotenv: 20,000 lines of 64-blank runs": _text("".join(f"A{i}=x{' ' * 64}y\n" for i in range(20_000))),
        "dotenv: a million short lines": _text("A=x\n" * 1_000_000),
        "dotenv: truncated token": _text(re.sub(r"(ENC\[[A-Za-z0-9_\-]{20})[^\]]*\]", r"\1]", sealed_env, count=1)),
    }
    return [Case(name, "secrets.enc.env", write) for name, write in cases.items()]
