"""The values every stage passes on: config, items, problems. All immutable."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Severity = Literal["error", "warning"]
Platform = Literal["x", "mastodon", "bluesky", "linkedin", "facebook", "webhook"]
PLATFORMS: tuple[Platform, ...] = ("x", "mastodon", "bluesky", "linkedin", "facebook", "webhook")
Status = Literal["idea", "draft", "review", "scheduled"]
STATUSES: tuple[Status, ...] = ("idea", "draft", "review", "scheduled")
EntryKind = Literal["post", "social", "announce", "task"]
Target = Literal["outbox", "live"]


@dataclass(frozen=True, order=True)
class Source:
    """Where something was written: a path relative to the repository and a 1-based line."""

    path: str
    line: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Problem:
    """One finding, shown as `path:line: message — hint`."""

    source: Source
    severity: Severity
    message: str
    hint: str = ""
    code: str = ""

    def __str__(self) -> str:
        text = f"{self.source}: {self.severity}: {self.message}"
        return f"{text} — {self.hint}" if self.hint else text


@dataclass(frozen=True)
class Cadence:
    """How often a channel should carry something; None means no rule."""

    min_per_day: int | None = None
    max_per_day: int | None = None
    min_per_week: int | None = None
    max_per_week: int | None = None
    min_per_month: int | None = None
    max_per_month: int | None = None


@dataclass(frozen=True)
class Slot:
    """A posting slot: ISO weekdays (1 = Monday) and a local time of day."""

    weekdays: frozenset[int]
    at: time
    source: Source


@dataclass(frozen=True)
class Channel:
    """A named account on one platform, with its rules."""

    name: str
    platform: Platform
    label: str
    color: str
    limit: int
    cadence: Cadence
    slots: tuple[Slot, ...]
    min_gap: timedelta | None
    credentials: Mapping[str, str]  # role -> name of the environment variable holding it
    settings: Mapping[str, object]  # account settings (instance URL, page id, handle …)
    source: Source


@dataclass(frozen=True)
class Task:
    """A recurring chore, e.g. "write the Friday article", as an RFC 5545 RRULE."""

    id: str
    title: str
    rrule: str
    start: datetime  # DTSTART, aware, in the calendar's time zone
    duration: timedelta
    source: Source


@dataclass(frozen=True)
class PublishSettings:
    """The `publish:` section: where posts go and how late is too late."""

    target: Target = "outbox"
    max_delay: timedelta = timedelta(hours=6)
    max_per_run: int = 25
    claim_timeout: timedelta = timedelta(minutes=10)


@dataclass(frozen=True)
class Config:
    """`calendar/edcal.yml`, validated."""

    timezone: ZoneInfo
    site_url: str
    channels: Mapping[str, Channel]
    tasks: tuple[Task, ...]
    workload_per_day: int | None
    cadence_severity: Severity
    publish: PublishSettings
    watch: Mapping[str, object]
    source: Source


@dataclass(frozen=True)
class Media:
    """An image attached to a social post; `path` is relative to the repository."""

    path: str
    alt: str
    source: Source


@dataclass(frozen=True)
class Item:
    """Fields shared by blog posts and social posts, as read from one Markdown file.

    `date` is aware (naive dates were read in the calendar's time zone) or None when
    absent or invalid; `lines` maps each front-matter key to the line it sits on.
    """

    id: str
    title: str
    date: datetime | None
    status: Status
    channels: tuple[str, ...]
    body: str
    source: Source
    lines: Mapping[str, int] = field(default_factory=dict)

    def line_of(self, key: str) -> Source:
        """The source position of a front-matter key (the file's first line if absent)."""
        return Source(self.source.path, self.lines.get(key, self.source.line))


@dataclass(frozen=True)
class Post(Item):
    """A blog article (`content/blog/posts/*.md`, mkdocs-material blog format)."""

    slug: str = ""
    announce: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SocialPost(Item):
    """A social post (`content/social/*.md`); the body, or a variant, split on `---` lines."""

    queue: bool = False
    link: str | None = None
    media: tuple[Media, ...] = ()
    variants: Mapping[str, str] = field(default_factory=dict)

    def text_for(self, channel: str) -> str:
        """The text meant for one channel: its variant if any, else the body."""
        return self.variants.get(channel, self.body)


@dataclass(frozen=True)
class Content:
    """Everything `load` read: the config, the items, and what was wrong with them."""

    config: Config
    posts: tuple[Post, ...]
    socials: tuple[SocialPost, ...]
    problems: tuple[Problem, ...]
