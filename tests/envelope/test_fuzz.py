"""Fuzz: any edit of a sealed file either opens to the same data or fails as a SealfileError.

No other exception type may escape (the CLI would call it an internal error), and no
accepted edit may change the data the application receives.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sealfile.errors import SealfileError
from sealfile.ops.keyless import describe
from sealfile.ops.read import decrypt_text, verify_text
from sealfile.ops.seal import seal_text
from sealfile.runtime.loader import load_secrets
from sealfile.stores.yaml.scan import scan
from tests.support.identities import AgeIdentity
from tests.support.values import safe_load, typed

PLAINTEXT = """\
# comment
db:
  user: admin
  password: "hunter2"
  port: 5432
  hosts: [a, b]
  tls_unencrypted: true
  empty: {}
note_unencrypted: |
  readable
"""
ALPHABET = "aA0 :-#\n'\"[]{}&*!|>%@`=_.,ENC\t\\"


@pytest.fixture(scope="module")
def sealed_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """One sealed file for all examples (identity text, sealed text)."""
    from sealfile.kms.age import AgeKey, generate_identity

    identity, recipient = generate_identity()
    return identity, seal_text(PLAINTEXT, [AgeKey(recipient)])


FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(data=st.data())
def test_any_edit_opens_identically_or_fails_cleanly(sealed_once: tuple[str, str], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch, data: st.DataObject,
                                                    age_identity: AgeIdentity) -> None:
    identity, sealed = sealed_once
    monkeypatch.setenv("SEALFILE_AGE_KEY", identity)
    start = data.draw(st.integers(0, len(sealed) - 1))
    length = data.draw(st.integers(0, 3))
    insert = data.draw(st.text(ALPHABET, max_size=3))
    edited = sealed[:start] + insert + sealed[start + length :]
    path = tmp_path / "fuzzed.yaml"
    path.write_text(edited, encoding="utf-8")
    expected = typed(safe_load(PLAINTEXT))
    for opener in (load_secrets, _decrypt_and_parse):
        try:
            assert typed(opener(path)) == expected
        except SealfileError as err:
            assert "\n" not in str(err)
            assert "hunter2" not in str(err)
    for check in (verify_text, describe):
        with contextlib.suppress(SealfileError):
            check(edited)


def _decrypt_and_parse(path: Path) -> Any:
    """decrypt's output read as sealfile reads YAML (ruamel's C parser, which some inputs only it accepts)."""
    return scan(decrypt_text(path.read_text(encoding="utf-8"))).tree


def test_a_tag_followed_by_a_tab_means_the_same_to_both_engines(sealed_once: tuple[str, str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by exploring: a file starting with a tag and a tab ('!\t# comment'); both engines
    read a tab after a tag as libyaml does."""
    identity, sealed = sealed_once
    monkeypatch.setenv("SEALFILE_AGE_KEY", identity)
    outcomes = []
    for fast_path in ("1", "0"):
        monkeypatch.setenv("SEALFILE_FAST_PATH", fast_path)
        try:
            outcomes.append(decrypt_text("!\t" + sealed))
        except SealfileError as err:
            outcomes.append(f"refused: {type(err).__name__}")
    assert outcomes[0] == outcomes[1]
