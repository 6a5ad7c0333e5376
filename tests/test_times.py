"""Times: durations, DST gaps and overlaps, and the injectable `now`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from edcal.times import (
    TimeError,
    current_time,
    format_duration,
    localize,
    parse_datetime,
    parse_duration,
    to_aware,
)

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("text", "minutes"), [("15m", 15), ("2h", 120), ("1d", 1440), ("1h30m", 90), (45, 45)]
)
def test_durations_in_the_config_notation(text: str | int, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["", "soon", "2 weeks", True, "-1h"])
def test_a_bad_duration_says_how_to_write_one(text: object) -> None:
    with pytest.raises(TimeError, match="is not a duration"):
        parse_duration(text)


def test_format_duration_round_trips() -> None:
    for text in ("15m", "2h", "1d", "1h30m", "1d2h5m"):
        assert format_duration(parse_duration(text)) == text


def test_a_time_skipped_by_dst_is_refused_with_the_time_to_write() -> None:
    with pytest.raises(TimeError) as error:
        localize(datetime(2026, 3, 29, 2, 30), PARIS)
    assert "does not exist in Europe/Paris" in error.value.message
    assert "2026-03-29T03:30:00+02:00" in error.value.hint


def test_a_time_repeated_by_dst_is_refused_with_both_offsets() -> None:
    with pytest.raises(TimeError) as error:
        localize(datetime(2026, 10, 25, 2, 30), PARIS)
    assert "happens twice" in error.value.message
    assert "2026-10-25T02:30:00+02:00" in error.value.hint
    assert "2026-10-25T02:30:00+01:00" in error.value.hint


def test_naive_times_are_read_in_the_calendar_zone_across_dst() -> None:
    winter = to_aware(datetime(2026, 12, 4, 9), PARIS)
    summer = to_aware(datetime(2026, 7, 3, 9), PARIS)
    assert (winter.utcoffset(), summer.utcoffset()) == (timedelta(hours=1), timedelta(hours=2))
    assert to_aware(date(2026, 12, 4), PARIS).hour == 0


def test_an_explicit_offset_is_kept_as_the_same_instant() -> None:
    moment = parse_datetime("2026-12-04T08:00:00+00:00", PARIS)
    assert moment.hour == 9
    assert moment == datetime(2026, 12, 4, 8, tzinfo=UTC)


def test_now_comes_from_the_option_then_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDCAL_NOW", "2026-12-07T10:00:00+01:00")
    assert current_time(None).isoformat() == "2026-12-07T09:00:00+00:00"
    assert current_time("2026-01-01T00:00:00", PARIS).isoformat() == "2026-01-01T00:00:00+01:00"
    monkeypatch.delenv("EDCAL_NOW")
    assert current_time(None).tzinfo is not None


@pytest.mark.parametrize(
    "value",
    [
        datetime(9999, 12, 31, 23, 59),
        datetime(1, 1, 1, tzinfo=ZoneInfo("Pacific/Kiritimati")),
        date(3000, 1, 1),
    ],
)
def test_a_year_past_what_a_plan_can_reach_is_refused_not_a_crash(value: date) -> None:
    # Datetime ends at years 1 and 9999, and plans reach weeks and years past their dates.
    with pytest.raises(TimeError, match=r"outside the years a calendar plans \(1900–2999\)"):
        to_aware(value, PARIS)
    assert to_aware(datetime(2999, 12, 31, 23, 59), PARIS).year == 2999


@pytest.mark.parametrize("value", [10**30, 527_041, "400d", "9000h"])
def test_a_duration_longer_than_a_year_is_refused(value: object) -> None:
    with pytest.raises(TimeError, match="is longer than a year"):
        parse_duration(value)
    assert parse_duration("366d") == timedelta(days=366)
