"""``set`` below a key holding a null: the null becomes a mapping holding the new key, as a missing key would
(Helm values ship ``resources:`` empty above commented-out children); any other single value is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity

HELM = "image: nginx\nresources:\n  # limits:\n  #   cpu: 100m\nreplicas: 2\n"

# (file name, plaintext, key path, the plaintext after the set)
NULLS = [
    ("helm.yaml", HELM, "resources.limits.cpu",
     "image: nginx\nresources:\n  limits:\n    cpu: 100m\n  # limits:\n  #   cpu: 100m\nreplicas: 2\n"),
    ("tilde.yaml", "a: 1\nresources: ~\nb: 2\n", "resources.limits.cpu",
     "a: 1\nresources:\n  limits:\n    cpu: 100m\nb: 2\n"),
    ("word.yaml", "a: 1\nresources: null\n", "resources.limits.cpu", "a: 1\nresources:\n  limits:\n    cpu: 100m\n"),
    ("plain.yaml", "a: 1\nres_unencrypted:\n  # cpu: 1\nb: 2\n", "res_unencrypted.limits.cpu",
     "a: 1\nres_unencrypted:\n  limits:\n    cpu: 100m\n  # cpu: 1\nb: 2\n"),
    ("deep.yaml", "app:\n  chart:\n    resources:\n    # limits: {}\n  name: x\n", "app.chart.resources.limits.cpu",
     "app:\n  chart:\n    resources:\n      limits:\n        cpu: 100m\n    # limits: {}\n  name: x\n"),
    ("flow.yaml", "spec: {resources: ~, image: x}\n", "spec.resources.limits.cpu",
     "spec: {resources: {limits: {cpu: 100m}}, image: x}\n"),
    ("item.yaml", "pods:\n- ~\n- b\n", "pods[0].cpu", "pods:\n- cpu: 100m\n- b\n"),
    # an anchor an alias names stays on the new mapping (written in flow style after it), so the alias names it too
    ("anchor.yaml", "base: &b ~\nother: *b\n", "base.limits", "base: &b {limits: 100m}\nother: *b\n"),
    ("empty-anchor.yaml", "l:\n- &b\n- *b\n", "l[0].cpu", "l:\n- &b {cpu: 100m}\n- *b\n"),
    ("values.json", '{\n  "a": 1,\n  "resources": null\n}\n', "resources.limits.cpu",
     '{\n  "a": 1,\n  "resources": {\n    "limits": {\n      "cpu": "100m"\n    }\n  }\n}\n'),
]


def _sealed(run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path, name: str, plaintext: str) -> Path:
    path = tmp_path / name
    path.write_text(plaintext)
    done = run_cli("encrypt", "-i", "--age", age_identity.recipient, path)
    assert done.returncode == 0, done.stderr
    return path


@pytest.mark.parametrize(("name", "plaintext", "keypath", "after"), NULLS, ids=[case[0] for case in NULLS])
def test_set_below_a_null_makes_it_a_mapping(run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path,
                                             name: str, plaintext: str, keypath: str, after: str) -> None:
    """The null is sealed (known only once the data key opens it) or plaintext (an unencrypted key); the rest of
    the text stays byte for byte, the comments below the key where they were."""
    path = _sealed(run_cli, age_identity, tmp_path, name, plaintext)
    done = run_cli("set", path, keypath, "100m")
    assert done.returncode == 0, done.stderr
    shown = run_cli("decrypt", path)
    assert shown.returncode == 0 and shown.stdout == after
    extracted = run_cli("decrypt", path, "--extract", keypath)
    assert extracted.returncode == 0 and extracted.stdout == "100m"


def test_the_new_value_is_sealed_in_place(run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path) -> None:
    path = _sealed(run_cli, age_identity, tmp_path, "v.yaml", HELM)
    before = path.read_text().splitlines(keepends=True)
    assert run_cli("set", path, "resources.limits.cpu", "100m").returncode == 0
    lines = path.read_text().splitlines(keepends=True)
    assert before[1].startswith("resources: ENC[")  # the null, sealed: only the data key tells it is one
    assert lines[0] == before[0] and lines[1:3] == ["resources:\n", "  limits:\n"]
    assert lines[3].startswith("    cpu: ENC[") and lines[4:7] == before[2:5]  # the comments, replicas' token


def test_a_mapping_set_over_an_anchored_value_keeps_the_anchor(run_cli: RunCli, age_identity: AgeIdentity,
                                                               tmp_path: Path) -> None:
    """Written as a block, the mapping went without the anchor, and the alias named nothing (refused, unwritten)."""
    path = _sealed(run_cli, age_identity, tmp_path, "v.yaml", "base: &b 5\nother: *b\n")
    done = run_cli("set", path, "base", "--type", "yaml", "{x: 1}")
    assert done.returncode == 0, done.stderr
    assert run_cli("decrypt", path).stdout == "base: &b {x: 1}\nother: *b\n"


# (file name, plaintext, key path, the key holding a single value)
SINGLE_VALUES = [
    ("string.yaml", "a: 1\nresources: small\n", "resources.limits.cpu", "resources"),
    ("number.yaml", "a: 1\nresources: 5\n", "resources.limits.cpu", "resources"),
    ("empty.yaml", "a: 1\nresources: ''\n", "resources.limits.cpu", "resources"),
    ("null-text.yaml", "a: 1\nresources: 'null'\n", "resources.limits.cpu", "resources"),
    ("password.yaml", "db:\n  password: hunter2\n", "db.password.x", "db.password"),
    ("deep.yaml", "a:\n  b:\n    c: false\n", "a.b.c.d.e", "a.b.c"),
    ("plain.yaml", "a: 1\nres_unencrypted: 5\n", "res_unencrypted.limits", "res_unencrypted"),
    ("values.json", '{"a": 1, "resources": 0}\n', "resources.limits.cpu", "resources"),
]


@pytest.mark.parametrize(("name", "plaintext", "keypath", "where"), SINGLE_VALUES,
                         ids=[case[0] for case in SINGLE_VALUES])
def test_set_below_any_other_single_value_is_refused(run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path,
                                                     name: str, plaintext: str, keypath: str, where: str) -> None:
    """A value is never dropped to make room for a key: not a string, a number, an empty string, a password."""
    path = _sealed(run_cli, age_identity, tmp_path, name, plaintext)
    before = path.read_bytes()
    done = run_cli("set", path, keypath, "100m")
    assert done.returncode == 1 and path.read_bytes() == before
    assert done.stderr == (f"sealfile: error: {path}: {keypath}: the path goes through a value that is not a mapping "
                           f"or list ({where} holds a single value: to make it a mapping, first set {where} --type "
                           f"yaml '{{}}')\n")
    assert "hunter2" not in done.stderr


def test_a_plaintext_single_value_is_refused_before_any_key_is_used(run_cli: RunCli, age_identity: AgeIdentity,
                                                                    tmp_path: Path) -> None:
    """A value in plaintext is known without the data key: refused even with no identity at hand."""
    path = _sealed(run_cli, age_identity, tmp_path, "v.yaml", "a: 1\nres_unencrypted: 5\n")
    age_identity.path.unlink()
    done = run_cli("set", path, "res_unencrypted.limits", "1")
    assert done.returncode == 1 and "res_unencrypted holds a single value" in done.stderr
