"""Several files read as one: merged in order, a later file wins, each override named (never a value)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import sealfile
from sealfile.errors import FormatError
from sealfile.ops.seal import seal_text
from sealfile.runtime.merge import Override, merge_trees
from tests.support.cli import run_cli
from tests.support.identities import AgeIdentity

BASE = "db:\n  user: app\n  password: base-secret\n  hosts: [a, b]\nregion: eu\n"
PROD = "db:\n  password: prod-secret\n  hosts: [a, b]\nextra: 1\n"


def test_later_files_win_and_mappings_merge_key_by_key() -> None:
    merged, overrides = merge_trees([("base", {"db": {"user": "app", "pw": "1"}, "x": [1]}),
                                     ("prod", {"db": {"pw": "2"}, "x": [1], "y": True})])
    assert merged == {"db": {"user": "app", "pw": "2"}, "x": [1], "y": True}
    assert list(merged) == ["db", "x", "y"]
    assert overrides == [Override("db.pw", "base", "prod")]


def test_a_value_replacing_a_mapping_names_the_file_that_set_it() -> None:
    merged, overrides = merge_trees([("a", {"k": {"inner": 1}}), ("b", {"k": {"inner": 1}}), ("c", {"k": "flat"})])
    assert merged == {"k": "flat"}
    assert overrides == [Override("k", "b", "c")]


def test_same_value_is_no_override_but_a_different_type_is() -> None:
    _, overrides = merge_trees([("a", {"n": 1, "m": "x"}), ("b", {"n": True, "m": "x"})])
    assert overrides == [Override("n", "a", "b")]


@pytest.mark.parametrize(("earlier", "later", "spelled"), [(1, True, "[true]"), (False, 0, "[0]"), (True, 1, "[1]")])
def test_keys_one_to_python_but_two_to_yaml_are_refused(earlier: object, later: object, spelled: str) -> None:
    # keeping the earlier key would give the later file's value another key path (and exec another name)
    with pytest.raises(FormatError, match="same Python key") as caught:
        merge_trees([("a", {"k": {earlier: "x"}}), ("b", {"k": {later: "y"}})])
    assert (caught.value.file, caught.value.keypath) == ("b", f'["k"]{spelled}')


def test_merging_leaves_the_inputs_unchanged() -> None:
    first = {"db": {"pw": "1"}}
    merge_trees([("a", first), ("b", {"db": {"pw": "2"}})])
    assert first == {"db": {"pw": "1"}}


def test_a_top_level_that_is_not_a_mapping_cannot_be_merged() -> None:
    with pytest.raises(FormatError, match="mapping") as caught:
        merge_trees([("a", {"k": 1}), ("b", ["x"])])
    assert caught.value.file == "b"


@pytest.fixture
def files(age_identity: AgeIdentity, tmp_path: Path) -> tuple[Path, Path]:
    base, prod = tmp_path / "base.enc.yaml", tmp_path / "prod.enc.yaml"
    base.write_text(seal_text(BASE, [age_identity.key]))
    prod.write_text(seal_text(PROD, [age_identity.key]))
    return base, prod


def test_load_secrets_takes_several_files(files: tuple[Path, Path]) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = sealfile.load_secrets(list(files), redacted=False)
        password = sealfile.load_secrets(list(files), extract="db.password")
    assert data == {"db": {"user": "app", "password": "prod-secret", "hosts": ["a", "b"]}, "region": "eu", "extra": 1}
    assert password == "prod-secret"
    messages = [str(w.message) for w in caught if issubclass(w.category, sealfile.OverriddenSecretWarning)]
    assert messages == [f"db.password: set in {files[0]} and in {files[1]}; the value from {files[1]} is used"] * 2


def test_load_secrets_refuses_keys_two_files_spell_differently(age_identity: AgeIdentity, tmp_path: Path) -> None:
    one, true = tmp_path / "one.enc.yaml", tmp_path / "true.enc.yaml"
    one.write_text(seal_text("flags:\n  1: first\n", [age_identity.key]))
    true.write_text(seal_text("flags:\n  true: second\n", [age_identity.key]))
    with pytest.raises(FormatError, match="same Python key") as caught:
        sealfile.load_secrets([one, true])
    assert str(caught.value).startswith(f'{true}: ["flags"][true]: ')
    assert "first" not in str(caught.value) and "second" not in str(caught.value)
    result = run_cli("exec", one, true, "--", "true")
    assert result.returncode != 0 and "same Python key" in result.stderr


def test_one_bad_file_fails_the_whole_load_naming_it(files: tuple[Path, Path], tmp_path: Path) -> None:
    missing = tmp_path / "missing.enc.yaml"
    with pytest.raises(sealfile.SealfileError) as caught:
        sealfile.load_secrets([files[0], missing])
    assert str(missing) in str(caught.value)


def test_cli_decrypt_merges_and_names_overrides(files: tuple[Path, Path]) -> None:
    result = run_cli("decrypt", *files)
    assert result.returncode == 0, result.stderr
    assert "password: prod-secret" in result.stdout and "base-secret" not in result.stdout
    assert result.stderr == (f"sealfile: warning: db.password: set in {files[0]} and in {files[1]}; "
                             f"the value from {files[1]} is used\n")
    dotenv = run_cli("decrypt", "--output-type", "dotenv", "--extract", "db", *files)
    assert dotenv.stdout == "USER='app'\nPASSWORD='prod-secret'\nHOSTS_0='a'\nHOSTS_1='b'\n"


def test_cli_decrypt_of_several_files_refuses_sops_only_output(files: tuple[Path, Path]) -> None:
    result = run_cli("decrypt", "--output-type", "binary", *files)
    assert result.returncode == 2
    assert "takes one FILE" in result.stderr


def test_cli_exec_merges_files_before_the_separator(files: tuple[Path, Path]) -> None:
    result = run_cli("exec", *files, "--", "sh", "-c", 'echo "$DB_PASSWORD $REGION $EXTRA"')
    assert result.returncode == 0, result.stderr
    assert result.stdout == "prod-secret eu 1\n"
    assert "db.password" in result.stderr and "prod-secret" not in result.stderr


def test_cli_exec_with_one_file_keeps_its_command_line(files: tuple[Path, Path]) -> None:
    result = run_cli("exec", files[0], "sh", "-c", 'echo "$DB_PASSWORD"')
    assert result.stdout == "base-secret\n", result.stderr


def test_a_warning_to_the_application_commands_no_ci_runner(age_identity: AgeIdentity, tmp_path: Path) -> None:
    """An application's warnings reach its CI log: Azure's agent acts on '##vso[' anywhere in a line."""
    files = [tmp_path / "a.enc.yaml", tmp_path / "b.enc.yaml"]
    for n, file in enumerate(files):
        file.write_text(seal_text(f'"##vso[task.prependpath]/tmp/x": v{n}\n', [age_identity.key]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sealfile.load_secrets(files)
    assert [str(w.message).split(":")[0] for w in caught] == ['["#\\x23vso[task.prependpath]/tmp/x"]']
