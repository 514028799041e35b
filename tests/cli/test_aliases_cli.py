"""Real files with YAML anchors, aliases and merge keys (a Rails ``database.yml``, a Compose file,
a CI file, a Kubernetes stream) through the real CLI: sealed, decrypted byte for byte, read as
ruamel's safe loader reads the plaintext, and through every writer. Outputs other tools read
(JSON, dotenv, k8s-secret, ``exec``, ``--extract``, SOPS) are the expanded data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml as pyyaml
from ruamel.yaml import YAML

from tests.support.alias_texts import RAILS
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity, write_identity
from tests.support.sops_binary import run_sops

COMPOSE = """\
x-env: &env
  POSTGRES_USER: app
  POSTGRES_PASSWORD: compose-secret
x-common: &common
  restart: always
  environment: *env

services:
  db:
    <<: *common
    image: postgres:16
  web:
    <<: *common
    image: "web:1"
    environment:
      <<: *env
      EXTRA: "1"
"""

CI = """\
.defaults: &defaults
  image: python:3.12
  variables:
    API_TOKEN: ci-token-secret
  before_script:
    - pip install -r requirements.txt

test:
  <<: *defaults
  script: [pytest]

deploy:
  <<: *defaults
  script:
    - ./deploy.sh
  only: &branches [main]
  except: *branches
"""

K8S = """\
apiVersion: v1
kind: Secret
metadata:
  name: a
stringData: &creds
  username: admin
  password: k8s-secret
---
apiVersion: v1
kind: Secret
metadata:
  name: b
x-password: &pw k8s-other-secret
stringData:
  password: *pw
  copy: [*pw]
"""

FILES = {"rails": RAILS, "compose": COMPOSE, "ci": CI, "k8s": K8S}


def _safe(text: str) -> Any:
    documents = list(YAML(typ="safe").load_all(text))
    return documents[0] if len(documents) == 1 else documents


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def other(tmp_path: Path) -> AgeIdentity:
    return write_identity(tmp_path / "other" / "keys.txt")


def _sealed(run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path, name: str) -> Path:
    plain = tmp_path / f"{name}.yaml"
    plain.write_text(FILES[name])
    sealed = tmp_path / f"{name}.enc.yaml"
    sealed.write_text(_ok(run_cli("encrypt", "--age", age_identity.recipient, plain)))
    return sealed


@pytest.mark.parametrize("name", list(FILES))
def test_sealed_decrypted_byte_for_byte_and_read_as_the_safe_loader_reads_it(
        run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path, name: str) -> None:
    sealed = _sealed(run_cli, age_identity, tmp_path, name)
    text = sealed.read_text()
    for secret in ("secret",):
        assert secret not in text.partition("sealfile:")[0]
    assert text.count("*") == FILES[name].count("*")
    assert _ok(run_cli("decrypt", sealed)) == FILES[name]
    assert json.loads(_ok(run_cli("decrypt", "--output-type", "json", sealed))) == _safe(FILES[name])
    # what other YAML readers make of the decrypted text: the same data
    assert list(pyyaml.safe_load_all(_ok(run_cli("decrypt", sealed)))) == list(pyyaml.safe_load_all(FILES[name]))


@pytest.mark.parametrize("name", list(FILES))
def test_rotate_and_recipient_changes_keep_the_text(run_cli: RunCli, age_identity: AgeIdentity,
                                                    other: AgeIdentity, tmp_path: Path, name: str) -> None:
    sealed = _sealed(run_cli, age_identity, tmp_path, name)
    for args in (["rotate", sealed], ["recipients", "add", sealed, "--age", other.recipient],
                 ["recipients", "remove", sealed, "--age", other.recipient]):
        _ok(run_cli(*args))
        assert _ok(run_cli("decrypt", sealed)) == FILES[name]
    (tmp_path / ".sealfile.yaml").write_text(f"creation_rules:\n  - age: {other.recipient}\n")
    _ok(run_cli("updatekeys", "-y", sealed))
    assert _ok(run_cli("decrypt", sealed, env={"SEALFILE_AGE_KEY_FILE": str(other.path)})) == FILES[name]


SETS = [  # (file, key path, value, the plaintext expected after it)
    ("rails", "default.password", "new-secret", RAILS.replace("rails-default-secret", "new-secret")),
    ("rails", "development.password", "dev-secret", RAILS.replace("  database: app_dev\n",
                                                                  "  database: app_dev\n  password: dev-secret\n")),
    ("rails", "production.password", "p2", RAILS.replace("rails-prod-secret", "p2")),
    ("compose", "x-env.POSTGRES_PASSWORD", "c2", COMPOSE.replace("compose-secret", "c2")),
    ("compose", "services.db.image", "postgres:17", COMPOSE.replace("postgres:16", "postgres:17")),
    ("compose", "x-env.NEW", "v", COMPOSE.replace("compose-secret\n", "compose-secret\n  NEW: v\n")),  # aliased, merged
    ("ci", '[".defaults"].variables.API_TOKEN', "t2", CI.replace("ci-token-secret", "t2")),
    ("k8s", "1.x-password", "k2", K8S.replace("k8s-other-secret", "k2")),
]


@pytest.mark.parametrize(("name", "keypath", "value", "expected"), SETS)
def test_set_at_anchored_and_merged_paths(run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path, name: str,
                                          keypath: str, value: str, expected: str) -> None:
    """At an anchored path the value changes wherever it is aliased; at a merged one the key is
    written into the merging mapping, replacing the merged value as YAML does."""
    sealed = _sealed(run_cli, age_identity, tmp_path, name)
    _ok(run_cli("set", sealed, keypath, value))
    assert _ok(run_cli("decrypt", sealed)) == expected
    assert json.loads(_ok(run_cli("decrypt", "--output-type", "json", sealed))) == _safe(expected)


UNSETS = [  # (file, key path, the plaintext expected after it, or the refusal)
    ("rails", "production.password", RAILS.replace("  password: rails-prod-secret\n", "")),
    ("compose", "services.web.environment.EXTRA", COMPOSE.replace('      EXTRA: "1"\n', "")),
    ("rails", "development.adapter", "development.adapter is merged (<<) from default.adapter"),
    ("compose", "x-common.environment", COMPOSE.replace("  environment: *env\n", "", 1)),  # the alias itself
    ("compose", "x-env", "an alias at x-common.environment names the value at x-env"),
    ("ci", "deploy.except.0", "deploy.except is an alias of deploy.only"),
    ("ci", "deploy.only", "an alias at deploy.except names the value at deploy.only"),
    ("rails", "default", "a merge key (<<) at development names the mapping at default"),  # was 'please report it'
]


@pytest.mark.parametrize(("name", "keypath", "expected"), UNSETS)
def test_unset_at_written_paths_and_refused_where_an_alias_would_dangle(
        run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path, name: str, keypath: str, expected: str) -> None:
    sealed = _sealed(run_cli, age_identity, tmp_path, name)
    before = sealed.read_bytes()
    done = run_cli("unset", sealed, keypath)
    if "\n" in expected:
        _ok(done)
        assert _ok(run_cli("decrypt", sealed)) == expected
        return
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1
    assert expected in done.stderr
    assert sealed.read_bytes() == before


NESTED = "top:\n  inner: &inner\n    k: nested-secret\nuse: *inner\n"
REPLACES = [  # (plaintext, key path, value and options, the plaintext expected after it, or the refusal)
    (RAILS, "default", ["5", "--replace"], "a merge key (<<) at development names the mapping at default: it must "
     "stay a mapping"),  # was an internal error: the merge was rebuilt from a string
    (RAILS, "default", ["[1]", "--type", "yaml", "--replace"], "a merge key (<<) at development names the mapping"),
    (RAILS, "development", ["gone", "--replace"], RAILS.replace("  <<: *default\n  database: app_dev\n", "")
     .replace("development:\n", "development: gone\n")),  # was an internal error: the merging mapping is gone
    (COMPOSE, "x-common", ["gone", "--replace"], "a merge key (<<) at services.db names the mapping at x-common"),
    (NESTED, "top", ["gone", "--replace"], "an alias at use names the value at top.inner: remove or replace the "
     "alias first"),  # was 'please report it': the anchor went with the value
    (NESTED, "top.inner", ["gone", "--replace"], NESTED.replace("&inner\n    k: nested-secret", "&inner gone")),
]


@pytest.mark.parametrize(("text", "keypath", "args", "expected"), REPLACES,
                         ids=["merged-to-text", "merged-to-list", "merging", "merged-compose", "nested", "anchored"])
def test_a_value_replaced_over_what_an_alias_or_merge_names(run_cli: RunCli, age_identity: AgeIdentity,
                                                            tmp_path: Path, text: str, keypath: str, args: list[str],
                                                            expected: str) -> None:
    """Replaced where the result still reads (a merging mapping itself, an anchored value); refused in one line,
    every byte kept, where a merge would take a value that is not a mapping or an anchor an alias names would go."""
    plain, sealed = tmp_path / "plain.yaml", tmp_path / "s.enc.yaml"
    plain.write_text(text)
    sealed.write_text(_ok(run_cli("encrypt", "--age", age_identity.recipient, plain)))
    before = sealed.read_bytes()
    done = run_cli("set", sealed, keypath, *args)
    if "\n" in expected:
        _ok(done)
        assert _ok(run_cli("decrypt", sealed)) == expected
        assert json.loads(_ok(run_cli("decrypt", "--output-type", "json", sealed))) == _safe(expected)
        return
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1
    assert f"{sealed}: {keypath}: {expected}" in done.stderr
    assert sealed.read_bytes() == before


def test_set_inside_an_alias_is_refused_naming_the_anchor(run_cli: RunCli, age_identity: AgeIdentity,
                                                          tmp_path: Path) -> None:
    sealed = _sealed(run_cli, age_identity, tmp_path, "compose")
    before = sealed.read_bytes()
    done = run_cli("set", sealed, "x-common.environment.POSTGRES_USER", "x")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"sealfile: error: {sealed}: x-common.environment.POSTGRES_USER: the value at "
                                        "x-common.environment is an alias of x-env: change it there, or edit the file"]
    assert sealed.read_bytes() == before


def _edit(run_cli: RunCli, sealed: Path, script: str) -> subprocess.CompletedProcess[str]:
    program = sealed.parent / "editor.py"
    program.write_text(script)
    return run_cli("edit", sealed, env={"EDITOR": f"{sys.executable} {program}"})


@pytest.mark.parametrize("name", list(FILES))
def test_edit_keeps_the_anchors_and_takes_a_change(run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path,
                                                   name: str) -> None:
    sealed = _sealed(run_cli, age_identity, tmp_path, name)
    before = sealed.read_bytes()
    seen = tmp_path / "seen.yaml"
    _ok(_edit(run_cli, sealed, f"import shutil, sys; shutil.copy(sys.argv[1], {str(seen)!r})"))
    assert seen.read_text() == FILES[name] and sealed.read_bytes() == before
    # one change that adds an alias
    changed = FILES[name] + ("  extra: *pw\n" if name == "k8s" else
                             "extra: *" + FILES[name].split("&", 1)[1].split()[0] + "\n")
    _ok(_edit(run_cli, sealed, f"import sys\nopen(sys.argv[1], 'w').write({changed!r})\n"))
    assert _ok(run_cli("decrypt", sealed)) == changed


def test_outputs_other_tools_read_hold_the_expanded_data(run_cli: RunCli, age_identity: AgeIdentity,
                                                         tmp_path: Path) -> None:
    """The same outputs as for the same data written out without aliases."""
    sealed = _sealed(run_cli, age_identity, tmp_path, "rails")
    expanded = tmp_path / "expanded.yaml"
    expanded.write_text(json.dumps(_safe(RAILS), indent=2) + "\n")
    plain = tmp_path / "expanded.enc.yaml"
    plain.write_text(_ok(run_cli("encrypt", "--age", age_identity.recipient, expanded)))
    for args in (["--output-type", "dotenv"], ["--output-type", "k8s-secret", "--name", "db"],
                 ["--output-type", "json"], ["--extract", "production.password"]):
        assert _ok(run_cli("decrypt", *args, sealed)) == _ok(run_cli("decrypt", *args, plain)), args
    # a subtree through a merge: its data written out (its text would hold an alias to nothing)
    extracted = _ok(run_cli("decrypt", "--extract", "development", sealed))
    assert _safe(extracted) == _safe(RAILS)["development"] and "*" not in extracted
    program = "import os; print(os.environ[\"DEVELOPMENT_PASSWORD\"], os.environ[\"PRODUCTION_ADAPTER\"])"
    done = run_cli("exec", sealed, "--", sys.executable, "-c", program)
    assert _ok(done) == "rails-default-secret postgresql\n"


@pytest.mark.parametrize("plaintext", ["base: &b {a: 1}\ny:\n  a: 2\n  <<: *b\n",
                                       "base: &b {a: 1}\nc: &c {a: 3}\ny:\n  a: 2\n  <<: [*b, *c]\n"])
def test_a_subtree_whose_merge_gives_no_key_is_extracted_without_its_alias(
        run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path, plaintext: str) -> None:
    """A merge whose keys the mapping's own replace all copies nothing: --extract printed its
    ``<<: *b`` without the anchor, YAML no reader reads."""
    plain = tmp_path / "m.yaml"
    plain.write_text(plaintext)
    sealed = tmp_path / "m.enc.yaml"
    sealed.write_text(_ok(run_cli("encrypt", "--age", age_identity.recipient, plain)))
    extracted = _ok(run_cli("decrypt", "--extract", "y", sealed))
    assert _safe(extracted) == _safe(plaintext)["y"] and "*" not in extracted


def test_export_sops_writes_the_expanded_data_the_sops_binary_reads(run_cli: RunCli, age_identity: AgeIdentity,
                                                                     tmp_path: Path) -> None:
    sealed = _sealed(run_cli, age_identity, tmp_path, "compose")
    exported = tmp_path / "compose.sops.yaml"
    exported.write_text(_ok(run_cli("export-sops", sealed)))
    done = run_sops(["decrypt", "--output-type", "json", str(exported)],
                    env={**os.environ, "SOPS_AGE_KEY_FILE": str(age_identity.path)})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == _safe(COMPOSE)
    assert json.loads(_ok(run_cli("decrypt", "--output-type", "json", exported))) == _safe(COMPOSE)


def test_status_counts_each_written_value_once_and_diff_shows_a_re_pointed_alias(
        run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path) -> None:
    sealed = _sealed(run_cli, age_identity, tmp_path, "rails")
    assert "values: 8 (8 encrypted)" in _ok(run_cli("status", sealed))
    text = "dev_pw: &dev d-secret\nprod_pw: &prod p-secret\napp:\n  password: *prod\n"
    first, second = tmp_path / "one.yaml", tmp_path / "two.yaml"
    first.write_text(text)
    one = tmp_path / "one.enc.yaml"
    one.write_text(_ok(run_cli("encrypt", "--age", age_identity.recipient, first)))
    second.write_text(text.replace("*prod", "*dev"))
    two = tmp_path / "two.enc.yaml"
    two.write_text(_ok(run_cli("encrypt", "--age", age_identity.recipient, "--previous", one, second)))
    shown = _ok(run_cli("diff", one, two))
    assert "app.password" in shown and "secret" not in shown


def test_export_sops_refuses_a_value_sealed_only_for_its_alias_path(run_cli: RunCli, age_identity: AgeIdentity,
                                                                     tmp_path: Path) -> None:
    """``common.pw`` is sealed because ``db.password`` aliases it (§6); SOPS's rule goes by path and
    would have written it in plaintext at ``common.pw`` in the SOPS file."""
    plain = tmp_path / "p.yaml"
    plain.write_text("common: {user: app, pw: &pw alias-secret}\ndb: {password: *pw}\n")
    sealed = tmp_path / "p.enc.yaml"
    sealed.write_text(_ok(run_cli("encrypt", "--age", age_identity.recipient, "--encrypted-regex", "^password$",
                                  plain)))
    done = run_cli("export-sops", sealed)
    assert done.returncode == 1 and done.stdout == "" and "alias-secret" not in done.stderr
    assert done.stderr.splitlines() == [f"sealfile: error: {sealed}: common.pw: an alias or merge gives this value "
                                        "another path, where the rule encrypts it; in a SOPS file (its rule goes by "
                                        "path) it would stand here in plaintext: widen the rule"]
    # nor into another syntax, where each path holds a value of its own
    done = run_cli("encrypt", "--age", age_identity.recipient, "--encrypted-regex", "^password$", "--output-type",
                   "json", plain)
    assert done.returncode == 1 and done.stdout == "" and "alias-secret" not in done.stderr
    assert "common.pw: an alias or merge gives this value another path, where the rule encrypts it; in json" \
        in done.stderr


@pytest.mark.parametrize(("text", "keypath", "expected"), [
    ("q: &q two\na: &a [1, *q, 3]\nb: *a\n", "q", {"q": "v", "a": [1, "v", 3], "b": [1, "v", 3]}),
    ("e: &e {}\nl: [{<<: *e}, x]\n", "e.k", {"e": {"k": "v"}, "l": [{"k": "v"}, "x"]}),
])
def test_set_where_a_list_holds_aliases_or_merges(run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path,
                                                  text: str, keypath: str, expected: Any) -> None:
    """Every place of a list is listed, in order: ``set`` rebuilds the file's shape from them (to refuse
    replacing a list with one value), and failed with an internal error (IndexError) when ``b``'s items
    came as 0, 2, 1, or when an item merging only an empty mapping was not listed at all."""
    plain = tmp_path / "o.yaml"
    plain.write_text(text)
    sealed = tmp_path / "o.enc.yaml"
    sealed.write_text(_ok(run_cli("encrypt", "--age", age_identity.recipient, plain)))
    _ok(run_cli("set", sealed, keypath, "v"))
    assert json.loads(_ok(run_cli("decrypt", "--output-type", "json", sealed))) == expected
