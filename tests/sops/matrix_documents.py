"""Plaintext documents for the SOPS matrix: every type SOPS distinguishes, under every rule mode.

Each YAML and JSON document holds the same values twice, once in a subtree the rule encrypts and
once in a subtree it leaves in plaintext, so each type is checked both ways: decrypted by its
``type:`` label, and hashed into the MAC as Go prints the value yaml.v3 or encoding/json read.
"""

from __future__ import annotations

YAML_VALUES = """\
  # comment at the top of {name}
  string: hello world
  unicode: "héllo ✓ 日本 🔑"
  multiline: |
    line one
    line two
  folded: >
    folded
    text
  quoted_int: "42"
  quoted_bool: "true"
  yes_word: yes
  empty: ""
  int: 42
  negative: -17
  int64_max: 9223372036854775807
  int64_min: -9223372036854775808
  big_int: 123456789012345678901234567890
  octal: 0o17
  old_octal: 017
  not_octal: 08
  hex: 0x1F
  binary_int: 0b101
  underscored: 1_000
  float: 1.5
  whole_float: 2.0
  negative_zero: {negative_zero}
  nan: .nan
  inf: .inf
  negative_inf: -.inf
  huge: 1.0e+300
  tiny: 1.0e-300
  exponent_int: 1e3
  million: 1000000.0
  below_million: 999999.0
  small: 0.0001
  smaller: 0.00001
  bool_true: true
  bool_false: false
  nothing: null
  tilde: ~
  date: 2024-05-01
  short_date: 2024-5-1
  timestamp: 2024-05-01T10:20:30Z
  lower_t: 2001-12-14t21:59:43.10-05:00
  spaced: 2001-12-14 21:59:43.10
  utc_offset: 2024-05-01T10:20:30+00:00
  lower_z: 2001-12-14t21:59:43z
  one_digit_hour: 2001-12-15 2:59:43.10
  zero_fraction: 2001-12-14T21:59:43.000Z
  upper_hex: 0X1F
  signed_hex: +0x1F
  negative_old_octal: -017
  underscores: 1__0
  underscored_float: 1_000.5
  leading_zero_float: 09.5
  point_only: 1.
  plus_point: +.5
  sexagesimal: 190:20:30
  denormal: 5e-324
  upper_exponent: 1E3
  signed_exponent: 1.0e+3
  upper_inf: +.INF
  mixed_inf: -.Inf
  upper_nan: .NaN
  on_word: on
  off_word: OFF
  y_word: Y
  n_word: n
  title_null: Null
  upper_null: NULL
  not_null: nUll
  empty_value:
  binary_text: !!binary aGVsbG8=
  str_tag: !!str 12
  custom_tag: !custom 12
  float_tag: !!float 1
  int_tag: !!int 0x1F
  keep: |+
    kept

  strip: |-
    stripped
  folded_strip: >-
    a
    b
  folded_keep: >+
    a

  indented: |2
      two more
    two
  other_digits: 2\u0660\u0662\u0664-\u0660\u0661-\u0660\u0661  # Go reads no date in other scripts' digits
  base: &base_{name}
    x: 1
    y: two
  merged:
    <<: *base_{name}
    z: 3
  merged_list:
    <<: [{{a: 1, b: 1}}, {{b: 2, c: 2}}]
    c: 3
  list: [1, 2.5, "x", true, null, 2024-01-02, {negative_zero}, ""]
  nested:
    # inside nested
    deep:
      key: value
    items:
      - name: a
        # in a map in a list
        port: 1
      # between items
      - name: b
  empty_map: {{}}
  empty_list: []
"""

# (rule, sops flags, key of the encrypted subtree, key of the plaintext one, creation rule for rules without a flag)
YAML_RULES = (
    ("unencrypted_suffix", (), "values", "values_unencrypted", None),
    ("encrypted_suffix", ("--encrypted-suffix", "_secret"), "values_secret", "values", None),
    ("encrypted_regex", ("--encrypted-regex", "^secret_"), "secret_values", "values", None),
    ("unencrypted_regex", ("--unencrypted-regex", "^public_"), "values", "public_values", None),
    ("mac_only_encrypted", (), "secret_values", "values", "encrypted_regex: ^secret_\n    mac_only_encrypted: true"),
    ("encrypted_comment_regex", (), "values", "plain_values", "encrypted_comment_regex: sops:enc"),
    ("unencrypted_comment_regex", (), "values", "plain_values", "unencrypted_comment_regex: sops:plain"),
)


NEGATIVE_ZERO_IN_PLAINTEXT = "values_unencrypted:\n  zero: -0.0\n"
"""SOPS writes a plaintext -0.0 as ``-0``, reads that back as the int 0 and refuses its own file."""


def yaml_document(sealed: str, plain: str) -> str:
    """Both subtrees, with the comments the comment rules look for before each (-0.0 encrypted
    only: see :data:`NEGATIVE_ZERO_IN_PLAINTEXT`)."""
    return (f"# sops:enc\n{sealed}:\n{YAML_VALUES.format(name='a', negative_zero='-0.0')}"
            f"# sops:plain\n{plain}:\n{YAML_VALUES.format(name='b', negative_zero='0.0')}"
            "# comment at the end\n")


JSON_VALUES = """{
    "string": "hello \\"world\\" <tag> & \\u2028 \\u00e9",
    "unicode": "ünï ✓ 日本 \\ud83d\\udd11",
    "escapes": "tab\\t cr\\r nl\\n bell\\u0007",
    "empty": "",
    "int": 8080,
    "negative": -3,
    "big": 12345678901234567891,
    "float": 0.5,
    "whole": 3.0,
    "negative_zero": -0.0,
    "e20": 1e20,
    "e21": 1e21,
    "small": 0.0000001,
    "tiny": 1e-300,
    "true": true,
    "false": false,
    "null": null,
    "list": [1, 2.5, "x", false, null, [], {}],
    "nested": {"deep": {"key": "v", "list": [{"k": 1}, {"k": 2.5}]}},
    "dup": "first",
    "dup": "second",
    "nested_dup": {"k": 1, "k": 2}
  }"""

JSON_RULES = (
    ("unencrypted_suffix", (), "values", "values_unencrypted", None),
    ("encrypted_regex", ("--encrypted-regex", "^secret_"), "secret_values", "values", None),
    ("mac_only_encrypted", (), "secret_values", "values", "encrypted_regex: ^secret_\n    mac_only_encrypted: true"),
)


def json_document(sealed: str, plain: str) -> str:
    return f'{{\n  "{sealed}": {JSON_VALUES},\n  "{plain}": {JSON_VALUES},\n  "top": "level"\n}}\n'


DOTENV = """\
# a comment
NAME=svc
EMPTY=
SPACES=  spaced value\x20\x20
QUOTED="quoted"
EQUALS=a=b=c
MULTILINE=line one\\nline two
UNICODE=héllo ✓
public_PLAIN=visible
"""

INI = """\
top_level = in default
; a section comment
[database]
# a key comment
user = admin
password = "p@ss word"
port = 5432
spaced key = value with spaces
[public_settings]
region = eu-west-1
[database]
again = second section with the same name
"""

BINARY = b"raw bytes \x00\x01\xff\xfe not UTF-8\nsecond line\n"

MULTI_DOCUMENT = """\
first: 1
secret: one
---
second: 2.5
secret: two
"""
