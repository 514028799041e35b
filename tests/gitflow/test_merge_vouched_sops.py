"""A team half on SOPS, without trusted signers: whoever can push converts the SOPS file on a branch (or seals it
afresh) for the SOPS file's recipients and one key of theirs. A merge, rebase or cherry-pick of that branch with
the victim's ``sops set`` must not seal the victim's new value for that key (gitflow/merge_keys.py): the sealed
side's recipients are compared with the SOPS versions', as a sealed version's are."""

from __future__ import annotations

from pathlib import Path

import pytest

from sealfile.errors import SealfileError
from sealfile.gitflow.merge import merge_texts
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.ops.import_sops import import_sops
from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_text
from tests.sops.conftest import make_identity
from tests.support.git import Sandbox

FILE = "config/app.enc.yaml"
PLAIN = "db:\n  user: admin\napi:\n  token: t1\n"


def _outsider(tmp_path: Path) -> tuple[AgeKey, dict[str, str]]:
    identity, recipient = generate_identity()
    (tmp_path / "outsider.txt").write_text(identity + "\n")
    (tmp_path / "outsider.txt").chmod(0o600)
    return AgeKey.from_cli(recipient), {"SEALFILE_AGE_KEY_FILE": str(tmp_path / "outsider.txt")}


def _converted_for(box: Sandbox, outsider: AgeKey, how: str) -> None:
    """The outsider's branch: the file converted with import-sops then given their key, or sealed afresh."""
    if how == "import":
        box.sealfile("import-sops", "-i", FILE)
        box.sealfile("recipients", "add", FILE, "--age", outsider.key_id)
    else:
        forged = seal_text("db:\n  user: dummy\napi:\n  token: t1\n", [AgeKey.from_cli(box.recipient), outsider])
        (box.repo / FILE).write_text(forged)


def _opened_by_outsider(box: Sandbox, env: dict[str, str]) -> list[str]:
    """What the outsider's identity opens of the work tree's file and of HEAD's."""
    texts = [(box.repo / FILE).read_text(), box.git("show", f"HEAD:{FILE}").stdout]
    opened = [box.sealfile("decrypt", "-", "--input-type", "yaml", check=False, env={**box.env, **env}, stdin=text)
              for text in texts]
    return [done.stdout for done in opened if done.returncode == 0]


@pytest.mark.parametrize("how", ["import", "afresh"])
@pytest.mark.parametrize("order", ["merge", "rebase", "cherry-pick"])
def test_a_branch_converted_for_an_outsider_does_not_give_them_the_sops_change(installed: Sandbox, tmp_path: Path,
                                                                             order: str, how: str) -> None:
    box = installed
    outsider, env = _outsider(tmp_path)
    (box.repo / "config").mkdir()
    (box.repo / FILE).write_text(PLAIN)
    box.sops("encrypt", "--age", box.recipient, "-i", FILE)
    box.commit("as sops wrote it")
    box.diverge(lambda: _converted_for(box, outsider, how),
                lambda: box.sops("set", FILE, '["api"]["token"]', '"NEW-TOKEN"'), branch="outsider")
    if order == "merge":
        done = box.git("merge", "--no-edit", "outsider", check=False)
    elif order == "rebase":
        done = box.git("rebase", "outsider", check=False)
    else:
        done = box.git("cherry-pick", "outsider", check=False)  # ours the victim's SOPS file
    assert not [text for text in _opened_by_outsider(box, env) if "NEW-TOKEN" in text], done.stdout + done.stderr
    assert "NEW-TOKEN" not in done.stderr + done.stdout


def test_a_conversion_that_loosens_the_sops_files_key_groups_is_refused(sandbox: Sandbox, tmp_path: Path) -> None:
    """The SOPS file asked for a key of each of two groups; the sealed side, for the same keys in one group, lets
    a holder of either open alone (no recipient added): the victim's change would be theirs."""
    second = make_identity(tmp_path / "second")
    keys = Path(sandbox.env["SEALFILE_AGE_KEY_FILE"])
    keys.write_text(keys.read_text() + second.key_file.read_text())
    (sandbox.repo / ".sops.yaml").write_text(
        f"creation_rules:\n  - shamir_threshold: 2\n    key_groups:\n      - age: [{sandbox.recipient}]\n"
        f"      - age: [{second.recipient}]\n")
    (sandbox.repo / "grouped.yaml").write_text(PLAIN)
    sandbox.sops("encrypt", "-i", "grouped.yaml")
    base = (sandbox.repo / "grouped.yaml").read_text()
    sandbox.sops("set", "grouped.yaml", '["api"]["token"]', '"NEW-TOKEN"')
    victim = (sandbox.repo / "grouped.yaml").read_text()
    loosened = seal_text(PLAIN, [AgeKey.from_cli(sandbox.recipient), AgeKey.from_cli(second.recipient)])
    for ours, theirs in ((victim, loosened), (loosened, victim)):
        with pytest.raises(SealfileError, match="lets fewer keys open the file than") as refused:
            merge_texts(base, ours, theirs)
        assert "NEW-TOKEN" not in str(refused.value)
    kept = import_sops(base).sealed  # a conversion keeping the groups still merges
    assert "NEW-TOKEN" in decrypt_text(merge_texts(base, victim, kept).text)
