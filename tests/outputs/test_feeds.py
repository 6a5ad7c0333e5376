"""write_feeds: the calendar files the site serves, one per channel."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar

from conftest import RepoFactory
from edcal.load import load_content
from edcal.outputs.feeds import write_feeds
from edcal.outputs.ics import calendar_ics
from edcal.plan import build_plan
from repos import social

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=ZoneInfo("Europe/Paris"))


def test_write_feeds_writes_the_calendar_one_feed_per_channel_and_the_json(
    make_repo: RepoFactory, tmp_path: Path
) -> None:
    repo = make_repo(socials={"a.md": social(id="a", channels="[x, mastodon]")})
    content = load_content(repo)
    plan = build_plan(repo, content, NOW)
    site = tmp_path / "site"
    written = write_feeds(site, content.config, plan)
    assert [path.name for path in written] == [
        "calendar.ics",
        "calendar-x.ics",
        "calendar-facebook.ics",
        "calendar-mastodon.ics",
        "calendar-bluesky.ics",
        "calendar-linkedin.ics",
        "calendar.json",
    ]
    assert all(path.parent == site for path in written)
    assert (site / "calendar-x.ics").read_bytes() == calendar_ics(content.config, plan, "x")
    facebook = Calendar.from_ical((site / "calendar-facebook.ics").read_bytes())
    assert facebook.walk("VEVENT") == []
    assert json.loads((site / "calendar.json").read_text(encoding="utf-8"))["entries"]
