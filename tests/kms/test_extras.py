"""A file whose only recipient kind needs a package that is not installed names the extra to install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sealfile.kms.pgp import PgpKey
from sealfile.kms.vault import VaultTransitKey
from sealfile.ops.seal import seal_text
from tests.support.cli import cli_env
from tests.support.gpg import gnupg_home, make_key
from tests.support.openbao import OpenBao

__all__ = ["gnupg_home"]

WITHOUT = """
import sys
sys.modules[sys.argv[1]] = None  # as if the package were not installed
from sealfile.cli import main
sys.argv = ["sealfile", "decrypt", sys.argv[2]]
main()
"""


def decrypt_without(package: str, sealed: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", WITHOUT, package, str(sealed)], capture_output=True, text=True,
                          env=cli_env(), timeout=60)


@pytest.mark.parametrize("kind", ["hc_vault_transit", "pgp"])
def test_the_missing_extra_is_named(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    if kind == "pgp":
        home = request.getfixturevalue("gnupg_home")
        key, package, extra = PgpKey(make_key(home, "E <e@example.com>")), "gnupg", "pgp"
    else:
        server: OpenBao = request.getfixturevalue("vault_env")
        server.client().secrets.transit.create_key(name="extra")
        key, package, extra = VaultTransitKey.from_cli(server.key_uri("extra")), "hvac", "vault"
    sealed = tmp_path / "secrets.enc.yaml"
    sealed.write_text(seal_text("a: 1\n", [key]))
    done = decrypt_without(package, sealed)
    assert done.returncode == 1 and len(done.stderr.splitlines()) == 1, done.stderr
    assert f"{kind} {key.key_id}: " in done.stderr
    assert f"needs the '{package}' package; install it with: pip install 'sealfile[{extra}]'" in done.stderr
