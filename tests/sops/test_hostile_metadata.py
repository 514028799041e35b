"""A SOPS file is attacker-controlled: its metadata decides neither how much a reader allocates nor
whether it crashes; each refusal is one FormatError line."""

from __future__ import annotations

import time

import pytest

from sealfile import sops
from sealfile.errors import FormatError
from sealfile.sops.flatstores import flat_metadata, read_dotenv
from sealfile.sops.format import parse_metadata
from sealfile.sops.goyaml import resolve
from sealfile.stores.yaml.reader import load_fast

ENTRY = {"age__list_0__map_recipient": "age1x", "age__list_0__map_enc": "x", "lastmodified": "2024-01-01T00:00:00Z"}


@pytest.mark.parametrize("index", ["5000000", "9" * 5000, "4"])
def test_a_flattened_list_index_past_the_entries_is_refused(index: str) -> None:
    """``age__list_999999999__map_enc`` in a dotenv or INI file made the reader build a list of a
    billion items (23 GB, killed); 5,000 digits crashed it (Python's int() limit)."""
    flat = {**ENTRY, f"age__list_{index}__map_recipient": "age1y"}
    started = time.process_time()  # work done, not the machine's load
    with pytest.raises(FormatError, match="a list index past its entries"):
        flat_metadata(flat)
    assert time.process_time() - started < 0.5


def test_dense_flattened_lists_still_read() -> None:
    flat = {**ENTRY, "age__list_1__map_recipient": "age1y", "age__list_1__map_enc": "y"}
    assert [entry["recipient"] for entry in flat_metadata(flat)["age"]] == ["age1x", "age1y"]


@pytest.mark.parametrize("threshold", ["1e400", "-1e999"])
def test_a_threshold_past_float64_is_refused_in_one_line(threshold: str) -> None:
    """It escaped as an internal error (ParseFloat's range error was not caught)."""
    with pytest.raises(FormatError, match="shamir_threshold is not an integer"):
        flat_metadata({**ENTRY, "shamir_threshold": threshold})


@pytest.mark.parametrize("digits", ["9" * 21, "9" * 400, "9" * 5000, "-" + "1" * 100000])
def test_a_plain_integer_past_uint64_reads_as_yaml_v3_reads_it(digits: str) -> None:
    """Past Python's 4,300-digit int() limit, any plain integer (``version: 999...``) crashed the
    reader; yaml.v3 reads it as a float (or a string past float64), as for 21 digits."""
    expected = float(digits) if abs(float(digits)) != float("inf") else digits
    assert resolve(digits, None)[1] == expected


@pytest.mark.parametrize("context", ["[1, 2]", "5", "{a: [1]}", "{a: {b: c}}"])
def test_an_encryption_context_that_is_not_names_to_text_is_refused(context: str) -> None:
    """A ``context`` that was a list or a number escaped ``status``/``decrypt`` as an internal error
    (AttributeError); Go's decoder refuses it too."""
    meta = load_fast(f"kms:\n  - arn: arn:aws:kms:us-east-1:111122223333:key/k\n    context: {context}\n    enc: AAAA\n"
                     "lastmodified: '2024-01-01T00:00:00Z'\nmac: x\n")
    with pytest.raises(FormatError, match="'context' is not a mapping of names to text"):
        parse_metadata(meta)


@pytest.mark.parametrize("metadata", [
    "  key_groups:\n    - age: []\n      age: []\n",
    "  key_groups:\n    - kms:\n        - arn: a\n          arn: b\n",
    "  kms:\n    - arn: a\n      context: {k: v, k: w}\n",
])
def test_a_key_repeated_where_go_decodes_the_metadata_is_refused(metadata: str) -> None:
    """yaml.v3 refuses a repeated key in every mapping SOPS decodes (the key groups, their entries, an
    encryption context), so `sops decrypt` refuses the file; sealfile read the last one."""
    with pytest.raises(FormatError, match="appears twice"):
        sops.parse(f"a: 1\nsops:\n{metadata}  mac: x\n", "yaml")


def test_a_key_repeated_in_an_unknown_metadata_field_is_read_as_sops_reads_it() -> None:
    """Go's decoder skips a field it does not know without looking at its keys."""
    sops.parse("a: 1\nsops:\n  later: {k: v, k: w}\n  mac: x\n", "yaml")


@pytest.mark.parametrize(("text", "line"), [("A=1\nnot a binding\n", 2), ("# c\n\n\nB=2\nbare\n", 5), ("bare", 1)])
def test_a_sops_dotenv_line_without_equals_is_named_by_its_line(text: str, line: int) -> None:
    with pytest.raises(FormatError) as refused:
        read_dotenv(text)
    assert str(refused.value) == f"invalid dotenv line {line}: no '=' (sops reads KEY=value lines only)"
