"""Shamir's secret sharing over GF(2^8), byte for byte as SOPS (and HashiCorp Vault) do it.

Each byte of the secret is the constant term of its own random polynomial of degree
``threshold - 1``; a share is the polynomial values at one point ``x`` followed by ``x`` itself
(so a share of a 32-byte data key is 33 bytes). The field is GF(2^8) with the AES polynomial
x^8 + x^4 + x^3 + x + 1. Shares are made at x = 1, 2, 3... in key-group order, as SOPS 3.x
writes them; :func:`combine` reads each share's ``x`` from its last byte, whatever it is.

Arithmetic on secret bytes avoids branches and table lookups indexed by them (Python gives no
constant-time guarantee, but nothing here chooses a path by a secret). ``x`` values are public.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sealfile.errors import IntegrityError

MAX_PARTS = 255


def _mul(a: int, b: int) -> int:
    """a * b in GF(2^8): shift-and-add, reducing by the AES polynomial, with masks, not branches."""
    product = 0
    for _ in range(8):
        product ^= -(b & 1) & a
        carry = -(a >> 7) & 0x1B
        a = ((a << 1) & 0xFF) ^ carry
        b >>= 1
    return product


def _inverse(a: int) -> int:
    """a^-1 = a^254 in GF(2^8) (a fixed sequence of squarings and products)."""
    result, power = 1, a
    for bit in range(8):
        if (254 >> bit) & 1:
            result = _mul(result, power)
        power = _mul(power, power)
    return result


def _evaluate(coefficients: Sequence[int], x: int) -> int:
    """The polynomial at ``x`` by Horner's rule (coefficients lowest degree first)."""
    value = 0
    for coefficient in reversed(coefficients):
        value = _mul(value, x) ^ coefficient
    return value


def split(secret: bytes, parts: int, threshold: int) -> list[bytes]:
    """``parts`` shares of ``secret``, any ``threshold`` of which give it back; share ``i`` is at x = i + 1."""
    if not 1 <= threshold <= parts <= MAX_PARTS:
        raise ValueError(f"need 1 <= threshold <= parts <= {MAX_PARTS}, got threshold {threshold} of {parts}")
    if not secret:
        raise ValueError("cannot split an empty secret")
    polynomials = [[byte, *secrets.token_bytes(threshold - 1)] for byte in secret]
    return [bytes(_evaluate(p, x) for p in polynomials) + bytes([x]) for x in range(1, parts + 1)]


def combine(shares: Sequence[bytes]) -> bytes:
    """The secret that ``shares`` (at least the threshold they were made with) interpolate at x = 0.

    Shares that are not of one split give a wrong secret, which the file MAC then refuses; only
    malformed input is refused here: unequal lengths, a share at x = 0, two shares at one x."""
    if not shares:
        raise ValueError("no shares to combine")
    length = len(shares[0])
    if length < 2 or any(len(share) != length for share in shares):
        raise IntegrityError("the key-group parts of the data key have different lengths")
    xs = [share[-1] for share in shares]
    if 0 in xs or len(set(xs)) != len(xs):
        raise IntegrityError("the key-group parts of the data key are not distinct points")
    bases = [_lagrange_at_zero(xs, i) for i in range(len(xs))]
    secret = bytearray(length - 1)
    for index in range(length - 1):
        value = 0
        for share, basis in zip(shares, bases, strict=True):
            value ^= _mul(share[index], basis)
        secret[index] = value
    return bytes(secret)


def _lagrange_at_zero(xs: Sequence[int], i: int) -> int:
    """The Lagrange basis polynomial of point ``i`` at x = 0 (in GF(2^8), subtraction is XOR)."""
    basis = 1
    for j, xj in enumerate(xs):
        if j != i:
            basis = _mul(basis, _mul(xj, _inverse(xs[i] ^ xj)))
    return basis
