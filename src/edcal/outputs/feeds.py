"""Plan + config -> the calendar files a site serves: calendar.ics, one per channel, JSON."""

from __future__ import annotations

from pathlib import Path

from edcal.model import Config
from edcal.outputs.calendar_json import calendar_json
from edcal.plan import Plan


def feed_names(config: Config) -> list[str]:
    """The file names `write_feeds` writes, in the order it writes them."""
    return [
        "calendar.ics",
        *(f"calendar-{name}.ics" for name in config.channels),
        "calendar.json",
    ]


def write_feeds(site_dir: Path, config: Config, plan: Plan) -> list[Path]:
    """Write calendar.ics, calendar-<channel>.ics per channel and calendar.json into site_dir.

    Channel names are restricted by the config to `[a-z0-9_-]`, so they are safe file names.
    """
    from edcal.outputs.ics import calendar_feeds  # icalendar is slow to import; only here

    site_dir.mkdir(parents=True, exist_ok=True)
    feeds = calendar_feeds(config, plan)
    contents = [feeds[None], *(feeds[name] for name in config.channels)]
    contents.append(calendar_json(config, plan).encode("utf-8"))
    written = []
    for name, data in zip(feed_names(config), contents, strict=True):
        path = site_dir / name
        path.write_bytes(data)
        written.append(path)
    return written
