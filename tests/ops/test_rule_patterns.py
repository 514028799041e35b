"""A file names its rule's pattern (and a repository's config its path patterns): none may make a
reader backtrack. Each case took Python's ``re`` minutes to forever; the reader is a fresh process
given a minute, and must finish in a few seconds of CPU."""

from __future__ import annotations

from pathlib import Path

import pytest

from sealfile.errors import ConfigError
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.model.rules import EncryptionRules
from sealfile.ops.seal import seal_text
from tests.support.cli import run_cli, run_python

BACKTRACKS = r"(a*)*b"
KEY = "a" * 40


def test_a_sealed_files_backtracking_rule_is_searched_in_linear_time(tmp_path: Path) -> None:
    identity, recipient = generate_identity()
    sealed = seal_text(f"{KEY}: hunter2\nother: value\n", [AgeKey(recipient)],
                       rules=EncryptionRules("unencrypted_regex", BACKTRACKS))
    path = tmp_path / "s.enc.yaml"
    path.write_text(sealed)
    code = ("import sys, time, sealfile\nstart = time.process_time()\n"
            "data = sealfile.load_secrets(sys.argv[1], redacted=False)\n"
            "print(data['other'], round(time.process_time() - start, 2))")
    done = run_python(f"import os; os.environ['SEALFILE_AGE_KEY'] = {identity!r}\n{code}", path)
    assert done.returncode == 0, done.stderr
    value, seconds = done.stdout.split()
    assert value == "value" and float(seconds) < 5
    checked = run_cli("check", path, env={"SEALFILE_AGE_KEY": identity})  # the pre-commit guard, in CI
    assert checked.returncode == 0, checked.stderr


def test_a_configs_backtracking_path_regex_is_searched_in_linear_time(tmp_path: Path) -> None:
    _, recipient = generate_identity()
    (tmp_path / ".sealfile.yaml").write_text(f"creation_rules:\n  - path_regex: '{BACKTRACKS}'\n"
                                             f"    age: {recipient}\n  - age: {recipient}\n")
    (tmp_path / f"{KEY}.yaml").write_text("password: hunter2\n")
    done = run_cli("encrypt", f"{KEY}.yaml", "-o", "out.enc.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "ENC[" in (tmp_path / "out.enc.yaml").read_text()


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=secret)", r"a{9000}"])
def test_a_rule_with_no_linear_bound_is_refused_with_one_line(pattern: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="encrypted_regex cannot be used: "):
        EncryptionRules("encrypted_regex", pattern)
    _, recipient = generate_identity()
    (tmp_path / "plain.yaml").write_text("password: hunter2\n")
    done = run_cli("encrypt", "--age", recipient, "--encrypted-regex", pattern, "plain.yaml", cwd=tmp_path)
    assert done.returncode != 0 and len(done.stderr.strip().splitlines()) == 1
    assert "encrypted_regex cannot be used" in done.stderr and "hunter2" not in done.stderr


def test_a_config_too_long_to_read_on_every_read_is_refused_with_one_line(tmp_path: Path) -> None:
    """A pushed config of 20,000 one-line creation rules (1.2 MB) cost every decrypt, status and
    load_secrets of the files below it 4 s of CPU (each rule's pattern compiled twice), a minute at 8 MiB."""
    identity, recipient = generate_identity()
    (tmp_path / ".sealfile.yaml").write_text("creation_rules:\n" + "".join(
        f"  - path_regex: x{i}\n" for i in range(20_000)) + f"  - age: {recipient}\n")
    (tmp_path / "s.enc.yaml").write_text(seal_text("password: hunter2\n", [AgeKey(recipient)]))
    for command in ("decrypt", "status"):
        done = run_cli(command, "s.enc.yaml", cwd=tmp_path, env={"SEALFILE_AGE_KEY": identity})
        assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert ".sealfile.yaml: longer than 256 Ki characters" in done.stderr


def test_a_config_entry_naming_a_file_never_reads_it(tmp_path: Path) -> None:
    """``ssh: PATH`` in a pushed config made every reader below it read that file as the user running
    it, and quote its first word in the error (``/proc/self/environ``: CI's environment; ``/dev/zero``:
    memory until killed; a FIFO: forever). A config's entry is a key, not a file on the reader's machine."""
    identity, recipient = generate_identity()
    secret = tmp_path / "credentials"
    secret.write_text("tok3n-from-the-readers-machine and more\n")
    (tmp_path / ".sealfile.yaml").write_text(f"creation_rules:\n  - ssh: {secret}\n")
    (tmp_path / "s.enc.yaml").write_text(seal_text("password: hunter2\n", [AgeKey(recipient)]))
    for command in ("decrypt", "status"):
        done = run_cli(command, "s.enc.yaml", cwd=tmp_path, env={"SEALFILE_AGE_KEY": identity})
        assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "creation_rules.0.ssh: not an OpenSSH public key" in done.stderr
        assert "tok3n" not in done.stderr


def test_a_config_entry_naming_a_pub_file_says_to_write_the_key_line(tmp_path: Path) -> None:
    (tmp_path / ".sealfile.yaml").write_text("creation_rules:\n  - ssh: ~/.ssh/id_ed25519.pub\n")
    (tmp_path / "p.yaml").write_text("a: 1\n")
    done = run_cli("encrypt", "p.yaml", "-o", "s.enc.yaml", cwd=tmp_path)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "creation_rules.0.ssh: a .sealfile.yaml holds the public key line itself" in done.stderr
    assert not (tmp_path / "s.enc.yaml").exists()
