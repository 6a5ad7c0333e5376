"""calendar.ics: read back by an independent reader, it says what the plan says."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from click.testing import CliRunner, Result
from icalendar import Calendar, Event

from conftest import RepoFactory
from edcal.cli import main
from edcal.load import load_content
from edcal.outputs.ics import calendar_ics
from edcal.plan import Plan, build_plan
from edcal.render import entry_url
from repos import BASE_CONFIG, article, social

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 2, 1, 8, 0, tzinfo=PARIS)
HOST = "example.org"  # BASE_CONFIG's site_url
ROOT = Path(__file__).resolve().parents[2]  # the repository itself: an example calendar

LABELED = (
    BASE_CONFIG.replace("platform: x\n", "platform: x\n    label: X\n")
    .replace("platform: facebook\n", "platform: facebook\n    label: Facebook\n")
    .replace("platform: mastodon\n", "platform: mastodon\n    label: Mastodon\n")
)
MONTHLY_TASK = """\
  - id: monthly-review
    title: Monthly review
    rrule: "FREQ=MONTHLY;BYDAY=1TU;BYHOUR=10;BYMINUTE=0"
    start: 2026-01-31
    duration: 1h
"""


def plan_of(repo: Path, now: datetime = NOW) -> Plan:
    return build_plan(repo, load_content(repo), now)


def ics_of(repo: Path, channel: str | None = None, now: datetime = NOW) -> bytes:
    return calendar_ics(load_content(repo).config, plan_of(repo, now), channel)


def events_of(data: bytes) -> list[Event]:
    return list(Calendar.from_ical(data).walk("VEVENT"))


def run(repo: Path, *args: str) -> Result:
    options = ["--repo", str(repo), "--now", NOW.isoformat()]
    return CliRunner().invoke(main, [*options, *args], catch_exceptions=False)


def spring_repo(make_repo: RepoFactory) -> Path:
    """Posts on both sides of the DST change of 2026-03-29, and two recurring tasks."""
    return make_repo(
        config=LABELED + MONTHLY_TASK,
        posts={
            "before.md": article(id="before", date="2026-02-20T09:00:00+01:00"),
            "spring.md": article(id="spring", date="2026-04-03T09:00:00+02:00"),
        },
        socials={
            "a.md": social(id="a", date="2026-03-27T12:30:00", channels="[x, mastodon]"),
            "b.md": social(id="b", date="2026-03-30T12:30:00"),
            "c.md": social(id="c", date="2026-04-30T18:00:00", channels="[facebook]"),
            "after.md": social(id="after", date="2026-05-12T12:30:00"),
        },
    )


def occurrence_key(event: Event) -> tuple[str, datetime]:
    """(plan id, start instant) of one occurrence as the reader expanded it."""
    uid = str(event["UID"]).removesuffix(f"@{HOST}")
    start = event.start
    if uid.startswith("task:"):
        # The plan names each task occurrence by its local wall-clock time.
        uid = f"{uid.removeprefix('task:')}@{start.astimezone(PARIS):%Y-%m-%dT%H:%M}"
    return uid, start


def test_the_feed_expanded_by_an_independent_reader_matches_the_plan_across_dst(
    make_repo: RepoFactory,
) -> None:
    repo = spring_repo(make_repo)
    result = run(repo, "plan", "--json", "--from", "2026-03-01", "--to", "2026-04-30")
    assert result.exit_code == 0, result.output
    planned = {(e["id"], datetime.fromisoformat(e["start"])) for e in json.loads(result.output)}
    low = datetime(2026, 3, 1, tzinfo=PARIS)
    high = datetime(2026, 4, 30, 23, 59, 59, tzinfo=PARIS)
    calendar = Calendar.from_ical(ics_of(repo))
    read = {occurrence_key(e) for e in recurring_ical_events.of(calendar).between(low, high)}
    assert read == planned
    ids = {key for key, _ in read}
    assert {"spring", "spring:announce", "a", "b", "c"} <= ids
    assert "monthly-review@2026-04-07T10:00" in ids
    assert "weekly-article@2026-03-27T09:00" in ids


def test_a_weekly_task_stays_at_nine_local_on_both_sides_of_the_dst_change(
    make_repo: RepoFactory,
) -> None:
    calendar = Calendar.from_ical(ics_of(spring_repo(make_repo)))
    low, high = datetime(2026, 3, 26, tzinfo=PARIS), datetime(2026, 4, 4, tzinfo=PARIS)
    fridays = sorted(
        e.start
        for e in recurring_ical_events.of(calendar).between(low, high)
        if str(e["UID"]).startswith("task:")
    )
    fridays = [start for start in fridays if start.weekday() == 4]
    assert [f"{s.astimezone(PARIS):%a %Y-%m-%d %H:%M}" for s in fridays] == [
        "Fri 2026-03-27 09:00",
        "Fri 2026-04-03 09:00",
    ]
    assert [s.astimezone(UTC).hour for s in fridays] == [8, 7]


def test_uids_are_unique_and_the_same_on_every_run(make_repo: RepoFactory) -> None:
    repo = spring_repo(make_repo)
    first = [str(e["UID"]) for e in events_of(ics_of(repo))]
    later = [str(e["UID"]) for e in events_of(ics_of(repo, now=NOW + timedelta(days=90)))]
    assert first == later
    assert len(first) == len(set(first))
    assert "spring:announce@example.org" in first
    assert "task:weekly-article@example.org" in first


def test_a_host_given_by_the_caller_names_the_uids(make_repo: RepoFactory) -> None:
    repo = make_repo(socials={"a.md": social(id="a")})
    data = calendar_ics(load_content(repo).config, plan_of(repo), host="cal.example.net")
    assert "a@cal.example.net" in [str(e["UID"]) for e in events_of(data)]


def test_every_start_is_local_time_with_the_calendar_tzid(make_repo: RepoFactory) -> None:
    data = ics_of(spring_repo(make_repo))
    for event in events_of(data):
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert b"DTSTART;TZID=Europe/Paris:20260330T123000" in data
    assert b"DTSTART;TZID=Europe/Paris:20260403T090000" in data  # +02:00, not converted


def test_the_calendar_carries_the_vtimezone_of_its_zone(make_repo: RepoFactory) -> None:
    calendar = Calendar.from_ical(ics_of(spring_repo(make_repo)))
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Paris"]
    assert calendar.get_missing_tzids() == set()
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Paris"
    assert str(calendar["PRODID"]) == "-//edcal//edcal//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert "example.org" in str(calendar["X-WR-CALNAME"])


@pytest.mark.parametrize(
    "zone", ["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Europe/Dublin"]
)
def test_the_vtimezone_changes_offset_at_the_instants_zoneinfo_does(
    make_repo: RepoFactory, zone: str
) -> None:
    repo = make_repo(
        config=BASE_CONFIG.replace("Europe/Paris", zone),
        socials={"a.md": social(id="a", date="2026-06-01T12:30:00")},
    )
    (vtimezone,) = Calendar.from_ical(ics_of(repo)).timezones
    times, infos = vtimezone.get_transitions()
    written = [(when, info[0]) for when, info in zip(times, infos, strict=True)][1:]
    tz = ZoneInfo(zone)
    moment, last = datetime(2026, 1, 1, tzinfo=UTC), datetime(2036, 1, 1, tzinfo=UTC)
    true, offset = [], moment.astimezone(tz).utcoffset()
    while moment < last:  # every transition lies on a half hour
        if moment.astimezone(tz).utcoffset() != offset:
            offset = moment.astimezone(tz).utcoffset()
            true.append((moment.replace(tzinfo=None), offset))
        moment += timedelta(minutes=30)
    assert written == true


def test_each_task_is_one_event_with_its_rule_and_no_expanded_copies(
    make_repo: RepoFactory,
) -> None:
    events = events_of(ics_of(spring_repo(make_repo)))
    tasks = [e for e in events if "task" in e.categories]
    assert [str(e["UID"]) for e in tasks] == [
        "task:weekly-article@example.org",
        "task:monthly-review@example.org",
    ]
    assert [e["RRULE"].to_ical() for e in tasks] == [
        b"FREQ=WEEKLY;BYMINUTE=0;BYHOUR=9;BYDAY=FR",
        b"FREQ=MONTHLY;BYMINUTE=0;BYHOUR=10;BYDAY=1TU",
    ]
    assert [e.duration for e in tasks] == [timedelta(hours=2), timedelta(hours=1)]
    assert all("RRULE" not in e for e in events if e not in tasks)
    assert not [e for e in events if "@" in str(e["UID"]).removesuffix("@example.org")]


def test_a_task_starts_on_its_rules_first_occurrence_not_on_its_start_day(
    make_repo: RepoFactory,
) -> None:
    # RFC 5545 counts DTSTART as an occurrence; dateutil skips a start the rule does not hit.
    events = events_of(ics_of(spring_repo(make_repo)))
    starts = {str(e["UID"]): e.start for e in events if "task" in e.categories}
    assert starts["task:weekly-article@example.org"] == datetime(2026, 1, 2, 9, tzinfo=PARIS)
    assert starts["task:monthly-review@example.org"] == datetime(2026, 2, 3, 10, tzinfo=PARIS)


def test_a_task_until_is_written_in_utc_and_ends_where_the_plan_ends(
    make_repo: RepoFactory,
) -> None:
    rule = 'rrule: "FREQ=WEEKLY;BYDAY=FR;BYHOUR=9;BYMINUTE=0;UNTIL=20260320T090000"'
    config = BASE_CONFIG.replace('rrule: "FREQ=WEEKLY;BYDAY=FR;BYHOUR=9;BYMINUTE=0"', rule)
    repo = make_repo(config=config, socials={"a.md": social(id="a", date="2026-04-30T12:30")})
    calendar = Calendar.from_ical(ics_of(repo))
    (task,) = [e for e in calendar.walk("VEVENT") if "RRULE" in e]
    assert task["RRULE"]["UNTIL"] == [datetime(2026, 3, 20, 8, tzinfo=UTC)]
    low, high = datetime(2026, 3, 1, tzinfo=PARIS), datetime(2026, 4, 30, tzinfo=PARIS)
    read = sorted(e.start for e in recurring_ical_events.of(calendar).between(low, high))
    planned = build_plan(repo, load_content(repo), NOW, low, high).entries
    assert read == [e.start for e in planned if e.kind == "task"]
    assert read[-1] == datetime(2026, 3, 20, 9, tzinfo=PARIS)


def test_a_post_in_the_hour_that_repeats_keeps_its_instant(make_repo: RepoFactory) -> None:
    # 02:30 happens twice on 2026-10-25; a TZID time means the first, so the second is UTC.
    repo = make_repo(
        socials={
            "first.md": social(id="first", date="2026-10-25T02:30:00+02:00"),
            "second.md": social(id="second", date="2026-10-25T02:30:00+01:00"),
        }
    )
    # Compared in UTC: Python never finds an ambiguous local time equal to another zone's.
    starts = {str(e["UID"]): e.start.astimezone(UTC) for e in events_of(ics_of(repo))}
    assert starts["first@example.org"] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert starts["second@example.org"] == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_a_channel_feed_holds_only_that_channels_entries_and_no_tasks(
    make_repo: RepoFactory,
) -> None:
    repo = spring_repo(make_repo)
    uids = [str(e["UID"]).removesuffix("@example.org") for e in events_of(ics_of(repo, "x"))]
    assert uids == ["before:announce", "a", "b", "spring:announce", "after"]
    facebook = [str(e["UID"]) for e in events_of(ics_of(repo, "facebook"))]
    assert facebook == [
        "before:announce@example.org",
        "spring:announce@example.org",
        "c@example.org",
    ]
    assert "Facebook" in str(Calendar.from_ical(ics_of(repo, "facebook"))["X-WR-CALNAME"])


def test_an_event_says_what_where_and_how_sure(make_repo: RepoFactory) -> None:
    repo = make_repo(
        config=LABELED,
        posts={"a.md": article(id="a1", title="Plan a week")},
        socials={
            "s.md": social(id="s1", channels="[x, mastodon]").replace(
                "status: scheduled", "status: draft"
            )
        },
    )
    config = load_content(repo).config
    events = {str(e["UID"]).split("@")[0]: e for e in events_of(ics_of(repo))}
    assert str(events["a1"]["SUMMARY"]) == "Article: Plan a week"
    assert str(events["a1:announce"]["SUMMARY"]) == "Announce on X, Facebook: Plan a week"
    assert str(events["s1"]["SUMMARY"]) == "X, Mastodon: Hello from the calendar"
    assert events["s1"].categories == ["social", "x", "mastodon"]
    assert str(events["a1"]["STATUS"]) == "CONFIRMED"
    assert str(events["s1"]["STATUS"]) == "TENTATIVE"
    assert "content/social/s.md:3" in str(events["s1"]["DESCRIPTION"])
    assert events["s1"].duration == timedelta(minutes=15)
    start = datetime(2026, 12, 1, 12, 30, tzinfo=PARIS)
    assert str(events["s1"]["URL"]) == entry_url(config, "s1", start)


@pytest.mark.parametrize(
    "title",
    ["<script>alert(1)</script> & co", "Commas, semicolons; colons: all", "Two\nlines"],
)
def test_a_title_survives_the_round_trip(make_repo: RepoFactory, title: str) -> None:
    quoted = json.dumps(title)  # a JSON string is a valid YAML double-quoted scalar
    repo = make_repo(posts={"a.md": article(id="a1", title=quoted, channels="[]")})
    (event,) = [e for e in events_of(ics_of(repo)) if "RRULE" not in e]
    assert str(event["SUMMARY"]) == f"Article: {title}"


def test_the_same_plan_gives_the_same_bytes(make_repo: RepoFactory) -> None:
    repo = spring_repo(make_repo)
    assert ics_of(repo) == ics_of(repo)
    assert ics_of(repo, "x") == ics_of(repo, "x")


def test_ics_command_writes_a_parseable_file(make_repo: RepoFactory, tmp_path: Path) -> None:
    repo = spring_repo(make_repo)
    target = tmp_path / "out" / "plan.ics"
    target.parent.mkdir()
    result = run(repo, "ics", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == ics_of(repo)
    assert len(events_of(target.read_bytes())) == 10  # 8 content entries + 2 tasks


def test_ics_command_prints_to_standard_output_and_filters_a_channel(
    make_repo: RepoFactory,
) -> None:
    repo = spring_repo(make_repo)
    result = run(repo, "ics", "--channel", "facebook")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == ics_of(repo, "facebook")


def test_ics_command_writes_nothing_when_the_content_has_errors(
    make_repo: RepoFactory, tmp_path: Path
) -> None:
    repo = make_repo(socials={"a.md": social().replace("id: s1\n", "")})
    target = tmp_path / "plan.ics"
    result = run(repo, "ics", "-o", str(target))
    assert result.exit_code == 1
    assert "edcal check" in result.stderr
    assert not target.exists()


def test_the_example_repository_has_one_event_per_entry_and_per_task() -> None:
    content = load_content(ROOT)
    plan = build_plan(ROOT, content, NOW)
    events = events_of(calendar_ics(content.config, plan))
    entries = [e for e in plan.entries if e.kind != "task"]
    assert entries and content.config.tasks
    assert len(events) == len(entries) + len(content.config.tasks)
    assert sum("RRULE" in e for e in events) == len(content.config.tasks)
