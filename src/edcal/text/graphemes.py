"""User-perceived characters: Unicode extended grapheme clusters (UAX #29).

Bluesky's 300 "characters" and Mastodon's 500 are grapheme clusters: an emoji ZWJ
family, a flag or a letter with combining accents is one. We count them with the
`regex` package's `\\X`, which follows the current Unicode segmentation rules.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import regex


@cache
def _patterns() -> tuple[regex.Pattern[str], regex.Pattern[str]]:
    """`\\X` and White_Space. `regex` takes longer to import than most commands run, and
    the quick paths below answer for nearly every text, so it loads on first need."""
    import regex

    return regex.compile(r"\X"), regex.compile(r"\p{White_Space}*")


# Characters whose Grapheme_Cluster_Break is Other, Control, CR or LF: Latin (with
# Latin Extended Additional), Greek, Cyrillic without its combining marks, general
# punctuation without ZWNJ and ZWJ, currency, letterlike and technical symbols, arrows,
# dingbats, CJK punctuation, and emoji without regional indicators and skin tones. None
# of them extends or joins a neighbour (UAX #29: only Extend, ZWJ, SpacingMark, Prepend,
# Regional_Indicator and the Hangul jamo do, and the Indic conjunct rule needs a virama,
# which is Extend; an emoji joins another only through ZWJ), so in a text made of them
# every character is its own cluster except CR LF. A test checks each of them against
# the `regex` package's Unicode data, which `\X` uses.
SIMPLE_RANGES = (
    "\x00-\u02ff\u0370-\u0482\u048a-\u052f\u1e00-\u1fff\u2000-\u200b\u200e-\u20cf"
    "\u20f1-\u2bff\u3000-\u3029\u3030-\u303f"
    "\U0001f000-\U0001f1e5\U0001f200-\U0001f3fa\U0001f400-\U0001faff"
)
_NOT_SIMPLE = re.compile(f"[^{SIMPLE_RANGES}]")


def is_simple(text: str) -> bool:
    """True when every character of `text` is its own grapheme cluster whatever its
    neighbours (see SIMPLE_RANGES): no combining mark, joiner, flag or skin tone."""
    return text.isascii() or _NOT_SIMPLE.search(text) is None


def count_graphemes(text: str) -> int:
    """How many extended grapheme clusters `text` holds."""
    if is_simple(text):
        return len(text) - text.count("\r\n")
    return len(_patterns()[0].findall(text))


def is_blank(text: str) -> bool:
    """True when `text` holds nothing but Unicode White_Space (Ruby's `blank?`; unlike
    `str.isspace`, the control characters U+001C..U+001F are not blank)."""
    # Every White_Space character is `str.isspace`, so a text whose first character is
    # not cannot be blank: the quick answer for nearly every text.
    if text and not text[0].isspace():
        return False
    return _patterns()[1].fullmatch(text) is not None


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
