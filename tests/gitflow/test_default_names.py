"""The default ``sealed_files`` patterns cover every name the docs and ``encrypt`` suggest for a
sealed file, in each syntax: ``check`` refuses one in plaintext, and ``git install`` gives it the
diff and merge drivers."""

from __future__ import annotations

import pytest

from tests.support.git import Sandbox

PLAINTEXT = {"yaml": "password: leaked-61\n", "json": '{"password": "leaked-62"}\n', "dotenv": "TOKEN=leaked-63\n"}

SUGGESTED = [  # (name, syntax): the README's and format.md's names, and encrypt's hint (*.enc + the syntax's suffix)
    ("secrets.enc.yaml", "yaml"), ("deploy/x.enc.yml", "yaml"), ("app.enc.json", "json"), ("y.enc.env", "dotenv"),
    ("deploy/prod.env.enc", "dotenv"), (".env.enc", "dotenv"),
    (".env.production.enc", "dotenv"), ("api/.env.local.enc", "dotenv"),  # a sealed .env.production (README)
]


@pytest.mark.parametrize(("name", "syntax"), SUGGESTED)
def test_every_suggested_name_is_a_sealed_file_by_default(sandbox: Sandbox, name: str, syntax: str) -> None:
    """``.env.production.enc`` was neither refused in plaintext nor merged by the driver."""
    path = sandbox.repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PLAINTEXT[syntax])
    done = sandbox.sealfile("check", name, check=False)
    assert done.returncode == 3 and f"{name}: NOT SEALED" in done.stderr, done.stderr
    sandbox.sealfile("git", "install")
    assert sandbox.git("check-attr", "merge", "--", name).stdout.strip().endswith("merge: sealfile")


@pytest.mark.parametrize(("written", "syntax", "hinted"), [
    ("x.enc.json", "yaml", "x.enc.yaml"), ("x.enc.yaml", "json", "x.enc.json"), ("x.enc.yaml", "dotenv", "x.enc.env")])
def test_encrypts_hint_names_a_file_the_defaults_cover(sandbox: Sandbox, written: str, syntax: str,
                                                       hinted: str) -> None:
    """A name that says another syntax is refused with the name to use: ``*.env`` before, which no
    default pattern covers (a sealed ``x.env`` was not checked nor merged)."""
    plain = sandbox.repo / f"plain.{ {'yaml': 'yaml', 'json': 'json', 'dotenv': 'env'}[syntax] }"
    plain.write_text(PLAINTEXT[syntax])
    done = sandbox.sealfile("encrypt", "--age", sandbox.recipient, "--output-type", syntax, "-o", written, plain.name,
                            check=False)
    suffix = hinted.removeprefix("x")
    assert done.returncode != 0 and f"name it *{suffix} " in done.stderr, done.stderr
    sandbox.sealfile("encrypt", "--age", sandbox.recipient, "--output-type", syntax, "-o", hinted, plain.name)
    (sandbox.repo / hinted).write_text(PLAINTEXT[syntax])  # the same name in plaintext: refused by check
    done = sandbox.sealfile("check", hinted, check=False)
    assert done.returncode == 3 and f"{hinted}: NOT SEALED" in done.stderr, done.stderr
