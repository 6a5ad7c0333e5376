"""Status length as a Mastodon server counts it.

Mastodon's `StatusLengthValidator` (app/validators/status_length_validator.rb,
github.com/mastodon/mastodon) counts

    [status.spoiler_text, countable_text(status.text)].join.each_grapheme_cluster.size

so the unit is the extended grapheme cluster (Ruby's `each_grapheme_cluster`; older
releases used `mb_chars.grapheme_length`, the same count), not `String#length`, after
`countable_text` has

* replaced every URL that carries a scheme with 23 characters (`URL_PLACEHOLDER`),
  as found by twitter-text's Ruby extractor with `extract_url_without_protocol:
  false` and Mastodon's overrides in config/initializers/twitter_regex.rb (more
  schemes, any non-space character in paths, non-ASCII in queries);
* replaced every mention `@user@domain` with `@user` (`Account::MENTION_RE`);
* and counted a blank text as empty.

We measure a status body only; a content warning (spoiler text) would add its own
graphemes. The server's limit is per instance (500 by default), hence `limit`.

Approximations, all at the edges of what anyone posts: Ruby's `IDN::Idna.toASCII`
domain check is replaced by twitter-text's JavaScript one (every label at most 63
characters once punycode-encoded), and grapheme rules come from the `regex` package's
Unicode version rather than the server's Ruby.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import regex

from edcal.text.graphemes import count_graphemes, is_blank
from edcal.text.urls import (
    DIRECTIONAL,
    INVALID_CHARS,
    LATIN_ACCENTS,
    MAX_TCO_SLUG_LENGTH,
    MAX_URL_LENGTH,
    PORT,
    PRECEDING,
    domain_is_valid,
    domain_pattern,
)

DEFAULT_LIMIT = 500
URL_PLACEHOLDER_LENGTH = 23
_URL_PLACEHOLDER = "x" * URL_PLACEHOLDER_LENGTH

# twitter-text's Ruby gem (3.1) excludes from domains every ASCII punctuation character
# but the backslash, control characters and spaces, where its JS excludes fewer.
_RUBY_DOMAIN_CHAR = (
    f"[^{DIRECTIONAL}!\"#$%&'()*+,\\-./:;<=>?@\\[\\]^_`{{|}}~"
    f"\\x00-\\x20\\x7F\\x85\\xA0\\u1680\\u180E\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000"
    f"{INVALID_CHARS}]"
)
_RUBY_PUNYCODE = "(?:xn--[0-9a-z]+)"
# twitter-text Ruby's own path characters: Mastodon's ending characters still embed
# the balanced-parens pattern built from them (Ruby interpolates at definition time).
_TT_PATH_CHAR = (
    f"[a-z\\p{{Cyrillic}}0-9!\\*';:=\\+\\,\\.\\$\\/%#\\[\\]\\p{{Pd}}_~&\\|@{LATIN_ACCENTS}]"
)
_TT = _TT_PATH_CHAR
_TT_PARENS = f"\\((?:{_TT}+|(?:{_TT}*\\({_TT}+\\){_TT}*))\\)"
# Mastodon's overrides (config/initializers/twitter_regex.rb).
_PATH_CHAR = r"[^\p{White_Space}<>()?]"
_PATH_END = f"""[^\\p{{White_Space}}()?!*"'「」<>;:=,.$%\\[\\]~&|@]|(?:{_TT_PARENS})"""
_PARENS = f"\\((?:{_PATH_CHAR}+|(?:{_PATH_CHAR}*\\({_PATH_CHAR}+\\){_PATH_CHAR}*))\\)"
_PATH = f"(?:(?:{_PATH_CHAR}*(?:{_PARENS}{_PATH_CHAR}*)*(?:{_PATH_END}))|(?:{_PATH_CHAR}+/))"
_UCHARS = (
    "\\u00A0-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFEF\\U00010000-\\U0001FFFD\\U00020000-\\U0002FFFD"
    "\\U00030000-\\U0003FFFD\\U00040000-\\U0004FFFD\\U00050000-\\U0005FFFD\\U00060000-\\U0006FFFD"
    "\\U00070000-\\U0007FFFD\\U00080000-\\U0008FFFD\\U00090000-\\U0009FFFD\\U000A0000-\\U000AFFFD"
    "\\U000B0000-\\U000BFFFD\\U000C0000-\\U000CFFFD\\U000D0000-\\U000DFFFD\\U000E1000-\\U000EFFFD"
    "\\uE000-\\uF8FF\\U000F0000-\\U000FFFFD\\U00100000-\\U0010FFFD"
)
_QUERY_CHAR = f"[a-z0-9!?*'();:&=+$/%#\\[\\]\\-_.,~|@\\^{_UCHARS}]"
_QUERY_END = f"[a-z0-9_&=#/\\-{_UCHARS}]"
_SCHEMES = "(?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini)://"
_DOMAIN = domain_pattern(_RUBY_DOMAIN_CHAR, _RUBY_PUNYCODE)
_VALID_URL: Any = regex.compile(
    f"(({PRECEDING})(({_SCHEMES})?({_DOMAIN})(?::({PORT}))?"
    f"(/{_PATH}*)?(\\?{_QUERY_CHAR}*{_QUERY_END})?))",
    regex.IGNORECASE | regex.VERSION0,
)
_TCO_URL: Any = regex.compile(r"^https?://t\.co/([a-z0-9]+)", regex.IGNORECASE)

# Account::MENTION_RE; Ruby's [[:word:]] is Letter, Mark, Decimal_Number, Connector_Punct.
_WORD = r"[\p{L}\p{M}\p{Nd}\p{Pc}]"
_MENTION: Any = regex.compile(
    f"(?<![=/]|{_WORD})@((?i:[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@{_WORD}+(?:[.-]+{_WORD}+)*)?)",
    regex.VERSION0,
)
# twitter-text's end_mention_match: a mention followed by one of these is no mention.
_MENTION_END: Any = regex.compile(f"(?:[@＠]|[{LATIN_ACCENTS}]+|://)", regex.IGNORECASE)


def _url_matches(text: str) -> Iterator[Any]:
    """`_VALID_URL` matches, searched only in the space-separated words with a colon.

    No part of a URL holds U+0020 (domains exclude it, paths exclude all white space,
    queries allow only printable ASCII and U+00A0 upwards), so each match lies in one
    word plus the character before it (see `edcal.text.x._url_matches`).
    """
    offset = 0
    for word in text.split(" "):
        end = offset + len(word)
        if ":" in word:
            yield from _VALID_URL.finditer(text, max(offset - 1, 0), end)
        offset = end + 1


def _url_entities(text: str) -> list[tuple[int, int, str]]:
    """twitter-text Ruby `extract_urls_with_indices(text, extract_url_without_protocol:
    false)` with Mastodon's regexes: (start, end, replacement)."""
    if ":" not in text:
        return []
    found: list[tuple[int, int, str]] = []
    for match in _url_matches(text):
        url, scheme, domain = match.group(3, 4, 5)
        if not scheme:
            continue
        start = match.start(3)
        end = match.end(3)
        tco = _TCO_URL.match(url)
        if tco:
            if len(tco.group(1)) > MAX_TCO_SLUG_LENGTH:
                continue
            url = tco.group(0)
            end = start + len(url)
        if not domain_is_valid(domain) or len(url) > MAX_URL_LENGTH:
            continue
        found.append((start, end, _URL_PLACEHOLDER))
    return found


def _mention_entities(text: str) -> list[tuple[int, int, str]]:
    """Mastodon's `Extractor.extract_mentions_or_lists_with_indices`: (start, end,
    "@user") for each `@user` or `@user@domain`."""
    if "@" not in text:
        return []
    found: list[tuple[int, int, str]] = []
    for match in _MENTION.finditer(text):
        if _MENTION_END.match(text, match.end()):
            continue
        screen_name: str = match.group(1)
        found.append((match.start(), match.end(), "@" + screen_name.split("@")[0]))
    return found


def countable_text(text: str) -> str:
    """The text Mastodon counts: URLs as 23 characters, remote mentions as `@user`."""
    if is_blank(text):
        return ""
    if ":" not in text and "@" not in text:
        return text  # no URL (they need a scheme) and no mention: nothing to replace
    entities = sorted(_url_entities(text) + _mention_entities(text))
    result: list[str] = []
    position = 0
    for start, end, replacement in entities:
        if start < position:
            continue  # remove_overlapping_entities: the earlier entity wins
        result += (text[position:start], replacement)
        position = end
    result.append(text[position:])
    return "".join(result)


def status_length(text: str) -> int:
    """The length Mastodon's StatusLengthValidator gives a status body."""
    return count_graphemes(countable_text(text))
