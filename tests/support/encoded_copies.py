"""A sealed file, its decrypted copy written into a commit in some encoding, and what ``review`` and ``check``
must then say: the one set-up and assertion the encoded-copy tests share (test_review_encoded*.py)."""

from __future__ import annotations

from collections.abc import Iterable

from tests.support.git import Sandbox, seal_file

FILE = "config/prod.enc.yaml"
SECRET = "s3cret-a91"


def sealed_base(box: Sandbox) -> bytes:
    """Seal and commit :data:`FILE`; its decrypted text, the copy the tests encode."""
    seal_file(box, FILE, f"db:\n  password: {SECRET}\n  user: app\n  host_unencrypted: db.local\n")
    box.commit("base")
    return box.sealfile("decrypt", FILE).stdout.encode()


def write_files(box: Sandbox, files: dict[str, bytes]) -> None:
    for path, data in files.items():
        target = box.repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def assert_copies_found(box: Sandbox, found: dict[str, str], hidden: Iterable[str]) -> None:
    """Commit the work tree; ``review`` of that commit and ``check`` of ``found``'s paths both fail, naming each path
    with where the copy is (``found[path]``), and neither shows any of ``hidden`` (the secret, its encodings)."""
    box.commit("encoded copies")
    status, shown = box.review_last()
    assert status == 3, shown
    for path, where in found.items():
        assert any(line.strip().startswith(f"{path}: {where}") and f"holds every key path of {FILE} in plaintext"
                   in line for line in shown.splitlines()), (path, shown)
    checked = box.sealfile("check", *found, check=False, env=box.keyless_env())
    assert checked.returncode == 3, checked.stderr
    for path, where in found.items():
        assert f"error: {path}: {where}" in checked.stderr, (path, checked.stderr)
    for text in hidden:
        assert text not in shown and text not in checked.stderr
