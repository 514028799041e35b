"""A provider installed from a separate package (tests/plugins/demo_provider) works like a built-in:
through ``--recipient KIND:VALUE`` and in ``.sealfile.yaml``, found by its ``sealfile.providers`` entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity

PLUGIN = Path(__file__).resolve().parents[1] / "plugins" / "demo_provider"
PLAINTEXT = "database:\n  password: plugin-secret-77\n"


@pytest.fixture(scope="session")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The demo provider installed by pip into a directory of its own (as a user would install a plug-in)."""
    site = tmp_path_factory.mktemp("plugin-site")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
                           str(PLUGIN)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert list(site.glob("sealfile_demo_provider-*.dist-info/entry_points.txt"))
    yield site


@pytest.fixture
def plugin_env(plugin_site: Path) -> dict[str, str]:
    return {"PYTHONPATH": os.pathsep.join([str(plugin_site), os.environ.get("PYTHONPATH", "")]),
            "SEALFILE_DEMO_KEY_TEAM": "11" * 32}


def test_a_plugin_seals_and_opens_through_the_generic_flag(tmp_path: Path, run_cli: RunCli,
                                                          plugin_env: dict[str, str]) -> None:
    (tmp_path / "plain.yaml").write_text(PLAINTEXT)
    sealed = tmp_path / "s.enc.yaml"
    done = run_cli("encrypt", "--recipient", "demo:team", tmp_path / "plain.yaml", "-o", sealed, env=plugin_env)
    assert done.returncode == 0, done.stderr
    assert "type: demo" in sealed.read_text() and "plugin-secret-77" not in sealed.read_text()
    assert run_cli("decrypt", sealed, env=plugin_env).stdout == PLAINTEXT
    assert "  - demo: team" in run_cli("status", sealed, env=plugin_env).stdout
    without_key = {**plugin_env, "SEALFILE_DEMO_KEY_TEAM": ""}
    failed = run_cli("decrypt", sealed, env=without_key)
    assert failed.returncode == 1 and "demo team: $SEALFILE_DEMO_KEY_TEAM holds no 32-byte hex key" in failed.stderr


def test_a_plugin_kind_in_creation_rules(tmp_path: Path, run_cli: RunCli, plugin_env: dict[str, str],
                                         age_identity: AgeIdentity) -> None:
    (tmp_path / ".sealfile.yaml").write_text(
        f"creation_rules:\n  - path_regex: \\.enc\\.yaml$\n    demo: [team]\n    age: {age_identity.recipient}\n")
    (tmp_path / "app.yaml").write_text(PLAINTEXT)
    done = run_cli("encrypt", "app.yaml", "-o", "app.enc.yaml", env=plugin_env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    status = run_cli("status", tmp_path / "app.enc.yaml", env=plugin_env).stdout
    assert "  - demo: team" in status and f"  - age: {age_identity.recipient}" in status
    no_age = {**plugin_env, "SEALFILE_AGE_KEY_FILE": str(tmp_path / "none.txt")}
    assert run_cli("decrypt", tmp_path / "app.enc.yaml", env=no_age).stdout == PLAINTEXT


def test_every_built_in_kind_answers_the_generic_flag_too(tmp_path: Path, run_cli: RunCli,
                                                         age_identity: AgeIdentity) -> None:
    (tmp_path / "plain.yaml").write_text(PLAINTEXT)
    done = run_cli("encrypt", "--recipient", f"age:{age_identity.recipient}", tmp_path / "plain.yaml")
    assert done.returncode == 0, done.stderr
    assert f"recipient: {age_identity.recipient}" in done.stdout


def test_an_unknown_kind_names_the_installed_ones(tmp_path: Path, run_cli: RunCli, plugin_env: dict[str, str]) -> None:
    (tmp_path / "plain.yaml").write_text(PLAINTEXT)
    done = run_cli("encrypt", "--recipient", "nope:x", tmp_path / "plain.yaml", env=plugin_env)
    assert done.returncode == 2
    assert "unknown recipient type 'nope'" in done.stderr and "demo" in done.stderr and "age" in done.stderr


def test_the_members_and_unwrap_order_providers_md_gives_are_the_base_class_and_kinds() -> None:
    """docs/providers.md is what a plug-in author writes against: each member its table names is the base
    class's, and each kind's unwrap order (``age 10``) is that kind's ``cost``."""
    import re

    from sealfile.kms.base import MasterKey
    from sealfile.kms.registry import BUILTIN, provider_class

    page = (Path(__file__).resolve().parents[2] / "docs" / "providers.md").read_text(encoding="utf-8")
    members = re.findall(r"^\| `(\w+)", page, re.MULTILINE)
    assert len(members) >= 10
    assert [m for m in members if not hasattr(MasterKey, m) and m not in MasterKey.__annotations__] == []
    costs = {kind: int(cost) for kind, cost in re.findall(r"\b(age|ssh|keyring|pgp) (\d+)", page)}
    assert costs == {kind: provider_class(kind).cost for kind in costs} and len(costs) == 4
    assert "network calls (50)" in page and {provider_class(k).cost for k in BUILTIN if k not in costs} == {50}
