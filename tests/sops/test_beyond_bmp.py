"""Characters beyond the BMP (an emoji) in SOPS YAML output: yaml.v3 does not print them as they are but
double-quotes the string with ``\\U0001F600`` escapes, in keys and values, one-line or not (no ``|`` block);
sealfile printed them raw, so its output differed from ``sops decrypt``'s byte for byte."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.sops.conftest import AgeIdentity, run_sops, sealfile_cli, sops_encrypt

PLAIN = """\
one: "héllo ☃ 😀"
multi: "line 😀\\nnext"
quote: "it's 😀"
"key 😀": {"inner 🔑": ["a😀b", 𝄞]}
plain_unencrypted: 😀
"""


@pytest.fixture
def emoji(sops_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    (tmp_path / "plain.yaml").write_text(PLAIN, encoding="utf-8")
    return sops_encrypt(tmp_path / "plain.yaml", tmp_path / "emoji.yaml", "--age", sops_identity.recipient)


@pytest.mark.parametrize("args", [[], ["--output-type", "yaml"], ["--extract", '["key 😀"]']])
def test_yaml_output_escapes_them_as_sops_does(emoji: Path, args: list[str]) -> None:
    theirs = run_sops(["decrypt", *args, str(emoji)], {**os.environ})
    ours = sealfile_cli("decrypt", *args, str(emoji), env={**os.environ})
    assert theirs.returncode == 0, theirs.stderr
    assert ours.returncode == 0, ours.stderr
    assert "\\U0001F600" in ours.stdout
    assert ours.stdout == theirs.stdout
