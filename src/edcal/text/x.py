"""Tweet length exactly as X counts it: twitter-text v3 `parseTweet`.

Rules (twitter-text config v3, github.com/twitter/twitter-text config/v3.json):

* the text is NFC-normalised first;
* each code point in the config's ranges (Latin, Greek, Cyrillic, Hebrew, Arabic, …
  up to U+10FF, and some general punctuation) weighs 1, every other code point 2;
* each URL that twitter-text extracts counts 23, however long it is, with or without
  a scheme (a scheme-less URL needs an ASCII domain and a known TLD);
* each emoji sequence (ZWJ sequences, skin tones, flags, keycaps, tag sequences)
  counts 2 in total;
* a text is valid when its weighted length is 1..280 and it holds none of
  U+FFFE, U+FEFF, U+FFFF (directional marks such as U+202A are allowed).

Why hand-written: the only Python port on PyPI, twitter-text-parser 3.0.0, gives the
right numbers but imports `pkg_resources` (gone from current setuptools) and carries
2019 emoji data; the official implementations are JavaScript, Java, Ruby and ObjC.
This module follows the JavaScript sources (parseTweet.js, extractUrlsWithIndices.js,
lib/idna.js, regexp/*.js at github.com/twitter/twitter-text commit 30e2430, release
3.1.0, Apache License 2.0) and takes emoji sequences from the `emoji` package
(current Unicode data) instead of twemoji-parser.

Emoji: only sequences of two or more code points are looked up. A single code point
outside the weight-1 ranges weighs 2 whether or not it is an emoji, and inside them
(©, ®, digits, #, *) twemoji's regex does not count it as an emoji without U+FE0F
either, so looking up single code points could only change those to 2 wrongly.
"""

from __future__ import annotations

import re
import unicodedata

import emoji

from edcal.text.graphemes import is_simple
from edcal.text.urls import (
    ASCII_DOMAIN,
    CYRILLIC,
    DOMAIN,
    LATIN_ACCENTS,
    MAX_TCO_SLUG_LENGTH,
    MAX_URL_LENGTH,
    PORT,
    PRECEDING,
    UrlFinder,
    char_class,
    domain_is_valid,
    quick_pattern,
    trie_pattern,
)

# --- config v3 (twitter-text config/v3.json) ---
MAX_WEIGHTED_LENGTH = 280
SCALE = 100
DEFAULT_WEIGHT = 200
TRANSFORMED_URL_LENGTH = 23
RANGES: tuple[tuple[int, int, int], ...] = (
    (0, 4351, 100),
    (8192, 8205, 100),
    (8208, 8223, 100),
    (8242, 8247, 100),
)
# twitter-text's invalidCharsGroup.js: a text holding one of these is not valid.
INVALID_CHARACTERS = frozenset("\ufffe\ufeff\uffff")

# Every range weighs SCALE and everything else DEFAULT_WEIGHT, so a span weighs (in
# units of SCALE) its length plus one per code point outside the ranges.
if any(weight != SCALE for _, _, weight in RANGES) or DEFAULT_WEIGHT != 2 * SCALE:
    raise RuntimeError("x.py's fast weighting assumes weights of 1 and 2")
_EMOJI = DEFAULT_WEIGHT // SCALE  # weights below are in units of SCALE; a URL weighs 23
_HEAVY = re.compile("[^" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b, _ in RANGES) + "]")
# Code points of weight 1 that are `graphemes.SIMPLE_RANGES`, hence no part of an emoji
# sequence (a test checks both): a text of these weighs its length but for its URLs.
_NOT_PLAIN = re.compile(
    "[^\x00-\u02ff\u0370-\u0482\u048a-\u052f\u2000-\u200b\u2010-\u201f\u2032-\u2037]"
)

# --- URL extraction (extractUrl.js and the regexps it is built from) ---
_PATH_CHAR = f"[a-z{CYRILLIC}0-9!\\*';:=\\+,\\.\\$\\/%#\\[\\]\\-\\u2013_~@\\|&{LATIN_ACCENTS}]"
_PARENS = f"\\((?:{_PATH_CHAR}+|(?:{_PATH_CHAR}*\\({_PATH_CHAR}+\\){_PATH_CHAR}*))\\)"
_PATH_END = f"[\\+\\-a-z{CYRILLIC}0-9=_#\\/{LATIN_ACCENTS}]|(?:{_PARENS})"
_PATH = f"(?:(?:{_PATH_CHAR}*(?:{_PARENS}{_PATH_CHAR}*)*{_PATH_END})|(?:@{_PATH_CHAR}+/))"
_QUERY_CHAR = r"[a-z0-9!?\*'@\(\);:&=\+\$\/%#\[\]\-_\.,~|]"
_QUERY_END = r"[a-z0-9\-_&=#\/]"
# Port, path and query (groups 1, 2, 3 here; 6, 7, 8 in the whole regex).
_TAIL = f"(?::({PORT}))?(\\/{_PATH}*)?(\\?{_QUERY_CHAR}*{_QUERY_END})?"
_EXTRACT_URL = re.compile(f"(({PRECEDING})((https?:\\/\\/)?({DOMAIN}){_TAIL}))", re.IGNORECASE)
_URLS = UrlFinder(_EXTRACT_URL, quick_pattern("https?://", _TAIL))
_TCO_URL = re.compile(
    f"^https?:\\/\\/t\\.co\\/([a-z0-9]+)(?:\\?{_QUERY_CHAR}*{_QUERY_END})?", re.IGNORECASE
)
_INVALID_BEFORE_SCHEMELESS = re.compile(r"[-_./]$")
_DEFAULT_SCHEME = "https://"


def url_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each URL twitter-text extracts from `text` (already NFC).

    The end is start + the length of the URL *string* twitter-text reports, which is
    what parseTweet skips; for a scheme-less URL whose ASCII domain is only part of
    the matched domain this differs from the match end, and we keep that quirk.
    """
    if "." not in text:
        return []  # extractUrlsWithIndices' own shortcut: no dot, no domain
    spans: list[tuple[int, int]] = []
    for start, before, url, scheme, domain, path in _URLS.matches(text):
        too_long = len(scheme or _DEFAULT_SCHEME) + len(url) > MAX_URL_LENGTH
        if too_long or not domain_is_valid(domain):
            continue
        if scheme:
            # A t.co link's domain is "t.co": any other cannot match.
            tco = _TCO_URL.match(url) if len(domain) == 4 else None
            if tco:
                if len(tco.group(1)) > MAX_TCO_SLUG_LENGTH:
                    continue
                url = tco.group(0)
            spans.append((start, start + len(url)))
            continue
        if _INVALID_BEFORE_SCHEMELESS.search(before):
            continue
        last: tuple[int, str] | None = None
        for ascii_match in ASCII_DOMAIN.finditer(domain):
            if last is not None:
                spans.append((last[0], last[0] + len(last[1])))
            last = (start + ascii_match.start(), ascii_match.group(0))
        if last is None:
            continue  # no ASCII-only domain: not a URL
        last_start, last_url = last
        if path:
            last_url = url.replace(domain, last_url, 1)
        spans.append((last_start, last_start + len(last_url)))
    return spans


# --- emoji sequences ---


def _emoji_sequences() -> list[str]:
    return [e for e in emoji.EMOJI_DATA if len(e) > 1 and unicodedata.is_normalized("NFC", e)]


_SEQUENCES = _emoji_sequences()
_EMOJI_SEQUENCE = re.compile(trie_pattern(_SEQUENCES))
# Every sequence has a second code point from this small set (variation selector,
# ZWJ, keycap, skin tones, regional indicators, tags): a text without one has no
# sequence, which spares the trie search for most texts.
_SEQUENCE_SECOND = re.compile(char_class({s[1] for s in _SEQUENCES}))


def emoji_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each emoji sequence of two or more code points in `text`,
    leftmost-longest and non-overlapping, like a regex search over the text.

    Every sequence's second code point is one of a few (U+FE0F, ZWJ, keycap, skin
    tones, regional indicators, tag letters), so only the places before one of those
    can start a sequence: trying just those finds the same sequences as searching
    every position, far faster.
    """
    if is_simple(text):
        return []  # no second code point of a sequence (a test checks) in such a text
    spans: list[tuple[int, int]] = []
    end = 0
    for second in _SEQUENCE_SECOND.finditer(text):
        start = second.start() - 1
        if start < end:
            continue
        found = _EMOJI_SEQUENCE.match(text, start)
        if found:
            spans.append(found.span())
            end = found.end()
    return spans


# --- counting ---


def _plain_weight(span: str) -> int:
    if span.isascii():
        return len(span)
    return len(span) + len(_HEAVY.findall(span))


def normalize(text: str) -> str:
    """NFC, as parseTweet does before counting."""
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def _weighted_length_nfc(text: str) -> int:
    urls = url_spans(text)
    if text.isascii() or not _NOT_PLAIN.search(text):
        # No emoji, and every code point weighs 1: as below, with lengths for weights.
        total = 0
        position = 0
        for start, end in sorted(urls):
            if start >= position:
                total += start - position + TRANSFORMED_URL_LENGTH
                position = end
        return total + len(text) - position
    emojis = emoji_spans(text)
    # parseTweet walks the text; an entity counts only if the walk reaches its start
    # (a URL wins over an emoji starting at the same index), then the walk skips it.
    entities = sorted(
        [(start, 0, end, TRANSFORMED_URL_LENGTH) for start, end in urls]
        + [(start, 1, end, _EMOJI) for start, end in emojis]
    )
    total = 0
    position = 0
    for start, _, end, weight in entities:
        if start < position:
            continue
        total += _plain_weight(text[position:start]) + weight
        position = end
    return total + _plain_weight(text[position:])


def weighted_length(text: str) -> int:
    """The weighted length X gives `text` (twitter-text v3 `weightedLength`)."""
    return _weighted_length_nfc(normalize(text))


def has_invalid_characters(text: str) -> bool:
    """True when `text` holds a character X refuses (U+FFFE, U+FEFF, U+FFFF)."""
    return not text.isascii() and any(map(text.__contains__, INVALID_CHARACTERS))


def is_valid(text: str) -> bool:
    """twitter-text v3 `valid`: weighted length 1..280 and no invalid character."""
    nfc = normalize(text)
    return 0 < _weighted_length_nfc(nfc) <= MAX_WEIGHTED_LENGTH and not has_invalid_characters(nfc)
