"""Every line a writer adds to a file is in the file's own line breaks: LF, CRLF, or a CR alone
(YAML and dotenv break lines at each), for each syntax and through every writer (a new key, a new
subtree, a removal, the recipients and the data key changed, the merge driver). ``decrypt`` prints a dotenv
file's as LF, as python-dotenv and a shell sourcing it read them (docs/format.md §1)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from sealfile.ops.read import decrypt_text
from sealfile.stores import get_store
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity, write_identity

BREAKS = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}

FILES = {  # a file name, its text with {n} for its line breaks, two new keys (nested, top level)
    "yaml": ("s.enc.yaml", "# db{n}a: 1{n}b:{n}  c: x{n}l: &l [1]{n}m: *l{n}", "b.d", "top"),
    "json": ("s.enc.json", '{{{n}  "a": 1,{n}  "b": {{{n}    "c": "x"{n}  }}{n}}}{n}', "b.d", "top"),
    "dotenv": (".env.enc", "# db{n}A=1{n}B=x{n}", "D", "TOP"),
}


def _only(data: bytes, newline: str) -> bool:
    rest = data.replace(newline.encode(), b"")
    return b"\r" not in rest and b"\n" not in rest


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


def _decrypted(run_cli: RunCli, sealed: Path) -> bytes:
    """The plaintext's bytes (a CLI's stdout read as text would have its line breaks translated)."""
    out = sealed.parent / "decrypted"
    out.unlink(missing_ok=True)
    _ok(run_cli("decrypt", "--output", out, sealed))
    return out.read_bytes()


@pytest.mark.parametrize("style", list(BREAKS))
@pytest.mark.parametrize("syntax", list(FILES))
def test_every_writer_adds_lines_in_the_files_own_line_breaks(run_cli: RunCli, age_identity: AgeIdentity,
                                                             tmp_path: Path, syntax: str, style: str) -> None:
    """A YAML file with lone CRs got its metadata block, and every key ``set`` added, in LF (and the
    next ``set`` then wrote CRLF, taking the text for a CRLF one)."""
    newline = BREAKS[style]
    name, template, nested, top = FILES[syntax]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    sealed = tmp_path / name
    plain = tmp_path / ("plain" + sealed.suffix if syntax != "dotenv" else "plain.env")
    plain.write_bytes(template.format(n=newline).encode())
    if syntax == "dotenv" and style == "cr":  # a shell reads it as one line, python-dotenv as several: refused
        done = run_cli("encrypt", "--age", age_identity.recipient, "--output", sealed, plain)
        assert done.returncode == 1 and "a carriage return alone" in done.stderr and not sealed.exists()
        return
    _ok(run_cli("encrypt", "--age", age_identity.recipient, "--output", sealed, plain))
    other = write_identity(tmp_path / "other" / "keys.txt")
    steps = [("set", sealed, nested, "v"), ("set", sealed, top, "w"), ("unset", sealed, top),
             ("recipients", "add", sealed, "--age", other.recipient),
             ("recipients", "remove", sealed, "--age", other.recipient), ("rotate", sealed)]
    if syntax != "dotenv":
        steps.insert(2, ("set", "--type", "yaml", sealed, "sub", '{"x": [1, 2], "y": {"z": "q"}}'))
    # CLI decrypt prints a dotenv file's line breaks as LF (a shell sourcing it reads a CR before LF as the value's
    # last character); the library's decrypt_text keeps the file's own, as YAML and JSON output does
    shown = "\n" if syntax == "dotenv" else newline
    for step in steps:
        _ok(run_cli(*step, cwd=tmp_path))
        decrypted = _decrypted(run_cli, sealed)
        assert _only(sealed.read_bytes(), newline) and _only(decrypted, shown), step
        assert decrypted.endswith(shown.encode()), step
        kept = decrypt_text(sealed.read_bytes().decode("utf-8"), store=get_store(syntax)).encode()
        assert _only(kept, newline) and kept.endswith(newline.encode()), step
    # the merge driver: both sides add a key
    sides = {side: tmp_path / "merge" / f"{side}.{name.lstrip('.')}" for side in ("base", "ours", "theirs")}
    sides["base"].parent.mkdir()
    for path in sides.values():
        shutil.copy(sealed, path)
    _ok(run_cli("set", sides["ours"], "ours_key", "1"))
    _ok(run_cli("set", sides["theirs"], "theirs_key", "2"))
    _ok(run_cli("git", "merge-driver", sides["base"], sides["ours"], sides["theirs"], name, cwd=tmp_path))
    decrypted = _decrypted(run_cli, sides["ours"])
    assert b"ours_key" in decrypted and b"theirs_key" in decrypted
    assert _only(sides["ours"].read_bytes(), newline) and _only(decrypted, shown)
    kept = decrypt_text(sides["ours"].read_bytes().decode("utf-8"), store=get_store(syntax)).encode()
    assert _only(kept, newline)
