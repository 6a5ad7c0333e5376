"""calendar.json: the plan with its time zone, channels and a link to every entry."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import RepoFactory
from edcal.load import load_content
from edcal.outputs.calendar_json import calendar_json
from edcal.plan import build_plan
from repos import article, social

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=PARIS)


def document_of(repo: Path) -> dict[str, object]:
    content = load_content(repo)
    result: dict[str, object] = json.loads(
        calendar_json(content.config, build_plan(repo, content, NOW))
    )
    return result


def repo_with_items(make_repo: RepoFactory) -> Path:
    return make_repo(
        posts={"a.md": article(id="a1", date="2026-12-04T09:00:00+01:00")},
        socials={"s.md": social(id="s1", date="2026-12-01T12:30:00")},
    )


def test_calendar_json_lists_every_entry_of_the_plan_with_its_url(
    make_repo: RepoFactory,
) -> None:
    repo = repo_with_items(make_repo)
    entries = document_of(repo)["entries"]
    assert isinstance(entries, list)
    plan = build_plan(repo, load_content(repo), NOW)
    assert [e["id"] for e in entries] == [e.id for e in plan.entries]
    assert [{k: v for k, v in e.items() if k != "url"} for e in entries] == [
        e.to_json() for e in plan.entries
    ]
    urls = {e["id"]: e["url"] for e in entries}
    assert urls["s1"] == "https://example.org/calendar/2026-12/#entry-s1"
    assert urls["a1:announce"] == "https://example.org/calendar/2026-12/#entry-a1-announce"
    assert urls["weekly-article@2026-12-04T09:00"].startswith("https://example.org/calendar/")


def test_calendar_json_names_the_zone_the_window_and_the_channels(
    make_repo: RepoFactory,
) -> None:
    document = document_of(repo_with_items(make_repo))
    assert document["timezone"] == "Europe/Paris"
    assert document["generated_for"] == {
        "start": "2026-12-01T12:30:00+01:00",
        "end": "2026-12-04T09:00:00+01:00",
    }
    channels = document["channels"]
    assert isinstance(channels, dict)
    assert list(channels) == ["x", "facebook", "mastodon", "bluesky", "linkedin"]
    assert set(channels["x"]) == {"label", "color", "platform"}
    assert channels["x"]["platform"] == "x"


def test_calendar_json_of_an_empty_plan_has_no_window_and_no_entries(
    make_repo: RepoFactory,
) -> None:
    document = document_of(make_repo())
    assert document["generated_for"] == {"start": None, "end": None}
    assert document["entries"] == []
