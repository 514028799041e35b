"""Plaintext documents with every kind of value SOPS types: str, int, float, bool, null, lists, maps."""

from __future__ import annotations

YAML_DOCUMENT = """\
# top comment
database:
  # who connects
  user: admin
  password: "p@ss: w0rd #1"
  port: 5432
  negative: -17
  ratio: 0.25
  whole_float: 2.0
  tiny: 1.0e-7
  million: 1000000.0
  below_million: 999999.0
  big_float: -123456789.0
  huge: 1.0e+25
  enabled: true
  disabled: false
  empty: ""
  nothing: null
  replicas:
    - host: a.example
      port: 1
    # the second replica
    - host: b.example
      weight: 2.5
  tags: [x, "y", 3, 4.5, false]
  nested_list: [[1, 2], [three]]
certificate: |
  -----BEGIN CERTIFICATE-----
  MIIB line two
  -----END CERTIFICATE-----
folded: >
  folded text
  over lines
no_trailing_newline: |-
  one
  two
unicode: "héllo wörld ✓ 日本"
schlüssel: "🔑"
quoted_number: "0123"
quoted_bool: "true"
spaces: "  leading and trailing  "
line_breaks: "crlf\r\nnel\x85ls\u2028end"
indented_block: "  starts indented\n  and ends with spaces  \n"
public_unencrypted:
  region: eu-west-1
  count: 3
  ratio: 1.5
  flag: true
"""

JSON_DOCUMENT = """\
{
  "name": "svc",
  "port": 8080,
  "ratio": 0.5,
  "whole": 3.0,
  "negative": -3,
  "big": 12345678901234567891,
  "e20": 1e20,
  "e21": 1e21,
  "small": 0.0000001,
  "flags": [true, false, null],
  "nested": {"deep": {"deeper": "v", "list": [1, [2, "three"]]}},
  "unicode": "ünï ✓ 日本",
  "multi": "a\\nb\\n",
  "line_breaks": "crlf\\r\\nnel\\u0085end",
  "leading_break": "\\n# not a comment\\n",
  "control": "bell\\u0007\\u001f\\n",
  "empty": "",
  "list_of_maps": [{"k": 1}, {"k": 2.5, "s": "x"}],
  "plain_unencrypted": {"n": 7, "f": 0.1, "b": true, "s": "visible"}
}
"""

SIMPLE_YAML = """\
user: admin
password: hunter2
tags:
  - first
  - second
public_unencrypted: visible
"""
