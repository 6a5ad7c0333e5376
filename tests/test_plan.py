"""The plan: items, announcements, tasks and queued posts, in order and DST-correct."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import RepoFactory
from edcal.load import load_content
from edcal.plan import Plan, build_plan, daily_workload, weekly_compliance
from repos import BASE_CONFIG, article, social

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=PARIS)


def plan_of(repo: Path, now: datetime = NOW, **bounds: datetime) -> Plan:
    return build_plan(repo, load_content(repo), now, bounds.get("start"), bounds.get("end"))


def local(entry_start: datetime) -> str:
    return entry_start.astimezone(PARIS).strftime("%a %Y-%m-%d %H:%M")


def test_articles_bring_their_announcements_and_socials_come_in_time_order(
    make_repo: RepoFactory,
) -> None:
    repo = make_repo(
        posts={"a.md": article(id="a1", date="2026-12-04T09:00:00+01:00")},
        socials={
            "late.md": social(id="late", date="2026-12-05T10:00:00"),
            "early.md": social(id="early", date="2026-12-01T12:30:00"),
        },
    )
    entries = plan_of(repo).entries
    content = [(e.id, e.kind) for e in entries if e.kind != "task"]
    assert content == [
        ("early", "social"),
        ("a1", "post"),
        ("a1:announce", "announce"),
        ("late", "social"),
    ]
    announce = next(e for e in entries if e.kind == "announce")
    assert announce.channels == ("x", "facebook")
    assert announce.source.line == 6  # the `channels:` line of the article


def test_a_weekly_task_stays_at_nine_local_across_the_dst_change(make_repo: RepoFactory) -> None:
    repo = make_repo()
    start = datetime(2026, 3, 20, tzinfo=PARIS)
    end = datetime(2026, 4, 5, tzinfo=PARIS)
    tasks = [e for e in plan_of(repo, start=start, end=end).entries if e.kind == "task"]
    assert [local(e.start) for e in tasks] == [
        "Fri 2026-03-20 09:00",
        "Fri 2026-03-27 09:00",
        "Fri 2026-04-03 09:00",
    ]
    assert [e.start.utcoffset().total_seconds() / 3600 for e in tasks] == [1, 1, 2]  # type: ignore[union-attr]
    assert tasks[0].end is not None and (tasks[0].end - tasks[0].start).seconds == 7200
    assert tasks[0].id == "weekly-article@2026-03-20T09:00"


def test_without_bounds_the_window_runs_from_the_first_to_the_last_item(
    make_repo: RepoFactory,
) -> None:
    repo = make_repo(
        socials={
            "a.md": social(id="a", date="2026-12-01T12:30:00"),
            "b.md": social(id="b", date="2026-12-15T12:30:00"),
        }
    )
    one = plan_of(repo, now=datetime(2020, 1, 1, tzinfo=PARIS))
    other = plan_of(repo, now=datetime(2030, 1, 1, tzinfo=PARIS))
    assert [e.to_json() for e in one.entries] == [e.to_json() for e in other.entries]
    tasks = [local(e.start) for e in one.entries if e.kind == "task"]
    assert tasks == ["Fri 2026-12-04 09:00", "Fri 2026-12-11 09:00"]


def test_queued_posts_take_the_next_free_slots_in_file_order(make_repo: RepoFactory) -> None:
    queued = "queue: true"
    repo = make_repo(
        socials={
            "dated.md": social(id="dated", date="2026-11-30T12:30:00"),
            "q1.md": social(id="q1", date="null", extra=queued),
            "q2.md": social(id="q2", date="null", extra=queued),
            "q3.md": social(id="q3", date="null", extra=queued),
        }
    )
    for name in ("q1", "q2", "q3"):
        path = repo / f"content/social/{name}.md"
        path.write_text(path.read_text().replace("date: null\n", ""))
    entries = {e.id: e for e in plan_of(repo).entries}
    # Monday 12:30 is taken by the dated post; then one slot a day (x has only one slot a day).
    assert local(entries["q1"].start) == "Tue 2026-12-01 12:30"
    assert local(entries["q2"].start) == "Wed 2026-12-02 12:30"
    assert local(entries["q3"].start) == "Thu 2026-12-03 12:30"
    assert entries["q1"].queued


def test_too_many_facebook_posts_in_a_week_is_a_cadence_warning_on_the_extra_post(
    make_repo: RepoFactory,
) -> None:
    days = ["2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03"]
    repo = make_repo(
        socials={
            f"{day}.md": social(id=f"fb-{day}", date=f"{day}T18:00:00", channels="[facebook]")
            for day in days
        }
    )
    problems = plan_of(repo).problems
    assert [(str(p.source), p.severity, p.message) for p in problems] == [
        (
            "content/social/2026-12-03.md:3",
            "warning",
            "facebook: 4 posts in week 2026-W49, the cadence allows at most 3 per week",
        )
    ]


def test_a_day_without_x_post_is_reported_when_the_cadence_asks_for_one(
    make_repo: RepoFactory,
) -> None:
    config = BASE_CONFIG.replace("min_per_day: 0", "min_per_day: 1")
    repo = make_repo(
        config=config,
        socials={
            "a.md": social(id="a", date="2026-12-01T12:30:00"),
            "c.md": social(id="c", date="2026-12-03T12:30:00"),
        },
    )
    messages = [p.message for p in plan_of(repo).problems]
    assert messages == ["x: 0 posts in Wed 2026-12-02, the cadence asks for at least 1 per day"]


def test_cadence_can_be_made_an_error(make_repo: RepoFactory) -> None:
    config = BASE_CONFIG.replace("min_per_day: 0", "min_per_day: 1") + "check: {cadence: error}\n"
    repo = make_repo(
        config=config,
        socials={
            "a.md": social(id="a", date="2026-12-01T12:30:00"),
            "c.md": social(id="c", date="2026-12-03T12:30:00"),
        },
    )
    assert [p.severity for p in plan_of(repo).problems] == ["error"]


def test_two_posts_closer_than_min_gap_are_flagged(make_repo: RepoFactory) -> None:
    repo = make_repo(
        socials={
            "a.md": social(id="a", date="2026-12-01T12:30:00"),
            "b.md": social(id="b", date="2026-12-01T13:30:00"),
        }
    )
    problems = plan_of(repo).problems
    assert [p.message for p in problems] == [
        "x: only 1:00:00 after a, the channel's min_gap is 2:00:00"
    ]
    assert str(problems[0].source) == "content/social/b.md:3"


def test_the_team_workload_counts_articles_and_social_posts_per_day(
    make_repo: RepoFactory,
) -> None:
    config = BASE_CONFIG + "workload: {max_per_day: 2}\n"
    repo = make_repo(
        config=config,
        posts={"a.md": article(id="a1", date="2026-12-01T09:00:00+01:00", channels="[]")},
        socials={
            "a.md": social(id="s1", date="2026-12-01T12:30:00", channels="[mastodon]"),
            "b.md": social(id="s2", date="2026-12-01T18:00:00", channels="[facebook]"),
        },
    )
    messages = [p.message for p in plan_of(repo).problems]
    assert messages == ["3 items on Tue 2026-12-01, over the team's workload of 2 per day"]


def test_ideas_do_not_count_towards_cadence(make_repo: RepoFactory) -> None:
    repo = make_repo(
        socials={
            "a.md": social(id="a", date="2026-12-01T12:30:00"),
            "b.md": social(id="b", date="2026-12-01T13:00:00").replace(
                "status: scheduled", "status: idea"
            ),
        }
    )
    assert plan_of(repo).problems == ()


def test_plan_json_has_the_documented_keys(make_repo: RepoFactory) -> None:
    repo = make_repo(socials={"a.md": social(id="a", date="2026-12-01T12:30:00")})
    first = plan_of(repo).entries[0].to_json()
    assert first == {
        "id": "a",
        "kind": "social",
        "title": "Hello from the calendar",
        "start": "2026-12-01T12:30:00+01:00",
        "end": None,
        "channels": ["x"],
        "status": "scheduled",
        "source": "content/social/a.md:3",
        "published": {},
        "outcomes": {},
    }


def test_weekly_compliance_reads_like_facebook_1_of_2_to_3(make_repo: RepoFactory) -> None:
    config = BASE_CONFIG.replace(
        "cadence: {max_per_week: 3}", "cadence: {min_per_week: 2, max_per_week: 3}"
    )
    repo = make_repo(
        config=config,
        socials={
            "a.md": social(id="a", date="2026-12-01T18:00:00", channels="[facebook]"),
            "b.md": social(id="b", date="2026-12-08T18:00:00", channels="[facebook]"),
            "c.md": social(id="c", date="2026-12-10T18:00:00", channels="[facebook]"),
        },
    )
    content = load_content(repo)
    plan = build_plan(repo, content, NOW)
    summary = [(c.week, str(c), c.ok) for c in weekly_compliance(content.config, plan)]
    assert summary == [(49, "facebook 1 of 2–3", False), (50, "facebook 2 of 2–3", True)]
    assert daily_workload(content.config, plan) == {
        date(2026, 12, 1): 1,
        date(2026, 12, 8): 1,
        date(2026, 12, 10): 1,
    }
