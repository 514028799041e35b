"""A SOPS file git merged as text (a clone on its way from SOPS, without the merge driver for its name): every
reader names the conflict markers and how to merge again, as for a sealed file, not "invalid YAML at line 3"."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.sops.conftest import AgeIdentity, run_sops, sealfile_cli, sops_encrypt

STORES = {"app.sops.yaml": ("db:\n  token: abc\n  port: 1\n", "db:\n  token: xyz\n  port: 1\n",
                            "db:\n  token: uvw\n  port: 1\n"),
          "app.sops.json": ('{"token": "abc"}\n', '{"token": "xyz"}\n', '{"token": "uvw"}\n'),
          "app.sops.env": ("TOKEN=abc\n", "TOKEN=xyz\n", "TOKEN=uvw\n")}


@pytest.mark.parametrize("name", list(STORES))
def test_a_sops_file_merged_as_text_is_named_so(sops_identity: AgeIdentity, tmp_path: Path, name: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    versions = []
    for index, plaintext in enumerate(STORES[name]):
        plain = tmp_path / f"plain{index}{Path(name).suffix}"
        plain.write_text(plaintext)
        versions.append(sops_encrypt(plain, tmp_path / f"v{index}.{name}", "--age", sops_identity.recipient))
    merged = tmp_path / name
    merged.write_text(versions[1].read_text())
    subprocess.run(["git", "merge-file", str(merged), str(versions[0]), str(versions[2])], capture_output=True)
    text = merged.read_text()
    assert "<<<<<<<" in text and run_sops(["decrypt", str(merged)]).returncode != 0
    monkeypatch.chdir(tmp_path)
    env = {**os.environ, "SOPS_AGE_KEY_FILE": str(sops_identity.key_file)}
    for args in (["decrypt", name], ["status", name], ["verify", name], ["import-sops", "-i", name]):
        done = sealfile_cli(*args, env=env)
        assert done.returncode == 1, (args, done.stderr)
        assert done.stderr.count("\n") == 1 and "left conflict markers" in done.stderr, (args, done.stderr)
        assert f"git checkout -m {name}" in done.stderr and "abc" not in done.stderr, done.stderr
    assert merged.read_text() == text
