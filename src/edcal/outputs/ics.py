"""Plan + config -> iCalendar bytes: one event per publication, one RRULE event per task."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vRecur

from edcal.model import Config, Task
from edcal.plan import Entry, Plan, wall_clock
from edcal.render import entry_url

PRODID = "-//edcal//edcal//EN"
DEFAULT_HOST = "edcal.local"
PUBLICATION_LENGTH = timedelta(minutes=15)  # a post goes out at one moment; agendas need a span
# Tasks recur without end, so the time zone definition must reach past the last dated item;
# most agendas use their own copy of an IANA zone and only strict readers rely on ours.
TIMEZONE_YEARS_AHEAD = 10
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def site_host(config: Config) -> str:
    """The host that makes UIDs globally unique: the site's, else `edcal.local`."""
    return urlsplit(config.site_url).hostname or DEFAULT_HOST


def calendar_ics(
    config: Config, plan: Plan, channel: str | None = None, host: str | None = None
) -> bytes:
    """The plan as iCalendar; with `channel`, only that channel's entries (and no tasks).

    Times are the team's wall-clock times with a TZID and the matching VTIMEZONE (never
    floating, never converted to UTC), so an agenda shows what the team planned on both
    sides of a DST change. Tasks come from the config as one recurring event each, not from
    the plan's expanded occurrences. The same plan gives the same bytes.
    """
    return calendar_feeds(config, plan, host, channels=(channel,))[channel]


def calendar_feeds(
    config: Config,
    plan: Plan,
    host: str | None = None,
    channels: Iterable[str | None] | None = None,
) -> dict[str | None, bytes]:
    """The whole plan (key None) and one calendar per channel, each event serialised once.

    A site writes five or more feeds of the same events; icalendar's serialisation is
    the slow part, so each event and the VTIMEZONE are turned into text once and the
    feeds are put together from those pieces.
    """
    host = host or site_host(config)
    tz = config.timezone
    stamp = _stamp(plan)
    wanted = list(channels) if channels is not None else [None, *config.channels]
    entries = [
        (entry, _entry_event(config, entry, host, stamp))
        for entry in plan.entries
        if entry.kind != "task"
    ]
    tasks = [e for e in (_task_event(t, tz, host, stamp) for t in config.tasks) if e is not None]
    everything = Calendar()
    for _, event in entries:
        everything.add_component(event)
    for event in tasks:
        everything.add_component(event)
    _add_timezone(everything, tz)
    zones = b"".join(zone.to_ical() for zone in everything.timezones)
    entry_text = [(entry, event.to_ical()) for entry, event in entries]
    task_text = b"".join(event.to_ical() for event in tasks)
    feeds: dict[str | None, bytes] = {}
    for channel in wanted:
        chosen = b"".join(
            text for entry, text in entry_text if channel is None or channel in entry.channels
        )
        if channel is None:
            chosen += task_text
        head = _header(config, host, channel).to_ical().removesuffix(b"END:VCALENDAR\r\n")
        feeds[channel] = head + (zones if chosen else b"") + chosen + b"END:VCALENDAR\r\n"
    return feeds


def _header(config: Config, host: str, channel: str | None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    name = f"Editorial calendar ({host})"
    if channel is not None:
        label = config.channels[channel].label if channel in config.channels else channel
        name = f"{name}: {label}"
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", config.timezone.key)
    return calendar


def _stamp(plan: Plan) -> datetime:
    # DTSTAMP is required, but the clock would make every build differ and break byte-stable
    # feeds (golden files, quiet deploys). The content lives in git and has no "revised in the
    # store" time we can see here, so take the plan's start: it only moves with the content.
    return plan.start.astimezone(UTC) if plan.start is not None else EPOCH


def _labels(config: Config, channels: Iterable[str]) -> str:
    return ", ".join(config.channels[c].label if c in config.channels else c for c in channels)


def _summary(config: Config, entry: Entry) -> str:
    labels = _labels(config, entry.channels)
    if entry.kind == "post":
        return f"Article: {entry.title}"
    if entry.kind == "announce":
        return f"Announce on {labels}: {entry.title}" if labels else f"Announce: {entry.title}"
    if entry.kind == "social" and labels:
        return f"{labels}: {entry.title}"
    return f"{entry.kind.title()}: {entry.title}"


def _description(entry: Entry) -> str:
    lines = [f"Status: {entry.status}", f"Source: {entry.source}"]
    lines += [f"Published on {channel}: {url}" for channel, url in sorted(entry.published.items())]
    return "\n".join(lines)


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    """A moment as the zone's wall-clock time, or in UTC when that wall-clock time is ambiguous.

    In the hour that repeats when DST ends, `TZID=…:02:30` means the first 02:30 (RFC 5545
    section 3.3.5); the second one can only be written in UTC.
    """
    local = moment.astimezone(tz)
    if local.fold and local.utcoffset() != local.replace(fold=0).utcoffset():
        return moment.astimezone(UTC)
    return local


def _entry_event(config: Config, entry: Entry, host: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"{entry.id}@{host}")
    event.add("dtstamp", stamp)
    event.add("dtstart", _local(entry.start, config.timezone))
    event.add("duration", entry.end - entry.start if entry.end else PUBLICATION_LENGTH)
    event.add("summary", _summary(config, entry))
    event.add("categories", [entry.kind, *entry.channels])
    event.add("status", "CONFIRMED" if entry.status == "scheduled" else "TENTATIVE")
    event.add("description", _description(entry))
    event.add("url", entry_url(config, entry.id, entry.start))
    return event


def _task_event(task: Task, tz: ZoneInfo, host: str, stamp: datetime) -> Event | None:
    """One VEVENT whose RRULE and DTSTART describe the same occurrences as `task_occurrences`.

    dateutil skips a `dtstart` that the rule does not produce (a task starting "2026-01-02"
    at midnight with BYHOUR=9), while RFC 5545 always counts DTSTART as the first instance;
    so DTSTART is the first occurrence the rule gives at or after `task.start`.
    """
    from dateutil.rrule import rrulestr

    naive_start = task.start.astimezone(tz).replace(tzinfo=None)
    first = next(iter(rrulestr(task.rrule, dtstart=naive_start)), None)
    if first is None:
        return None  # the rule ends before it starts: nothing to show
    rule = vRecur.from_ical(task.rrule)
    if "UNTIL" in rule:
        rule["UNTIL"] = [_until_utc(value, tz) for value in rule["UNTIL"]]
    event = Event()
    event.add("uid", f"task:{task.id}@{host}")  # item ids cannot hold ':', so no clash
    event.add("dtstamp", stamp)
    # The naive wall-clock time with a TZID: the agenda expands the rule in local time, so
    # "Friday 09:00" stays 09:00 on both sides of a DST change.
    event.add("dtstart", first.replace(tzinfo=tz))
    event.add("duration", task.duration)
    event.add("rrule", rule)
    event.add("summary", f"Task: {task.title}")
    event.add("categories", ["task"])
    event.add("status", "CONFIRMED")
    event.add("description", f"Recurring task {task.id}\nSource: {task.source}")
    return event


def _until_utc(value: date | datetime, tz: ZoneInfo) -> datetime:
    """A rule's UNTIL -> UTC, as RFC 5545 requires next to a DTSTART with a TZID.

    The plan reads a naive UNTIL (or a bare date, as midnight) as local time, like dateutil.
    """
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    if not isinstance(value, datetime):
        value = datetime.combine(value, datetime.min.time())
    return wall_clock(value, tz).astimezone(UTC)


def _add_timezone(calendar: Calendar, tz: ZoneInfo) -> None:
    """The VTIMEZONE for every TZID used, from the plan's first year to years past its last."""
    years = [
        event.start.year
        for event in calendar.events
        if isinstance(event.start, datetime) and event.start.tzinfo is not None
    ]
    if not years:
        return
    calendar.add_missing_timezones(
        first_date=date(min(years), 1, 1), last_date=date(max(years) + TIMEZONE_YEARS_AHEAD, 1, 1)
    )
    for timezone in calendar.timezones:
        _fix_spring_onsets(timezone)


def _fix_spring_onsets(timezone: Timezone) -> None:
    """Move each clocks-forward onset to the local time it has before the change.

    icalendar 7's `Timezone.from_tzinfo` writes the first wall-clock time after the gap
    (03:00 in Paris) where RFC 5545 section 3.6.5 combines DTSTART with TZOFFSETFROM, i.e.
    wants 02:00: read literally, the change would happen an hour late. Clocks-back onsets
    are already right (03:00 at +02:00 is the change).
    """
    observances: list[TimezoneStandard | TimezoneDaylight] = [
        *timezone.standard,
        *timezone.daylight,
    ]
    for observance in observances:
        gap = observance.TZOFFSETTO - observance.TZOFFSETFROM
        if gap <= timedelta(0):
            continue
        observance.DTSTART = observance.DTSTART - gap
        observance.rdates = [start - gap for start, _ in observance.rdates]
