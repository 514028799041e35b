"""A text merge settled by ``-X ours``/``-X theirs`` in a team that signs its seals (real git, real ssh-keygen):
one side's ``mac`` and signature over both sides' values. The signature does not verify because the 'mac'
line (and the signature with it) is another version's: ``check`` and ``review`` name that cause and its fix,
not only "the file is not what was signed"."""

from __future__ import annotations

import pytest

from sealfile.envelope.signing import SIGNING_KEY_ENV
from tests.gitflow.test_reused_mac import text_merge
from tests.support.git import Sandbox, seal_file
from tests.support.ssh import SshKeys, ssh_keys

__all__ = ["ssh_keys"]

FILE = "secrets.enc.yaml"
CAUSE = "nobody can open it (git merged it as text where no sealfile merge driver ran, and -X ours or -X theirs"


def _signed_text_merge(installed: Sandbox, ssh_keys: SshKeys, side: str) -> Sandbox:
    alice = ssh_keys.get("ed25519", "alice")
    (installed.repo / ".sealfile.yaml").write_text(f"signers:\n  alice: {alice.public_key.to_line()}\n"
                                                   f"creation_rules:\n  - age: {installed.recipient}\n")
    env = {**installed.env, SIGNING_KEY_ENV: str(alice.path), "SEALFILE_NO_SETUP_WARNING": "1"}
    box = Sandbox(installed.root, installed.repo, env, installed.recipient)
    seal_file(box, FILE, "a: one\nb: two\nc: three\n")
    box.sealfile("rotate", "--adopt", FILE)  # signed by alice
    box.commit("secrets")
    return text_merge(box, side)  # a clone that never ran 'sealfile git install'


@pytest.mark.parametrize("side", ["ours", "theirs"])
def test_check_names_the_text_merge_behind_a_signature_that_does_not_verify(installed: Sandbox, ssh_keys: SshKeys,
                                                                            side: str) -> None:
    clone = _signed_text_merge(installed, ssh_keys, side)
    for env in (clone.env, {**clone.keyless_env(), "SEALFILE_NO_SETUP_WARNING": "1"}):
        done = clone.sealfile("check", env=env, check=False)
        assert done.returncode == 3, done.stderr
        parent = "HEAD^1" if side == "ours" else "HEAD^2"
        assert done.stderr.splitlines() == [
            f"sealfile: error: {FILE}: its 'mac' line is that of the version in {parent}, over other content: "
            f"{CAUSE} settled the 'mac' line): redo that merge after 'sealfile git install', or go back to a "
            "version that opens"]


@pytest.mark.parametrize("side", ["ours", "theirs"])
def test_review_names_the_text_merge_behind_a_signature_that_does_not_verify(installed: Sandbox, ssh_keys: SshKeys,
                                                                             side: str) -> None:
    clone = _signed_text_merge(installed, ssh_keys, side)
    base = clone.git("rev-parse", "HEAD^1^").stdout.strip()
    done = clone.sealfile("review", base, "HEAD", env={**clone.keyless_env(), "SEALFILE_NO_SETUP_WARNING": "1"},
                          check=False)
    assert done.returncode == 3, done.stdout + done.stderr
    violations = done.stdout.split("POLICY VIOLATIONS:\n")[1].split("\n\n")[0].splitlines()
    assert len(violations) == 1 and violations[0].startswith(f"  {FILE}: its 'mac' line is that of the version in "
                                                             "commit "), done.stdout
    assert CAUSE in violations[0]
