"""Settings -> the calendar's share of a site build: what MkDocs must know, pages, feeds.

`prepare` loads the content, reads the ledger and plans, once per build; `render_pages`
and `write_site_feeds` make the calendar from what it prepared. A helper process runs
them while MkDocs builds the rest (`helper.py`), else the plugin runs them in place: the
site is the same either way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from edcal.layout import CONTENT_DIR, SEEN_PATH
from edcal.ledger import Ledger, health_warnings, history, read_ledger
from edcal.load import load_content
from edcal.model import Content
from edcal.outputs.feeds import feed_names
from edcal.plan import Plan, build_plan
from edcal.render import load_templates
from edcal.site.blog import is_due
from edcal.site.exchange import Links, Prelude, Settings, article_placeholders
from edcal.site.pages import Calendar, Health, calendar_pages, web_url
from edcal.times import current_time

if TYPE_CHECKING:
    from edcal.watch import Mention


@dataclass(frozen=True)
class Job:
    """What the calendar is made of, for one build."""

    content: Content
    plan: Plan
    now: datetime
    templates: Mapping[str, str]
    directory_urls: bool
    health: Health | None
    mentions: Sequence[tuple[datetime, Mention]] | None
    feeds_plan: Plan  # the plan as the feeds publish it (web URLs only)

    def calendar(self) -> Calendar:
        """The calendar whose pages the job renders."""
        return Calendar(
            self.content,
            self.plan,
            self.now,
            self.templates,
            directory_urls=self.directory_urls,
            health=self.health,
            mentions=self.mentions,
        )


def prepare(settings: Settings) -> tuple[Prelude, Job]:
    """Load, read the ledger and plan: what MkDocs needs first, and the job for the rest."""
    content = load_content(settings.repo)
    tz = content.config.timezone
    warnings = [
        f"{problem} (run `edcal check` for details)"
        for problem in content.problems
        if problem.severity == "error"
    ]
    ours, theirs = content.config.site_url, settings.links.site_url
    if ours and not settings.serving and theirs != ours:
        warnings.append(
            f"site_url in mkdocs.yml ({theirs or None}) differs from the calendar's"
            f" ({ours}); announcements and feeds would point elsewhere"
        )
    now = current_time(None, tz, clock=settings.clock)
    ledger = read_ledger(settings.repo)
    plan = build_plan(settings.repo, content, now, history=history(ledger))
    notes, mentions = _mentions(settings.repo)
    job = Job(
        content,
        plan,
        now,
        load_templates(settings.repo),
        directory_urls=settings.directory_urls,
        health=_health(ledger, now),
        mentions=mentions,
        feeds_plan=_public(plan),
    )
    prelude = Prelude(
        warnings=tuple(warnings),
        notes=notes,
        due=_due_articles(content, now),
        pages=tuple(calendar_pages(plan, with_mentions=mentions is not None)),
        feeds=tuple(feed_names(content.config)),
    )
    return prelude, job


def render_pages(job: Job, links: Links) -> dict[str, str]:
    """The HTML of every calendar page, by its `src_uri`."""
    calendar = job.calendar()
    return {page.src_uri: calendar.render(page, links) for page in calendar.pages}


def links_ahead(settings: Settings, prelude: Prelude) -> Links:
    """The links to render the pages with before the blog has given the articles their
    URLs: placeholders for them (see `exchange.with_article_urls`)."""
    post_ids = (post_id for post_id, _ in prelude.due.values())
    return replace(settings.links, articles=article_placeholders(settings.nonce, post_ids))


def write_site_feeds(job: Job, folder: Path) -> None:
    """Write the calendar's .ics and JSON feeds into `folder` (the site's, or a helper's)."""
    from edcal.outputs.feeds import write_feeds  # icalendar is imported only here

    write_feeds(folder, job.content.config, job.feeds_plan)


def _due_articles(content: Content, now: datetime) -> dict[str, tuple[str, datetime]]:
    """The articles the site shows at `now`, by docs-relative path (see `Prelude.due`)."""
    tz = content.config.timezone
    return {
        post.source.path.removeprefix(CONTENT_DIR + "/"): (post.id, post.date.astimezone(tz))
        for post in content.posts
        if is_due(post, now) and post.date is not None
    }


def _mentions(repo: Path) -> tuple[tuple[str, ...], list[tuple[datetime, Mention]] | None]:
    """What reading the seen file noted, and the latest mentions `edcal watch` remembers
    (None when it never ran here)."""
    if not (repo / SEEN_PATH).is_file():
        return (), None
    from edcal.watch import read_seen  # only a calendar `edcal watch` ran on needs it

    memory = read_seen(repo)
    # Notes, not warnings: the next watch run says so too; not worth a failed build.
    return tuple(memory.notes), memory.latest()


def _health(ledger: Ledger, now: datetime) -> Health | None:
    """The scheduler's health, once there is a ledger to judge it by (None before that)."""
    if not ledger.records and not ledger.heartbeats:
        return None
    return Health(ledger.last_run(), tuple(health_warnings(ledger, now)))


def _public(plan: Plan) -> Plan:
    """The plan as the site's feeds publish it: live URLs only when a reader can follow them.

    The outbox records `file://` URLs (a path on the machine that ran the publish).
    """
    entries = tuple(
        replace(e, published={c: u for c, u in e.published.items() if web_url(u)})
        if any(not web_url(u) for u in e.published.values())
        else e
        for e in plan.entries
    )
    return replace(plan, entries=entries)
