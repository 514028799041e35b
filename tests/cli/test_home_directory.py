"""A file name given as ``~user/...`` (or ``~/...`` with no HOME) that has no home directory to stand for is
one line naming it, wherever the name comes from: ``Path.expanduser``'s bare RuntimeError ('Could not
determine home directory.') was an internal error (exit 70) for three of them, and named nothing for another."""

from __future__ import annotations

from pathlib import Path

import pytest

from sealfile.ops.seal import seal_text
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity

SECRET = "home-secret-5c1e"
NOWHERE = "~no-such-user-sealfile/key"
CAUSE = f"{NOWHERE}: no home directory for ~no-such-user-sealfile (HOME is not set, or no such user)"

CASES = [
    (["set", "{S}", "a", "b"], {"SEALFILE_SIGNING_KEY": NOWHERE}, "{S}: SEALFILE_SIGNING_KEY: " + CAUSE),
    (["decrypt", "{S}"], {"SEALFILE_ALLOWED_SIGNERS": NOWHERE}, "{S}: SEALFILE_ALLOWED_SIGNERS: " + CAUSE),
    (["encrypt", "--ssh", NOWHERE, "{P}"], {}, CAUSE),
    (["decrypt", "{S}"], {"SOPS_AGE_KEY_FILE": NOWHERE}, f": {CAUSE})"),
]


@pytest.mark.parametrize(("args", "env", "expected"), CASES, ids=["signing key", "allowed signers", "--ssh",
                                                                  "SOPS_AGE_KEY_FILE"])
def test_a_name_with_no_home_directory_is_one_line_naming_it(args: list[str], env: dict[str, str], expected: str,
                                                              run_cli: RunCli, age_identity: AgeIdentity,
                                                              tmp_path: Path) -> None:
    sealed, plain = tmp_path / "s.yaml", tmp_path / "p.yaml"
    sealed.write_text(seal_text(f"password: {SECRET}\n", [age_identity.key]))
    plain.write_text(f"password: {SECRET}\n")
    before = sealed.read_bytes()
    done = run_cli(*[arg.format(S=sealed, P=plain) for arg in args], env=env)
    usage = "--ssh" in args  # an option's value naming no file is a wrong command line
    assert done.returncode == (2 if usage else 1) and len(done.stderr.splitlines()) == 1, done.stderr
    assert done.stderr.startswith("sealfile: error: ")
    cause = done.stderr.rstrip("\n").split(". Usage: sealfile ")[0]
    assert cause.endswith(expected.format(S=sealed)), done.stderr
    assert SECRET not in done.stdout + done.stderr and sealed.read_bytes() == before
