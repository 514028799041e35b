"""Parts of a ``.sops.yaml`` creation rule that ``sops`` reads and then ignores: recipients named beside a
non-empty ``key_groups`` (SOPS uses the groups alone), an empty ``key_groups`` (the recipients beside it are
used), ``shamir_threshold: 0`` (every group) and a threshold for one group (nothing is split). ``import-sops``
of the config gives each file the recipients, groups and threshold the real ``sops`` gives it, where it used to
refuse the whole config, and names what it leaves out. Likewise an ``age`` or ``pgp`` list item holding several
keys separated by commas, which SOPS splits as it splits the text form (and a key group's ``age`` items)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sealfile.ops.config import read_config
from tests.sops.conftest import AgeIdentity, make_identity, run_sops, sealfile_cli

CASES = {
    "flat beside groups": "    age: {c}\n    key_groups:\n      - age: [{a}]\n      - age: [{b}]\n",
    "flat beside one group": "    age: [{c}, {b}]\n    key_groups:\n      - age: [{a}]\n",
    "empty groups": "    age: {a},{b}\n    key_groups: []\n",
    "threshold zero": "    shamir_threshold: 0\n    key_groups:\n      - age: [{a}]\n      - age: [{b}]\n",
    "threshold on flat": "    shamir_threshold: 2\n    age: [{a}, {b}]\n",
    "commas in list items": "    age: [\"{a},{b}\", \" {c} \"]\n",
    "commas in a group's items": "    key_groups:\n      - age: [\"{a}, {b}\"]\n      - age: [{c}]\n",
    "threshold on one group": "    shamir_threshold: 2\n    key_groups:\n      - age: [{a}, {b}]\n",
}
NOTED = {"flat beside groups": "creation_rules.0.age: beside key_groups",
         "flat beside one group": "creation_rules.0.age: beside key_groups",
         "threshold on flat": "creation_rules.0.shamir_threshold: one key group",
         "threshold on one group": "creation_rules.0.shamir_threshold: one key group"}


@pytest.fixture(scope="module")
def identities(tmp_path_factory: pytest.TempPathFactory) -> list[AgeIdentity]:
    work = tmp_path_factory.mktemp("ignored")
    return [make_identity(work / f"id{n}") for n in range(3)]


def _sops_choice(text: str) -> tuple[list[set[str]], int]:
    from ruamel.yaml import YAML

    meta = YAML(typ="safe").load(text)["sops"]
    groups = meta.get("key_groups") or [{"age": meta["age"]}]
    found = [{entry["recipient"] for entry in group["age"]} for group in groups]
    return found, meta.get("shamir_threshold") or len(found)


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_converted_rule_gives_the_recipients_sops_gives(case: str, identities: list[AgeIdentity],
                                                            tmp_path: Path) -> None:
    a, b, c = (identity.recipient for identity in identities)
    (tmp_path / ".sops.yaml").write_text("creation_rules:\n  - path_regex: ''\n" + CASES[case].format(a=a, b=b, c=c))
    (tmp_path / "plain.yaml").write_text("a: 1\n")
    done = run_sops(["encrypt", "plain.yaml"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    groups, threshold = _sops_choice(done.stdout)

    done = sealfile_cli("import-sops", str(tmp_path / ".sops.yaml"), "-o", str(tmp_path / ".sealfile.yaml"))
    assert done.returncode == 0, done.stderr
    assert (NOTED[case] in done.stderr) if case in NOTED else "left out" not in done.stderr, done.stderr
    ours = read_config(tmp_path / ".sealfile.yaml").creation_rules[0].recipients
    assert ours is not None
    assert [{key.key_id for key in group} for group in ours.groups] == groups
    if len(groups) > 1:  # one group holds the data key whole: no threshold applies, to either tool
        assert ours.threshold == threshold


def test_a_threshold_above_the_groups_is_still_refused_as_sops_refuses_it(identities: list[AgeIdentity],
                                                                         tmp_path: Path) -> None:
    a, b, _ = (identity.recipient for identity in identities)
    (tmp_path / ".sops.yaml").write_text(f"creation_rules:\n  - shamir_threshold: 3\n    key_groups:\n"
                                         f"      - age: [{a}]\n      - age: [{b}]\n")
    (tmp_path / "plain.yaml").write_text("a: 1\n")
    assert run_sops(["encrypt", "plain.yaml"], cwd=tmp_path).returncode != 0
    done = sealfile_cli("import-sops", str(tmp_path / ".sops.yaml"), "-o", str(tmp_path / ".sealfile.yaml"))
    assert done.returncode != 0 and done.stderr.count("\n") == 1 and "threshold" in done.stderr
    assert not (tmp_path / ".sealfile.yaml").exists()
