"""token_times: every token dated or refused exactly as it would be on its own, whatever came before it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sealfile.envelope.bulk import seal_many
from sealfile.envelope.token_shape import dated, token_times
from sealfile.errors import FormatError
from sealfile.model.paths import encode_path

KEY = bytes(range(32))


def _tokens(sizes: list[int], when: int) -> list[str]:
    """Real tokens of payloads of these sizes (all three paddings among them), sealed at ``when``."""
    return seal_many(KEY, [(encode_path(("k", str(i))), b"s" * size) for i, size in enumerate(sizes)], when)


def _alone(token: str) -> int | None:
    """The token's time as :func:`token_times` gives it for a file holding only it, or ``None`` if refused."""
    try:
        return token_times([(("k",), token)])[0]
    except FormatError:
        return None


def _variants(token: str) -> list[str]:
    """The token, and damaged tokens of the same length and header: each padding changed."""
    body = token[4:-1].rstrip("=")
    return [token, *(f"ENC[{body[:len(body) - pad] + '=' * (len(token) - 5 - len(body) + pad)}]"
                     for pad in (1, 2, 3))]


def test_a_token_with_three_padding_characters_is_not_dated_as_its_sibling_with_two() -> None:
    """Same length, same header, last three characters alike ('==]'): only the one with two '=' is a
    Fernet token's shape."""
    two = next(token for token in _tokens(list(range(16, 64)), 1_700_000_000) if token.endswith("==]"))
    three = f"ENC[{two[4:-4]}===]"
    assert len(three) == len(two) and dated(two) and not dated(three)
    assert token_times([(("a",), two)]) == [1_700_000_000]
    with pytest.raises(FormatError) as caught:
        token_times([(("a",), two), (("b",), three)])
    assert caught.value.keypath == "b"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0, 20, 35]), st.integers(0, 3), st.sampled_from([1_700_000_000, 2**33])),
                min_size=1, max_size=30))
def test_each_token_is_dated_as_on_its_own(picks: list[tuple[int, int, int]]) -> None:
    tokens = [_variants(_tokens([size], when)[0])[variant] for size, variant, when in picks]
    alone = [_alone(token) for token in tokens]
    paths = [(f"k{index}",) for index in range(len(tokens))]
    if None in alone:
        with pytest.raises(FormatError) as caught:
            token_times(list(zip(paths, tokens, strict=True)))
        assert caught.value.keypath == f"k{alone.index(None)}"
    else:
        assert token_times(list(zip(paths, tokens, strict=True))) == alone


def test_tokens_of_one_time_and_shape_are_checked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file's tokens are mostly sealed in one second: its header is decoded, and each length and
    padding checked, once (the random characters around the padding do not matter)."""
    import sealfile.envelope.token_shape as token_shape

    tokens = _tokens([size for size in range(64) for _ in range(5)], 1_700_000_000)
    shapes = {(len(token), len(token) - len(token[:-1].rstrip("=")) - 1) for token in tokens}
    assert len(shapes) < 10 and len(tokens) == 320
    checked: list[str] = []
    time_of = token_shape._time_of

    def counted(sealed: str, headers: dict[str, int], known: set[tuple[int, int]]) -> int:
        checked.append(sealed)
        return time_of(sealed, headers, known)

    monkeypatch.setattr(token_shape, "_time_of", counted)
    assert token_times([((f"k{index}",), token) for index, token in enumerate(tokens)]) == [1_700_000_000] * 320
    assert len(checked) == len(shapes)
