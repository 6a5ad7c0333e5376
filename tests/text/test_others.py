"""LinkedIn, Facebook, webhooks, and what holds for every platform."""

from __future__ import annotations

import dataclasses
from typing import get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edcal.model import PLATFORMS, Platform
from edcal.text import DEFAULT_LIMITS, TextLength, measure
from edcal.text.x import has_invalid_characters

EMOJI = "😀"  # beyond U+FFFF: two UTF-16 code units, one code point


def test_default_limits_cover_every_platform() -> None:
    assert dict(DEFAULT_LIMITS) == {
        "x": 280,
        "mastodon": 500,
        "bluesky": 300,
        "linkedin": 3000,
        "facebook": 63206,
        "webhook": 2000,
    }
    assert set(DEFAULT_LIMITS) == set(get_args(Platform)) == set(PLATFORMS)


def test_linkedin_counts_utf16_code_units_up_to_3000() -> None:
    assert measure("linkedin", "a" * 3000).valid
    over = measure("linkedin", "a" * 3001)
    assert over.reason == "3,001 characters, over LinkedIn's 3,000"
    assert measure("linkedin", EMOJI).length == 2
    assert measure("linkedin", EMOJI * 1500).valid
    assert not measure("linkedin", EMOJI * 1500 + "a").valid
    assert measure("linkedin", "e\u0301日").length == 3


def test_facebook_counts_utf16_code_units_up_to_63206() -> None:
    assert measure("facebook", "a" * 63206).valid
    over = measure("facebook", "a" * 63207)
    assert over.reason == "63,207 characters, over Facebook's 63,206"
    assert measure("facebook", EMOJI * 3).length == 6


def test_webhook_counts_code_points_up_to_discords_2000() -> None:
    assert measure("webhook", "a" * 2000).valid
    over = measure("webhook", "a" * 2001)
    assert over.reason == "2,001 characters, over the webhook's 2,000"
    assert measure("webhook", EMOJI * 2000).valid
    assert measure("webhook", EMOJI).length == 1


def test_text_length_is_frozen() -> None:
    result = measure("linkedin", "hello")
    assert result == TextLength("linkedin", 5, 3000, True, "characters", "")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.length = 0  # type: ignore[misc]


def test_unknown_platform_is_an_error() -> None:
    with pytest.raises(ValueError, match="myspace"):
        measure("myspace", "hello")  # type: ignore[arg-type]


def test_empty_text_is_invalid_everywhere() -> None:
    for platform in PLATFORMS:
        result = measure(platform, "")
        assert (result.length, result.valid, result.reason) == (0, False, "the text is empty")


# Unicode's White_Space characters: a text of only these is empty on every platform.
_WHITE_SPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)


def _blank(text: str) -> bool:
    return all(c in _WHITE_SPACE for c in text)


_FRAGMENTS = [
    "https://example.com/x", "example.org", "@a@b.social", " ", "\n", "é", "e\u0301",
    "😷", "👨\u200d👩\u200d👧", "🇫🇷", "日本", "\ufeff", ".", ":", "a",
]  # fmt: skip
texts = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(_FRAGMENTS), max_size=20).map("".join),
)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(PLATFORMS), texts)
def test_every_platform_measures_any_text_and_its_limit_is_the_boundary(
    platform: Platform, text: str
) -> None:
    """At limit == length the text fits unless something other than length is wrong;
    one less and it never fits; the reason is given exactly when it does not fit."""
    result = measure(platform, text)
    assert result.length >= 0
    assert result.limit == DEFAULT_LIMITS[platform]
    assert bool(result.reason) != result.valid
    if result.valid:
        assert 0 < result.length <= result.limit
    at = measure(platform, text, limit=result.length)
    other_problem = (
        _blank(text)
        or (platform == "x" and has_invalid_characters(text))
        or (platform == "bluesky" and len(text.encode()) > 3000)
    )
    assert at.valid == (not other_problem)
    assert not measure(platform, text, limit=result.length - 1).valid


def test_default_limits_agree_with_each_platform_module() -> None:
    from edcal.text import DEFAULT_LIMITS, bluesky, mastodon, others, x

    assert DEFAULT_LIMITS == {
        "x": x.MAX_WEIGHTED_LENGTH,
        "mastodon": mastodon.DEFAULT_LIMIT,
        "bluesky": bluesky.MAX_GRAPHEMES,
        "linkedin": others.LINKEDIN_LIMIT,
        "facebook": others.FACEBOOK_LIMIT,
        "webhook": others.WEBHOOK_LIMIT,
    }
