"""twitter-text's URL grammar, shared by the X and Mastodon counters.

X (twitter-text v3) and Mastodon (which runs twitter-text's Ruby extractor with a few
overrides) both count every URL as 23 characters, so both need to find URLs exactly as
twitter-text does: a valid preceding character, an optional scheme, a domain whose
top-level domain is in twitter-text's TLD list (`tld_lib.yml`, shipped next to this
file), an optional port, path and query. This module holds the pieces both use; each
platform module assembles its own extraction regex from them.

The pieces are transcribed from twitter-text's JavaScript sources (js/src/regexp/*.js,
Apache License 2.0) at commit 30e2430 of github.com/twitter/twitter-text, the last
release (3.1.0). Character classes are kept as the JS has them; where the Ruby gem
(used by Mastodon) differs, the Mastodon module says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from importlib.resources import files
from typing import Any

# --- character groups (js/src/regexp/*Group.js, punct.js, latinAccentChars.js) ---

# ASCII punctuation as twitter-text's JS lists it (note: no '"' and no '`').
PUNCT = r"\!'#%&'\(\)*\+,\\\-\.\/:;<=>\?@\[\]\^_{|}~\$"
SPACES = (
    "\\x09-\\x0D\\x20\\x85\\xA0\\u1680\\u180E\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000"
)
INVALID_CHARS = "\\uFFFE\\uFEFF\\uFFFF"
DIRECTIONAL = "\\u202A-\\u202E\\u061C\\u200E\\u200F\\u2066\\u2067\\u2068\\u2069"
LATIN_ACCENTS = (
    "\\xC0-\\xD6\\xD8-\\xF6\\xF8-\\xFF\\u0100-\\u024F\\u0253\\u0254\\u0256\\u0257\\u0259"
    "\\u025B\\u0263\\u0268\\u026F\\u0272\\u0289\\u028B\\u02BB\\u0300-\\u036F\\u1E00-\\u1EFF"
)
CYRILLIC = "\\u0400-\\u04FF"


def _load_tlds() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(country, generic) TLDs from tld_lib.yml, in file order.

    The file is a fixed two-list YAML document; reading it line by line keeps import
    fast and avoids YAML 1.1 surprises (it quotes 'no' and 'off' for that reason).
    """
    lists: dict[str, list[str]] = {}
    current: list[str] | None = None
    text = files("edcal.text").joinpath("tld_lib.yml").read_text(encoding="utf-8")
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or line == "---":
            continue
        if line.startswith("- "):
            if current is None:
                raise ValueError(f"tld_lib.yml: entry before any section: {line!r}")
            current.append(line[2:].strip().strip("'\""))
        elif line.endswith(":"):
            current = lists.setdefault(line[:-1], [])
        else:
            raise ValueError(f"tld_lib.yml: unexpected line {line!r}")
    return tuple(lists["country"]), tuple(lists["generic"])


COUNTRY_TLDS, GENERIC_TLDS = _load_tlds()


def trie_pattern(words: Iterable[str]) -> str:
    """A regex for any of `words` as a prefix trie, trying longer words first.

    Python's `re` tries the alternatives of a plain alternation one by one; a trie
    makes finding one of 1,574 TLDs or 3,800 emoji sequences fast.
    """
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        group = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{group})?" if "" in node else group

    return emit(trie)


def char_class(chars: Iterable[str]) -> str:
    """A regex character class for `chars`, as ranges (`re` tests long lists of
    single astral characters one by one)."""
    points = sorted({ord(c) for c in chars})
    parts: list[str] = []
    start = previous = points[0]
    for point in [*points[1:], -1]:
        if point == previous + 1:
            previous = point
            continue
        parts.append(
            f"\\U{start:08x}" if start == previous else f"\\U{start:08x}-\\U{previous:08x}"
        )
        start = previous = point
    return "[" + "".join(parts) + "]"


def tld_pattern(tlds: Iterable[str]) -> str:
    """Any of `tlds`, ending the domain (validGTLD.js / validCCTLD.js).

    twitter-text tries the TLDs in list order. Because of the lookahead, two TLDs can
    match at one place only when one is the other plus non-ASCII letters (भारत and
    भारतम्, 嘉里 and 嘉里大酒店), and the list has the longer first; a trie that
    prefers the longer TLD, backtracking to a shorter one when the lookahead fails,
    finds the same TLD.
    """
    return "(?:" + trie_pattern(t.lower() for t in tlds) + "(?=[^0-9a-zA-Z@+-]|\\Z))"


TLD = tld_pattern(GENERIC_TLDS + COUNTRY_TLDS)
PUNYCODE_TLD = r"(?:xn--[\-0-9a-z]+)"


def domain_pattern(domain_char: str, punycode: str = PUNYCODE_TLD) -> str:
    """validDomain.js: subdomains, a domain name and a known TLD."""
    subdomain = f"(?:(?:{domain_char}(?:[_-]|{domain_char})*)?{domain_char}\\.)"
    name = f"(?:(?:{domain_char}(?:-|{domain_char})*)?{domain_char}\\.)"
    return f"(?:{subdomain}*{name}(?:{TLD}|{punycode}))"


DOMAIN_CHAR = f"[^{PUNCT}{SPACES}{INVALID_CHARS}{DIRECTIONAL}]"
DOMAIN = domain_pattern(DOMAIN_CHAR)
PRECEDING = f"(?:[^A-Za-z0-9@＠$#＃{INVALID_CHARS}]|[{DIRECTIONAL}]|^)"
PORT = "[0-9]+"

# validAsciiDomain.js: where a scheme-less URL sits inside a wider match.
ASCII_DOMAIN = re.compile(
    f"(?:(?:[\\-a-z0-9{LATIN_ACCENTS}]+)\\.)+(?:{TLD}|{PUNYCODE_TLD})", re.IGNORECASE
)

MAX_URL_LENGTH = 4096
MAX_TCO_SLUG_LENGTH = 40
_MAX_LABEL_LENGTH = 63
_LABEL_SEPARATORS = re.compile("[.\u3002\uff0e\uff61]")
_NON_PRINTABLE_ASCII = re.compile("[^\\x20-\\x7e]")


@lru_cache(maxsize=4096)
def _punycode_length(label: str) -> int:
    return 4 + len(label.encode("punycode"))  # "xn--" + RFC 3492 encoding


def _encoded_label_length(label: str) -> int:
    """Length of punycode.js 1.4.1 `toASCII(label)`, as twitter-text's idna.js calls it.

    punycode.js also splits on the ideographic full stops, so a "label" here may hold
    several; each non-ASCII part becomes "xn--" + its RFC 3492 encoding.
    """
    parts = _LABEL_SEPARATORS.split(label)
    total = len(parts) - 1  # the dots between parts
    for part in parts:
        if not _NON_PRINTABLE_ASCII.search(part):
            total += len(part)
        elif len(part) > _MAX_LABEL_LENGTH:
            # Punycode writes at least one digit per non-ASCII character: already too long.
            total += len(part) + 4
        else:
            total += _punycode_length(part)
    return total


def domain_is_valid(domain: str) -> bool:
    """twitter-text's idna.js `toAscii` succeeds: every DNS label 1-63 characters once
    punycode-encoded, and an "xn--" domain must be ASCII."""
    if domain.startswith("xn--") and not ASCII_DOMAIN.search(domain):
        return False
    if domain.isascii() and domain.isprintable():
        # Printable ASCII is its own encoding and holds no ideographic full stop; in a
        # domain of at most 63 characters, only an empty label can be wrong.
        if 0 < len(domain) <= _MAX_LABEL_LENGTH:
            return ".." not in domain and domain[0] != "." and domain[-1] != "."
        labels = domain.split(".")
        return "" not in labels and max(map(len, labels)) <= _MAX_LABEL_LENGTH
    return all(
        1 <= _encoded_label_length(label) <= _MAX_LABEL_LENGTH for label in domain.split(".")
    )


# --- finding the matches quickly (both extractors) ---
#
# Each extraction regex costs tens of microseconds per word it is tried on: wherever a
# URL could start it tries 1,574 TLDs after every way of cutting a domain into labels.
# `UrlFinder` gives the same matches as one search of the regex over the whole text,
# but sends it only the words that can hold a domain, and reads the common URL shape
# itself.

# What the extractors use of a match: (start, preceding, url, scheme, domain, path), the
# extraction regex's group 3's start and its groups 2, 3, 4, 5 and 7.
UrlMatch = tuple[int, str, str, str | None, str, str | None]

ASCII_TLDS = frozenset(t.lower() for t in (*GENERIC_TLDS, *COUNTRY_TLDS) if t.isascii())
if not all(t.isalpha() for t in ASCII_TLDS):
    raise RuntimeError("urls.py's quick path assumes ASCII TLDs made of letters only")

# Every domain ends with a dot and a TLD or "xn--" (validDomain.js). The ASCII characters
# of TLDs are letters, and none of their other characters matches an ASCII character,
# even ignoring case (a test checks). So where a run of ASCII letters follows a dot and
# an ASCII character other than a letter, digit, "@", "+" or "-" (which the TLD
# lookahead refuses) follows the run, or nothing does, a TLD there can only be the whole
# run, and ASCII (group 1 here, to look up in ASCII_TLDS). A dot can end a domain only
# where this finds it; "xn--" or a non-ASCII character after the letters is left to the
# regex.
_DOT_BEFORE_TLD = re.compile(
    r"\.(?:([A-Za-z]+)(?![0-9A-Za-z@+\-]|[^\x00-\x7f])|[xX][nN]--|[A-Za-z]*[^\x00-\x7f])"
)
_OTHER_ASCII_SPACES = "\t\n\x0b\x0c\r"
# What may follow the last label for the quick path to be sure the domain ends there.
_AFTER_DOMAIN = "/?:,;!)]'"


def plain_spaces(text: str) -> str:
    """`text` with every ASCII white space character as U+0020, to find words."""
    for space in _OTHER_ASCII_SPACES:
        if space in text:
            text = text.replace(space, " ")
    return text


def _ascii_letters_any_case(pattern: str) -> str:
    """`pattern` (literal letters and regex syntax without letters) ignoring the case of
    ASCII letters only: `re.IGNORECASE` would also take "ſ" for "s" and "K" for "k"."""
    return re.sub("[a-z]", lambda m: f"[{m.group()}{m.group().upper()}]", pattern)


def quick_pattern(schemes: str, tail: str) -> re.Pattern[str]:
    """The common shape of a URL, in ASCII (see `UrlFinder`): an optional "(" (group 1),
    an optional scheme (`schemes`, ending in "://"; group 2), labels of letters, digits
    and inner hyphens each followed by a dot, a last label of letters (group 4, the TLD),
    these labels being the domain (group 3), followed by the end of the word, a final
    dot or a character of `_AFTER_DOMAIN`, and `tail`, the extraction regex's own port,
    path and query (groups 5, 6, 7), ignoring case as the regex does."""
    label = "[0-9A-Za-z]+(?:-+[0-9A-Za-z]+)*"
    return re.compile(
        f"(\\(?)((?:{_ascii_letters_any_case(schemes)})?)((?:{label}\\.)+([A-Za-z]+))"
        f"(?=[{re.escape(_AFTER_DOMAIN)}]|\\.?\\Z)(?i:{tail})"
    )


class UrlFinder:
    """The matches of an extraction regex (`regex`, of twitter-text's shape: groups 2,
    3, 4, 5, 7 the preceding character, URL, scheme, domain and path), found quickly.

    `quick` is `quick_pattern(...)` for that regex: its tail must behave as the regex's
    own on any text, or, if `exact_tail` is given, on ASCII text (`exact_tail` then
    being the regex's own tail, used after a domain followed by non-ASCII text).
    `scheme`, if given, is the regex's scheme pattern, and only matches with a scheme
    are wanted (the words searched still give their matches without one).
    """

    def __init__(
        self, regex: Any, quick: re.Pattern[str], exact_tail: Any = None, scheme: Any = None
    ) -> None:
        self.regex = regex
        self.quick = quick
        self.exact_tail = exact_tail
        self.scheme = scheme

    def by_regex(self, text: str) -> list[UrlMatch]:
        """The matches the slow and obvious way, one search over the whole text (kept to
        check `matches` against)."""
        return [_groups(match) for match in self.regex.finditer(text)]

    def matches(self, text: str) -> list[UrlMatch]:
        """What `by_regex` gives (all of it, or, with `scheme`, all with a scheme).

        No part of a URL holds ASCII white space (neither twitter-text's domain, port,
        path and query characters nor Mastodon's), so every match lies within one word
        (split at U+0009..U+000D and U+0020) plus the character before it (white space,
        or nothing at the start of the text), and never reaches past its word.
        Searching a word from the character before it (`pos`, where `^` does not match)
        to its end (`endpos`, which the TLD lookahead takes as the end of text, just as
        it accepts the white space there) finds exactly the matches of one search over
        the whole text. Only the words with a dot that can end a domain can hold a
        match, and only those with "://" one with a scheme.
        """
        found: list[UrlMatch] = []
        spaced = ""  # plain_spaces(text), when first needed
        done = 0  # the words before this are searched
        marks = _scheme_marks(text) if self.scheme else _domain_ends(text, 0, len(text))
        for at in marks:
            if at < done:
                continue
            spaced = spaced or plain_spaces(text)
            start = spaced.rfind(" ", 0, at) + 1
            done = spaced.find(" ", at)
            if done < 0:
                done = len(text)
            self._search_word(text, start, done, found)
        return found

    def _search_word(self, text: str, start: int, end: int, found: list[UrlMatch]) -> None:
        """Add the matches in the word `text[start:end]` to `found`."""
        pos = max(start - 1, 0)
        quick = self._quick(text, start, end)
        if quick is not None:
            found.append(quick)
            pos = quick[0] + len(quick[2])
            if pos == end:
                return
        # The rest of the word can hold a match only if it holds a dot that can end a
        # domain (so one with a character after it), and one worth finding a scheme.
        if text.find(".", pos, end - 1) < 0 or not _domain_ends(text, pos, end, first_only=True):
            return
        if self.scheme is not None and (
            text.find("://", pos, end) < 0 or not self.scheme.search(text, pos, end)
        ):
            return
        found.extend(map(_groups, self.regex.finditer(text, pos, end)))

    def _quick(self, text: str, start: int, end: int) -> UrlMatch | None:
        """The first match of the word `text[start:end]` if the word starts with the
        common shape of a URL and ends its domain plainly; else None.

        The regex would find the same, given:

        * the word starts with the scheme or the first label, or with "(" and then one
          of those: the character before it (white space, or the start of the text
          through `^`) is a valid preceding character; before "(", which no domain
          or scheme starts with, no match starts;
        * each label is one subdomain or name of the regex: it starts and ends with a
          letter or digit and holds only those and hyphens, all of which the regex's
          labels take, and a dot, which none takes, ends it; the regex tries the
          longest run of labels first, then one fewer, and so reaches the last label
          first as the TLD;
        * the last label is an ASCII TLD: after it comes no letter, digit or hyphen, so
          the TLD alternation can only match the whole label (see `_DOT_BEFORE_TLD`),
          and what follows passes its lookahead;
        * what follows cannot continue the domain: the end of the word, a character of
          `_AFTER_DOMAIN` (none is a domain character for either regex), or a final dot.

        The regex then matches the whole domain at the first place it tries. Port, path
        and query are optional and come after it, so they never make it undo the
        domain: they are the regex's own tail's first match after the domain.
        """
        match = self.quick.match(text, start, end)
        if match is None or match.group(4).lower() not in ASCII_TLDS:
            return None
        opener, scheme, domain = match.group(1, 2, 3)
        url_start = match.start(2)
        url_end = match.end()
        path = match.group(6)
        if self.exact_tail is not None and not text.isascii():
            domain_end = match.end(3)
            if not text[domain_end:end].isascii():
                tail = self.exact_tail.match(text, domain_end, end)
                url_end = tail.end()
                path = tail.group(2)
        preceding = opener or (text[start - 1] if start else "")
        return url_start, preceding, text[url_start:url_end], scheme or None, domain, path


def _scheme_marks(text: str) -> list[int]:
    """Where "://" is in `text`."""
    marks = []
    at = text.find("://")
    while at >= 0:
        marks.append(at)
        at = text.find("://", at + 3)
    return marks


def _domain_ends(text: str, pos: int, end: int, first_only: bool = False) -> list[int]:
    """Where in `text[pos:end]` a dot may end a domain (see `_DOT_BEFORE_TLD`): all such
    places, or the first."""
    ends = []
    handles = "@" in text
    for dot in _DOT_BEFORE_TLD.finditer(text, pos, end):
        tld = dot.group(1)
        if tld is not None and tld.lower() not in ASCII_TLDS:
            continue
        if handles and _follows_a_handle(text, pos, dot.start()):
            continue
        ends.append(dot.start())
        if first_only:
            break
    return ends


def _follows_a_handle(text: str, pos: int, at: int) -> bool:
    """True when the dot at `at` follows "@" (after `pos`) and ASCII letters and digits
    only, as in "@alice@example.social": no domain ends there. A URL's scheme and
    domain, from after its preceding character to the dot that ends its domain, hold no
    "@", so that preceding character would be the "@" or one of those letters or
    digits, none of which twitter-text takes as one (and the URL cannot start the text,
    with no preceding character, as the "@" comes before it)."""
    at_sign = text.rfind("@", pos, at)
    name = text[at_sign + 1 : at]
    return at_sign >= 0 and name.isalnum() and name.isascii()


def _groups(match: Any) -> UrlMatch:
    return (match.start(3), *match.group(2, 3, 4, 5, 7))
