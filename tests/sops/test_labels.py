"""An age entry's ``recipient`` is a label outside the MAC: sops opens every entry with every identity it
holds (X25519 and SSH), whatever the label says. Each file here is opened by the real sops first."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

import sealfile
from sealfile.errors import NoUsableKeyError
from tests.sops.conftest import AgeIdentity, make_identity, run_sops, sops_encrypt, tool
from tests.sops.documents import SIMPLE_YAML


def _sops_opens(path: Path, **env: str) -> bool:
    return run_sops(["decrypt", str(path)], {**os.environ, **env}).returncode == 0


def _encrypted(tmp_path: Path, *recipients: str) -> str:
    plain = tmp_path / "plain.yaml"
    plain.write_text(SIMPLE_YAML)
    return sops_encrypt(plain, tmp_path / "made.yaml", "--age", ",".join(recipients)).read_text()


def _labels(text: str, *labels: str) -> str:
    """The entries' ``recipient`` lines, in order, replaced by ``labels``."""
    found = iter(labels)
    return re.sub(r"(?m)^(\s*- recipient:).*$", lambda match: f"{match.group(1)} {next(found)}", text)


def _opens(path: Path) -> bool:
    return bool(sealfile.load_secrets(path)["password"] == "hunter2")


def test_swapped_labels_open_with_both_identities(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each label names the other entry's key: the key the label names fails, another held identity opens it."""
    first, second = make_identity(tmp_path / "a"), make_identity(tmp_path / "b")
    both = tmp_path / "both.txt"
    both.write_text(first.key_file.read_text() + second.key_file.read_text())
    both.chmod(0o600)
    target = tmp_path / "s.yaml"
    target.write_text(_labels(_encrypted(tmp_path, first.recipient, second.recipient),
                              second.recipient, first.recipient))
    assert _sops_opens(target, SOPS_AGE_KEY_FILE=str(both))
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(both))
    assert _opens(target)


def test_blank_labels_each_entry_is_tried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every entry blank: the first (another's key) fails, and the second, ours, is still tried."""
    theirs, ours = make_identity(tmp_path / "a"), make_identity(tmp_path / "b")
    target = tmp_path / "s.yaml"
    target.write_text(_labels(_encrypted(tmp_path, theirs.recipient, ours.recipient), '""', '""'))
    assert _sops_opens(target, SOPS_AGE_KEY_FILE=str(ours.key_file))
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(ours.key_file))
    assert _opens(target)


def test_an_entry_for_an_ssh_key_labelled_as_an_x25519_one(tmp_path: Path, sops_identity: AgeIdentity,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    private = tmp_path / "id_ed25519"
    subprocess.run([tool("ssh-keygen"), "-q", "-t", "ed25519", "-N", "", "-f", str(private)], check=True,
                   capture_output=True)
    target = tmp_path / "s.yaml"
    target.write_text(_labels(_encrypted(tmp_path, private.with_suffix(".pub").read_text().strip()),
                              sops_identity.recipient))
    assert _sops_opens(target, SOPS_AGE_KEY_FILE=str(sops_identity.key_file),
                       SOPS_AGE_SSH_PRIVATE_KEY_FILE=str(private))
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    monkeypatch.setenv("SOPS_AGE_SSH_PRIVATE_KEY_FILE", str(private))
    assert _opens(target)


def test_no_identity_opens_a_blank_entry_one_line(tmp_path: Path, sops_identity: AgeIdentity,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    stranger = make_identity(tmp_path / "a")
    target = tmp_path / "s.yaml"
    target.write_text(_labels(_encrypted(tmp_path, stranger.recipient), '""'))
    assert not _sops_opens(target, SOPS_AGE_KEY_FILE=str(sops_identity.key_file))
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    with pytest.raises(NoUsableKeyError) as raised:
        sealfile.load_secrets(target)
    assert "entry 1 (recipient '' is not a key)" in str(raised.value) and "\n" not in str(raised.value)


@pytest.mark.parametrize("label", ["[age1x]", "{a: b}"])
def test_a_label_that_is_not_text_is_refused_as_sops_refuses_it(label: str, tmp_path: Path,
                                                                 sops_identity: AgeIdentity,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "s.yaml"
    target.write_text(_labels(_encrypted(tmp_path, sops_identity.recipient), label))
    assert not _sops_opens(target, SOPS_AGE_KEY_FILE=str(sops_identity.key_file))
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    with pytest.raises(sealfile.SealfileError, match="'recipient' is not text"):
        sealfile.load_secrets(target)


def test_import_names_a_label_that_is_no_key(tmp_path: Path, sops_identity: AgeIdentity,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """sops opens the entry, but a sealed file needs a recipient to wrap its new data key for."""
    from tests.sops.conftest import sealfile_cli

    target = tmp_path / "s.yaml"
    target.write_text(_labels(_encrypted(tmp_path, sops_identity.recipient), "not-a-key"))
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    done = sealfile_cli("import-sops", str(target), "-o", str(tmp_path / "s.enc.yaml"))
    assert done.returncode == 1 and not (tmp_path / "s.enc.yaml").exists()
    assert done.stderr.strip().endswith("a sops.age entry's recipient 'not-a-key' is not an age or SSH public key: "
                                        "write the recipient's key there to import the file")


def test_only_an_entry_for_one_recipient_is_tried_with_every_identity(tmp_path: Path, sops_identity: AgeIdentity,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """sops writes one recipient's age file per entry (rage adds a grease stanza, which counts for nothing): an
    entry of several stanzas is not tried with identities its label does not name, so 64 crafted entries cannot
    make every held key (an RSA one: ~10 ms a stanza) work through each of them."""
    import pyrage

    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    text = _labels(_encrypted(tmp_path, sops_identity.recipient), '""')
    found = re.search(r"( *)-----BEGIN AGE ENCRYPTED FILE-----\n.*?-----END AGE ENCRYPTED FILE-----", text, re.DOTALL)
    assert found is not None
    indent = found.group(1)
    identity = pyrage.x25519.Identity.from_str(sops_identity.identity)
    data_key = pyrage.decrypt(found.group(0).replace(indent, "").encode(), [identity])
    target = tmp_path / "s.yaml"
    others = [pyrage.x25519.Identity.generate().to_public() for _ in range(2)]
    for recipients, opens in (([identity.to_public()], True), ([*others, identity.to_public()], False)):
        armored = pyrage.encrypt(data_key, recipients, armored=True).decode().strip()
        target.write_text(text.replace(found.group(0), "\n".join(indent + line for line in armored.splitlines())))
        sealfile.forget_data_keys()
        assert _sops_opens(target, SOPS_AGE_KEY_FILE=str(sops_identity.key_file))
        if opens:
            assert _opens(target)
        else:
            with pytest.raises(NoUsableKeyError, match="not an age file for one recipient"):
                sealfile.load_secrets(target)


def test_an_ssh_key_file_that_cannot_be_read_leaves_the_x25519_identities(tmp_path: Path, sops_identity: AgeIdentity,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    (Path.home() / ".ssh" / "id_ed25519").mkdir(parents=True, mode=0o700)  # where sops looks by default: no file
    target = tmp_path / "s.yaml"
    target.write_text(_labels(_encrypted(tmp_path, sops_identity.recipient), '""'))
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    assert _sops_opens(target)
    assert _opens(target)
