"""Content + tasks + posting slots + now -> one ordered, time-zone-correct plan (pure)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from edcal.model import (
    Cadence,
    Channel,
    Config,
    Content,
    EntryKind,
    Problem,
    SocialPost,
    Source,
    Status,
    Task,
)
from edcal.times import TimeError, localize

if TYPE_CHECKING:
    from dateutil.rrule import rrule, rruleset  # imported when a task needs it

QUEUE_HORIZON_DAYS = 120
QUEUE_GRACE = timedelta(hours=1)
CONTENT_KINDS = frozenset({"post", "social"})
NO_CADENCE = Cadence()


@dataclass(frozen=True)
class Entry:
    """One thing on the calendar at one time: an article, a social post, an announcement, a task."""

    id: str
    kind: EntryKind
    title: str
    start: datetime
    channels: tuple[str, ...]
    status: Status
    source: Source
    end: datetime | None = None
    queued: bool = False
    published: Mapping[str, str] = field(default_factory=dict)  # channel -> live URL
    outcomes: Mapping[str, str] = field(default_factory=dict)  # channel -> ledger state

    def to_json(self) -> dict[str, object]:
        """The stable `--json` form documented in the README."""
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "channels": list(self.channels),
            "status": self.status,
            "source": str(self.source),
            "published": dict(self.published),
            "outcomes": dict(self.outcomes),
        }


@dataclass(frozen=True)
class Plan:
    """The ordered entries in [start, end] and the schedule-level findings (cadence, gaps)."""

    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]
    start: datetime | None
    end: datetime | None
    timezone: ZoneInfo


def build_plan(
    repo: Path,
    content: Content,
    now: datetime,
    start: datetime | None = None,
    end: datetime | None = None,
    history: History | None = None,
) -> Plan:
    """The plan as of `now`; without bounds it spans the earliest to the latest dated item.

    Queued posts (`queue: true`) take their channels' next free slots from an hour before
    `now` (`QUEUE_GRACE`: a run that comes a little late still finds its post due), in
    file order, so the same repository and `now` give the same plan on every machine.
    `history` (from the ledger) pins queued posts that already went out to their time
    and gives each entry its outcome per channel and its live URLs.
    """
    config = content.config
    history = history or History()
    dated = list(_content_entries(repo, content))
    dated += _queued_entries(content, dated, now - QUEUE_GRACE, history.pinned)
    if history.outcomes:
        dated = [_with_history(e, history) for e in dated]
    if start is None and dated:
        start = min(entry.start for entry in dated)
    if end is None and dated:
        end = max(entry.start for entry in dated)
    entries = dated
    if start is not None and end is not None:
        entries = [e for e in dated if start <= e.start <= end]
        entries += task_occurrences(config.tasks, config.timezone, start, end)
    entries.sort(key=lambda e: (e.start, _KIND_ORDER[e.kind], e.id))
    problems = list(schedule_problems(config, dated, start, end))
    return Plan(tuple(entries), tuple(problems), start, end, config.timezone)


@dataclass(frozen=True)
class History:
    """What the ledger knows, as the plan needs it: outcomes, live URLs, pinned times."""

    outcomes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # id -> ch -> state
    published: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # id -> ch -> URL
    pinned: Mapping[str, datetime] = field(default_factory=dict)  # queued id -> its time


def _with_history(entry: Entry, history: History) -> Entry:
    if entry.id not in history.outcomes:
        return entry
    return replace(
        entry,
        outcomes=history.outcomes[entry.id],
        published=history.published.get(entry.id, {}),
    )


_KIND_ORDER: Mapping[str, int] = {"post": 0, "announce": 1, "social": 2, "task": 3}


def _content_entries(repo: Path, content: Content) -> Iterator[Entry]:
    for post in content.posts:
        if post.date is None:
            continue
        yield Entry(post.id, "post", post.title, post.date, (), post.status, post.source)
        if post.channels:
            yield Entry(
                f"{post.id}:announce",
                "announce",
                post.title,
                post.date,
                post.channels,
                post.status,
                post.line_of("channels"),
            )
    for social in content.socials:
        if social.date is not None:
            yield _social_entry(social, social.date)


def _social_entry(social: SocialPost, when: datetime) -> Entry:
    return Entry(
        social.id,
        "social",
        social.title,
        when,
        social.channels,
        social.status,
        social.line_of("date" if social.date else "queue"),
        queued=social.queue,
    )


def _queued_entries(
    content: Content, dated: list[Entry], after: datetime, pinned: Mapping[str, datetime]
) -> list[Entry]:
    config = content.config
    taken: dict[str, list[datetime]] = defaultdict(list)
    for entry in dated:
        if entry.kind in ("social", "announce") and entry.status != "idea":
            for channel in entry.channels:
                taken[channel].append(entry.start)
    placed = []
    queued = [social for social in content.socials if social.queue and social.channels]
    for social in queued:
        if social.id in pinned:
            placed.append(_social_entry(social, pinned[social.id]))
            for channel in social.channels:
                taken[channel].append(pinned[social.id])
    for social in queued:
        if social.id in pinned:
            continue
        channels = [config.channels[c] for c in social.channels if c in config.channels]
        slot = next_free_slot(channels, taken, after, config.timezone)
        if slot is None:
            continue
        for channel in social.channels:
            taken[channel].append(slot)
        placed.append(_social_entry(social, slot))
    return placed


def next_free_slot(
    channels: list[Channel],
    taken: Mapping[str, list[datetime]],
    after: datetime,
    tz: ZoneInfo,
) -> datetime | None:
    """The first slot of the first channel, after `after`, that every channel can take.

    A slot is free on a channel when nothing else sits at that time, the day is under the
    channel's `max_per_day`, and `min_gap` holds on both sides.
    """
    if not channels or not channels[0].slots:
        return None
    first_day = after.astimezone(tz).date()
    for offset in range(QUEUE_HORIZON_DAYS):
        day = first_day + timedelta(days=offset)
        for slot in channels[0].slots:
            if day.isoweekday() not in slot.weekdays:
                continue
            try:
                when = localize(datetime.combine(day, slot.at), tz)
            except TimeError:
                continue  # a slot inside a DST gap or overlap is skipped that day
            if when <= after:
                continue
            if all(
                _is_free(channel, taken.get(channel.name, []), when, tz) for channel in channels
            ):
                return when
    return None


def _is_free(channel: Channel, taken: list[datetime], when: datetime, tz: ZoneInfo) -> bool:
    day = when.astimezone(tz).date()
    same_day = [t for t in taken if t.astimezone(tz).date() == day]
    limit = channel.cadence.max_per_day
    if limit is not None and len(same_day) >= limit:
        return False
    gap = channel.min_gap or timedelta(0)
    return all(abs(t - when) > gap or (gap == timedelta(0) and t != when) for t in taken)


def task_occurrences(
    tasks: Iterable[Task], tz: ZoneInfo, start: datetime, end: datetime
) -> list[Entry]:
    """Each occurrence of the recurring tasks in [start, end], at its local wall-clock time.

    The rule runs on naive local times and each occurrence is then placed in the zone, so
    "Friday 09:00 Europe/Paris" stays 09:00 local across DST changes.
    """
    found = []
    for task in tasks:
        rule = _rule(task.rrule, task.start.replace(tzinfo=None))
        low = start.astimezone(tz).replace(tzinfo=None) - timedelta(days=1)
        high = end.astimezone(tz).replace(tzinfo=None) + timedelta(days=1)
        for naive in rule.between(low, high, inc=True):
            when = wall_clock(naive, tz)
            if start <= when <= end:
                found.append(
                    Entry(
                        f"{task.id}@{naive:%Y-%m-%dT%H:%M}",
                        "task",
                        task.title,
                        when,
                        (),
                        "scheduled",
                        task.source,
                        end=when + task.duration,
                    )
                )
    return found


@lru_cache(maxsize=256)
def _rule(text: str, start: datetime) -> rrule | rruleset:
    """A task's parsed rule. A site build asks for occurrences in several windows (plan,
    grid, agenda) and parsing costs more than expanding; `between` leaves the rule as is."""
    from dateutil.rrule import rrulestr

    return rrulestr(text, dtstart=start)


def wall_clock(naive: datetime, tz: ZoneInfo) -> datetime:
    """A local time -> aware; in a DST gap it moves forward, in an overlap it takes the first.

    This is RFC 5545's rule for recurrence instances (section 3.3.5).
    """
    aware = naive.replace(tzinfo=tz, fold=0)
    return aware.astimezone(ZoneInfo("UTC")).astimezone(tz)


def schedule_problems(
    config: Config, entries: list[Entry], start: datetime | None, end: datetime | None
) -> Iterator[Problem]:
    """Cadence per channel, `min_gap` between posts on a channel, and the team's daily load."""
    if start is None or end is None:
        return
    tz = config.timezone
    severity = config.cadence_severity
    active = [e for e in entries if e.status != "idea"]
    for name, channel in config.channels.items():
        if channel.cadence == NO_CADENCE and channel.min_gap is None:
            continue  # no rule to break: skip sorting thousands of entries for nothing
        on_channel = sorted(
            (e for e in active if name in e.channels and e.kind in ("social", "announce")),
            key=lambda e: e.start,
        )
        yield from _cadence(channel, on_channel, tz, start, end, severity)
        yield from _gaps(channel, on_channel, severity)
    if config.workload_per_day is not None:
        per_day: dict[date, list[Entry]] = defaultdict(list)
        for entry in active:
            if entry.kind in CONTENT_KINDS:
                per_day[entry.start.astimezone(tz).date()].append(entry)
        for day, items in sorted(per_day.items()):
            if len(items) > config.workload_per_day:
                last = max(items, key=lambda e: (e.start, e.id))
                yield Problem(
                    last.source,
                    severity,
                    f"{len(items)} items on {day:%a %Y-%m-%d}, over the team's workload of"
                    f" {config.workload_per_day} per day",
                    "move one to a lighter day",
                    "workload",
                )


def period_key(moment: datetime, period: str, tz: ZoneInfo) -> tuple[int, int, int]:
    """The local day, ISO week or month a moment falls in, as a sortable key."""
    local = moment.astimezone(tz).date()
    if period == "day":
        return (local.year, local.month, local.day)
    if period == "week":
        iso = local.isocalendar()
        return (iso.year, iso.week, 0)
    return (local.year, local.month, 0)


def _periods(
    start: datetime, end: datetime, period: str, tz: ZoneInfo
) -> list[tuple[int, int, int]]:
    """The periods lying wholly inside [start, end] (a partial week says nothing about cadence)."""
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    keys: list[tuple[int, int, int]] = []
    day = first
    while day <= last:
        key = period_key(datetime.combine(day, datetime.min.time(), tz), period, tz)
        if period == "day":
            whole = True
        elif period == "week":
            whole = day.isoweekday() == 1 and day + timedelta(days=6) <= last
        else:
            nxt = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
            whole = day.day == 1 and nxt - timedelta(days=1) <= last
        if whole and key not in keys:
            keys.append(key)
        day += timedelta(days=1)
    return keys


def _label(key: tuple[int, int, int], period: str) -> str:
    if period == "day":
        return date(*key).strftime("%a %Y-%m-%d")
    if period == "week":
        return f"week {key[0]}-W{key[1]:02d}"
    return f"{key[0]}-{key[1]:02d}"


def _cadence(
    channel: Channel,
    entries: list[Entry],
    tz: ZoneInfo,
    start: datetime,
    end: datetime,
    severity: str,
) -> Iterator[Problem]:
    rules: Cadence = channel.cadence
    config_line = Source(channel.source.path, channel.source.line)
    for period in ("day", "week", "month"):
        low = getattr(rules, f"min_per_{period}")
        high = getattr(rules, f"max_per_{period}")
        if low is None and high is None:
            continue
        buckets: dict[tuple[int, int, int], list[Entry]] = defaultdict(list)
        for entry in entries:
            buckets[period_key(entry.start, period, tz)].append(entry)
        if high is not None:
            for key, items in sorted(buckets.items()):
                if len(items) > high:
                    yield Problem(
                        items[high].source,
                        severity,  # type: ignore[arg-type]
                        f"{channel.name}: {len(items)} posts in {_label(key, period)},"
                        f" the cadence allows at most {high} per {period}",
                        "move this post to another " + period,
                        "cadence",
                    )
        if low:
            for key in _periods(start, end, period, tz):
                count = len(buckets.get(key, []))
                if count < low:
                    yield Problem(
                        config_line,
                        severity,  # type: ignore[arg-type]
                        f"{channel.name}: {count} posts in {_label(key, period)},"
                        f" the cadence asks for at least {low} per {period}",
                        "plan another post then (`edcal new social` finds a free slot)",
                        "cadence",
                    )


def _gaps(channel: Channel, entries: list[Entry], severity: str) -> Iterator[Problem]:
    if channel.min_gap is None:
        return
    for before, after in pairwise(entries):
        if after.start - before.start < channel.min_gap:
            yield Problem(
                after.source,
                severity,  # type: ignore[arg-type]
                f"{channel.name}: only {after.start - before.start} after {before.id},"
                f" the channel's min_gap is {channel.min_gap}",
                "move one of the two posts",
                "cadence",
            )


def with_bounds(
    plan: Plan, start: datetime | None, end: datetime | None, channel: str | None
) -> Plan:
    """The same plan narrowed to [start, end] and to one channel."""
    entries = [
        e
        for e in plan.entries
        if (start is None or e.start >= start)
        and (end is None or e.start <= end)
        and (channel is None or channel in e.channels)
    ]
    return replace(plan, entries=tuple(entries))


@dataclass(frozen=True)
class Compliance:
    """How one channel did against its weekly cadence in one ISO week."""

    channel: str
    label: str  # the channel's label, e.g. "Facebook"
    year: int
    week: int
    count: int
    low: int | None
    high: int | None

    @property
    def ok(self) -> bool:
        """Within the rule (a channel without a weekly rule is always ok)."""
        return (self.low is None or self.count >= self.low) and (
            self.high is None or self.count <= self.high
        )

    def __str__(self) -> str:
        if self.low is not None and self.high is not None and self.low != self.high:
            rule = f"{self.low}–{self.high}"
        elif self.low is not None and self.high is not None:
            rule = str(self.low)
        elif self.low is not None:
            rule = f"at least {self.low}"
        elif self.high is not None:
            rule = f"at most {self.high}"
        else:
            return f"{self.label} {self.count}"
        return f"{self.label} {self.count} of {rule}"


def weekly_compliance(config: Config, plan: Plan) -> list[Compliance]:
    """Per ISO week of the plan and per channel with a weekly rule: "Facebook 1 of 2–3"."""
    if plan.start is None or plan.end is None:
        return []
    tz = config.timezone
    weeks = []
    day = plan.start.astimezone(tz).date()
    while day <= plan.end.astimezone(tz).date():
        iso = day.isocalendar()
        if (iso.year, iso.week) not in weeks:
            weeks.append((iso.year, iso.week))
        day += timedelta(days=1)
    counts: dict[tuple[str, int, int], int] = defaultdict(int)
    for entry in plan.entries:
        if entry.kind in ("social", "announce") and entry.status != "idea":
            iso = entry.start.astimezone(tz).isocalendar()
            for name in entry.channels:
                counts[(name, iso.year, iso.week)] += 1
    found = []
    for year, week in weeks:
        for name, channel in config.channels.items():
            low, high = channel.cadence.min_per_week, channel.cadence.max_per_week
            if low is None and high is None:
                continue
            count = counts[(name, year, week)]
            found.append(Compliance(name, channel.label, year, week, count, low, high))
    return found


def daily_workload(config: Config, plan: Plan) -> dict[date, int]:
    """Articles and social posts (not ideas) per local day: what the team has to produce."""
    per_day: dict[date, int] = defaultdict(int)
    for entry in plan.entries:
        if entry.kind in CONTENT_KINDS and entry.status != "idea":
            per_day[entry.start.astimezone(config.timezone).date()] += 1
    return dict(sorted(per_day.items()))
