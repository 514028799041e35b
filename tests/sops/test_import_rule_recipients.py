"""``import-sops`` seals for no recipient, and under no split, that the output's creation rule does not allow.

A SOPS file's entries, key groups and threshold are outside its MAC: whoever can write the file can add an entry of
their own (sops reads past one that does not open) or lower ``shamir_threshold``, and ``sops decrypt`` still works.
``import-sops`` wrapped the new data key for every entry it found, so the sealed file it wrote opened for the
attacker too (and the next ``set`` refused it: the rule does not name them). Each file here is read by the real sops
first, then imported through the real CLI.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tests.sops.conftest import make_identity, run_sops, sealfile_cli, sops_encrypt, sops_key_groups
from tests.sops.documents import SIMPLE_YAML


def _added_entry(text: str, label: str) -> str:
    """``text`` with its (only) age entry copied, the copy labelled ``label``: sops reads past it."""
    entry = re.search(r"(?m)^ *- recipient: .*\n(?: {6,}.*\n)+", text)
    assert entry is not None
    copy = re.sub(r"recipient: \S+", f"recipient: {label}", entry.group(0))
    return text.replace(entry.group(0), entry.group(0) + copy, 1)


def _import(work: Path, source: Path, key_file: Path) -> tuple[int, str, Path]:
    out = work / "secrets.enc.yaml"
    done = sealfile_cli("import-sops", str(source), "-o", str(out),
                        env={**os.environ, "SEALFILE_AGE_KEY_FILE": str(key_file)})
    return done.returncode, done.stderr, out


def test_an_entry_added_to_the_sops_file_is_refused(tmp_path: Path) -> None:
    team, attacker = make_identity(tmp_path / "team"), make_identity(tmp_path / "attacker")
    work = tmp_path / "repo"
    (work / ".git").mkdir(parents=True)
    (work / ".sealfile.yaml").write_text(f"creation_rules:\n  - age: [{team.recipient}]\n")
    plain = tmp_path / "plain.yaml"
    plain.write_text(SIMPLE_YAML)
    source = sops_encrypt(plain, work / "secrets.yaml", "--age", team.recipient)
    clean = source.read_text()
    source.write_text(_added_entry(clean, attacker.recipient))
    assert run_sops(["decrypt", str(source)], {**os.environ, "SOPS_AGE_KEY_FILE": str(team.key_file)}).returncode == 0

    code, said, out = _import(work, source, team.key_file)
    assert code == 1 and not out.exists()
    assert len(said.splitlines()) == 1 and str(source) in said and attacker.recipient in said
    assert "creation rule" in said and "hunter2" not in said

    source.write_text(clean)  # the file as sops wrote it imports
    code, said, out = _import(work, source, team.key_file)
    assert code == 0, said
    assert attacker.recipient not in out.read_text()


def test_a_lowered_threshold_is_refused(tmp_path: Path) -> None:
    work = tmp_path / "repo"
    (work / ".git").mkdir(parents=True)
    text, identities = sops_key_groups(work, 2, SIMPLE_YAML)
    groups = "".join(f"      - age: [{identity.recipient}]\n" for identity in identities)
    (work / ".sealfile.yaml").write_text(f"creation_rules:\n  - key_groups:\n{groups}    threshold: 2\n")
    source = work / "secrets.yaml"
    source.write_text(text.replace("shamir_threshold: 2\n", "shamir_threshold: 1\n"))
    both = tmp_path / "both.txt"
    both.write_text(identities[0].key_file.read_text() + identities[1].key_file.read_text())
    both.chmod(0o600)

    code, said, out = _import(work, source, both)
    assert code == 1 and not out.exists()
    assert len(said.splitlines()) == 1 and "key groups" in said and "alone" in said

    source.write_text(text)
    code, said, out = _import(work, source, both)
    assert code == 0, said
