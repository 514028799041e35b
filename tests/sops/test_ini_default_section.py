"""A SOPS INI file with an explicit ``[DEFAULT]`` section: sops (go-ini) reads it as a second section after its
own empty one and prints its header back; only a first DEFAULT goes without one. sealfile left the header out
wherever DEFAULT stood, so after ``[s1]`` its keys joined ``s1`` for every INI reader (configparser too), and
first in the file they came before any header, which configparser refuses. Compared with the real ``sops``."""

from __future__ import annotations

import configparser
import os
from pathlib import Path

import pytest

from tests.sops.conftest import AgeIdentity, run_sops, sealfile_cli, sops_encrypt

CASES = {
    "after a section": "[s1]\na = 2\n[DEFAULT]\nd = 1\n",
    "first": "[DEFAULT]\nd = 1\n[s1]\na = 2\n",
    "first, after a comment": "; top\n[DEFAULT]\nd = 1\n\n[s1]\n# c\na = x\n",
    "empty, last": "[s1]\na = 2\n[DEFAULT]\n",
    "after keys before any section": "x = 1\n[DEFAULT]\nd = 1\n",
    "implicit only": "top = 1\n[s1]\na = 2\n",
    "lower case": "[s1]\na = 2\n[default]\nd = 1\n",
}


@pytest.mark.parametrize("text", list(CASES.values()), ids=list(CASES))
def test_decrypt_prints_the_default_header_as_sops_does(text: str, sops_identity: AgeIdentity,
                                                          tmp_path: Path) -> None:
    env = {**os.environ, "SOPS_AGE_KEY_FILE": str(sops_identity.key_file)}
    (tmp_path / "plain.ini").write_text(text)
    sops_file = sops_encrypt(tmp_path / "plain.ini", tmp_path / "app.ini", "--age", sops_identity.recipient, env=env)
    shown = run_sops(["decrypt", str(sops_file)], env)
    assert shown.returncode == 0, shown.stderr
    done = sealfile_cli("decrypt", str(sops_file), env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == shown.stdout


def test_a_sealed_files_default_section_after_another_keeps_its_header(sops_identity: AgeIdentity,
                                                                        tmp_path: Path) -> None:
    env = {**os.environ, "SOPS_AGE_KEY_FILE": str(sops_identity.key_file)}
    (tmp_path / "c.yaml").write_text("s1: {a: '2'}\nDEFAULT: {d: '1'}\n")
    sealed = tmp_path / "c.enc.yaml"
    assert sealfile_cli("encrypt", "--age", sops_identity.recipient, str(tmp_path / "c.yaml"), "-o", str(sealed),
                        env=env).returncode == 0
    done = sealfile_cli("decrypt", "--output-type", "ini", str(sealed), env=env)
    assert done.returncode == 0, done.stderr
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(done.stdout)
    assert dict(parser["s1"]) == {"a": "2", "d": "1"} and parser.defaults() == {"d": "1"}  # d is a default
    assert "[DEFAULT]" in done.stdout
