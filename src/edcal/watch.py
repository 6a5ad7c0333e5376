"""Keyword feeds + what was seen before -> new mentions, each reported once.

`watch(repo, config, now)` reads every feed of the `watch:` section, keeps the entries
whose title or summary names a keyword (ignoring case and accents, on word boundaries)
and no exclusion, drops those already reported, and remembers the rest in
`calendar/watch-seen.json`. One broken or unreachable feed never stops the others.

The seen file maps every key (entry id, link) to when it was first seen, and keeps what
each mention was (feed, title, link, published, keywords) under its first key, for the
site's Mentions page. Files written before those details were kept still read: their
mentions simply have no details.
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

from edcal.layout import SEEN_PATH
from edcal.model import Config

# A mention is forgotten once it was first seen more than KEEP_DAYS ago and no feed lists
# it any more; feeds hold days or weeks of entries, so nothing forgotten comes back.
KEEP_DAYS = 90
KEEP_MOST = 5000
FEED_TIMEOUT = 20.0  # seconds; feedparser's own fetch has no timeout at all
MAX_FEED_BYTES = 10 * 1024 * 1024
USER_AGENT = "edcal-watch/0.1 (an editorial calendar reading its keyword feeds)"
STORED_TITLE_CHARS = 300  # a title is kept this long in the seen file
LATEST_MENTIONS = 100  # what the site's Mentions page lists
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


@dataclass(frozen=True)
class Memory:
    """What `calendar/watch-seen.json` remembers between runs."""

    seen: dict[str, datetime] = field(default_factory=dict)  # key -> first seen
    mentions: dict[str, Mention] = field(default_factory=dict)  # a mention's first key -> it
    notes: tuple[str, ...] = ()  # why the file could not be read, if so

    def latest(self, limit: int = LATEST_MENTIONS) -> list[tuple[datetime, Mention]]:
        """The remembered mentions, newest first: (published, else first seen; mention)."""
        dated = []
        for key, mention in self.mentions.items():
            when = mention.published or self.seen.get(key)
            if when is not None:
                dated.append((when, mention))
        dated.sort(key=lambda item: (item[0], item[1].link, item[1].title), reverse=True)
        return dated[:limit]


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
    found: dict[str, Mention] = field(default_factory=dict)  # first key -> new mention

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
            mention = Mention(feed.name, title or "(untitled)", link, _published(entry), keywords)
            self.mentions.append(mention)
            self.found[keys[0]] = mention


def scan(
    settings: WatchSettings, memory: Memory, now: datetime, repo: Path
) -> tuple[WatchReport, Memory]:
    """Read every feed; the report and what is now remembered (already trimmed)."""
    state = _Scan(settings, dict(memory.seen), now)
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
    kept = trim_seen(state.seen, state.present, now)
    mentions = {**memory.mentions, **state.found}
    return report, Memory(kept, {key: m for key, m in mentions.items() if key in kept})


def trim_seen(
    seen: Mapping[str, datetime], present: set[str], now: datetime
) -> dict[str, datetime]:
    """Keep what a feed still lists or was first seen in the last KEEP_DAYS, at most KEEP_MOST."""
    horizon = now - timedelta(days=KEEP_DAYS)
    kept = [(key, when) for key, when in seen.items() if key in present or when >= horizon]
    kept.sort(key=lambda item: (item[0] in present, item[1]), reverse=True)
    return dict(sorted(kept[:KEEP_MOST]))


def read_seen(repo: Path) -> Memory:
    """`calendar/watch-seen.json` -> what was seen and when; an unreadable file is a note.

    A file without `mentions` (written before the details were kept) reads as seen keys
    only; a malformed mention is skipped, not fatal.
    """
    path = repo / SEEN_PATH
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        seen = {str(k): _aware(datetime.fromisoformat(v)) for k, v in data["seen"].items()}
    except FileNotFoundError:
        return Memory()
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        note = f"{SEEN_PATH} could not be read ({error}): every mention counts as new"
        return Memory(notes=(note,))
    stored = data.get("mentions")
    mentions = {}
    for key, value in (stored if isinstance(stored, dict) else {}).items():
        mention = _stored_mention(value)
        if mention is not None:
            mentions[str(key)] = mention
    return Memory(seen, mentions)


def _aware(moment: datetime) -> datetime:
    # A hand-edited time without an offset is read as UTC rather than crash the trim.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _stored_mention(value: object) -> Mention | None:
    if not isinstance(value, dict):
        return None
    try:
        published = value.get("published")
        keywords = value.get("keywords") or []
        return Mention(
            feed=str(value.get("feed") or ""),
            title=str(value.get("title") or "(untitled)"),
            link=str(value.get("link") or ""),
            published=_aware(datetime.fromisoformat(published)) if published else None,
            keywords=tuple(str(k) for k in keywords) if isinstance(keywords, list) else (),
        )
    except (TypeError, ValueError):
        return None


def _stored_json(mention: Mention) -> dict[str, object]:
    title = mention.title
    if len(title) > STORED_TITLE_CHARS:
        title = title[: STORED_TITLE_CHARS - 1].rstrip() + "…"
    published = mention.published
    return {
        "feed": mention.feed,
        "title": title,
        "link": mention.link,
        "published": published.astimezone(UTC).isoformat() if published else None,
        "keywords": list(mention.keywords),
    }


def write_seen(
    repo: Path, seen: Mapping[str, datetime], mentions: Mapping[str, Mention] | None = None
) -> Path:
    """Write the seen file atomically, one key and one mention per line (small git diffs).

    `{"kept": "…", "seen": {key: first seen}, "mentions": {first key: {feed, title, link,
    published, keywords}}}`; a mention is kept as long as its key is.
    """
    path = repo / SEEN_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    kept = (
        f"mentions still in a feed or first seen in the last {KEEP_DAYS} days, at most {KEEP_MOST}"
    )
    times = {key: when.isoformat(timespec="seconds") for key, when in seen.items()}
    details = [
        f"    {_json(key)}: {_json(_stored_json(mention))}"
        for key, mention in sorted((mentions or {}).items())
        if key in seen
    ]
    text = "\n".join(
        [
            "{",
            f'  "kept": {_json(kept)},',
            '  "seen": '
            + json.dumps(times, ensure_ascii=False, indent=2).replace("\n", "\n  ")
            + ",",
            '  "mentions": {' + ("\n" + ",\n".join(details) + "\n  }" if details else "}"),
            "}",
            "",
        ]
    )
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)  # never a half-written file, even if the run is killed
    return path


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def watch(repo: Path, config: Config, now: datetime) -> WatchReport:
    """Read the configured feeds, report mentions not seen before, remember them."""
    memory = read_seen(repo)
    report, kept = scan(watch_settings(config), memory, now, repo)
    if kept.seen or (repo / SEEN_PATH).exists():
        write_seen(repo, kept.seen, kept.mentions)
    if memory.notes:
        report = WatchReport(
            report.mentions, report.failures, report.feeds, now, (*memory.notes, *report.notes)
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
