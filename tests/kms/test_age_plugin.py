"""age plugin recipients (``age1<name>1...``) through pyrage, with a test-only plugin on PATH: the
provider contract, interop with the real ``age`` CLI, a missing plugin named in one line, no plugin
run for a file's say-so, and the whole path (CLI, ``load_secrets``, ``.sealfile.yaml``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pyrage
import pytest

from sealfile.errors import UnwrapError, WrapError
from sealfile.kms.age import AgeKey
from sealfile.ops.seal import seal_text
from sealfile.runtime.loader import load_secrets
from tests.kms.contract import ProviderContract
from tests.support import bech32
from tests.support.age_plugins import FakePluginKey, fake_plugin
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity
from tests.support.spy import spy_program
from tests.support.whole_path import one_error_line, sealed_every_way

__all__ = ["fake_plugin"]


@pytest.fixture
def plugin_key(fake_plugin: FakePluginKey, monkeypatch: pytest.MonkeyPatch) -> FakePluginKey:
    """A plugin key whose identity is in SEALFILE_AGE_KEY."""
    monkeypatch.setenv("SEALFILE_AGE_KEY", fake_plugin.identity)
    return fake_plugin


class TestAgePluginContract(ProviderContract):
    @pytest.fixture
    def key(self, plugin_key: FakePluginKey) -> AgeKey:
        return AgeKey(plugin_key.recipient)

    @pytest.fixture
    def other_key(self, plugin_key: FakePluginKey, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AgeKey:
        """A key of another plugin (``age-plugin-other``), usable here too. Every identity of a plugin
        is offered to it (only the plugin knows which recipient each answers to), so the wrong key
        is one of another plugin."""
        (tmp_path / "bin").mkdir()
        (tmp_path / "bin" / "age-plugin-other").symlink_to(fake_plugin_program())
        monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
        secret = os.urandom(16)
        other = bech32.encode("age-plugin-other-", secret).upper()
        monkeypatch.setenv("SEALFILE_AGE_KEY", f"{plugin_key.identity}\n{other}")
        return AgeKey(bech32.encode("age1other", secret))

    @pytest.fixture
    def unreachable_key(self, plugin_key: FakePluginKey, monkeypatch: pytest.MonkeyPatch) -> AgeKey:
        monkeypatch.delenv("SEALFILE_AGE_KEY")  # no identity for the plugin anywhere
        return AgeKey(plugin_key.recipient)


def test_interop_with_the_age_cli(plugin_key: FakePluginKey, tmp_path: Path) -> None:
    age = shutil.which("age")
    assert age, "the age CLI is required (apt-get install age)"
    key, data_key = AgeKey(plugin_key.recipient), os.urandom(32)
    identity_file = tmp_path / "identity.txt"
    identity_file.write_text(plugin_key.identity + "\n")
    wrapped = tmp_path / "wrapped.age"
    wrapped.write_text(key.wrap(data_key).wrapped)
    opened = subprocess.run([age, "-d", "-i", str(identity_file), str(wrapped)], capture_output=True, timeout=30)
    assert opened.returncode == 0 and opened.stdout == data_key, opened.stderr
    theirs = subprocess.run([age, "-r", plugin_key.recipient, "-a"], input=data_key, capture_output=True, timeout=30)
    assert key.unwrap(theirs.stdout.decode("ascii")) == data_key


def test_a_missing_plugin_is_named(isolated_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = os.urandom(16)
    key = AgeKey(bech32.encode("age1yubikey", secret))
    assert key.plugin == "yubikey"
    with pytest.raises(WrapError) as info:
        key.wrap(os.urandom(32))
    assert str(info.value) == (f"age {key.recipient}: the age plugin program 'age-plugin-yubikey' is not installed "
                               "(not found on PATH)")
    x25519_wrapped = AgeKey(str(pyrage.x25519.Identity.generate().to_public())).wrap(os.urandom(32))
    monkeypatch.setenv("SEALFILE_AGE_KEY", bech32.encode("age-plugin-yubikey-", secret).upper())
    with pytest.raises(UnwrapError, match="'age-plugin-yubikey' is not installed"):
        key.unwrap(x25519_wrapped.wrapped)


def test_no_identity_for_the_plugin(fake_plugin: FakePluginKey, monkeypatch: pytest.MonkeyPatch) -> None:
    wrapped = AgeKey(fake_plugin.recipient).wrap(os.urandom(32)).wrapped
    monkeypatch.setenv("SEALFILE_AGE_KEY", str(pyrage.x25519.Identity.generate()))
    with pytest.raises(UnwrapError) as info:
        AgeKey(fake_plugin.recipient).unwrap(wrapped)
    assert "no identity for the age plugin 'fake' (add its AGE-PLUGIN-FAKE-1... line" in str(info.value)


def test_a_file_cannot_make_sealfile_run_a_plugin_the_user_has_no_identity_for(
    fake_plugin: FakePluginKey, tmp_path: Path, age_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch,
) -> None:
    runs = spy_program(tmp_path / "spy-bin", "age-plugin-fake", monkeypatch,
                       then=f'exec {fake_plugin_program()} "$@"')
    sealed = seal_text("a: 1\n", [AgeKey(fake_plugin.recipient), age_identity.key])
    assert len(runs.read_text().splitlines()) == 1  # wrapping for it ran it
    runs.unlink()
    assert load_secrets_text(sealed, tmp_path) == {"a": 1}  # opened by the X25519 identity alone
    assert not runs.exists()


def fake_plugin_program() -> str:
    found = shutil.which("age-plugin-fake")
    assert found
    return found


def load_secrets_text(sealed: str, directory: Path) -> object:
    path = directory / "file.enc.yaml"
    path.write_text(sealed)
    return load_secrets(path, redacted=False)


def test_cli_load_secrets_and_creation_rules_next_to_age(
    fake_plugin: FakePluginKey, age_identity: AgeIdentity, run_cli: RunCli, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The plugin's identity sits in the same identity file as X25519 ones (here: SEALFILE_AGE_KEY)."""
    monkeypatch.setenv("SEALFILE_AGE_KEY", f"# a hardware key\n{fake_plugin.identity}\n")
    ruled = sealed_every_way("age", ["--age", fake_plugin.recipient], f"      - {fake_plugin.recipient}\n",
                             fake_plugin.recipient, run_cli=run_cli, age_identity=age_identity, directory=tmp_path,
                             monkeypatch=monkeypatch)
    without = run_cli("decrypt", ruled, env={"PATH": os.environ["PATH"].split(os.pathsep, 1)[1]})
    assert "the age plugin program 'age-plugin-fake' is not installed (not found on PATH)" in one_error_line(without)


@pytest.mark.parametrize("relative", ["bin", ""], ids=["relative-dir", "empty-entry"])
def test_no_plugin_runs_from_a_relative_path_directory(
    relative: str, fake_plugin: FakePluginKey, tmp_path: Path, age_identity: AgeIdentity, run_cli: RunCli,
) -> None:
    """A file names a plugin whose program its writer committed beside it; a PATH with a relative entry
    (``bin``, or an empty one: the current directory) would find that program first on ``rotate``."""
    marker = tmp_path / "ran"
    directory = tmp_path / relative
    directory.mkdir(exist_ok=True)
    planted = directory / "age-plugin-fake"
    planted.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
    planted.chmod(0o755)
    sealed = tmp_path / "s.enc.yaml"
    sealed.write_text(seal_text("a: 1\n", [age_identity.key, AgeKey(fake_plugin.recipient)]))
    before = sealed.read_bytes()
    result = run_cli("rotate", sealed, cwd=tmp_path, env={"PATH": f"{relative}{os.pathsep}{os.environ['PATH']}"})
    assert not marker.exists()
    assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
    assert "relative PATH directory" in result.stderr and "age-plugin-fake" in result.stderr
    assert sealed.read_bytes() == before
