"""Mastodon: StatusLengthValidator's count (graphemes, URLs 23, remote mentions short)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from edcal.text import measure
from edcal.text.graphemes import count_graphemes
from edcal.text.mastodon import countable_text, status_length

# --- cases from Mastodon's own spec (spec/validators/status_length_validator_spec.rb) ---


def test_mastodon_counts_urls_as_23_characters_flat() -> None:
    text = "a" * 476 + " http://" + "b" * 30 + ".com/example"
    assert status_length(text) == 476 + 1 + 23
    assert measure("mastodon", text).valid


def test_mastodon_counts_only_the_front_part_of_remote_usernames() -> None:
    text = "a" * 475 + " @alice@" + "b" * 30 + ".com"
    assert status_length(text) == 475 + 1 + len("@alice")
    assert measure("mastodon", text).valid


# --- ours ---


def test_mastodon_counts_a_remote_mention_as_its_local_part() -> None:
    assert countable_text("Hi @user@instance.social!") == "Hi @user!"
    assert status_length("@user@instance.social") == len("@user")
    assert status_length("@user") == 5
    assert status_length("cc @a.b-c@sub.example.org and @d") == len("cc @a.b-c and @d")


def test_mastodon_leaves_email_addresses_and_trailing_at_signs_alone() -> None:
    assert countable_text("mail me@example.com") == "mail me@example.com"
    assert countable_text("@alice@example.com@") == "@alice@example.com@"


def test_mastodon_shortens_only_urls_with_a_scheme() -> None:
    assert countable_text("see https://example.com/a/long/path ok") == "see " + "x" * 23 + " ok"
    assert countable_text("see example.com/a/long/path") == "see example.com/a/long/path"
    assert status_length("gemini://gem.example.org/page") == 23
    assert status_length("ftp://example.com/file") == len("ftp://example.com/file")


def test_mastodon_keeps_non_ascii_paths_and_queries_in_the_url() -> None:
    assert status_length("https://example.com/パス?q=日本") == 23
    assert status_length("https://example.com/wiki/Foo_(bar)") == 23


def test_mastodon_counts_graphemes_not_code_points() -> None:
    family = "👨\u200d👩\u200d👧\u200d👦"
    assert status_length(family) == 1
    assert status_length("e\u0301") == 1
    assert status_length("🇫🇷 日本") == 4


def test_mastodon_limit_boundary_and_channel_limit() -> None:
    assert measure("mastodon", "a" * 500).valid
    over = measure("mastodon", "a" * 501)
    assert (over.valid, over.unit) == (False, "characters")
    assert over.reason == "501 characters, over Mastodon's 500"
    assert measure("mastodon", "é" * 1000, limit=1000).valid
    assert not measure("mastodon", "é" * 1001, limit=1000).valid


def test_mastodon_blank_text_is_empty() -> None:
    assert status_length("  \n\t") == 0
    assert not measure("mastodon", "  ").valid


# --- properties ---

# Unicode's White_Space characters: a text of only these is empty on every platform.
_WHITE_SPACE = frozenset(
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)


def _blank(text: str) -> bool:
    return all(c in _WHITE_SPACE for c in text)


_FRAGMENTS = [
    "https://", "gemini://", "example.com", ".social", "/path", "?q=1", "@", "alice",
    "@bob@host.example", " ", "\n", "é", "e\u0301", "😷", "👨\u200d👩\u200d👧", "日本", ":", ".",
]  # fmt: skip
statuses = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(_FRAGMENTS), max_size=25).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(statuses)
def test_mastodon_length_is_bounded_by_code_points_plus_url_growth(text: str) -> None:
    """A URL needs a scheme ("ssb://" at least) and a domain ("a.co"), so 10+ code
    points become 23: at most 13 more per "://"; a mention only shrinks; and a
    grapheme holds at least one code point."""
    length = status_length(text)
    assert length <= len(text) + 13 * text.count("://")
    assert (length == 0) == _blank(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="@:"), max_size=80))
def test_mastodon_text_without_at_or_colon_counts_plain_graphemes(text: str) -> None:
    expected = 0 if _blank(text) else count_graphemes(text)
    assert status_length(text) == expected
