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

import re
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
    UrlFinder,
    domain_is_valid,
    domain_pattern,
    plain_spaces,
    quick_pattern,
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
_UCHARS = (
    "\\u00A0-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFEF\\U00010000-\\U0001FFFD\\U00020000-\\U0002FFFD"
    "\\U00030000-\\U0003FFFD\\U00040000-\\U0004FFFD\\U00050000-\\U0005FFFD\\U00060000-\\U0006FFFD"
    "\\U00070000-\\U0007FFFD\\U00080000-\\U0008FFFD\\U00090000-\\U0009FFFD\\U000A0000-\\U000AFFFD"
    "\\U000B0000-\\U000BFFFD\\U000C0000-\\U000CFFFD\\U000D0000-\\U000DFFFD\\U000E1000-\\U000EFFFD"
    "\\uE000-\\uF8FF\\U000F0000-\\U000FFFFD\\U00100000-\\U0010FFFD"
)


def _tail(white_space: str, cyrillic: str, dash: str, latin: str, uchars: str) -> str:
    """Port, path and query (groups 1, 2, 3; 6, 7, 8 in the whole regex), with the given
    spellings of the Unicode classes White_Space, Cyrillic and Pd (Dash_Punctuation) and
    of twitter-text's Latin accents and Mastodon's non-ASCII query characters."""
    # twitter-text Ruby's own path characters: Mastodon's ending characters still embed
    # the balanced-parens pattern built from them (Ruby interpolates at definition time).
    tt = f"[a-z{cyrillic}0-9!\\*';:=\\+\\,\\.\\$\\/%#\\[\\]{dash}_~&\\|@{latin}]"
    tt_parens = f"\\((?:{tt}+|(?:{tt}*\\({tt}+\\){tt}*))\\)"
    # Mastodon's overrides (config/initializers/twitter_regex.rb).
    path_char = f"[^{white_space}<>()?]"
    path_end = f"""[^{white_space}()?!*"'「」<>;:=,.$%\\[\\]~&|@]|(?:{tt_parens})"""
    parens = f"\\((?:{path_char}+|(?:{path_char}*\\({path_char}+\\){path_char}*))\\)"
    path = f"(?:(?:{path_char}*(?:{parens}{path_char}*)*(?:{path_end}))|(?:{path_char}+/))"
    query_char = f"[a-z0-9!?*'();:&=+$/%#\\[\\]\\-_.,~|@\\^{uchars}]"
    query_end = f"[a-z0-9_&=#/\\-{uchars}]"
    return f"(?::({PORT}))?(/{path}*)?(\\?{query_char}*{query_end})?"


_SCHEMES = "(?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini)://"
_DOMAIN = domain_pattern(_RUBY_DOMAIN_CHAR, _RUBY_PUNYCODE)
_TAIL = _tail(r"\p{White_Space}", r"\p{Cyrillic}", r"\p{Pd}", LATIN_ACCENTS, _UCHARS)
_FLAGS = regex.IGNORECASE | regex.VERSION0
_VALID_URL: Any = regex.compile(f"(({PRECEDING})(({_SCHEMES})?({_DOMAIN}){_TAIL}))", _FLAGS)
# The tail for `re`, the same in ASCII text (a test checks each character class): there,
# White_Space is U+0009..U+000D and the space, "-" is the only dash, and no character is
# Cyrillic, a Latin accent or beyond U+009F. `regex` takes twice as long over a path.
_ASCII_TAIL = _tail("\\t-\\r ", "", "\\-", "", "")
_URLS = UrlFinder(
    _VALID_URL,
    quick_pattern(_SCHEMES, _ASCII_TAIL),
    exact_tail=regex.compile(_TAIL, _FLAGS),
    scheme=regex.compile(_SCHEMES, _FLAGS),
)
_TCO_URL: Any = regex.compile(r"^https?://t\.co/([a-z0-9]+)", regex.IGNORECASE)


def _mention_pattern(word: str, local: str) -> str:
    """Account::MENTION_RE, with `word` for Ruby's [[:word:]] and `local` for the part
    before a second "@"."""
    return f"(?<![=/]|{word})@({local}(?:@{word}+(?:[.-]+{word}+)*)?)"


# Account::MENTION_RE; Ruby's [[:word:]] is Letter, Mark, Decimal_Number, Connector_Punct.
_MENTION: Any = regex.compile(
    _mention_pattern(r"[\p{L}\p{M}\p{Nd}\p{Pc}]", "(?i:[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)"),
    regex.VERSION0,
)
# The same as `re` reads it, the same in ASCII text (a test checks each character
# class): there, [[:word:]] and [a-z0-9_] ignoring case are both [A-Za-z0-9_].
_ASCII_MENTION = re.compile(
    _mention_pattern("[A-Za-z0-9_]", "[A-Za-z0-9_]+(?:[.-]+[A-Za-z0-9_]+)*")
)
# twitter-text's end_mention_match: a mention followed by one of these is no mention.
_MENTION_END: Any = regex.compile(f"(?:[@＠]|[{LATIN_ACCENTS}]+|://)", regex.IGNORECASE)
# The ASCII characters a match of _MENTION_END can start with.
_MENTION_END_ASCII = frozenset(c for c in map(chr, range(128)) if _MENTION_END.match(c + "//"))


def _url_entities(text: str) -> list[tuple[int, int, str]]:
    """twitter-text Ruby `extract_urls_with_indices(text, extract_url_without_protocol:
    false)` with Mastodon's regexes: (start, end, replacement)."""
    if ":" not in text:
        return []
    found: list[tuple[int, int, str]] = []
    for start, _, url, scheme, domain, _ in _URLS.matches(text):
        if not scheme:
            continue
        end = start + len(url)
        # A t.co link's domain is "t.co": any other cannot match.
        tco = _TCO_URL.match(url) if len(domain) == 4 else None
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
    "@user") for each `@user` or `@user@domain`.

    As `_MENTION.finditer(text)` would (see `mentions_by_regex`): a match starts at an
    "@" after the previous one, and no match holds ASCII white space. So where the
    text from the character before the "@" to the next ASCII white space is ASCII,
    which is all `_MENTION` reads there, `_ASCII_MENTION` (`re`, faster) can read it.
    """
    if "@" not in text:
        return []
    found: list[tuple[int, int, str]] = []
    spaced = plain_spaces(text)
    at = text.find("@")
    while at >= 0:
        word_end = spaced.find(" ", at)
        if text[max(at - 1, 0) : word_end if word_end >= 0 else len(text)].isascii():
            match = _ASCII_MENTION.match(text, at)
        else:
            match = _MENTION.match(text, at)
        if match is None:
            at = text.find("@", at + 1)
            continue
        end = match.end()
        after = text[end : end + 1]  # _MENTION_END can only start with some characters
        may_end = after and (after in _MENTION_END_ASCII or not after.isascii())
        if not (may_end and _MENTION_END.match(text, end)):
            screen_name: str = match.group(1)
            found.append((match.start(), end, "@" + screen_name.split("@")[0]))
        at = text.find("@", end)
    return found


def mentions_by_regex(text: str) -> list[tuple[int, int, str]]:
    """`_mention_entities` the slow and obvious way (kept to check it against)."""
    return [
        (match.start(), match.end(), "@" + match.group(1).split("@")[0])
        for match in _MENTION.finditer(text)
        if not _MENTION_END.match(text, match.end())
    ]


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
