"""Text length exactly as each platform counts it.

`measure(platform, text, limit=None)` gives the length in the platform's own unit and
whether the text fits:

========  ==========================================================  =======
platform  unit                                                        limit
========  ==========================================================  =======
x         weighted characters (twitter-text v3: see `edcal.text.x`)      280
mastodon  characters: grapheme clusters, URLs 23, `@u@host` as `@u`       500
bluesky   graphemes, and at most 3,000 UTF-8 bytes                        300
linkedin  characters (UTF-16 code units)                                3,000
facebook  characters (UTF-16 code units)                               63,206
webhook   characters (code points; Discord's limit)                     2,000
========  ==========================================================  =======

A text with nothing but white space (Unicode White_Space) is empty, hence never valid.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

from edcal.model import Platform
from edcal.text import bluesky  # a few constants: cheap, unlike x and mastodon
from edcal.text.graphemes import count_graphemes, is_blank, utf8_length

__all__ = ["DEFAULT_LIMITS", "TextLength", "measure"]


@dataclass(frozen=True, slots=True)
class TextLength:
    """The length of one text on one platform, and whether it fits."""

    platform: Platform
    length: int  # in the platform's own unit (X: weighted length; others: characters)
    limit: int
    valid: bool  # within every limit of the platform and not empty
    unit: str  # human words: "weighted characters", "characters", "graphemes"
    reason: str = ""  # when not valid, one short sentence saying why


DEFAULT_LIMITS: Mapping[Platform, int] = MappingProxyType(
    {
        # Literal values, not the platform modules' constants, so that reading a limit
        # does not load those modules (a test checks that they agree).
        "x": 280,
        "mastodon": 500,
        "bluesky": 300,
        "linkedin": 3000,
        "facebook": 63206,
        "webhook": 2000,
    }
)

_UNITS: Mapping[Platform, str] = {
    "x": "weighted characters",
    "mastodon": "characters",
    "bluesky": "graphemes",
    "linkedin": "characters",
    "facebook": "characters",
    "webhook": "characters",
}
_OWNER: Mapping[Platform, str] = {
    "x": "X's",
    "mastodon": "Mastodon's",
    "bluesky": "Bluesky's",
    "linkedin": "LinkedIn's",
    "facebook": "Facebook's",
    "webhook": "the webhook's",
}


def _over(platform: Platform, count: int, unit: str, limit: int) -> str:
    return f"{count:,} {unit}, over {_OWNER[platform]} {limit:,}"


@cache
def _counter(platform: Platform) -> Callable[[str], int]:
    """The function giving `platform`'s length, its module imported on first use."""
    # Each platform's rules load on first use: the X and Mastodon URL grammars and the
    # emoji table take a quarter of a second to build, which a run without posts for
    # those platforms (or `edcal check` on an empty repository) should not pay.
    if platform == "x":
        from edcal.text import x

        return x.weighted_length
    if platform == "mastodon":
        from edcal.text import mastodon

        return mastodon.status_length
    if platform == "bluesky":
        return count_graphemes
    from edcal.text import others

    if platform == "linkedin":
        return others.linkedin_length
    if platform == "facebook":
        return others.facebook_length
    if platform == "webhook":
        return others.webhook_length
    raise ValueError(f"unknown platform {platform!r}")


@cache
def _x_refuses() -> tuple[Callable[[str], bool], frozenset[str]]:
    from edcal.text import x

    return x.has_invalid_characters, x.INVALID_CHARACTERS


def _invalid_on_x(text: str) -> list[str]:
    has_invalid_characters, invalid_characters = _x_refuses()
    if not has_invalid_characters(text):
        return []
    return sorted({f"U+{ord(c):04X}" for c in text if c in invalid_characters})


def measure(platform: Platform, text: str, limit: int | None = None) -> TextLength:
    """Length of `text` as `platform` counts it, against `limit` (default: DEFAULT_LIMITS)."""
    length = _counter(platform)(text)
    limit = DEFAULT_LIMITS[platform] if limit is None else limit
    unit = _UNITS[platform]
    problems: list[str] = []
    if is_blank(text):
        problems.append("the text is empty")
    elif length > limit:
        problems.append(_over(platform, length, unit, limit))
    if platform == "bluesky":
        size = utf8_length(text)
        if size > bluesky.MAX_BYTES:
            problems.append(_over(platform, size, "UTF-8 bytes", bluesky.MAX_BYTES))
    bad = _invalid_on_x(text) if platform == "x" else []
    if bad:
        problems.append(f"{', '.join(bad)} not allowed on X")
    return TextLength(platform, length, limit, not problems, unit, "; ".join(problems))
