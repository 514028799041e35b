"""A key path typed by a user is parsed or refused with one clear error, whatever it holds."""

from __future__ import annotations

import pytest

from sealfile.errors import KeyPathError
from sealfile.model.paths import Selector, parse_keypath


def test_a_bracketed_key_may_hold_control_characters() -> None:
    assert parse_keypath('["a\tb\x1b[2J\u202e"]') == (Selector("str", "a\tb\x1b[2J\u202e"),)


@pytest.mark.parametrize("text", ['["\\q"]', "[" + "9" * 5000 + "]", '["\\ud800"][', '["a"]x'])
def test_what_cannot_be_a_key_path_is_a_key_path_error(text: str) -> None:
    with pytest.raises(KeyPathError, match="cannot parse key path"):
        parse_keypath(text)
