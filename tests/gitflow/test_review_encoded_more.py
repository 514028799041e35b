"""``review`` and ``check`` find a decrypted copy however a line or an archive hides it, beyond a value alone on its
line (:mod:`sealfile.gitflow.text_encodings`): base64 in the middle of a line and short base64, hex (``xxd -p``,
``\\x41`` escapes), HTML/XML character references, quoted-printable, bzip2 and xz, and a Word document whose XML
splits the text across runs. Each passed both checks without a word; 7z and PDF are named as not checked."""

from __future__ import annotations

import base64
import bz2
import gzip
import lzma
import subprocess
from collections.abc import Callable

from tests.support.archives import zip_bytes
from tests.support.encoded_copies import FILE, SECRET, assert_copies_found, sealed_base, write_files
from tests.support.git import Sandbox, seal_file
from tests.support.ssh import generate_key


def _b64(copy: bytes) -> str:
    return base64.b64encode(copy).decode()


def _xxd(data: bytes) -> bytes:
    """What ``xxd -p`` writes: 30 bytes a line."""
    return "".join(data[at:at + 30].hex() + "\n" for at in range(0, len(data), 30)).encode()


def _docx(copy: bytes) -> bytes:
    """A Word document whose runs split every line (Word splits at each edit, spell check, language change)."""
    runs = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{line[:5]}</w:t></w:r><w:proofErr w:type="spellStart"/>'
        f'<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{line[5:]}</w:t></w:r></w:p>'
        for line in copy.decode().splitlines())
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="http://schemas.'
                f'openxmlformats.org/wordprocessingml/2006/main"><w:body>{runs}</w:body></w:document>')
    return zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": document.encode()})


def _entities(copy: bytes) -> bytes:
    text = "".join(f"&#x{ord(c):x};" if c in "\n:" else "&amp;" if c == "&" else c for c in copy.decode())
    return f'<config><value name="prod">{text}</value></config>\n'.encode()


def _quoted_printable(copy: bytes) -> bytes:
    """A mail client's body: ``:`` and ``=`` as ``=3A``, lines over 40 characters broken with a soft ``=``."""
    body = "".join(f"={b:02X}" if b in b":=" else chr(b) for b in copy)
    wrapped = "=\n".join(body[at:at + 40] for at in range(0, len(body), 40))
    return ("From: ops@example.com\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n"
            + wrapped).encode()


ENCODINGS: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "deploy/app.json": (lambda c: f'{{"name": "app", "data": "{_b64(c)}", "replicas": 2}}\n'.encode(),
                        "base64 in data on line 1"),
    "deploy/Dockerfile": (lambda c: f"FROM alpine:3\nENV CONFIG={_b64(c)} MODE=prod\n".encode(),
                          "base64 in CONFIG on line 2"),
    "scripts/restore.sh": (lambda c: f"echo '{_b64(c)}' | base64 -d > prod.yaml\n".encode(),
                           "base64 on line 1"),
    "config/prod.hex": (_xxd, "hex on lines 1-"),
    "scripts/write.sh": (lambda c: ("printf '" + "".join(f"\\x{b:02x}" for b in c) + "' > prod.yaml\n").encode(),
                         "\\x escapes on line 1"),
    "config/prod.xml": (_entities, "text of the markup"),
    "mail/prod.eml": (_quoted_printable, "quoted-printable text"),
    "config/prod.yaml.bz2": (bz2.compress, "bzip2 of config/prod.yaml.bz2"),
    "config/prod.yaml.xz": (lzma.compress, "xz of config/prod.yaml.xz"),
    "docs/handover.docx": (_docx, "text of member word/document.xml of docs/handover.docx"),
}


def test_a_decrypted_copy_inside_a_line_or_another_encoding_is_found_and_never_shown(sandbox: Sandbox) -> None:
    copy = sealed_base(sandbox)
    write_files(sandbox, {path: encode(copy) for path, (encode, _) in ENCODINGS.items()})
    assert_copies_found(sandbox, {path: where for path, (_, where) in ENCODINGS.items()},
                        [SECRET, SECRET.encode().hex()])


def test_a_short_base64_copy_of_a_small_file_is_found(sandbox: Sandbox) -> None:
    seal_file(sandbox, ".env.enc", "A=x\nB=y\n")
    sandbox.commit("base")
    copy = sandbox.sealfile("decrypt", ".env.enc").stdout.encode()
    encoded = _b64(copy)
    assert len(encoded) < 16, encoded
    write_files(sandbox, {"Dockerfile": f"FROM alpine:3\nRUN echo {encoded} | base64 -d > .env\n".encode()})
    sandbox.commit("short")
    status, shown = sandbox.review_last()
    assert status == 3 and "Dockerfile: base64 on line 2: holds every key path of .env.enc" in shown, shown


def test_7z_and_pdf_are_named_as_not_checked(sandbox: Sandbox) -> None:
    sealed_base(sandbox)
    write_files(sandbox, {"backup.7z": b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(range(200)),
                          "docs/handover.pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Filter /FlateDecode >>\n"})
    sandbox.commit("opaque")
    status, shown = sandbox.review_last()
    assert status == 0, shown
    attention = shown.split("NEEDS ATTENTION:")[1]
    assert "backup.7z: a 7z archive: not opened (no reader without a dependency), so nothing in it was checked" \
        in attention
    assert "docs/handover.pdf: a PDF: its text is not read, so nothing in it was checked" in attention


def test_check_finds_a_private_key_in_a_decoded_text_as_review_does(sandbox: Sandbox) -> None:
    """The pre-commit hook stops what CI's review would fail: a recipient's identity, base64'd in a Secret."""
    sealed_base(sandbox)
    identity = (sandbox.root / "home" / "keys.txt").read_bytes()
    write_files(sandbox, {"deploy/key.yaml": ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: key\ndata:\n"
                                              f"  keys.txt: {_b64(identity)}\n").encode(),
                          "deploy/key.hex": _xxd(identity)})
    sandbox.git("add", "-A")
    checked = sandbox.sealfile("check", "deploy/key.yaml", "deploy/key.hex", check=False, env=sandbox.keyless_env())
    assert checked.returncode == 3, checked.stderr
    for path, where in (("deploy/key.yaml", "base64 in data.keys.txt"), ("deploy/key.hex", "hex on lines 1-")):
        assert any(line.startswith(f"sealfile: error: {path}: {where}") and FILE in line
                   for line in checked.stderr.splitlines()), (path, checked.stderr)
    assert "AGE-SECRET-KEY" not in checked.stderr


def test_a_copy_is_found_whatever_the_order_of_the_changes_files(sandbox: Sandbox) -> None:
    """A copy outside its sealed file's directory was compared with it only if a file of that directory came first
    in the change (``app/`` sorts before ``config/``)."""
    copy = sealed_base(sandbox)
    write_files(sandbox, {"app/prod.yaml.gz": gzip.compress(copy), "config/notes.yaml": b"owner: ops\n"})
    sandbox.commit("a copy elsewhere")
    status, shown = sandbox.review_last()
    assert status == 3 and f"app/prod.yaml.gz: gzip of app/prod.yaml.gz: holds every key path of {FILE}" in shown, shown
    checked = sandbox.sealfile("check", "app/prod.yaml.gz", "config/notes.yaml", check=False,
                               env=sandbox.keyless_env())
    assert checked.returncode == 3 and "error: app/prod.yaml.gz: gzip of" in checked.stderr, checked.stderr


def test_other_private_keys_in_decoded_texts_are_named_by_check_and_review(sandbox: Sandbox) -> None:
    """An OpenSSH key in an xz archive, a PEM key's lines as XML character references: not a recipient's, so a
    warning and an attention line, by kind, never shown."""
    sealed_base(sandbox)
    key = generate_key(sandbox.root, "ed25519", "deploy").path.read_bytes()
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(sandbox.root / "tls.key")], check=True,
                   capture_output=True)
    pem = (sandbox.root / "tls.key").read_text().replace("\n", "&#10;")
    write_files(sandbox, {"backup/deploy.xz": lzma.compress(key),
                          "deploy/tls.xml": f"<secret><key>{pem}</key></secret>\n".encode()})
    sandbox.git("add", "-A")
    checked = sandbox.sealfile("check", "backup/deploy.xz", "deploy/tls.xml", check=False,
                               env=sandbox.keyless_env())
    assert checked.returncode == 0, checked.stderr
    assert "warning: backup/deploy.xz: xz of backup/deploy.xz: line 1: an OpenSSH private key" in checked.stderr
    assert "warning: deploy/tls.xml: text of the markup: line 1: " in checked.stderr, checked.stderr
    sandbox.commit("keys")
    status, shown = sandbox.review_last()
    assert status == 0, shown
    assert "backup/deploy.xz: xz of backup/deploy.xz: line 1: an OpenSSH private key" in shown, shown
    assert "deploy/tls.xml: text of the markup: line 1: " in shown
    assert "PRIVATE KEY-----\n" not in shown + checked.stderr and key.decode().splitlines()[1] not in shown
