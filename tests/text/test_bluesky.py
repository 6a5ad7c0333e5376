"""Bluesky: 300 graphemes and 3,000 UTF-8 bytes, both."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from edcal.text import measure

FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # one grapheme, 25 UTF-8 bytes


def test_bluesky_counts_graphemes() -> None:
    assert len(FAMILY.encode()) == 25
    assert measure("bluesky", FAMILY).length == 1
    assert measure("bluesky", "e\u0301🇫🇷").length == 2
    assert measure("bluesky", "a\r\nb").length == 3
    assert measure("bluesky", "https://example.com/a/long/path").length == 31  # links in full


def test_bluesky_grapheme_limit_boundary() -> None:
    at_limit = measure("bluesky", "a" * 300)
    assert (at_limit.length, at_limit.limit, at_limit.valid) == (300, 300, True)
    assert at_limit.unit == "graphemes"
    over = measure("bluesky", "a" * 301)
    assert not over.valid
    assert over.reason == "301 graphemes, over Bluesky's 300"


def test_bluesky_byte_limit_boundary() -> None:
    at_limit = measure("bluesky", FAMILY * 120)  # 120 graphemes, 3,000 bytes
    assert (at_limit.length, at_limit.valid) == (120, True)
    over = measure("bluesky", FAMILY * 120 + "a")
    assert (over.length, over.valid) == (121, False)
    assert over.reason == "3,001 UTF-8 bytes, over Bluesky's 3,000"


def test_bluesky_reports_both_limits_when_both_fail() -> None:
    result = measure("bluesky", FAMILY * 301)
    assert not result.valid
    assert "301 graphemes, over Bluesky's 300" in result.reason
    assert "7,525 UTF-8 bytes, over Bluesky's 3,000" in result.reason


def test_bluesky_custom_limit_keeps_the_byte_limit() -> None:
    assert measure("bluesky", "a" * 50, limit=50).valid
    assert not measure("bluesky", "a" * 51, limit=50).valid
    assert not measure("bluesky", FAMILY * 121, limit=1000).valid


# Unicode's White_Space characters: a text of only these is empty on every platform.
_WHITE_SPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)


def _blank(text: str) -> bool:
    return all(c in _WHITE_SPACE for c in text)


# Repeated snippets reach both limits; the heavy graphemes (a 25-byte family, a letter
# with stacked accents) pass 3,000 bytes well within 300 graphemes.
_SNIPPETS = st.one_of(
    st.text(max_size=20),
    st.lists(st.sampled_from([FAMILY, "🇫🇷", "e\u0301\u0301\u0301", "é", "a", " "]), max_size=5).map(
        "".join
    ),
)
posts = st.builds(lambda snippet, times: snippet * times, _SNIPPETS, st.integers(0, 200))


@settings(max_examples=300, deadline=None)
@given(posts)
def test_bluesky_valid_means_both_limits_hold(text: str) -> None:
    result = measure("bluesky", text)
    size = len(text.encode("utf-8"))
    assert 0 <= result.length <= len(text)
    assert result.valid == (not _blank(text) and result.length <= 300 and size <= 3000)
