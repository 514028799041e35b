"""A tampered SOPS file is refused (IntegrityError), and SOPS itself refuses the same file."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

import sealfile
from sealfile.errors import IntegrityError
from tests.sops.conftest import AgeIdentity, run_sops, sops_encrypt
from tests.sops.documents import SIMPLE_YAML

ENC = re.compile(r"ENC\[AES256_GCM,data:([^,]*),iv:[^\]]*\]")


@pytest.fixture(scope="module")
def sealed(sops_identity: AgeIdentity, tmp_path_factory: pytest.TempPathFactory) -> str:
    work = tmp_path_factory.mktemp("tamper")
    plain = work / "plain.yaml"
    plain.write_text(SIMPLE_YAML)
    return sops_encrypt(plain, work / "s.yaml", "--age", sops_identity.recipient).read_text()


def value_of(text: str, key: str) -> str:
    match = re.search(rf"^(\s*{re.escape(key)}:?\s*)(ENC\[[^\]]*\])", text, re.M)
    assert match, key
    return match.group(2)


def flip_data(token: str) -> str:
    data = ENC.fullmatch(token)
    assert data
    first = data.group(1)[0]
    return token.replace(f"data:{first}", f"data:{'A' if first != 'A' else 'B'}", 1)


def alter_value(text: str) -> str:
    return text.replace(value_of(text, "password"), flip_data(value_of(text, "password")))


def alter_mac(text: str) -> str:
    return text.replace(value_of(text, "mac"), flip_data(value_of(text, "mac")))


def swap_values(text: str) -> str:
    """Two values at different paths: each is bound to its own path (AES-GCM associated data)."""
    user, password = value_of(text, "user"), value_of(text, "password")
    return text.replace(user, "@U@").replace(password, user).replace("@U@", password)


def swap_list_items(text: str) -> str:
    """Same path (list items share their key's path), so only the MAC sees the new order."""
    first, second = value_of(text, "-"), re.findall(r"^\s*- (ENC\[[^\]]*\])", text, re.M)[1]
    return text.replace(first, "@F@").replace(second, first).replace("@F@", second)


def alter_plain_value(text: str) -> str:
    assert "public_unencrypted: visible" in text
    return text.replace("public_unencrypted: visible", "public_unencrypted: changed")


def drop_value(text: str) -> str:
    return re.sub(r"^user: .*\n", "", text, flags=re.M)


def alter_lastmodified(text: str) -> str:
    return re.sub(r'lastmodified: "(\d{4})', lambda m: f'lastmodified: "{int(m.group(1)) - 1}', text)


@pytest.mark.parametrize("tamper", [alter_value, alter_mac, swap_values, swap_list_items, alter_plain_value,
                                    drop_value, alter_lastmodified])
def test_tampered_file_is_refused_as_sops_refuses_it(
    tamper: Callable[[str], str], sealed: str, sops_identity: AgeIdentity, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    target = tmp_path / "tampered.yaml"
    target.write_text(sealed)
    assert sealfile.load_secrets(target)["password"] == "hunter2"  # the untampered file opens
    changed = tamper(sealed)
    assert changed != sealed
    target.write_text(changed)
    with pytest.raises(IntegrityError) as caught:
        sealfile.load_secrets(target)
    assert str(target) in str(caught.value) and "hunter2" not in str(caught.value)
    assert run_sops(["decrypt", str(target)]).returncode != 0, "SOPS itself accepted the tampered file"
