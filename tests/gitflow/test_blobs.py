"""Files at a revision through one ``git cat-file --batch``: a blob over the size limit is refused
without being read through, and the names asked after it are still answered."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sealfile.errors import FormatError
from sealfile.gitflow.blobs import Blobs, show_many


def _repository(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "big.enc.yaml").write_bytes(b"a: " + b"x" * (3 * 1024 * 1024) + b"\n")
    (repo / "small.enc.yaml").write_text("a: 1\n")
    (repo / "with space").mkdir()
    (repo / "with space" / "f.yaml").write_text("b: 2\n")
    for args in (["init", "-q"], ["add", "-A"],
                 ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "files"]):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    return repo


def test_a_blob_over_the_limit_is_refused_and_the_next_name_still_reads(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEALFILE_MAX_FILE_MB", "1")
    repo = _repository(tmp_path)
    with Blobs("HEAD", repo) as blobs:
        with pytest.raises(FormatError, match="larger than 1 MiB at HEAD"):
            blobs.read("big.enc.yaml")
        assert blobs.read("small.enc.yaml") == "a: 1\n"
        assert blobs.read("with space/f.yaml") == "b: 2\n"
        assert blobs.read("with space/.sealfile.yaml") is None  # "NAME missing": three words
        assert blobs.read("with space") is None  # a tree, not a file
    assert show_many("HEAD", ["big.enc.yaml", "small.enc.yaml", "absent"], repo) == {
        "big.enc.yaml": None, "small.enc.yaml": "a: 1\n", "absent": None}



def test_a_git_that_ended_early_answers_as_git_does_for_one_name_not_with_a_broken_pipe(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch ended before it read the name (killed; or no repository here, where it ends at once): writing
    the name to it raised a BrokenPipeError, which the command line took for its own closed output (the merge
    driver's exit 141 with no line), or, when the write won the race, the name read as absent at random."""
    repo = _repository(tmp_path)
    with Blobs("HEAD", repo) as blobs:
        assert blobs.read("small.enc.yaml") == "a: 1\n"
        batch = blobs._batch
        assert batch is not None
        batch.kill()
        batch.wait()
        assert blobs.read("with space/f.yaml") == "b: 2\n"
        assert blobs.read("with space/.sealfile.yaml") is None  # a new batch answers the next name
    elsewhere = tmp_path / "not-a-repository"
    elsewhere.mkdir()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    for _ in range(20):
        assert show_many("HEAD", ["a.yaml", "b.yaml"], elsewhere) == {"a.yaml": None, "b.yaml": None}
