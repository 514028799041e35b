"""An example file (``.env.example``, ``values.sample.yaml``, ``config.json.dist``, anywhere) is committed on
purpose, with stand-ins where the values go: one holding every key path of a sealed file with real values is the
decrypted file copied over the template, a violation as any decrypted copy is (its values are committed either
way); one of stand-ins (``<REQUIRED>``, ``changeme``, ``xxx``, empty) says nothing, where it was a "decrypted
copy" before."""

from __future__ import annotations

import json

from tests.support.git import Sandbox, seal_file

SEALED = "config/prod.enc.yaml"
PASSWORD = "Zq9x" + "Lm3kP2w"
TOKEN = "t7k2" + "Hq9wLx"
REAL = {  # the decrypted file copied to the template: every key path, real values
    ".env.example": f"DB_PASSWORD={PASSWORD}\nDB_USER=app\nAPI_TOKEN={TOKEN}\n",
    "deploy/config.json.example": json.dumps({"db": {"password": PASSWORD, "user": "app"}, "api": {"token": TOKEN}}),
    "charts/values.sample.yaml": f"db:\n  password: {PASSWORD}\n  user: app\napi:\n  token: {TOKEN}\n",
}
STAND_INS = {  # what a template is
    "app/.env.example": "DB_PASSWORD=<REQUIRED>\nDB_USER=changeme\nAPI_TOKEN=\n",
    "values.example.yaml": "db:\n  password: changeme\n  user: ''\napi:\n  token: xxxxxxxx\n",
    "config.dist.json": '{"db": {"password": "<password>", "user": "your_password"}, "api": {"token": "${TOKEN}"}}',
}
MIXED = {"ops/values.template.yaml": f"db:\n  password: {PASSWORD}\n  user: <user>\napi:\n  token: ''\n"}
COPY = "holds every key path of config/prod.enc.yaml in plaintext"


def _commit_all(sandbox: Sandbox) -> None:
    seal_file(sandbox, SEALED, f"db:\n  password: {PASSWORD}\n  user: app\napi:\n  token: {TOKEN}\n")
    sandbox.commit("base")
    for name, text in {**REAL, **STAND_INS, **MIXED}.items():
        (sandbox.repo / name).parent.mkdir(parents=True, exist_ok=True)
        (sandbox.repo / name).write_text(text)
    sandbox.git("add", "-f", *REAL, *STAND_INS, *MIXED)


def test_review_and_check_fail_an_example_file_of_real_values_and_pass_one_of_stand_ins(sandbox: Sandbox) -> None:
    _commit_all(sandbox)
    checked = sandbox.sealfile("check", *REAL, *STAND_INS, *MIXED, check=False, env=sandbox.keyless_env())
    sandbox.git("commit", "-q", "-m", "templates")
    status, reviewed = sandbox.review_last()
    assert status != 0 and checked.returncode == 3
    for name in REAL:
        assert f"{name}: {COPY}" in reviewed, (name, reviewed)
        assert f"sealfile: error: {name}: {COPY}" in checked.stderr, (name, checked.stderr)
    assert "put them back, remove its values from the history and rotate them" in reviewed
    assert "put them back before committing" in checked.stderr
    for name in STAND_INS:
        assert name not in reviewed and name not in checked.stderr, name
    # not every value real: no copy, but the real password is named as any secret's name in plaintext is
    mixed = "ops/values.template.yaml: db.password: named like a secret, in plaintext"
    assert mixed in reviewed and f"warning: {mixed}" in checked.stderr
    assert "ops/values.template.yaml: api.token" not in reviewed + checked.stderr
    for secret in (PASSWORD, TOKEN):
        assert secret not in reviewed and secret not in checked.stderr + checked.stdout
