"""A title and a few options -> a new Markdown file with a fresh id, a date and a status."""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import datetime, time, timedelta
from pathlib import Path

import yaml

from edcal.hints import did_you_mean
from edcal.layout import POSTS_DIR, SOCIAL_DIR
from edcal.model import Content
from edcal.plan import build_plan, next_free_slot
from edcal.render import slugify
from edcal.times import TimeError, parse_datetime

ARTICLE_HOUR = time(9, 0)


class NewItemError(ValueError):
    """The item cannot be written as asked; the message says why and what to do."""


def fresh_id(title: str, taken: set[str]) -> str:
    """A readable id that no other item has: the title's slug and four random hex digits."""
    base = slugify(title)[:40].strip("-") or "item"
    while True:
        candidate = f"{base}-{secrets.token_hex(2)}"
        if candidate not in taken:
            return candidate


def write_new_item(
    repo: Path,
    content: Content,
    kind: str,
    title: str,
    when: str | None,
    channels: tuple[str, ...] | None,
    now: datetime,
) -> Path:
    """Write `content/blog/posts/…md` or `content/social/…md` and return its path."""
    config = content.config
    unknown = [c for c in channels or () if c not in config.channels]
    if unknown:
        raise NewItemError(
            f"unknown channel {unknown[0]!r}: {did_you_mean(unknown[0], config.channels)}"
        )
    if kind == "social" and not channels:
        channels = tuple(config.channels)[:1]
    if kind == "social" and not channels:
        raise NewItemError("no channel configured: add one to calendar/edcal.yml first")
    tz = config.timezone
    if when is not None:
        try:
            date = parse_datetime(when, tz)
        except TimeError as error:
            raise NewItemError(f"--date: {error.message} — {error.hint}") from None
    elif kind == "social":
        date = _next_slot(repo, content, channels or (), now)
    else:
        date = datetime.combine(now.astimezone(tz).date() + timedelta(days=1), ARTICLE_HOUR, tz)
    taken = {item.id for item in (*content.posts, *content.socials)}
    meta: dict[str, object] = {"id": fresh_id(title, taken), "title": title}
    meta["status"] = "draft"
    meta["channels"] = list(channels or ())
    slug = slugify(title)[:60] or "untitled"
    if kind == "post":
        folder = repo / POSTS_DIR
        name = f"{date:%Y-%m-%d}-{slug}"
        body = f"# {title}\n\nThe first paragraph is the excerpt.\n\n<!-- more -->\n\nThe rest.\n"
    else:
        folder = repo / SOCIAL_DIR
        name = f"{date:%Y-%m-%d-%H%M}-{slug}"
        body = f"{title}\n"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    number = 2
    while path.exists():
        path = folder / f"{name}-{number}.md"
        number += 1
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=None)
    # An explicit offset, unquoted: the blog plugin reads a naive date as UTC and rejects
    # quoted ones, while edcal reads a naive date in the calendar's zone.
    front += f"date: {date.replace(microsecond=0).isoformat()}\n"
    path.write_text(f"---\n{front}---\n\n{body}", encoding="utf-8")
    return path


def _next_slot(repo: Path, content: Content, channels: tuple[str, ...], now: datetime) -> datetime:
    config = content.config
    plan = build_plan(repo, content, now)
    taken: dict[str, list[datetime]] = defaultdict(list)
    for entry in plan.entries:
        if entry.kind in ("social", "announce") and entry.status != "idea":
            for channel in entry.channels:
                taken[channel].append(entry.start)
    wanted = [config.channels[name] for name in channels]
    slot = next_free_slot(wanted, taken, now, config.timezone)
    if slot is None:
        raise NewItemError(
            f"no free posting slot for {', '.join(channels)} in the coming months"
            " (does the first channel have `slots`?); give --date"
        )
    return slot
