"""`calendar/edcal.yml` -> a validated Config, and every problem with its line."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from edcal.hints import did_you_mean
from edcal.model import (
    PLATFORMS,
    Cadence,
    Channel,
    Config,
    Platform,
    Problem,
    PublishSettings,
    Severity,
    Slot,
    Source,
    Task,
)
from edcal.text import DEFAULT_LIMITS
from edcal.times import TimeError, parse_duration, to_aware
from edcal.yamlfile import KeyPath, Parsed, YamlSyntaxError, parse_yaml

CONFIG_PATH = "calendar/edcal.yml"

TOP_KEYS = ("timezone", "site_url", "channels", "tasks", "workload", "check", "publish", "watch")
CHANNEL_KEYS = ("platform", "label", "color", "limit", "cadence", "slots", "min_gap", "credentials")
# Account settings each platform's adapter reads; anything else is a typo.
PLATFORM_SETTINGS: Mapping[Platform, tuple[str, ...]] = {
    "x": ("account", "api_base"),
    "mastodon": ("instance", "account"),
    "bluesky": ("handle", "service"),
    "linkedin": ("author", "base_url", "version"),
    "facebook": ("page_id", "base_url", "graph_version"),
    "webhook": ("flavor", "purpose"),
}
DEFAULT_COLORS: Mapping[Platform, str] = {
    "x": "#0f1419",
    "mastodon": "#563acc",
    "bluesky": "#0a7aff",
    "linkedin": "#0a66c2",
    "facebook": "#1877f2",
    "webhook": "#4a5568",
}
CADENCE_KEYS = tuple(
    f"{bound}_per_{period}" for period in ("day", "week", "month") for bound in ("min", "max")
)
TASK_KEYS = ("id", "title", "rrule", "start", "duration")
PUBLISH_KEYS = ("target", "max_delay", "max_per_run", "claim_timeout")
WATCH_KEYS = ("keywords", "exclude", "feeds")
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SLOT = re.compile(r"^\s*(?P<days>[A-Za-z,\- ]+?)\s+(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*$")


@dataclass
class _Reader:
    """Walks the parsed document, collecting problems instead of raising."""

    parsed: Parsed
    path: str = CONFIG_PATH
    problems: list[Problem] = field(default_factory=list)

    def source(self, *key: str | int) -> Source:
        return Source(self.path, self.parsed.line(*key))

    def error(self, key: KeyPath, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.source(*key), "error", message, hint, "config"))

    def mapping(self, value: object, key: KeyPath, what: str) -> Mapping[str, object]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.error(
                key, f"{what} must be a mapping of keys to values", "write `key: value` lines"
            )
            return {}
        return cast(Mapping[str, object], value)

    def known_keys(
        self, data: Mapping[str, object], key: KeyPath, allowed: tuple[str, ...]
    ) -> None:
        for name in data:
            if str(name) not in allowed:
                where = ".".join(str(part) for part in key) or "the top level"
                self.error(
                    (*key, name),
                    f"unknown key `{name}` in {where}",
                    did_you_mean(str(name), allowed),
                )

    def count(self, value: object, key: KeyPath, minimum: int = 0) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.error(key, f"`{key[-1]}` must be a whole number ≥ {minimum}, not {value!r}")
            return None
        return value

    def duration(self, value: object, key: KeyPath, default: timedelta | None) -> timedelta | None:
        if value is None:
            return default
        try:
            return parse_duration(value)
        except TimeError as error:
            self.error(key, error.message, error.hint)
            return default


def load_config(repo: Path) -> tuple[Config, list[Problem]]:
    """Read and validate `calendar/edcal.yml`; a broken file still yields a usable Config."""
    file = repo / CONFIG_PATH
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        problem = Problem(
            Source(CONFIG_PATH, 1),
            "error",
            "no calendar configuration found",
            f"run `edcal init` or create {CONFIG_PATH} (see the README)",
            "config",
        )
        return fallback_config(), [problem]
    except (OSError, UnicodeDecodeError) as error:
        problem = Problem(
            Source(CONFIG_PATH, 1), "error", f"cannot read the file: {error}", "save it as UTF-8"
        )
        return fallback_config(), [problem]
    return parse_config(text)


def fallback_config() -> Config:
    """An empty calendar in UTC, so that content can still be checked when the config is broken."""
    return Config(
        timezone=ZoneInfo("UTC"),
        site_url="",
        channels={},
        tasks=(),
        workload_per_day=None,
        cadence_severity="warning",
        publish=PublishSettings(),
        watch={},
        source=Source(CONFIG_PATH, 1),
    )


def parse_config(text: str) -> tuple[Config, list[Problem]]:
    """Config text -> Config and problems."""
    try:
        parsed = parse_yaml(text)
    except YamlSyntaxError as error:
        problem = Problem(
            Source(CONFIG_PATH, error.line),
            "error",
            error.message,
            error.hint or "check the indentation and quoting on this line and the one above",
            "yaml",
        )
        return fallback_config(), [problem]
    reader = _Reader(parsed)
    if parsed.data is None:
        reader.error((), "the configuration is empty", "run `edcal init` for a complete example")
    top = reader.mapping(parsed.data, (), "the configuration")
    reader.known_keys(top, (), TOP_KEYS)
    tz = _timezone(reader, top.get("timezone"))
    site_url = top.get("site_url", "")
    if not isinstance(site_url, str):
        reader.error(("site_url",), "`site_url` must be text", "e.g. https://example.org/")
        site_url = ""
    elif site_url and not site_url.endswith("/"):
        site_url += "/"
    channels = _channels(reader, top.get("channels"))
    tasks = _tasks(reader, top.get("tasks"), tz)
    workload = reader.mapping(top.get("workload"), ("workload",), "`workload`")
    reader.known_keys(workload, ("workload",), ("max_per_day",))
    check = reader.mapping(top.get("check"), ("check",), "`check`")
    reader.known_keys(check, ("check",), ("cadence",))
    severity = check.get("cadence", "warning")
    if severity not in ("warning", "error"):
        reader.error(("check", "cadence"), f"`cadence` must be warning or error, not {severity!r}")
        severity = "warning"
    watch = reader.mapping(top.get("watch"), ("watch",), "`watch`")
    reader.known_keys(watch, ("watch",), WATCH_KEYS)
    # Checked here so that a pull request learns of a broken `watch:`, not the hourly job.
    for words in ("keywords", "exclude"):
        value = watch.get(words)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(w, str) and w.strip() for w in value)
        ):
            reader.error(
                ("watch", words),
                f"`watch.{words}` must be a list of words or phrases",
                f'e.g. `{words}: ["atelier libre", atelierlibre]`',
            )
    feeds = watch.get("feeds", [])
    if not isinstance(feeds, list):
        reader.error(("watch", "feeds"), "`watch.feeds` must be a list", "start each with `- url:`")
        feeds = []
    for index, spec in enumerate(feeds):
        feed = reader.mapping(spec, ("watch", "feeds", index), "a feed")
        reader.known_keys(feed, ("watch", "feeds", index), ("name", "url"))
        if not isinstance(feed.get("url"), str) or not str(feed.get("url")).strip():
            reader.error(
                ("watch", "feeds", index),
                "a feed needs a `url`",
                "an http(s) URL or a file path, e.g. `url: https://hnrss.org/newest?q=edcal`",
            )
    config = Config(
        timezone=tz,
        site_url=site_url,
        channels=channels,
        tasks=tasks,
        workload_per_day=reader.count(workload.get("max_per_day"), ("workload", "max_per_day"), 1),
        cadence_severity=cast(Severity, severity),
        publish=_publish(reader, top.get("publish")),
        watch=watch,
        source=Source(CONFIG_PATH, 1),
    )
    return config, reader.problems


def _timezone(reader: _Reader, value: object) -> ZoneInfo:
    if value is None:
        reader.error(("timezone",), "`timezone` is missing", "add e.g. `timezone: Europe/Paris`")
        return ZoneInfo("UTC")
    try:
        if not isinstance(value, str) or not value:
            raise ValueError
        return ZoneInfo(value)
    except (ValueError, OSError, ZoneInfoNotFoundError):  # OSError: a name too long for a file
        hint = did_you_mean(str(value), available_timezones())
        if hint.startswith("expected"):
            hint = "use an IANA time zone name such as Europe/Paris or America/New_York"
        reader.error(("timezone",), f"unknown time zone {value!r}", hint)
        return ZoneInfo("UTC")


def _channels(reader: _Reader, value: object) -> dict[str, Channel]:
    data = reader.mapping(value, ("channels",), "`channels`")
    if value is None:
        reader.error(("channels",), "no channels configured", "add at least one, e.g. `x:`")
    channels: dict[str, Channel] = {}
    for name, spec in data.items():
        channel = _channel(reader, str(name), spec)
        if channel is not None:
            channels[str(name)] = channel
    return channels


def _channel(reader: _Reader, name: str, value: object) -> Channel | None:
    key: KeyPath = ("channels", name)
    if not NAME.match(name):
        reader.error(
            key, f"channel name {name!r} is not allowed", "use lower-case letters, digits, - and _"
        )
    data = reader.mapping(value, key, f"channel `{name}`")
    platform = data.get("platform")
    if platform not in PLATFORMS:
        message = (
            f"channel `{name}` has no `platform`"
            if platform is None
            else f"unknown platform {platform!r}"
        )
        reader.error((*key, "platform"), message, did_you_mean(str(platform), PLATFORMS))
        return None
    reader.known_keys(data, key, CHANNEL_KEYS + PLATFORM_SETTINGS[platform])
    label = data.get("label", name)
    color = data.get("color", DEFAULT_COLORS[platform])
    if not isinstance(color, str) or not COLOR.match(color):
        reader.error((*key, "color"), f"colour {color!r} is not #rrggbb", 'quote it: `"#1877f2"`')
        color = DEFAULT_COLORS[platform]
    limit = reader.count(data.get("limit"), (*key, "limit"), 1) or DEFAULT_LIMITS[platform]
    credentials = reader.mapping(data.get("credentials"), (*key, "credentials"), "`credentials`")
    for role, variable in credentials.items():
        if not isinstance(variable, str) or not re.fullmatch(r"[A-Z_][A-Z0-9_]*", variable):
            reader.error(
                (*key, "credentials", role),
                f"`{role}` must name an environment variable, like {name.upper()}_TOKEN",
                "secrets never go in this file: put the token in that variable (a CI secret)",
            )
    return Channel(
        name=name,
        platform=platform,
        label=str(label),
        color=color,
        limit=limit,
        cadence=_cadence(reader, data.get("cadence"), (*key, "cadence")),
        slots=_slots(reader, data.get("slots"), (*key, "slots")),
        min_gap=reader.duration(data.get("min_gap"), (*key, "min_gap"), None),
        credentials={str(role): str(var) for role, var in credentials.items()},
        settings={k: v for k, v in data.items() if k in PLATFORM_SETTINGS[platform]},
        source=reader.source(*key),
    )


def _cadence(reader: _Reader, value: object, key: KeyPath) -> Cadence:
    data = reader.mapping(value, key, "`cadence`")
    reader.known_keys(data, key, CADENCE_KEYS)
    counts = {name: reader.count(data.get(name), (*key, name)) for name in CADENCE_KEYS}
    for period in ("day", "week", "month"):
        low, high = counts[f"min_per_{period}"], counts[f"max_per_{period}"]
        if low is not None and high is not None and low > high:
            reader.error(
                (*key, f"min_per_{period}"), f"min_per_{period} ({low}) is above max ({high})"
            )
    return Cadence(**counts)


def _slots(reader: _Reader, value: object, key: KeyPath) -> tuple[Slot, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        reader.error(key, "`slots` must be a list", 'e.g. `slots: ["Mon-Fri 09:00"]`')
        return ()
    slots = []
    for index, text in enumerate(value):
        slot = parse_slot(str(text), reader.source(*key, index))
        if isinstance(slot, Problem):
            reader.problems.append(slot)
        else:
            slots.append(slot)
    return tuple(sorted(slots, key=lambda s: (s.at, sorted(s.weekdays))))


def parse_slot(text: str, source: Source) -> Slot | Problem:
    """`"Mon-Fri 09:00"`, `"Tue,Thu 18:00"`, `"daily 12:30"` -> Slot."""
    hint = 'write days then a time, e.g. "Mon-Fri 09:00", "Tue,Thu 18:00" or "daily 12:30"'
    match = SLOT.match(text)
    if not match:
        return Problem(source, "error", f"slot {text!r} is not understood", hint, "config")
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        return Problem(source, "error", f"slot {text!r} has no such time of day", hint, "config")
    days: set[int] = set()
    for part in match["days"].replace(" ", "").lower().split(","):
        if part in ("daily", "everyday"):
            days.update(range(1, 8))
            continue
        ends = part.split("-")
        if len(ends) > 2 or any(end[:3] not in WEEKDAYS or len(end) < 3 for end in ends):
            return Problem(source, "error", f"slot {text!r}: unknown day {part!r}", hint, "config")
        first, last = (WEEKDAYS.index(end[:3]) for end in (ends[0], ends[-1]))
        # A range may wrap around the weekend, e.g. "Fri-Mon".
        span = (last - first) % 7
        days.update((first + step) % 7 + 1 for step in range(span + 1))
    return Slot(frozenset(days), time(hour, minute), source)


def _tasks(reader: _Reader, value: object, tz: ZoneInfo) -> tuple[Task, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        reader.error(("tasks",), "`tasks` must be a list", "start each task with `- title: …`")
        return ()
    tasks: list[Task] = []
    seen: dict[str, Source] = {}
    for index, spec in enumerate(value):
        task = _task(reader, spec, ("tasks", index), tz)
        if task is None:
            continue
        if task.id in seen:
            reader.error(
                ("tasks", index, "id"),
                f"task id `{task.id}` is used twice (also at {seen[task.id]})",
                "give each task its own id",
            )
            continue
        seen[task.id] = task.source
        tasks.append(task)
    return tuple(tasks)


def _task(reader: _Reader, value: object, key: KeyPath, tz: ZoneInfo) -> Task | None:
    from dateutil.rrule import rrulestr  # only configs with tasks pay for dateutil

    data = reader.mapping(value, key, "a task")
    reader.known_keys(data, key, TASK_KEYS)
    title, rule, start = data.get("title"), data.get("rrule"), data.get("start")
    if not isinstance(title, str) or not title.strip():
        reader.error((*key, "title"), "a task needs a `title`", "e.g. `title: Write the article`")
        return None
    task_id = data.get("id") or re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    if not isinstance(rule, str):
        reader.error(
            (*key, "rrule"), "a task needs an `rrule`", 'e.g. `rrule: "FREQ=WEEKLY;BYDAY=FR"`'
        )
        return None
    if not isinstance(start, date):
        reader.error(
            (*key, "start"),
            "a task needs a `start` date (its first possible occurrence)",
            "e.g. `start: 2026-12-01` (unquoted)",
        )
        return None
    try:
        if not isinstance(start, datetime):
            start = datetime.combine(start, time())
        dtstart = to_aware(start, tz)
    except TimeError as error:
        reader.error((*key, "start"), error.message, error.hint)
        return None
    try:
        rrulestr(rule.removeprefix("RRULE:"), dtstart=dtstart.replace(tzinfo=None))
    except (ValueError, TypeError) as error:
        reader.error(
            (*key, "rrule"),
            f"the rule {rule!r} is not valid RFC 5545: {error}",
            'e.g. "FREQ=WEEKLY;BYDAY=FR;BYHOUR=9;BYMINUTE=0"',
        )
        return None
    duration = reader.duration(data.get("duration"), (*key, "duration"), timedelta(minutes=30))
    return Task(
        id=str(task_id),
        title=title.strip(),
        rrule=rule.removeprefix("RRULE:"),
        start=dtstart,
        duration=duration or timedelta(minutes=30),
        source=reader.source(*key),
    )


def _publish(reader: _Reader, value: object) -> PublishSettings:
    key: KeyPath = ("publish",)
    data = reader.mapping(value, key, "`publish`")
    reader.known_keys(data, key, PUBLISH_KEYS)
    defaults = PublishSettings()
    target = data.get("target", defaults.target)
    if target not in ("outbox", "live"):
        reader.error((*key, "target"), f"`target` must be outbox or live, not {target!r}")
        target = defaults.target
    return PublishSettings(
        target=target,
        max_delay=reader.duration(data.get("max_delay"), (*key, "max_delay"), defaults.max_delay)
        or defaults.max_delay,
        max_per_run=reader.count(data.get("max_per_run"), (*key, "max_per_run"), 1)
        or defaults.max_per_run,
        claim_timeout=reader.duration(
            data.get("claim_timeout"), (*key, "claim_timeout"), defaults.claim_timeout
        )
        or defaults.claim_timeout,
    )
