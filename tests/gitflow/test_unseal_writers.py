"""Every writer refuses to write in plaintext a value its file held sealed, unless told to (``unseal``).

A file's rule is whoever sealed it last's: a file forged for the team's public keys under ``unencrypted_regex: .``,
or a branch that re-sealed a file so, made the library's ``set_value``, ``reseal_edited`` and ``seal_text`` and the
merge driver write ``db.password`` in plaintext where it was sealed, and ``git merge`` reported success. A fresh
value a rule leaves in plaintext is still written as the rule says (SOPS-style rules are chosen on purpose), and one
named like a secret is told (``plain``), by key path (``ops/plain_secrets.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from sealfile.errors import FormatError, SealfileError
from sealfile.gitflow.merge import merge_texts
from sealfile.kms.age import AgeKey
from sealfile.model.rules import EncryptionRules
from sealfile.ops import change
from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_plaintext, seal_text
from sealfile.ops.spliced import SplicedSealed
from sealfile.stores import get_store
from tests.support.git import Sandbox

LOOSE = EncryptionRules("unencrypted_regex", ".")
REFUSAL = ("sealed in this file, and the file's rule (unencrypted_regex: .) would write it in plaintext: nothing "
           "written; to mean it, add --unseal")
BASE = "db:\n  host: db.internal\n  password: hunter2\napi:\n  token: t0k3n\n"


@pytest.fixture
def key(sandbox: Sandbox) -> AgeKey:
    return AgeKey.from_cli(sandbox.recipient)


def _forged(plaintext: str, key: AgeKey) -> str:
    """A file sealed for the team's public key under the loose rule by someone else."""
    return seal_plaintext(plaintext, get_store("yaml"), [key], LOOSE)


def _refused(err: pytest.ExceptionInfo[SealfileError], keypath: str, refusal: str = REFUSAL) -> None:
    assert isinstance(err.value, FormatError) and err.value.keypath == keypath and refusal in err.value.message
    assert "hunter2" not in str(err.value)


def test_set_value_over_a_token_shaped_value_a_forged_rule_leaves_plain_is_refused(key: AgeKey) -> None:
    token = seal_text(BASE, [key]).split("password: ")[1].split("\n")[0]  # looks sealed, read as plaintext
    forged = _forged(f"db:\n  host: db.internal\n  password: {token}\n", key)
    with pytest.raises(SealfileError) as err:
        change.set_value(forged, "db.password", "hunter2")
    _refused(err, "db.password")
    told: list[str] = []
    assert "password: hunter2" in change.set_value(forged, "db.password", "hunter2", unseal=True, plain=told.append)
    assert told == ["db.password: named like a secret, written in plaintext as the file's rule "
                    "(unencrypted_regex: .) says"]


def test_a_fresh_value_a_rule_leaves_plain_is_written_and_told_by_key_path(key: AgeKey) -> None:
    told: list[str] = []
    sealed = change.seal_new(BASE, [key], EncryptionRules("encrypted_regex", "^api$"), plain=told.append)
    assert "password: hunter2" in sealed and "t0k3n" not in sealed
    assert told == ["db.password: named like a secret, written in plaintext as the file's rule "
                    "(encrypted_regex: ^api$) says"]  # db.host is not named like a secret
    again: list[str] = []  # a plaintext value the file held so already is not told again
    change.set_value(sealed, "db.host", "db2", plain=again.append)
    assert again == []


def test_seal_text_with_previous_under_a_loosened_rule_is_refused(key: AgeKey) -> None:
    sealed = seal_text(BASE, [key])
    with pytest.raises(SealfileError) as err:
        seal_text(BASE, [key], LOOSE, previous=sealed)
    _refused(err, "db.host")  # every value was sealed: the first named
    assert "password: hunter2" in seal_text(BASE, [key], LOOSE, previous=sealed, unseal=True)
    assert "password: hunter2" in seal_text(BASE, [key], LOOSE)  # fresh: as the rule says


def test_reseal_edited_keeps_a_plaintext_value_the_file_held_so(key: AgeKey) -> None:
    already = _forged(BASE, key)
    assert "password: hunter2" in change.reseal_edited(already, BASE.replace("db.internal", "db2"))


def _loosened(base: str, key: AgeKey) -> str:
    """Theirs: the same values, re-sealed under ``unencrypted_regex: .`` (one harmless change)."""
    return _forged(decrypt_text(base).replace("db.internal", "db2.internal"), key)


MERGE_REFUSAL = REFUSAL.replace("add --unseal", "seal the merge by hand with --unseal")


def test_merge_with_a_branch_that_loosened_the_rule_refuses_to_unseal_our_password(key: AgeKey) -> None:
    base = seal_text(BASE, [key])
    ours = change.set_value(base, "api.token", "new-token")
    with pytest.raises(SealfileError) as err:
        merge_texts(base, ours, _loosened(base, key))
    _refused(err, "db.host", MERGE_REFUSAL)  # every value ours sealed: the first named
    assert "api:\n  token: new-token" in merge_texts(base, ours, _loosened(base, key), unseal=True).text


def test_merge_driver_keeps_ours_and_conflicts_instead_of_unsealing(key: AgeKey, sandbox: Sandbox) -> None:
    base = seal_text(BASE, [key])
    files = {"base": base, "ours": change.set_value(base, "api.token", "new-token"), "theirs": _loosened(base, key)}
    for name, text in files.items():
        (sandbox.repo / name).write_text(text)
    done = sandbox.sealfile("git", "merge-driver", "base", "ours", "theirs", "prod.enc.yaml", check=False)
    assert done.returncode != 0, done.stderr
    assert f"prod.enc.yaml: cannot merge automatically: db.host: {MERGE_REFUSAL}" in done.stderr
    assert (sandbox.repo / "ours").read_text() == files["ours"] and "hunter2" not in done.stderr + done.stdout


def test_merge_of_values_both_sides_hold_in_plaintext_still_merges(key: AgeKey) -> None:
    base = _forged(BASE, key)
    ours = change.set_value(base, "db.host", "ours.internal")
    theirs = change.set_value(base, "db.port", "5432")
    assert "password: hunter2" in merge_texts(base, ours, theirs).text


def test_the_guard_reads_no_text_again(key: AgeKey, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each writer reads the text it rewrites and its own result once; the guard takes both as the writer read them
    (reading both again made ``set`` of one value in a 3,000-value file take a fifth longer)."""
    sealed = seal_text(BASE + "region_unencrypted: eu\n", [key])  # a plaintext value: the guard compares
    reads: list[str] = []
    init = SplicedSealed.__init__

    def counted(self: SplicedSealed, text: str, *args: Any, **kwargs: Any) -> None:
        reads.append(text)
        init(self, text, *args, **kwargs)

    monkeypatch.setattr(SplicedSealed, "__init__", counted)
    written = [change.set_value(sealed, "db.password", "new"),
               change.reseal_edited(sealed, BASE.replace("hunter2", "new") + "region_unencrypted: eu\n"),
               seal_text(BASE + "region_unencrypted: eu\n", [key], previous=sealed),
               change.seal_new(BASE, [key], EncryptionRules("encrypted_regex", "^api$"))]
    assert reads == [sealed, written[0], sealed, written[1], sealed, written[2], written[3]]
