"""Keyword feeds + what was seen before -> new mentions, each reported once.

`watch(repo, config, now)` reads every feed of the `watch:` section, keeps the entries
whose title or summary names a keyword (ignoring case and accents, on word boundaries)
and no exclusion, drops those already reported, and remembers the rest in
`calendar/watch-seen.json`. One broken or unreachable feed never stops the others.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from edcal.model import Config

SEEN_PATH = "calendar/watch-seen.json"
# A mention is forgotten once it was first seen more than KEEP_DAYS ago and no feed lists
# it any more; feeds hold days or weeks of entries, so nothing forgotten comes back.
KEEP_DAYS = 90
KEEP_MOST = 5000
FEED_TIMEOUT = 20.0  # seconds; feedparser's own fetch has no timeout at all
MAX_FEED_BYTES = 10 * 1024 * 1024
USER_AGENT = "edcal-watch/0.1 (an editorial calendar reading its keyword feeds)"
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Feed:
    """One keyword feed: a name for the digest and a URL or a local file path."""

    name: str
    url: str


@dataclass(frozen=True)
class WatchSettings:
    """The `watch:` section of the config, read tolerantly (`check` reports its mistakes)."""

    keywords: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    feeds: tuple[Feed, ...] = ()
    notes: tuple[str, ...] = ()  # the parts that were skipped, and why


@dataclass(frozen=True)
class Mention:
    """A feed entry naming a keyword, as the digest and `--json` show it."""

    feed: str
    title: str
    link: str
    published: datetime | None
    keywords: tuple[str, ...]

    def to_json(self, tz: ZoneInfo) -> dict[str, object]:
        """The stable `edcal watch --json` form: `{feed, title, link, published, keywords}`."""
        return {
            "feed": self.feed,
            "title": self.title,
            "link": self.link,
            "published": self.published.astimezone(tz).isoformat() if self.published else None,
            "keywords": list(self.keywords),
        }


@dataclass(frozen=True)
class FeedFailure:
    """A feed that could not be read this run, and why, in one line."""

    feed: str
    url: str
    reason: str

    def __str__(self) -> str:
        return f"{self.feed} ({self.url}): {self.reason}"


@dataclass(frozen=True)
class WatchReport:
    """What one run found: new mentions in feed order, failed feeds, and notes."""

    mentions: tuple[Mention, ...]
    failures: tuple[FeedFailure, ...]
    feeds: tuple[Feed, ...]
    now: datetime
    notes: tuple[str, ...] = ()

    @property
    def all_failed(self) -> bool:
        """Every configured feed failed (a run with no feed at all did not fail)."""
        return bool(self.feeds) and len(self.failures) == len(self.feeds)


class FeedError(Exception):
    """A feed that cannot be read: the message is the one-line reason."""


def watch_settings(config: Config) -> WatchSettings:
    """`config.watch` -> keywords, exclusions and feeds; malformed parts are skipped."""
    raw = config.watch
    notes: list[str] = []
    feeds: list[Feed] = []
    value = raw.get("feeds")
    for index, spec in enumerate(value if isinstance(value, list) else []):
        url = spec.get("url") if isinstance(spec, Mapping) else None
        if not isinstance(url, str) or not url.strip():
            notes.append(f"watch.feeds[{index}] has no `url`: skipped")
            continue
        name = spec.get("name") if isinstance(spec, Mapping) else None
        feeds.append(Feed(str(name) if name else url.strip(), url.strip()))
    return WatchSettings(
        _phrases(raw.get("keywords"), "keywords", notes),
        _phrases(raw.get("exclude"), "exclude", notes),
        tuple(feeds),
        tuple(notes),
    )


def _phrases(value: object, key: str, notes: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        notes.append(f"watch.{key} is not a list: ignored")
        return ()
    return tuple(str(v).strip() for v in value if isinstance(v, str | int) and str(v).strip())


def fold(text: str) -> str:
    """Text -> its accent-free, case-folded form: `Atélier LIBRE` -> `atelier libre`."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=256)
def _pattern(keyword: str) -> re.Pattern[str] | None:
    words = fold(keyword).split()
    if not words:
        return None
    # Words of a phrase may be split by any run of spaces or a hyphen ("atelier-libre");
    # the look-arounds keep "libre" from matching inside "libreoffice".
    body = r"[\s\-]+".join(re.escape(word) for word in words)
    return re.compile(rf"(?<!\w){body}(?!\w)")


def find_keywords(text: str, keywords: Iterable[str]) -> tuple[str, ...]:
    """The keywords (as written in the config) that `text` names, in the config's order."""
    folded = fold(text)
    found = []
    for keyword in keywords:
        pattern = _pattern(keyword)
        if pattern is not None and pattern.search(folded):
            found.append(keyword)
    return tuple(found)


def plain_text(markup: str) -> str:
    """An entry's HTML summary -> its words (tags removed, entities decoded)."""
    return html.unescape(_TAG.sub(" ", markup))


def read_feed(url: str, repo: Path, timeout: float = FEED_TIMEOUT) -> bytes:
    """A feed's bytes from http(s) (with a timeout) or a file (relative to `repo`)."""
    if "://" not in url:
        path = Path(url).expanduser()
        try:
            return (path if path.is_absolute() else repo / path).read_bytes()
        except OSError as error:
            raise FeedError(f"cannot read the file: {error.strerror or error}") from None
    if not url.lower().startswith(("http://", "https://")):
        raise FeedError("only http(s) URLs and file paths are supported")
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data: bytes = response.read(MAX_FEED_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise FeedError(f"HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise FeedError(f"unreachable: {_reason(error.reason)}") from None
    except TimeoutError:
        raise FeedError(f"no answer within {timeout:g} s") from None
    except OSError as error:
        raise FeedError(f"unreachable: {_reason(error)}") from None
    if len(data) > MAX_FEED_BYTES:
        raise FeedError(f"larger than {MAX_FEED_BYTES // (1024 * 1024)} MB")
    return data


def _reason(error: object) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def parse_entries(data: bytes) -> list[Any]:
    """Feed bytes -> feedparser's entries; raises FeedError when it is not a feed at all."""
    import feedparser

    parsed = feedparser.parse(data)
    # feedparser recovers from small defects (bozo, yet entries or a known version); only
    # a document with no recognisable feed in it (an error page, broken XML) is a failure.
    if not parsed.entries and not parsed.get("version"):
        cause = parsed.get("bozo_exception")
        raise FeedError(f"not a feed ({cause})" if cause else "not an RSS or Atom feed")
    entries: list[Any] = parsed.entries
    return entries


def _published(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            # feedparser normalises every date to UTC in a struct_time.
            return datetime.fromtimestamp(calendar.timegm(value), UTC)
    return None


def _keys(entry: Any, title: str, summary: str) -> tuple[str, ...]:
    keys = [str(entry.get(name) or "").strip() for name in ("id", "link")]
    found = tuple(dict.fromkeys(key for key in keys if key))
    if found:
        return found
    digest = hashlib.sha256(f"{title}\n{summary}".encode()).hexdigest()[:32]
    return (f"sha256:{digest}",)


@dataclass
class _Scan:
    """The state of one run across feeds: what is known and what was found."""

    settings: WatchSettings
    seen: dict[str, datetime]
    now: datetime
    present: set[str] = field(default_factory=set)
    mentions: list[Mention] = field(default_factory=list)

    def add(self, feed: Feed, entries: Sequence[Any]) -> None:
        for entry in entries:
            title = " ".join(str(entry.get("title") or "").split())
            summary = plain_text(str(entry.get("summary") or ""))
            text = f"{title}\n{summary}"
            keywords = find_keywords(text, self.settings.keywords)
            if not keywords or find_keywords(text, self.settings.exclude):
                continue
            keys = _keys(entry, title, summary)
            self.present.update(keys)
            if any(key in self.seen for key in keys):
                continue  # reported by an earlier run, or by another feed in this one
            for key in keys:
                self.seen[key] = self.now
            link = str(entry.get("link") or "")
            self.mentions.append(
                Mention(feed.name, title or "(untitled)", link, _published(entry), keywords)
            )


def scan(
    settings: WatchSettings, seen: Mapping[str, datetime], now: datetime, repo: Path
) -> tuple[WatchReport, dict[str, datetime]]:
    """Read every feed; the report and what is now seen (already trimmed)."""
    state = _Scan(settings, dict(seen), now)
    failures = []
    for feed in settings.feeds:
        try:
            entries = parse_entries(read_feed(feed.url, repo))
        except FeedError as error:
            failures.append(FeedFailure(feed.name, feed.url, str(error)))
            continue
        state.add(feed, entries)
    notes = list(settings.notes)
    if settings.feeds and not settings.keywords:
        notes.append("no `watch.keywords`: nothing can match")
    report = WatchReport(tuple(state.mentions), tuple(failures), settings.feeds, now, tuple(notes))
    return report, trim_seen(state.seen, state.present, now)


def trim_seen(
    seen: Mapping[str, datetime], present: set[str], now: datetime
) -> dict[str, datetime]:
    """Keep what a feed still lists or was first seen in the last KEEP_DAYS, at most KEEP_MOST."""
    horizon = now - timedelta(days=KEEP_DAYS)
    kept = [(key, when) for key, when in seen.items() if key in present or when >= horizon]
    kept.sort(key=lambda item: (item[0] in present, item[1]), reverse=True)
    return dict(sorted(kept[:KEEP_MOST]))


def read_seen(repo: Path) -> tuple[dict[str, datetime], list[str]]:
    """`calendar/watch-seen.json` -> key -> first-seen time; an unreadable file is a note."""
    path = repo / SEEN_PATH
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        seen = {str(k): datetime.fromisoformat(v) for k, v in data["seen"].items()}
        # A hand-edited time without an offset is read as UTC rather than crash the trim.
        return {k: v if v.tzinfo else v.replace(tzinfo=UTC) for k, v in seen.items()}, []
    except FileNotFoundError:
        return {}, []
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        return {}, [f"{SEEN_PATH} could not be read ({error}): every mention counts as new"]


def write_seen(repo: Path, seen: Mapping[str, datetime]) -> Path:
    """Write the seen file atomically, one key per line so that git diffs stay small."""
    path = repo / SEEN_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "kept": f"mentions still in a feed or first seen in the last {KEEP_DAYS} days,"
        f" at most {KEEP_MOST}",
        "seen": {key: when.isoformat(timespec="seconds") for key, when in seen.items()},
    }
    temporary = path.with_suffix(".tmp")
    temporary.write_text(
        json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    os.replace(temporary, path)  # never a half-written file, even if the run is killed
    return path


def watch(repo: Path, config: Config, now: datetime) -> WatchReport:
    """Read the configured feeds, report mentions not seen before, remember them."""
    seen, notes = read_seen(repo)
    report, kept = scan(watch_settings(config), seen, now, repo)
    if kept or (repo / SEEN_PATH).exists():
        write_seen(repo, kept)
    if notes:
        report = WatchReport(
            report.mentions, report.failures, report.feeds, now, (*notes, *report.notes)
        )
    return report


def _escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>|#])", r"\\\1", text)


def _when(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%a %d %b %Y %H:%M}"


def digest_markdown(report: WatchReport, tz: ZoneInfo) -> str:
    """The run as Markdown: one `- ` line per new mention, grouped by feed.

    Only mention lines start with `- `, so a workflow can tell a digest with mentions
    from one without (failed feeds are quoted lines).
    """
    count = len(report.mentions)
    feeds = len(report.feeds)
    lines = [f"## edcal watch — {_when(report.now, tz)} ({tz.key})", ""]
    summary = (
        f"{count} new mention{'s' * (count != 1)} in {feeds} feed{'s' * (feeds != 1)}"
        if count
        else f"No new mentions in {feeds} feed{'s' * (feeds != 1)}."
    )
    if report.failures:
        failed = len(report.failures)
        summary += f"; {failed} feed{'s' * (failed != 1)} could not be read"
    lines.append(summary + ("." if count or report.failures else ""))
    if not report.feeds:
        lines += ["", "No feeds configured: add `watch.feeds` to calendar/edcal.yml."]
    for feed in report.feeds:
        found = [m for m in report.mentions if m.feed == feed.name]
        if not found:
            continue
        lines += ["", f"### {_escape(feed.name)}", ""]
        for mention in found:
            title = _escape(mention.title)
            link = mention.link.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
            parts = [f"[{title}]({link})" if link else title]
            if mention.published:
                parts.append(_when(mention.published, tz))
            parts.append(", ".join(f"*{_escape(k)}*" for k in mention.keywords))
            lines.append("- " + " — ".join(parts))
    if report.failures:
        lines.append("")
        lines += [f"> ⚠ feed {_escape(str(failure))}  " for failure in report.failures]
    for note in report.notes:
        lines += ["", f"> {_escape(note)}"]
    return "\n".join(lines).rstrip() + "\n"
