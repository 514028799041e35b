"""Realistic plaintext secrets files of a chosen size, for benchmarks and equivalence tests.

A file is a list of services, each a nested mapping with the kinds of values real secrets
files hold: hosts, ports, booleans, floats, passwords (plain, double- and single-quoted),
lists of tags, lists of mappings, multi-line certificates, nulls, plaintext ``_unencrypted``
values and comments. The same ``(values, seed)`` always gives the same text.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterator

_ALPHABET = string.ascii_letters + string.digits


def _secret(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(_ALPHABET) for _ in range(length))


def _service_lines(rng: random.Random, number: int) -> Iterator[tuple[str, bool]]:
    """``(line, is_value)`` pairs for one service; ``is_value`` marks lines that hold one leaf."""
    name = f"svc-{number:05d}"
    yield f"  {name}:", False
    if number % 3 == 0:
        yield f"    # credentials for {name}, rotated quarterly", False
    yield f"    host: {name}.db.internal.example.com", True
    yield f"    port: {5000 + number % 1000}", True
    yield f"    enabled: {'true' if number % 2 else 'false'}", True
    yield f"    user: {name.replace('-', '_')}", True
    quote = number % 3
    password = _secret(rng, 24)
    if quote == 0:
        yield f"    password: {password}", True
    elif quote == 1:
        yield f'    password: "{password}"', True
    else:
        yield f"    password: '{password}'", True
    yield f"    timeout_seconds: {rng.randint(1, 120)}  # seconds", True
    yield f"    sample_ratio: {rng.randint(1, 99) / 100}", True
    yield f"    region_unencrypted: eu-west-{number % 3 + 1}", True
    yield "    tags:", False
    yield "      - production", True
    yield f"      - team-{number % 17}", True
    if number % 5 == 0:
        yield "    replicas:", False
        for replica in range(2):
            yield f"      - host: {name}-r{replica}.db.internal.example.com", True
            yield f"        port: {6000 + replica}", True
    if number % 7 == 0:
        yield "    certificate: |", False
        yield "      -----BEGIN CERTIFICATE-----", False
        for _ in range(3):
            yield f"      {_secret(rng, 64)}", False
        yield "      -----END CERTIFICATE-----", True
    if number % 11 == 0:
        yield "    fallback: null", True
        yield "    api_token: ~", True


def plaintext(values: int, seed: int = 8) -> str:
    """A YAML document with exactly ``values`` leaf values (scalars)."""
    rng = random.Random(seed)
    lines = [f"# Benchmark secrets: {values} values", "app_unencrypted:", "  name: benchmark", "services:"]
    count = 1
    number = 0
    while count < values:
        number += 1
        for line, is_value in _service_lines(rng, number):
            lines.append(line)
            count += is_value
            if count == values:
                break
    return "\n".join(lines) + "\n"
