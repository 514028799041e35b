"""Every reader is bounded: regular files and pipes only, never more than the size limit."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sealfile.errors import ConfigError, FormatError, SealfileError
from sealfile.files.io import max_file_bytes, read_bytes, read_quietly, read_text
from tests.support.cli import cli_env

DEVICES = ["/dev/zero", "/dev/null", "/dev/urandom", "/dev/tty"]


@pytest.mark.parametrize("device", [d for d in DEVICES if os.path.exists(d)])
def test_a_symlink_to_a_device_is_refused_before_reading(tmp_path: Path, device: str) -> None:
    link = tmp_path / "secrets.enc.yaml"
    link.symlink_to(device)
    started = time.monotonic()
    with pytest.raises(FormatError, match="is a device, not a file"):
        read_text(link)
    with pytest.raises(FormatError, match="is a device"):
        read_text(device)
    assert time.monotonic() - started < 2


def test_a_fifo_without_a_writer_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "secrets.enc.yaml"
    os.mkfifo(fifo)
    started = time.monotonic()
    assert read_text(fifo) == ""
    assert time.monotonic() - started < 2


def test_a_pipe_is_read_up_to_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEALFILE_MAX_FILE_MB", "0.5")
    reader, writer = os.pipe()
    feeder = subprocess.Popen([sys.executable, "-c", "import sys\nwhile True: sys.stdout.write('x' * 4096)"],
                              stdout=writer)
    os.close(writer)
    try:
        with pytest.raises(FormatError, match=r"input is larger than 0\.5 MiB"):
            read_bytes(f"/dev/fd/{reader}")
    finally:
        feeder.kill()
        feeder.wait()
        os.close(reader)


def test_other_file_kinds_give_one_line(tmp_path: Path) -> None:
    import socket

    with pytest.raises(SealfileError, match="no such file"):
        read_text(tmp_path / "missing")
    with pytest.raises(SealfileError, match="is a directory"):
        read_text(tmp_path)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "sock"))
    try:
        with pytest.raises(SealfileError, match="cannot open"):
            read_text(tmp_path / "sock")
    finally:
        server.close()


@pytest.mark.parametrize("target", ["/proc/self/mem", "/proc/self/clear_refs"])
def test_a_file_that_fails_to_read_gives_one_line_naming_it(tmp_path: Path, target: str) -> None:
    """Opened, then failing on the read (a link committed to ``/proc/self/mem``): was a bare ``OSError``, a
    traceback where a caller expects sealfile's errors (the set-up check's quiet read)."""
    (tmp_path / "app.enc.yaml").symlink_to(target)
    with pytest.raises(SealfileError, match=r"app\.enc\.yaml: reading failed: "):
        read_text(tmp_path / "app.enc.yaml")
    assert read_quietly(tmp_path / "app.enc.yaml") is None


def test_a_quiet_read_takes_nothing_from_a_pipe(tmp_path: Path) -> None:
    """A file a check only looks into is a regular file: a link to ``/dev/stdin`` must not take what a user
    piped to the command (a value for ``set``)."""
    reader, writer = os.pipe()
    os.write(writer, b"a secret")
    os.close(writer)
    try:
        assert read_quietly(f"/dev/fd/{reader}") is None
        assert os.read(reader, 100) == b"a secret"
    finally:
        os.close(reader)


def test_a_quiet_read_of_dash_takes_nothing_from_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    """``-`` names standard input to :func:`read_bytes`; a quiet read is of a file beside the sealed ones."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"a secret")))
    assert read_quietly("-") is None
    assert sys.stdin.read() == "a secret"


@pytest.mark.parametrize("command", ["verify", "decrypt", "status", "set", "check", "git textconv"])
def test_every_command_refuses_a_symlink_to_dev_zero_quickly(tmp_path: Path, command: str) -> None:
    link = tmp_path / "secrets.enc.yaml"
    link.symlink_to("/dev/zero")
    argv = {"set": ["set", link.name, "a", "b"], "git textconv": ["git", "textconv", link.name]}
    args = argv.get(command, [command, link.name])
    done = subprocess.run([sys.executable, "-m", "sealfile", *args], cwd=tmp_path, env=cli_env(),
                          capture_output=True, text=True, timeout=30)
    assert "Traceback" not in done.stderr
    assert "is a device, not a file" in done.stderr + done.stdout
    if command == "git textconv":  # git diff must not fail: one note instead of the content
        assert done.returncode == 0 and done.stdout.startswith("# sealfile: not shown:")
    else:
        assert done.returncode in (1, 3)


@pytest.mark.parametrize("value", ["16M", "lots", "0", "-1", "inf", "nan", "1e400"])
def test_a_size_limit_that_is_no_positive_number_is_refused_naming_the_variable(
        value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """'16M' fell back to 8 MiB unsaid, '0' made every file 'larger than 0.000999451 MiB', and 'inf' or
    'nan' escaped as an internal error (OverflowError, ValueError)."""
    monkeypatch.setenv("SEALFILE_MAX_FILE_MB", value)
    (tmp_path / "a.yaml").write_text("a: 1\n")
    expected = f"^SEALFILE_MAX_FILE_MB must be a positive number of megabytes, not '{value}'$"
    with pytest.raises(ConfigError, match=expected):
        read_text(tmp_path / "a.yaml")


def test_a_blank_size_limit_is_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEALFILE_MAX_FILE_MB", " ")
    assert max_file_bytes() == 8 * 1024 * 1024
    monkeypatch.setenv("SEALFILE_MAX_FILE_MB", "0.5")
    assert max_file_bytes() == 512 * 1024


@pytest.mark.parametrize(("raw", "message"), [
    ("db:\n  password: x\n".encode("utf-16"), "UTF-16 text, not UTF-8 (convert it: iconv -f UTF-16 -t UTF-8)"),
    ("db: 1\n".encode("utf-16-be").join([b"\xfe\xff", b""]), "UTF-16 text, not UTF-8 (convert it: iconv -f UTF-16"),
    ("db: 1\n".encode("utf-32"), "UTF-32 text, not UTF-8 (convert it: iconv -f UTF-32 -t UTF-8)"),
    ("a: 1\npassword: caf\xe9\n".encode("latin-1"), "not UTF-8 text (line 2, byte 19; a binary file, or another "
                                                    "encoding such as Latin-1?)"),
])
def test_text_in_another_encoding_is_named_with_where_and_the_fix_never_its_bytes(
        tmp_path: Path, raw: bytes, message: str) -> None:
    """Windows editors and PowerShell's ``>`` write UTF-16 with a byte-order mark: saying "binary file?" of
    it sent a user looking for the wrong problem. The bytes are never shown: they may be a secret's."""
    path = tmp_path / "secrets.yaml"
    path.write_bytes(raw)
    with pytest.raises(FormatError) as raised:
        read_text(path)
    assert str(raised.value).startswith(f"{path}: {message}")
    assert "\\x" not in str(raised.value) and "caf" not in str(raised.value)
