"""The quick paths give exactly what the slow and obvious ones give.

`measure` avoids the URL regexes where it can (`edcal.text.urls.UrlFinder`), reads
ASCII mentions with `re`, and counts simple texts without `\\X`. Each shortcut rests on
facts about the regexes and Unicode data that the first tests check; the properties
then compare each quick path with the slow one on URL- and mention-heavy texts.
"""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from unittest import mock

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from edcal.text import graphemes, mastodon, measure, urls, x

ASCII = [chr(c) for c in range(128)]
ALL = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
TLDS = (*urls.GENERIC_TLDS, *urls.COUNTRY_TLDS)
# The slow paths the shortcuts must agree with: the `regex` package's own segmentation.
GRAPHEME = regex.compile(r"\X")
BLANK = regex.compile(r"\p{White_Space}*")

# --- the facts the shortcuts rest on ---


def test_tld_characters_matching_ascii_ones_are_ascii_letters() -> None:
    for char in {c for tld in TLDS for c in tld if not c.isascii()}:
        literal = re.escape(char)
        assert not any(re.fullmatch(literal, a, re.IGNORECASE) for a in ASCII), char
        engine = regex.compile(literal, regex.IGNORECASE | regex.VERSION0)
        assert not any(engine.fullmatch(a) for a in ASCII), char
    assert all(c.isalpha() for tld in TLDS for c in tld if c.isascii())


def test_simple_characters_never_join_a_neighbour() -> None:
    lone = regex.compile(r"[\p{GCB=Other}\p{GCB=Control}\p{GCB=CR}\p{GCB=LF}]")
    members = graphemes._NOT_SIMPLE.sub("", ALL)
    assert graphemes.is_simple(members)
    assert all(lone.fullmatch(c) for c in members)
    # \X agrees: each character alone after any other of them, but CR LF.
    sample = members[::7] + "\r\n"
    assert len(GRAPHEME.findall(sample)) == len(sample) - 1


def test_x_plain_characters_weigh_1_and_are_simple() -> None:
    plain = x._NOT_PLAIN.sub("", ALL)
    assert graphemes.is_simple(plain)
    assert not x._HEAVY.search(plain)
    seconds = {s[1] for s in x._SEQUENCES}
    assert not any(graphemes.is_simple(c) for c in seconds)


def test_every_white_space_character_is_str_isspace() -> None:
    white = regex.findall(r"\p{White_Space}", ALL)
    assert len(white) == 25
    assert all(c.isspace() for c in white)


def _same_in_ascii(unicode_class: str, unicode_flags: int, ascii_class: str, flags: int) -> None:
    wide = regex.compile(unicode_class, unicode_flags)
    narrow = re.compile(ascii_class, flags)
    for char in ASCII:
        assert bool(wide.match(char)) == bool(narrow.match(char)), (unicode_class, char)


def test_ascii_spellings_of_mastodons_classes_agree_in_ascii() -> None:
    """Mastodon's tail and mention patterns, with their Unicode classes spelled for `re`,
    match the same ASCII characters, class by class."""
    classes = re.compile(r"\[(?:\\.|[^\]\\])+\]")
    wide = classes.findall(mastodon._TAIL)
    narrow = classes.findall(mastodon._ASCII_TAIL)
    assert len(wide) == len(narrow) > 0
    for one, other in zip(wide, narrow, strict=True):
        _same_in_ascii(one, regex.IGNORECASE | regex.VERSION0, other, re.IGNORECASE)
    word = r"[\p{L}\p{M}\p{Nd}\p{Pc}]"
    assert word in mastodon._MENTION.pattern
    _same_in_ascii(word, regex.VERSION0, "[A-Za-z0-9_]", 0)
    _same_in_ascii("(?i:[a-z0-9_])", regex.VERSION0, "[A-Za-z0-9_]", 0)


def test_import_loads_neither_x_nor_mastodon() -> None:
    code = "import sys, edcal.text; print(sorted(m for m in sys.modules if 'edcal' in m))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "edcal.text.x" not in done.stdout
    assert "edcal.text.mastodon" not in done.stdout


# --- texts full of URLs and mentions ---

_SOME_TLDS = [*sorted(urls.ASCII_TLDS)[::40], "com", "org", "social", "co", "uk", "md"]
# With the two that start in ASCII (vermögensberater, vermögensberatung).
_NON_ASCII_TLDS = [t for t in TLDS if not t.isascii()][::10] + [
    t for t in TLDS if not t.isascii() and t[0].isascii()
]
_LABEL_CHARS = "abcXYZ019-_"

labels = st.text(_LABEL_CHARS, min_size=1, max_size=8) | st.sampled_from(
    ["www", "example", "bench", "atelier-libre", "a" * 63, "a" * 64, "xn--p1ai", "t", "é", "日本"]
)
tlds = st.one_of(
    st.sampled_from(_SOME_TLDS),
    st.sampled_from(_NON_ASCII_TLDS),
    st.sampled_from(["example", "notatld", "invalid", "xn--p1ai", "vermö", "comé", "COM"]),
)
schemes = st.sampled_from(
    ["", "", "http://", "https://", "HTTPS://", "Https://", "gemini://", "ftp://", "dat://"]
)
paths = st.sampled_from(
    [
        "", "/", "/tips/", "/a/b.html", "/wiki/Foo_(bar)", "/événements", "/a?q=1&b=2",
        "?utm_source=x", ":8080/x", "/@user", "/a.b", "/x,y", "/a!", "/%20", "/~me", "/-",
        "/(x", "/a)b", "/#frag", "/path/to/page.", "/日本", "/K", "/ſ", "/i?x=é",
    ]
)  # fmt: skip
urls_ = st.builds(
    lambda opener, scheme, names, tld, path, end: (
        opener + scheme + ".".join([*names, tld]) + path + end
    ),
    st.sampled_from(["", "", "", "(", '"', "'", "@", "-", "/", "é", "a", "\u202a"]),
    schemes,
    st.lists(labels, min_size=1, max_size=3),
    tlds,
    paths,
    st.sampled_from(["", "", "", ".", ",", "!", ")", ").", "?", "'", ":", "…", "-", "_x", ".fr"]),
)
# URLs as people write them, to reach the quick path often (and its edges).
plain_urls = st.builds(
    lambda scheme, names, tld, path, end: scheme + ".".join([*names, tld]) + path + end,
    st.sampled_from(["https://", "http://", "", "gemini://", "HTTPS://"]),
    st.lists(st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,4})?", fullmatch=True), max_size=3).map(
        lambda names: names or ["example"]
    ),
    st.sampled_from(["com", "org", "fr", "social", "COM", "co", "io", "example", "t"]),
    st.sampled_from(["", "/", "/a/b-c/", "/p?q=1&r=s_t", "/x.html", "?x", ":8080/", "/a(b)"]),
    st.sampled_from(["", "", ".", ",", ")", "!", "?", "'", ":", "…", "’", "-", "@", "é", "0"]),
)
mentions = st.builds(
    lambda before, user, host: f"{before}@{user}{host}",
    st.sampled_from(["", "", "=", "/", "é", "a", "(", "\n"]),
    st.sampled_from(["alice", "bob_b", "a.b-c", "K", "ſ", "İ", "日", "x1"]),
    st.sampled_from(["", "@mastodon.social", "@sub.example.org", "@h", "@é.fr", "@a-b.c", "é.fr"]),
)
glue = st.sampled_from(
    [
        " ", " ", "\n", "\t", "\r\n", "\u3000", "\xa0", ".", ",", "!", "?", ")", "]", ":",
        "'", "\"", "…", "’", "—", "é", "e\u0301", "😷", "👍🏽", "🇫🇷", "\ufeff", "@", "://",
        "K", "ſ", "ı", "İ", "＠", "www.", ".com", "t.co/abc", "x", "ệ", "ẞ", "€", "→", "Ω",
    ]
)  # fmt: skip
separators = st.sampled_from([" ", " ", " ", "\n", "\t", "\r\n", " \u3000 ", "\xa0", ", "])
texts = st.one_of(
    st.lists(st.one_of(urls_, mentions, glue), max_size=12).map("".join),
    st.lists(st.tuples(st.one_of(plain_urls, urls_, mentions, glue), separators), max_size=8).map(
        lambda words: "".join(word + separator for word, separator in words)
    ),
)


def _scheme_matches(found: list[urls.UrlMatch]) -> list[urls.UrlMatch]:
    return [match for match in found if match[3]]


# At the edge of each condition of the quick paths.
EDGES = [
    'see example.com".org ok', "example.com_x.y.org", "example.com`.org", "example.com\\x.org",
    "https://example.com-foo", "example.com+1", "example.com@x", "example.com0", "x.comé",
    "x.vermögensberatung", "https://x.vermögensberater/", "(https://example.com)",
    "((https://example.com))", '"https://example.com"', "«https://example.com»", "@éb.com",
    "@alice@mastodon.social", "@alice@my-instance.social", "@a@b.example.social", "a@b.com",
    "https://example.com./", "example.com..", "example.com.", "https://example.com.au.",
    "HTTPS://WWW.EXAMPLE.COM/X", "https://example.com:8080/x?y=1", "https://example.com:x",
    "https://example.com/wiki/Foo_(bar)", "https://example.com/événements", "https://t.co/abc",
    "https://example.com/?q=é", "ftp://example.com", "httpſ://example.com", "https://\u212aim.com",
    "https://example.\u212aim", "https://example.ſocial", "https://a-b--c.d-e.com/x",
    "https://-a.com", "https://a-.com", "https://a.com/x https://b.org/y", "a.com/https://b.org",
    "https://a.com/x)https://b.org", "x:https://a.com", "gemini://a.org,gemini://b.org",
    "example.com!https://b.org", "https://" + "a" * 64 + ".com", "https://a.com/" + "b" * 4100,
    "tab\thttps://a.com\tend", "line\nhttps://a.com\r\nend", "x\x0bhttps://a.com\x0cy",
    "nbsp\xa0https://a.com\xa0end", "ideographic\u3000https://a.com", "@bob:https://a.com",
    "\u202ahttps://a.com", "é https://a.com", "éhttps://a.com", "ahttps://a.com",
]  # fmt: skip


def test_the_quick_paths_at_their_edges() -> None:
    for text in EDGES:
        assert x._URLS.matches(text) == x._URLS.by_regex(text), text
        found = mastodon._URLS.matches(text)
        assert _scheme_matches(found) == _scheme_matches(mastodon._URLS.by_regex(text)), text
        assert mastodon._mention_entities(text) == mastodon.mentions_by_regex(text), text
        assert measure("x", text).length == _slow_weighted_length(text), text
        assert measure("mastodon", text).length == _slow_status_length(text), text


@settings(max_examples=200, deadline=None)
@given(texts)
def test_x_finds_the_urls_the_regex_finds(text: str) -> None:
    assert x._URLS.matches(text) == x._URLS.by_regex(text)


@settings(max_examples=200, deadline=None)
@given(texts)
def test_mastodon_finds_the_urls_with_a_scheme_the_regex_finds(text: str) -> None:
    found = mastodon._URLS.matches(text)
    assert _scheme_matches(found) == _scheme_matches(mastodon._URLS.by_regex(text))


@settings(max_examples=200, deadline=None)
@given(texts)
def test_mastodon_finds_the_mentions_the_regex_finds(text: str) -> None:
    assert mastodon._mention_entities(text) == mastodon.mentions_by_regex(text)


def _slow_weighted_length(text: str) -> int:
    """twitter-text's walk, with the regexes over the whole text and no shortcut."""
    nfc = unicodedata.normalize("NFC", text)
    with mock.patch.object(x._URLS, "matches", x._URLS.by_regex):
        found = x.url_spans(nfc)
    sequences = [m.span() for m in x._EMOJI_SEQUENCE.finditer(nfc)]
    entities = sorted([(s, 0, e, 23) for s, e in found] + [(s, 1, e, 2) for s, e in sequences])

    def weight(span: str) -> int:
        return sum(1 if any(a <= ord(c) <= b for a, b, _ in x.RANGES) else 2 for c in span)

    total = position = 0
    for start, _, end, entity_weight in entities:
        if start >= position:
            total += weight(nfc[position:start]) + entity_weight
            position = end
    return total + weight(nfc[position:])


def _slow_status_length(text: str) -> int:
    if BLANK.fullmatch(text):
        return 0
    with (
        mock.patch.object(mastodon._URLS, "matches", mastodon._URLS.by_regex),
        mock.patch.object(mastodon, "_mention_entities", mastodon.mentions_by_regex),
    ):
        countable = mastodon.countable_text(text)
    return len(GRAPHEME.findall(countable))


@settings(max_examples=150, deadline=None)
@given(texts)
def test_measure_gives_what_the_slow_paths_give(text: str) -> None:
    assert measure("x", text).length == _slow_weighted_length(text)
    assert measure("mastodon", text).length == _slow_status_length(text)
    assert measure("bluesky", text).length == len(GRAPHEME.findall(text))
    refused = any(c in text for c in "\ufffe\ufeff\uffff")
    assert ("not allowed on X" in measure("x", text).reason) == refused


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters(codec="utf-8"), max_size=40) | texts)
def test_graphemes_and_blankness_as_the_regexes_say(text: str) -> None:
    assert graphemes.count_graphemes(text) == len(GRAPHEME.findall(text))
    assert graphemes.is_blank(text) == (BLANK.fullmatch(text) is not None)


@settings(max_examples=100, deadline=None)
@given(texts)
def test_only_a_url_with_the_domain_t_co_is_a_t_co_link(text: str) -> None:
    for _, _, url, _, domain, _ in x._URLS.by_regex(text):
        assert x._TCO_URL.match(url) is None or len(domain) == 4
    for _, _, url, _, domain, _ in mastodon._URLS.by_regex(text):
        assert mastodon._TCO_URL.match(url) is None or len(domain) == 4


@settings(max_examples=150, deadline=None)
@given(st.text("ab-.x\x01", max_size=70) | st.from_regex(r"(xn--)?[a-z]{1,70}(\.[a-z]{0,70}){0,3}"))
def test_printable_ascii_domains_are_checked_as_punycode_would(domain: str) -> None:
    labels = domain.split(".")
    encoded = all(1 <= urls._encoded_label_length(label) <= 63 for label in labels)
    puny_ok = not domain.startswith("xn--") or urls.ASCII_DOMAIN.search(domain) is not None
    assert urls.domain_is_valid(domain) == (encoded and puny_ok)
