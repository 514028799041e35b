"""``review`` of a sealed file, or a SOPS file, committed decrypted in place: whoever it was sealed for is a
recipient removed (anyone can read it now), whether or not a ``sealed_files`` pattern covers its path, and the
plaintext is a violation where a pattern covers it. One implementation for both (docs/sops-compat.md §10)."""

from __future__ import annotations

import pytest

from tests.support.git import Sandbox, seal_file

PLAIN = "db:\n  password: s3cret-d41\n  user: app\n"


def _sealed(box: Sandbox, name: str, kind: str) -> None:
    if kind == "sealed":
        seal_file(box, name, PLAIN)
    else:
        (box.repo / name).parent.mkdir(parents=True, exist_ok=True)
        (box.repo / name).write_text(PLAIN)
        box.sops("encrypt", "--age", box.recipient, "--input-type", "yaml", "--output-type", "yaml", "-i", name)
    box.commit("a secret file")


def _decrypt_in_place(box: Sandbox, name: str, kind: str, env: dict[str, str]) -> None:
    if kind == "sealed":
        shown = box.sealfile("decrypt", name, env=env).stdout
        (box.repo / name).write_text(shown)
    else:
        box.sops("decrypt", "-i", "--input-type", "yaml", "--output-type", "yaml", name)
    assert "s3cret-d41" in (box.repo / name).read_text()
    box.commit("oops: decrypted in place")


@pytest.mark.parametrize("kind", ["sealed", "sops"])
@pytest.mark.parametrize("name", ["prod/db.enc.yaml", "settings/db.yaml"])
def test_a_file_decrypted_in_place_names_its_recipients_removed(sandbox: Sandbox, kind: str, name: str) -> None:
    """``*.enc.yaml`` is covered by the default patterns (its plaintext a violation); ``settings/db.yaml`` by none
    (its plaintext a line to check, as any data file's secret-named value outside the patterns)."""
    _sealed(sandbox, name, kind)
    _decrypt_in_place(sandbox, name, kind, sandbox.env)
    status, shown = sandbox.review_last()
    assert status == (3 if name.endswith(".enc.yaml") else 0), shown
    assert "s3cret-d41" not in shown, shown
    recipients = shown.split("!!! RECIPIENTS CHANGED !!!")[1]
    assert f"{name}: removed age {sandbox.recipient} (data key NOT rotated" in recipients, shown
    status, shown = sandbox.review_last("--fail-on-recipient-change")
    assert status == 3 and f"{name}: recipients changed" in shown, shown
