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
    return all(
        1 <= _encoded_label_length(label) <= _MAX_LABEL_LENGTH for label in domain.split(".")
    )
