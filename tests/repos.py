"""Builders for fixture repositories: a small config, articles and social posts."""

from __future__ import annotations

BASE_CONFIG = """\
timezone: Europe/Paris
site_url: https://example.org/
channels:
  x:
    platform: x
    cadence: {min_per_day: 0, max_per_day: 2}
    slots: ["Mon-Fri 12:30", "Sat-Sun 10:00"]
    min_gap: 2h
  facebook:
    platform: facebook
    cadence: {max_per_week: 3}
    slots: ["Tue,Thu 18:00"]
  mastodon:
    platform: mastodon
    limit: 500
    slots: ["Mon-Fri 12:30"]
  bluesky:
    platform: bluesky
  linkedin:
    platform: linkedin
tasks:
  - id: weekly-article
    title: Write the Friday article
    rrule: "FREQ=WEEKLY;BYDAY=FR;BYHOUR=9;BYMINUTE=0"
    start: 2026-01-02
    duration: 2h
"""


def social(
    id: str = "s1",
    date: str = "2026-12-01T12:30:00",
    channels: str = "[x]",
    text: str = "Hello from the calendar",
    extra: str = "",
) -> str:
    """A social post's Markdown, with the keys a test wants to vary."""
    lines = [f"id: {id}", f"date: {date}", f"channels: {channels}", "status: scheduled"]
    if extra:
        lines.append(extra.rstrip("\n"))
    return "---\n" + "\n".join(lines) + "\n---\n" + text + "\n"


def article(
    id: str = "a1",
    date: str = "2026-12-04T09:00:00+01:00",
    title: str = "An article",
    channels: str = "[x, facebook]",
    extra: str = "",
) -> str:
    """A blog article's Markdown (mkdocs-material blog format plus edcal keys)."""
    lines = [f"id: {id}", f"title: {title}", f"date: {date}", "status: scheduled"]
    lines.append(f"channels: {channels}")
    if extra:
        lines.append(extra.rstrip("\n"))
    return "---\n" + "\n".join(lines) + "\n---\n\n# " + title + "\n\nBody.\n"
