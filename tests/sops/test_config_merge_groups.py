"""A ``.sops.yaml`` key group's ``merge:`` (SOPS 3.9+) adds the keys of the groups it lists to that group, at
any depth: the converted ``.sealfile.yaml`` gives a file the recipients, in the groups, that the real ``sops``
gives the file it encrypts under the same rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from sealfile.ops.config import read_config
from tests.sops.conftest import AgeIdentity, make_identity, run_sops, sealfile_cli


def _config(ids: list[AgeIdentity]) -> str:
    return f"""\
creation_rules:
  - path_regex: ^m/
    shamir_threshold: 2
    key_groups:
      - age: [{ids[0].recipient}]
        merge:
          - age: [{ids[1].recipient}]
            merge:
              - age: [{ids[2].recipient}, {ids[0].recipient}]
      - merge:
          - age: [{ids[3].recipient}]
"""


def _sops_groups(path: Path) -> list[set[str]]:
    from ruamel.yaml import YAML

    meta = YAML(typ="safe").load(path.read_text())["sops"]
    return [{entry["recipient"] for entry in group["age"]} for group in meta["key_groups"]]


def test_merged_key_groups_give_the_recipients_sops_gives(tmp_path: Path) -> None:
    ids = [make_identity(tmp_path / f"id{n}") for n in range(4)]
    (tmp_path / ".sops.yaml").write_text(_config(ids))
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "plain.yaml").write_text("a: 1\n")
    done = run_sops(["encrypt", "m/plain.yaml"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (tmp_path / "m" / "sops.yaml").write_text(done.stdout)
    expected = _sops_groups(tmp_path / "m" / "sops.yaml")
    assert expected == [{ids[0].recipient, ids[1].recipient, ids[2].recipient}, {ids[3].recipient}]

    done = sealfile_cli("import-sops", str(tmp_path / ".sops.yaml"), "-o", str(tmp_path / ".sealfile.yaml"))
    assert done.returncode == 0, done.stderr
    groups = read_config(tmp_path / ".sealfile.yaml").creation_rules[0].recipients
    assert groups is not None and groups.threshold == 2
    assert [{key.key_id for key in group} for group in groups.groups] == expected


@pytest.mark.parametrize("merge", ["{}", "x", "[1]"])
def test_a_merge_that_is_no_list_of_groups_is_refused_in_one_line(merge: str, sops_identity: AgeIdentity,
                                                                  tmp_path: Path) -> None:
    config = tmp_path / ".sops.yaml"
    config.write_text(f"creation_rules:\n  - key_groups:\n      - age: [{sops_identity.recipient}]\n"
                      f"        merge: {merge}\n")
    done = sealfile_cli("import-sops", str(config), "-o", str(tmp_path / ".sealfile.yaml"))
    assert done.returncode == 1 and not (tmp_path / ".sealfile.yaml").exists()
    assert len(done.stderr.splitlines()) == 1 and "merge" in done.stderr
