"""The SSH wire encoding (RFC 4251 section 5): uint32, length-prefixed string and mpint.

Shared by public keys, signatures, SSHSIG blobs and the ssh-agent protocol. The reader is strict
(no negative or padded mpints, no trailing bytes once ``finish`` is called) and raises only
:class:`FormatError`, so a caller turns any malformed input into its own one-line error.
"""

from __future__ import annotations

from sealfile.errors import FormatError


def uint32(value: int) -> bytes:
    return value.to_bytes(4, "big")


def string(value: bytes) -> bytes:
    return uint32(len(value)) + value


def mpint(value: int) -> bytes:
    """A non-negative integer, minimal two's complement (a leading zero byte only for a set top bit)."""
    if value < 0:
        raise ValueError("negative mpint")
    if value == 0:
        return string(b"")
    # bit_length // 8 + 1 bytes leave the top bit clear: the sign bit of two's complement
    return string(value.to_bytes(value.bit_length() // 8 + 1, "big"))


class WireReader:
    """Reads fields in order from one message; every read refuses to run past the end."""

    def __init__(self, data: bytes):
        self._data = memoryview(data)
        self._offset = 0

    def raw(self, length: int) -> bytes:
        end = self._offset + length
        if end > len(self._data):
            raise FormatError("truncated SSH data")
        chunk = bytes(self._data[self._offset:end])
        self._offset = end
        return chunk

    def uint32(self) -> int:
        return int.from_bytes(self.raw(4), "big")

    def string(self) -> bytes:
        return self.raw(self.uint32())

    def text(self) -> str:
        """A string field that names something (an algorithm, a namespace): UTF-8 without NUL."""
        value = self.string()
        if b"\0" in value:
            raise FormatError("NUL byte in an SSH name")
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise FormatError("an SSH name is not UTF-8") from None

    def mpint(self) -> int:
        value = self.string()
        if value and value[0] & 0x80:
            raise FormatError("negative SSH mpint")
        if len(value) > 1 and value[0] == 0 and not value[1] & 0x80:
            raise FormatError("SSH mpint with a superfluous leading zero")
        return int.from_bytes(value, "big")

    @property
    def remaining(self) -> int:
        return len(self._data) - self._offset

    def finish(self) -> None:
        """Refuse trailing bytes: one message has one encoding."""
        if self.remaining:
            raise FormatError("trailing bytes after SSH data")
