"""Commands over several files work on them in threads (:mod:`sealfile.cli.batch`): what a file becomes must
not depend on which files ran beside it, nor on the threads' timing."""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

import pytest

from sealfile import stores
from tests.sops.conftest import AgeIdentity, sealfile_cli, sops_encrypt

_RANDOM = re.compile(r"ENC\[[^\]]*\]|(?<=-----BEGIN AGE ENCRYPTED FILE-----\n).*?(?=-----END)|(?<=mac: )\S+", re.S)
"""What differs from one sealing to the next (ciphertexts, wrapped keys, the MAC): everything else is layout."""


def _layout(path: Path) -> str:
    return _RANDOM.sub("R", path.read_text())


def test_files_imported_together_keep_the_layout_each_gets_alone(sops_identity: AgeIdentity, tmp_path: Path) -> None:
    """SOPS writes YAML with 4-space indentation, which import-sops keeps. Of several files imported at once,
    some were written afresh with 2: the threads made a YAML store each on first use, and a file whose output
    store was not the very one the sealing asked for was taken for another syntax and dumped anew."""
    env = {**os.environ, "SOPS_AGE_KEY_FILE": str(sops_identity.key_file)}
    sops = tmp_path / "sops"
    sops.mkdir()
    names = [f"f{n}.yaml" for n in range(6)]
    for n, name in enumerate(names):
        plain = tmp_path / name
        plain.write_text(f"db:\n    user: admin{n}\n    hosts:\n        - a\n        - b\nother:\n    deep:\n"
                         f"        x: {n}\n")
        sops_encrypt(plain, sops / name, "--age", sops_identity.recipient)
    alone = tmp_path / "alone"
    shutil.copytree(sops, alone)
    for name in names:
        done = sealfile_cli("import-sops", "-i", str(alone / name), env=env)
        assert done.returncode == 0, done.stderr
    expected = {name: _layout(alone / name) for name in names}
    assert "\n    user: R\n" in expected["f0.yaml"]
    for run in range(4):  # before the fix, 11 runs in 12 had a file written otherwise
        together = tmp_path / f"together{run}"
        shutil.copytree(sops, together)
        done = sealfile_cli("import-sops", "-i", *(str(together / name) for name in names), env=env)
        assert done.returncode == 0, done.stderr
        assert {name: _layout(together / name) for name in names} == expected, f"run {run}"


@pytest.fixture
def cold_stores(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No store made yet, and threads switched as often as CPython can, so a first use races."""
    monkeypatch.setattr(stores, "_loaded", {})
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def _first_use(barrier: Barrier) -> stores.Store:
    barrier.wait()
    return stores.get_store("yaml")


@pytest.mark.usefixtures("cold_stores")
def test_threads_that_first_ask_for_a_store_together_get_the_same_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Writers tell 'written in the file's own syntax' by the store's identity: each name is one store."""
    for _ in range(50):
        monkeypatch.setattr(stores, "_loaded", {})
        barrier = Barrier(8)

        with ThreadPoolExecutor(8) as pool:
            made = list(pool.map(_first_use, [barrier] * 8))
        assert all(store is made[0] for store in made)
