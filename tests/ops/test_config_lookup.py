"""Where ``.sealfile.yaml`` is looked up: the file's directory and up, but never above the
repository root or the user's home, and never from a place another user owns. A config found
elsewhere could add its own recipients to every new file (or trust its own hosts)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sealfile.errors import ConfigError
from sealfile.kms.age import generate_identity
from sealfile.ops.config import load_config
from sealfile.ops.config_files import CONFIG_NAME, config_paths_above, find_config
from tests.support.cli import cli_env

as_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                             reason="making a directory another user owns needs root")
OTHER_UID = 54321


def _rule(recipient: str) -> str:
    return f"creation_rules:\n  - age: {recipient}\n"


def test_a_config_above_the_repository_root_is_not_used(tmp_path: Path) -> None:
    _, attacker = generate_identity()
    (tmp_path / CONFIG_NAME).write_text(_rule(attacker))
    repo = tmp_path / "work" / "repo"
    (repo / "app").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    assert find_config(repo / "app" / "secrets.enc.yaml") is None
    (repo / "app" / "plain.yaml").write_text("password: p-1\n")
    done = subprocess.run([sys.executable, "-m", "sealfile", "encrypt", "app/plain.yaml"], cwd=repo,
                          env=cli_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "add a creation rule" in done.stderr  # not sealed for the attacker
    (repo / CONFIG_NAME).write_text(_rule(generate_identity()[1]))
    assert find_config(repo / "app" / "secrets.enc.yaml") == repo / CONFIG_NAME


def test_outside_a_repository_the_walk_ends_at_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    (home / "proj").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    (tmp_path / CONFIG_NAME).write_text(_rule(generate_identity()[1]))
    assert load_config(home / "proj" / "a.enc.yaml").path is None
    (home / CONFIG_NAME).write_text(_rule(generate_identity()[1]))
    assert load_config(home / "proj" / "a.enc.yaml").path == home / CONFIG_NAME


@as_root
def test_a_config_in_another_users_directory_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    (shared / "proj").mkdir(parents=True)
    (shared / CONFIG_NAME).write_text(_rule(generate_identity()[1]))
    os.chown(shared, OTHER_UID, OTHER_UID)
    with pytest.raises(ConfigError, match=rf"{CONFIG_NAME}: not used: its directory belongs to another user "
                                          rf"\(uid {OTHER_UID}\)"):
        load_config(shared / "proj" / "a.enc.yaml")


@as_root
def test_a_config_file_another_user_owns_is_refused(tmp_path: Path) -> None:
    (tmp_path / CONFIG_NAME).write_text(_rule(generate_identity()[1]))
    os.chown(tmp_path / CONFIG_NAME, OTHER_UID, OTHER_UID)
    with pytest.raises(ConfigError, match=r"not used: it belongs to another user"):
        find_config(tmp_path / "a.enc.yaml")


@as_root
def test_the_walk_stops_at_a_directory_another_user_owns(tmp_path: Path) -> None:
    """Above a directory someone else controls, nothing is the user's project any more."""
    (tmp_path / CONFIG_NAME).write_text(_rule(generate_identity()[1]))
    theirs = tmp_path / "theirs"
    (theirs / "mine").mkdir(parents=True)
    os.chown(theirs, OTHER_UID, OTHER_UID)
    assert find_config(theirs / "mine" / "a.enc.yaml") is None


def test_a_file_in_a_directory_that_does_not_exist_yet_is_governed_by_the_config_above(tmp_path: Path) -> None:
    """A merge can name a file in a directory the checkout does not have yet; 'edit' and '-o' create files."""
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / CONFIG_NAME).write_text(_rule(generate_identity()[1]))
    assert find_config(repo / "new dir" / "deeper" / "secrets.enc.yaml") == repo / CONFIG_NAME


@pytest.mark.parametrize("target", ["/nonexistent/team.yaml", "/dev/null", "."])
def test_a_config_that_is_not_a_regular_file_is_an_error_not_skipped(target: str, tmp_path: Path) -> None:
    """Skipped, it would drop the signers it names (and the walk would go on to a config above)."""
    (tmp_path / ".git").mkdir()
    (tmp_path / CONFIG_NAME).write_text(_rule(generate_identity()[1]))
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / CONFIG_NAME).symlink_to(target)
    with pytest.raises(ConfigError, match=rf"app/{CONFIG_NAME}: cannot be read: not a regular file"):
        find_config(tmp_path / "app" / "secrets.enc.yaml")


def test_the_configs_that_govern_a_file_are_bounded_together(tmp_path: Path) -> None:
    """Every reader reads every config between a file and the top (their signers add up): one config
    of nearly the limit in each directory of a deep tree would multiply every reader's work."""
    from sealfile.ops.config import MAX_CONFIG_CHARS
    from sealfile.ops.signatures import for_file

    (tmp_path / ".git").mkdir()
    third = "# " + "x" * (MAX_CONFIG_CHARS // 3) + "\n" + _rule(generate_identity()[1])
    deep = tmp_path
    for name in ("a", "b", "c"):
        deep = deep / name
        deep.mkdir()
        (deep / CONFIG_NAME).write_text(third)
    assert for_file(tmp_path / "a" / "b" / "secrets.enc.yaml").signers is None  # two: within the bound
    with pytest.raises(ConfigError) as refused:
        for_file(deep / "secrets.enc.yaml")
    assert str(refused.value) == (f"{tmp_path / 'a' / CONFIG_NAME}: with the 2 .sealfile.yaml file(s) below it, "
                                  "longer than 256 Ki characters: every reader of the files they govern reads them "
                                  "all")


def test_aliases_cannot_multiply_the_work_of_reading_a_config(tmp_path: Path) -> None:
    """A rule of 64 recipients aliased 60,000 times in 256 Ki characters: every reader of the files the
    config governs parsed four million keys (26 s for one 'decrypt', each file of 'load_secrets'). Anchors
    sharing a list of keys between rules, as teams write them, still read."""
    from sealfile.ops.config import MAX_CONFIG_CHARS

    (tmp_path / ".git").mkdir()
    recipients = [generate_identity()[1] for _ in range(20)]
    team = f"&team [{', '.join(recipients)}]"
    rules = "".join(f"  - path_regex: app{i}/\n    age: *team\n" for i in range(200))
    (tmp_path / CONFIG_NAME).write_text(f"creation_rules:\n  - path_regex: first/\n    age: {team}\n{rules}")
    assert len(load_config(tmp_path / "app7" / "x.enc.yaml").creation_rules) == 201
    rule = f"&r {{path_regex: zzz, age: [{', '.join(recipients[:1] * 64)}]}}"
    bomb = f"creation_rules: [{rule}" + ", *r" * ((MAX_CONFIG_CHARS - len(rule) - 100) // 4) + "]\n"
    (tmp_path / CONFIG_NAME).write_text(bomb)
    with pytest.raises(ConfigError, match="YAML aliases here would expand"):
        load_config(tmp_path / "x.enc.yaml")


@pytest.mark.parametrize(("path", "expected"), [
    ("f.yaml", [CONFIG_NAME]),
    ("a/b/f.yaml", [f"a/b/{CONFIG_NAME}", f"a/{CONFIG_NAME}", CONFIG_NAME]),
    (f"a/{CONFIG_NAME}", [f"a/{CONFIG_NAME}", CONFIG_NAME]),
])
def test_config_paths_in_a_revision_nearest_first(path: str, expected: list[str]) -> None:
    """The one walk of a revision's configs (review's signature policy, its signer checks, the merge driver's
    sparse-checkout guard): the same list, nearest first."""
    assert config_paths_above(path) == expected
