"""A review reads each version of a file from each of its checks (the diff, the leaks, the plaintext check...):
each version is parsed into its keyless view once. A crafted megabyte (40,000 ``{<<: *x}`` merges) costs a
second or more a parse, and the checks parsed it again each: 13 s for one file's review."""

from __future__ import annotations

import pytest

from sealfile.gitflow import sealed
from sealfile.gitflow.check import check_file, check_text
from sealfile.gitflow.reused_mac import earlier_versions
from sealfile.gitflow.semantic_diff import diff_texts
from sealfile.ops.seal import seal_text
from tests.support.git import Sandbox, seal_file
from tests.support.identities import AgeIdentity


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each text the gitflow readers parse, as they parse it."""
    texts: list[str] = []
    real = sealed.read_document

    def counted(text: str, store: object) -> object:
        texts.append(text)
        return real(text, store)  # type: ignore[arg-type]

    monkeypatch.setattr(sealed, "read_document", counted)
    return texts


def test_each_version_is_parsed_once_for_every_check(age_identity: AgeIdentity, parsed: list[str]) -> None:
    old = seal_text("x: &x {a: 1}\nk: {<<: *x, b: 2}\n", [age_identity.key])
    new = seal_text("x: &x {a: 1}\nk: {<<: *x, b: 3}\n", [age_identity.key])
    for _ in range(3):
        assert "k.b" in {change.keypath for change in diff_texts("s.enc.yaml", old, new).values}
        assert check_text(new, "s.enc.yaml") == []
        assert ("k", "a") in sealed.view(old).leaves
    assert sorted(parsed) == sorted([old, new])


def test_check_reads_each_version_once(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch,
                                       parsed: list[str]) -> None:
    """``check`` (the pre-commit hook) reads the file for its findings, its seal, its ``mac`` against HEAD's
    version and its integrity: each version once. A megabyte of merge keys took 6 s to check, read 7 times."""
    committed = seal_file(sandbox, "s.enc.yaml", "x: &x {a: 1}\nk: {<<: *x, b: 2}\n").read_text()
    sandbox.commit("first")
    path = seal_file(sandbox, "s.enc.yaml", "x: &x {a: 1}\nk: {<<: *x, b: 3}\n")
    working = path.read_text()
    monkeypatch.chdir(sandbox.repo)
    earlier = earlier_versions([path])[str(path)]
    assert check_file(path, earlier) == []
    assert sorted(parsed) == sorted([committed, working])
