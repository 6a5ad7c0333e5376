"""Text and naive times -> aware datetimes and durations, DST-correct, with clear errors."""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


class TimeError(ValueError):
    """A time that cannot be used as written; `hint` says what to write instead."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


# timedelta has no parser for "1h30m" and the libraries that do (pytimeparse, …) are
# unmaintained; the grammar is four units, so a regex is the smallest honest answer.
_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*$")


def parse_duration(value: object) -> timedelta:
    """`"1h30m"`, `"15m"`, `"2d"` (or a number of minutes) -> timedelta."""
    if isinstance(value, bool):
        raise TimeError(f"{value!r} is not a duration", "write e.g. 15m, 2h, 1d or 1h30m")
    if isinstance(value, int):
        return _at_most_a_year(value, minutes=value)
    match = _DURATION.match(str(value)) if isinstance(value, str) else None
    if not match or not any(match.groups()):
        raise TimeError(f"{value!r} is not a duration", "write e.g. 15m, 2h, 1d or 1h30m")
    days, hours, minutes = (int(group or 0) for group in match.groups())
    return _at_most_a_year(value, days=days, hours=hours, minutes=minutes)


# No setting of an editorial calendar (a task's length, a gap, a delay) spans a year; one
# that does is a typo, and one of 10**20 minutes would overflow every date it touches.
LONGEST_DURATION = timedelta(days=366)


def _at_most_a_year(value: object, *, days: int = 0, hours: int = 0, minutes: int = 0) -> timedelta:
    try:
        found: timedelta | None = timedelta(days=days, hours=hours, minutes=minutes)
    except OverflowError:  # past timedelta's own limit (999,999,999 days)
        found = None
    if found is None or abs(found) > LONGEST_DURATION:
        raise TimeError(f"{value!r} is longer than a year", "write e.g. 15m, 2h, 1d or 1h30m")
    return found


def format_duration(value: timedelta) -> str:
    """timedelta -> the config's own notation, e.g. `1h30m`."""
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    text = (f"{days}d" if days else "") + (f"{hours}h" if hours else "")
    return text + (f"{minutes}m" if minutes or not text else "")


def localize(naive: datetime, tz: ZoneInfo) -> datetime:
    """A wall-clock time in `tz` -> aware datetime; refuses times that DST skips or repeats."""
    candidate = naive.replace(tzinfo=tz, fold=0)
    other = naive.replace(tzinfo=tz, fold=1)
    # PEP 495: only a time in a gap or an overlap has two readings (fold 0 and 1).
    if candidate.utcoffset() == other.utcoffset():
        return candidate
    round_trip = candidate.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if round_trip != naive.replace(fold=0):
        after = candidate.astimezone(UTC).astimezone(tz)
        raise TimeError(
            f"{naive:%Y-%m-%d %H:%M} does not exist in {tz.key}: the clocks skip that hour"
            " (daylight saving time starts)",
            f"write {after.isoformat()} or pick a time outside the gap",
        )
    raise TimeError(
        f"{naive:%Y-%m-%d %H:%M} happens twice in {tz.key} (daylight saving time ends)",
        f"write {candidate.isoformat()} for the first or {other.isoformat()} for the second",
    )


# The years a calendar's dates may fall in. Python's datetime ends at years 1 and 9999,
# and a plan reaches past its dates (whole weeks, the agenda's 30 days, ten years of time
# zone rules in the .ics); a year outside these is a typo in an editorial calendar.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def to_aware(value: datetime | date, tz: ZoneInfo) -> datetime:
    """A YAML date or datetime -> aware datetime in `tz` (a bare date is midnight local)."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise TimeError(
            f"{value.isoformat()} is outside the years a calendar plans ({FIRST_YEAR}–{LAST_YEAR})",
            "check the year",
        )
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if value.tzinfo is None:
        return localize(value, tz)
    return value.astimezone(tz)


def parse_datetime(text: str, tz: ZoneInfo) -> datetime:
    """ISO 8601 text (offset optional, naive = `tz`) -> aware datetime in `tz`."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise TimeError(
            f"{text!r} is not a date and time", "write e.g. 2026-12-04T09:00:00+01:00"
        ) from None
    return to_aware(value, tz)


def parse_day(text: str) -> date:
    """`2026-12-04` -> date."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise TimeError(f"{text!r} is not a date", "write e.g. 2026-12-04") from None


def current_time(
    option: str | None, tz: ZoneInfo | None = None, *, clock: datetime | None = None
) -> datetime:
    """The run's `now`: the `--now` option, else `EDCAL_NOW`, else the clock; always aware.

    Every command takes `now` from here so that tests and the demo can run "as of" any
    moment. A naive value is read in `tz` (the calendar's zone), else in UTC. `clock` is a
    reading of the clock taken earlier, for work that must agree with it.
    """
    text = option or os.environ.get("EDCAL_NOW")
    zone = tz or ZoneInfo("UTC")
    if not text:
        return (clock or datetime.now(UTC)).astimezone(zone)
    return parse_datetime(text, zone)
