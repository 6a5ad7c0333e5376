"""User-perceived characters: Unicode extended grapheme clusters (UAX #29).

Bluesky's 300 "characters" and Mastodon's 500 are grapheme clusters: an emoji ZWJ
family, a flag or a letter with combining accents is one. We count them with the
`regex` package's `\\X`, which follows the current Unicode segmentation rules.
"""

from __future__ import annotations

import regex

_GRAPHEME = regex.compile(r"\X")
_BLANK = regex.compile(r"\p{White_Space}*")


def count_graphemes(text: str) -> int:
    """How many extended grapheme clusters `text` holds."""
    if text.isascii() or max(text) < "\u0300":
        # Below U+0300 (ASCII, Latin-1, Latin Extended, IPA) no character extends or
        # joins another, so each is its own cluster, except CR LF, which is one.
        return len(text) - text.count("\r\n")
    return len(_GRAPHEME.findall(text))


def is_blank(text: str) -> bool:
    """True when `text` holds nothing but Unicode White_Space (Ruby's `blank?`; unlike
    `str.isspace`, the control characters U+001C..U+001F are not blank)."""
    return _BLANK.fullmatch(text) is not None


def utf8_length(text: str) -> int:
    """Bytes of `text` in UTF-8 (a lone surrogate, which no platform accepts, counts 3)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


def utf16_length(text: str) -> int:
    """UTF-16 code units of `text`: what JavaScript's `String.length` and Java's
    `String.length()` count (characters beyond U+FFFF count 2)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2
