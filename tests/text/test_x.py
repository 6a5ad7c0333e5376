"""X: twitter-text v3 weighted length."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from edcal.text import measure
from edcal.text.x import has_invalid_characters, is_valid, weighted_length

# --- URLs ---


def test_x_counts_every_url_as_23() -> None:
    long_url = "https://example.com/" + "a/" * 100 + "end"
    assert weighted_length(long_url) == 23
    assert weighted_length("http://t.co") == 23
    assert weighted_length(f"Read {long_url} now") == len("Read ") + 23 + len(" now")
    assert weighted_length("a https://x.org b https://y.org") == 2 + 23 + 3 + 23


def test_x_counts_a_url_without_scheme_as_23_when_its_tld_is_real() -> None:
    assert weighted_length("see example.com") == 4 + 23
    assert weighted_length("www.example.co.uk/path/to/page?q=1") == 23
    assert weighted_length("foo.co.jp") == 23
    # "md" is Moldova's country code, so a file name can count as a URL, as on X.
    assert weighted_length("README.md") == 23


def test_x_does_not_count_a_fake_tld_as_a_url() -> None:
    assert weighted_length("file.notatld") == len("file.notatld")
    assert weighted_length("index.html") == len("index.html")
    assert weighted_length("https://example.invalidtld/x") == len("https://example.invalidtld/x")


def test_x_does_not_shorten_a_scheme_less_url_after_a_slash_or_dash() -> None:
    assert weighted_length("-example.com") == len("-example.com")
    assert weighted_length("/example.com") == len("/example.com")


def test_x_ends_a_url_before_trailing_punctuation() -> None:
    assert weighted_length("Go to https://example.com/page.") == len("Go to ") + 23 + 1
    assert weighted_length("(see https://example.com/wiki/Foo_(bar))") == 5 + 23 + 1


def test_x_counts_a_url_with_a_too_long_domain_label_in_full() -> None:
    url = "http://" + "a" * 64 + ".com"
    assert weighted_length(url) == len(url)
    assert weighted_length("http://" + "a" * 63 + ".com") == 23


def test_x_counts_each_ascii_domain_in_a_scheme_less_non_ascii_run() -> None:
    # One match, two ASCII domains: twitter-text reports (and X counts) both.
    assert weighted_length("example.com日本test.jp") == 23 + 4 + 23
    # With a path, twitter-text's URL string is "x.com/path" (10 characters), and
    # parseTweet skips exactly that many from where "x.com" starts.
    assert weighted_length("x.com日本.jp/path") == 23 + len("/path")


def test_x_counts_an_emoji_inside_a_url_only_as_part_of_the_url() -> None:
    assert weighted_length("https://👍🏽.ws") == 23
    assert weighted_length("👍🏽 https://👍🏽.ws") == 2 + 1 + 23


def test_x_keeps_only_the_slug_of_a_tco_url() -> None:
    assert weighted_length("https://t.co/abc123") == 23
    assert weighted_length("https://t.co/abc123/extra") == 23 + len("/extra")
    assert weighted_length("https://t.co/" + "a" * 40) == 23
    # A slug over 40 characters is no t.co link: twitter-text drops the URL entirely.
    assert weighted_length("https://t.co/" + "a" * 41) == len("https://t.co/") + 41


# --- emoji ---


def test_x_counts_a_zwj_family_emoji_as_2() -> None:
    family = "👨\u200d👩\u200d👧\u200d👦"
    assert len(family) == 7
    assert weighted_length(family) == 2
    assert weighted_length("Hi " + family * 3) == 3 + 6


def test_x_counts_flags_keycaps_skin_tones_and_tag_sequences_as_2() -> None:
    assert weighted_length("🇫🇷") == 2
    assert weighted_length("🇫🇷🇩🇪") == 4
    assert weighted_length("1\ufe0f\u20e3") == 2
    assert weighted_length("👍🏽") == 2
    assert weighted_length("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f") == 2


def test_x_counts_recent_emoji_sequences_as_2() -> None:
    assert weighted_length("🐦\u200d🔥") == 2  # phoenix, Emoji 15.1 (2023)
    assert weighted_length("🧑🏿\u200d🦱") == 2


def test_x_counts_a_lone_emoji_by_its_code_point_weight() -> None:
    assert weighted_length("😷") == 2
    assert weighted_length("©") == 1  # Latin-1, and no emoji without U+FE0F
    assert weighted_length("©\ufe0f") == 2
    assert weighted_length("👨x👩") == 5  # no ZWJ: two emoji and a letter


# --- weights and normalisation ---


def test_x_weighs_cjk_and_hangul_2_and_latin_1() -> None:
    assert weighted_length("日本語") == 6
    assert weighted_length("한국어") == 6
    assert weighted_length("Ελληνικά кириллица") == 18
    assert weighted_length("\u10ff\u1100") == 1 + 2  # the weight-1 range ends at U+10FF
    assert weighted_length("\u2010\u2020") == 1 + 2  # general punctuation: partly weight 1


def test_x_normalises_decomposed_accents_to_nfc() -> None:
    decomposed = "Cafe\u0301 A\u0301B"
    assert len(decomposed) == 9
    assert weighted_length(decomposed) == 7
    assert weighted_length(unicodedata.normalize("NFC", decomposed)) == 7


# --- validity ---


def test_x_limit_boundary() -> None:
    at_limit = measure("x", "a" * 280)
    assert (at_limit.length, at_limit.limit, at_limit.valid) == (280, 280, True)
    assert at_limit.unit == "weighted characters"
    over = measure("x", "a" * 281)
    assert not over.valid
    assert over.reason == "281 weighted characters, over X's 280"
    assert measure("x", "日" * 140).valid
    assert not measure("x", "日" * 140 + "a").valid
    with_url = "a" * 256 + " https://example.com/" + "p" * 100
    assert (measure("x", with_url).length, measure("x", with_url).valid) == (280, True)
    # Glued to a letter, it is no URL (twitter-text needs a non-alphanumeric before it).
    assert measure("x", "a" * 257 + "https://example.com/").length == 257 + 20


def test_x_custom_limit() -> None:
    assert measure("x", "a" * 30, limit=30).valid
    assert measure("x", "a" * 31, limit=30).reason == "31 weighted characters, over X's 30"


def test_x_empty_or_blank_text_is_invalid() -> None:
    assert not is_valid("")
    assert weighted_length("") == 0
    assert not measure("x", "").valid
    assert measure("x", " \n ").reason == "the text is empty"


def test_x_rejects_bom_and_noncharacters_but_allows_directional_marks() -> None:
    assert has_invalid_characters("a\ufeffb")
    assert not is_valid("hello\uffff")
    result = measure("x", "hello\ufffe")
    assert not result.valid
    assert "U+FFFE" in result.reason
    assert is_valid("\u202ahello\u202c")
    assert measure("x", "\u202ahello\u202c").valid


# --- properties ---

# Unicode's White_Space characters: a text of only these is empty on every platform.
_WHITE_SPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)


def _blank(text: str) -> bool:
    return all(c in _WHITE_SPACE for c in text)


_SPACES = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u180e"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)
_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def _plain_weight(text: str) -> int:
    """Config v3 weights with no URL or emoji rule: 1 in the ranges, else 2."""
    return sum(1 if any(a <= ord(c) <= b for a, b in _LIGHT_RANGES) else 2 for c in text)


_FRAGMENTS = [
    "http://", "https://", "www.", ".com", ".co.uk", ".jp", ".рф", ".中国", "example", "t.co/",
    "a", "Z", "-", "_", ".", "/", "?q=1", "#", "@", "(", ")", " ", "\n", "\u3000", "é",
    "e\u0301", "日本", "😷", "👨\u200d👩\u200d👧", "🇫🇷", "1\ufe0f\u20e3", "\ufe0f", "\u200d",
    "🏽", "©", "\u202a", "\ufeff", "xn--", "a" * 64, ":8080", "'", "!",
]  # fmt: skip
tweets = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(_FRAGMENTS), max_size=25).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(tweets)
def test_x_weighted_length_stays_between_sound_bounds(text: str) -> None:
    """Lower: a white-space character is never part of a URL or an emoji and weighs at
    least 1, and each run of other characters weighs at least 1 whatever it holds.
    Upper: an emoji sequence (2) never weighs more than its 2+ code points; a URL (23)
    spans at least 4 characters of weight >= 1 and holds a dot, and URLs do not overlap,
    so each adds at most 19 over the plain weights, and there are at most as many
    URLs as dots."""
    nfc = unicodedata.normalize("NFC", text)
    spaces = sum(c in _SPACES for c in nfc)
    words = sum(
        1 for i, c in enumerate(nfc) if c not in _SPACES and (i == 0 or nfc[i - 1] in _SPACES)
    )
    length = weighted_length(text)
    assert spaces + words <= length <= _plain_weight(nfc) + 19 * nfc.count(".")


@settings(max_examples=300, deadline=None)
@given(tweets)
def test_x_appending_a_separate_word_adds_exactly_its_weight(text: str) -> None:
    """A space and a letter cannot join or split a URL or emoji before them."""
    assert weighted_length(text + " z") == weighted_length(text) + 2
    assert weighted_length(text + " 日") == weighted_length(text) + 3


@settings(max_examples=200, deadline=None)
@given(tweets)
def test_x_validity_is_length_within_280_and_no_invalid_character(text: str) -> None:
    length = weighted_length(text)
    assert is_valid(text) == (0 < length <= 280 and not has_invalid_characters(text))
    result = measure("x", text)
    assert result.length == length
    assert result.valid == (is_valid(text) and not _blank(text))
    assert bool(result.reason) != result.valid
