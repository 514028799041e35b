"""A recipient stanza copied from another file gives that file's data key: the MAC fails, and the message says
so (the key opens none of the values) instead of calling the file altered. A changed value keeps the plain
message: the key opens the other values."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sealfile.errors import IntegrityError
from sealfile.kms.age import AgeKey
from sealfile.ops.seal import seal_text
from sealfile.runtime.loader import load_secrets
from tests.support.cli import run_cli
from tests.support.v1_corpus import V1, v1_key

__all__ = ["v1_key"]

RECIPIENT = "age1zrsh7k3vrdh2tt86klh3wmdsn35l66q6j0j0al8udd78e28dpgwq2jr6dg"
_STANZAS = re.compile(r"  recipients:\n(?:    .*\n)+")
COPIED = (": the file MAC does not match: the data key the age " + RECIPIENT + " stanza gave opens none of its "
          "values, so it was sealed for another file (a recipient stanza copied in), or every value was")


def _with_stanzas_of(text: str, other: str) -> str:
    stanzas = _STANZAS.search(other)
    assert stanzas is not None
    return _STANZAS.sub(lambda _: stanzas.group(), text, count=1)


@pytest.mark.parametrize("version", [1, 2])
def test_a_stanza_copied_from_another_file_is_named(version: int, v1_key: Path, tmp_path: Path) -> None:
    other = seal_text("other: s3cret-other\n", [AgeKey(RECIPIENT)])
    text = (V1 / "secrets.enc.yaml").read_text() if version == 1 else seal_text("a: s3cret-1\n", [AgeKey(RECIPIENT)])
    path = tmp_path / "secrets.enc.yaml"
    path.write_text(_with_stanzas_of(text, other))
    with pytest.raises(IntegrityError) as caught:
        load_secrets(path)
    assert str(caught.value) == f"{path}{COPIED}"
    done = run_cli("decrypt", str(path))
    assert (done.returncode, done.stderr) == (1, f"sealfile: error: {path}{COPIED}\n"), done.stderr
    assert "s3cret" not in done.stdout + done.stderr


def test_a_changed_value_is_still_an_altered_file(v1_key: Path, tmp_path: Path) -> None:
    text = seal_text("a: s3cret-1\nb: s3cret-2\n", [AgeKey(RECIPIENT)])
    other = seal_text("a: s3cret-x\n", [AgeKey(RECIPIENT)])
    token = re.search(r"a: (ENC\[[^\]]+\])", other)
    assert token is not None
    path = tmp_path / "secrets.enc.yaml"
    path.write_text(re.sub(r"a: ENC\[[^\]]+\]", lambda _: f"a: {token.group(1)}", text, count=1))
    with pytest.raises(IntegrityError) as caught:
        load_secrets(path)
    assert str(caught.value) == f"{path}: the file MAC does not match: the file was altered or damaged"
