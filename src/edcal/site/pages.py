"""Content + plan + now -> the calendar's pages (landing, months, agenda, mentions) as HTML.

A week is a row of its month's page: `calendar/2026-12/#week-2026-W49` shows that row
alone, as a week view (CSS `:target`), with its days from the neighbouring month filled
in. No page of its own: each MkDocs page costs the build more than its calendar does.

Nothing here imports MkDocs: the plugin turns `Calendar.pages` into generated files and
asks `Calendar.render` for each page's HTML, so the benchmark can time the rendering alone.
The cost is linear in entries: entries are grouped by day once, each entry's HTML is
rendered once and reused by its month and agenda pages.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from markupsafe import Markup

from edcal.layout import CONTENT_DIR
from edcal.model import Config, Content, Post, SocialPost
from edcal.plan import Compliance, Entry, Plan, daily_workload, task_occurrences, weekly_compliance
from edcal.render import (
    CALENDAR_DIR,
    RenderError,
    announcement_text,
    article_url,
    entry_anchor,
    social_parts,
)
from edcal.site.exchange import CalendarPage, Links

if TYPE_CHECKING:
    import jinja2

    from edcal.watch import Mention

AGENDA_DAYS = 30
MENTIONS_URI = f"{CALENDAR_DIR}/mentions.md"
SUMMARY_TITLE_CHARS = 400
EXCERPT_CHARS = 280
KIND_LABELS: Mapping[str, str] = {
    "post": "Article",
    "announce": "Announcement",
    "social": "Social post",
    "task": "Task",
}
KIND_ORDER: Mapping[str, int] = {"post": 0, "announce": 1, "social": 2, "task": 3}
# English names, independent of the machine's locale (strftime's %A follows LC_TIME).
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)
FALLBACK_COLOR = "#6b7280"
# What the ledger recorded for one channel, in words: a state is never told by colour alone.
OUTCOME_TEXTS: Mapping[str, str] = {
    "published": "✓ published",
    "imported": "✓ recorded as done (imported, not posted by edcal)",
    "claimed": "being published (claimed by a run)",
    "uncertain": "uncertain: the next run checks whether it went out",
    "failed": "failed: the next run tries again while it is due",
    "missed": "missed: too late, not posted",
    "flagged": "flagged: a person must check",
}
# The states that need attention, the most pressing first: the one the summary line names.
PROBLEM_STATES = ("flagged", "failed", "uncertain", "missed")
DONE_STATES = frozenset({"published", "imported"})
_MORE = "<!-- more -->"
# Ends each entry in entries.html's output; escaped text can never hold it ("<" is escaped).
MARKER = "<!--edcal:entry-->"
_HEADING_LINE = re.compile(r"^#{1,6}\s.*$", re.MULTILINE)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class EntryView:
    """What the entry template shows of one entry (attributes, not a dict: Jinja2 reads
    attributes first, and this template runs once per entry)."""

    anchor: str
    kind: str
    kind_label: str
    start: str
    hours: str
    title: str
    hover: str
    status: str
    dots: Markup  # the channels as coloured dots, for the one-line summary
    chips: Markup  # the channels as labelled chips, for the details
    channel_names: str
    color: str
    texts: list[tuple[str, tuple[str, ...]]]
    source: str
    edit: str
    article: str
    live: bool
    outcomes: list[dict[str, str]]  # per channel: label, state, text, url (http(s) only)
    result: str  # the summary's word for the outcomes: "✓", a problem state, or ""


@dataclass(frozen=True)
class Health:
    """The scheduled publish runs as the ledger knows them, for the landing page."""

    last_run: datetime | None
    warnings: tuple[str, ...] = ()


def month_name(year: int, month: int) -> str:
    """`December 2026`."""
    return f"{MONTHS[month - 1]} {year}"


def day_label(day: date) -> str:
    """`Friday 4 December 2026`."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def week_key(day: date) -> str:
    """The ISO week a day falls in: `2026-W49`."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


class Calendar:
    """The calendar's pages for one plan; each page renders from its own slice of it."""

    def __init__(
        self,
        content: Content,
        plan: Plan,
        now: datetime,
        templates: Mapping[str, str] | None = None,
        *,
        directory_urls: bool = True,
        health: Health | None = None,
        mentions: Sequence[tuple[datetime, Mention]] | None = None,
    ) -> None:
        """`health` (from the ledger) shows on the landing page; `mentions` (newest first,
        from `edcal watch`'s seen file) get a page of their own. None: neither shows."""
        self.config: Config = content.config
        self.health = health
        self.mentions = mentions
        self.tz = self.config.timezone
        self.now = now.astimezone(self.tz)
        self.templates = templates or {}
        self.directory_urls = directory_urls
        self.plan = whole_weeks(self.config, plan)
        self.by_day: dict[date, list[Entry]] = defaultdict(list)
        for entry in self.plan.entries:
            self.by_day[entry.start.astimezone(self.tz).date()].append(entry)
        self.compliance: dict[str, list[Compliance]] = defaultdict(list)
        for found in weekly_compliance(self.config, self.plan):
            self.compliance[f"{found.year}-W{found.week:02d}"].append(found)
        self.workload = daily_workload(self.config, self.plan)
        self.agenda = agenda_entries(self.config, self.plan, self.now)
        span = _dated_span(self.plan)
        self.months = _months(span)
        self.month_index = {month: n for n, month in enumerate(self.months)}
        self.month_counts: dict[tuple[int, int], int] = defaultdict(int)
        for day, entries in self.by_day.items():
            self.month_counts[(day.year, day.month)] += sum(1 for e in entries if e.kind != "task")
        self.posts = {post.id: post for post in content.posts}
        self.socials = {social.id: social for social in content.socials}
        self.articles = {_under_content(post.source.path): post for post in content.posts}
        self._fragments: dict[int, Markup] = {}
        self._channel_marks: dict[tuple[str, ...], tuple[Markup, Markup]] = {}
        self._channels: dict[str, dict[str, str]] = {}
        self._links: Links | None = None

    @property
    def pages(self) -> list[CalendarPage]:
        """Every page of this calendar (see `calendar_pages`)."""
        return calendar_pages(self.plan, with_mentions=self.mentions is not None)

    def url(self, src_uri: str) -> str:
        """The site path MkDocs gives a generated page (`calendar/2026-12/`)."""
        stem = src_uri.removesuffix(".md")
        if not self.directory_urls:
            return stem + ".html"
        return stem.removesuffix("index") if stem.endswith("/index") else stem + "/"

    def render(self, page: CalendarPage, links: Links) -> str:
        """The HTML of one page, to go inside the theme's content area."""
        if links is not self._links:
            self._fragments.clear()
            self._links = links
        root = "../" * self.url(page.src_uri).count("/")
        context: dict[str, object] = {
            "tz": self.tz.key,
            "channels": self._channel_views(),
            "kinds": KIND_LABELS,
            "feeds": self._feeds(links, root),
            "agenda_url": root + self.url(f"{CALENDAR_DIR}/agenda.md"),
            "landing_url": root + self.url(f"{CALENDAR_DIR}/index.md"),
            "workload_limit": self.config.workload_per_day,
        }
        if page.kind == "month":
            year, month = (int(part) for part in page.key.split("-"))
            context.update(self._month_context(year, month, root, links))
        elif page.kind == "agenda":
            context.update(self._agenda_context(links))
        elif page.kind == "mentions":
            context.update(self._mentions_context())
        else:
            context["months"] = [self._month_link(year, month, root) for year, month in self.months]
            context["health"] = self._health_context()
            context["mentions_url"] = (
                root + self.url(MENTIONS_URI) if self.mentions is not None else ""
            )
        template = environment().get_template(f"{page.kind}.html")
        return template.render(context)

    # -- page contexts -------------------------------------------------------------------

    def _month_context(self, year: int, month: int, root: str, links: Links) -> dict[str, object]:
        first = date(year, month, 1)
        last = _next_month(first) - timedelta(days=1)
        index = self.month_index[(year, month)]
        page = root + self.url(f"{CALENDAR_DIR}/{year}-{month:02d}.md")
        rows = []
        monday = first - timedelta(days=first.weekday())
        while monday <= last:
            key = week_key(monday)
            rows.append(
                {
                    "key": key,
                    "number": monday.isocalendar().week,
                    "span": _span_label(monday),
                    "compliance": self.compliance.get(key, []),
                    "cells": [
                        self._cell(monday + timedelta(days=offset), root, links, month)
                        for offset in range(7)
                    ],
                    "previous": self._week_link(monday - timedelta(days=7), first, last, root),
                    "next": self._week_link(monday + timedelta(days=7), first, last, root),
                }
            )
            monday += timedelta(days=7)
        return {
            "title": month_name(year, month),
            "url": page,
            "rows": rows,
            "weekdays": WEEKDAYS,
            "previous": self._month_link(*self.months[index - 1], root) if index > 0 else None,
            "next": (
                self._month_link(*self.months[index + 1], root)
                if index + 1 < len(self.months)
                else None
            ),
        }

    def _agenda_context(self, links: Links) -> dict[str, object]:
        days: dict[date, list[Markup]] = {}
        for entry in self.agenda:
            local = entry.start.astimezone(self.tz).date()
            days.setdefault(local, []).append(self._fragment(entry, links))
        end = self.now + timedelta(days=AGENDA_DAYS)
        return {
            "title": "Agenda",
            "since": _moment_label(self.now),
            "until": _moment_label(end),
            "days": [
                {"date": day.isoformat(), "label": day_label(day), "entries": entries}
                for day, entries in days.items()
            ],
        }

    def _health_context(self) -> dict[str, object] | None:
        if self.health is None:
            return None
        last = self.health.last_run
        return {
            "last_run": _moment_label(last.astimezone(self.tz)) if last is not None else "",
            "last_run_iso": last.astimezone(self.tz).isoformat() if last is not None else "",
            "since": _before_build(self.now - last) if last is not None else "",
            "warnings": [w[:1].upper() + w[1:] for w in self.health.warnings],
        }

    def _mentions_context(self) -> dict[str, object]:
        mentions = []
        for when, mention in self.mentions or ():
            local = when.astimezone(self.tz)
            mentions.append(
                {
                    "title": mention.title,
                    "url": web_url(mention.link),
                    "feed": mention.feed,
                    "date": local.isoformat(),
                    "when": _moment_label(local),
                    "dated": mention.published is not None,
                    "keywords": mention.keywords,
                }
            )
        from edcal.watch import LATEST_MENTIONS  # only a calendar with mentions needs it

        return {"title": "Mentions", "mentions": mentions, "limit": LATEST_MENTIONS}

    def _cell(
        self, day: date, root: str, links: Links, month: int | None = None
    ) -> dict[str, object]:
        entries = self.by_day.get(day, [])
        inside = month is None or day.month == month
        load = self.workload.get(day, 0)
        limit = self.config.workload_per_day
        cell: dict[str, object] = {
            "date": day.isoformat(),
            "day": day.day,
            "weekday": WEEKDAYS[day.weekday()],
            "label": day_label(day),
            "inside": inside,
            "count": len(entries),
            "load": load,
            "over": limit is not None and load > limit,
            # A day of the neighbouring month shows its entries only in the week view.
            "entries": [self._fragment(e, links) for e in entries],
            "elsewhere": "",
        }
        if not inside and (day.year, day.month) in self.month_index:
            page = self.url(f"{CALENDAR_DIR}/{day:%Y-%m}.md")
            cell["elsewhere"] = f"{root}{page}#day-{day.isoformat()}"
        return cell

    def _week_link(self, monday: date, first: date, last: date, root: str) -> dict[str, str] | None:
        """The week view of `monday`'s week: on this month's page, or on the month's
        before or after, which hold it too; None past the calendar's first or last month."""
        key = week_key(monday)
        anchor = f"#week-{key}"
        title = f"Week {monday.isocalendar().week}"
        if monday <= last and monday + timedelta(days=6) >= first:
            return {"url": anchor, "title": title}
        day = monday + timedelta(days=6) if monday < first else monday
        if (day.year, day.month) not in self.month_index:
            return None
        page = self.url(f"{CALENDAR_DIR}/{day:%Y-%m}.md")
        return {"url": f"{root}{page}{anchor}", "title": title}

    def _month_link(self, year: int, month: int, root: str) -> dict[str, object]:
        key = f"{year}-{month:02d}"
        return {
            "key": key,
            "title": month_name(year, month),
            "url": root + self.url(f"{CALENDAR_DIR}/{key}.md"),
            "count": self.month_counts.get((year, month), 0),
        }

    def _channel_views(self) -> list[dict[str, str]]:
        return [
            {"name": name, "label": channel.label, "color": channel.color}
            for name, channel in self.config.channels.items()
        ]

    def _feeds(self, links: Links, root: str) -> list[dict[str, str]]:
        site = links.site_url or self.config.site_url
        names = [("calendar.ics", "Everything")] + [
            (f"calendar-{name}.ics", channel.label)
            for name, channel in self.config.channels.items()
        ]
        return [
            {
                "label": label,
                "href": root + filename,
                "url": site + filename,
                "webcal": _webcal(site + filename),
            }
            for filename, label in names
        ]

    # -- one entry -----------------------------------------------------------------------

    def _fragment(self, entry: Entry, links: Links) -> Markup:
        if not self._fragments:
            self._render_entries(links)
        return self._fragments[id(entry)]

    def _render_entries(self, links: Links) -> None:
        """Every entry's HTML in one template pass (one render call per entry costs more
        in Jinja2's per-call setup than the entry itself)."""
        seen = {id(entry) for entry in self.plan.entries}
        entries = [*self.plan.entries, *(e for e in self.agenda if id(e) not in seen)]
        views = [self._entry_view(entry, links) for entry in entries]
        template = environment().get_template("entries.html")
        parts = template.render(entries=views, marker=Markup(MARKER)).split(MARKER)
        self._fragments = {
            id(entry): Markup(part.strip()) for entry, part in zip(entries, parts[:-1], strict=True)
        }

    def _entry_view(self, entry: Entry, links: Links) -> EntryView:
        local = entry.start.astimezone(self.tz)
        hours = f"{local.hour:02d}:{local.minute:02d}"  # strftime is slow at 10,000 entries
        if entry.end is not None:
            end = entry.end.astimezone(self.tz)
            hours += f"–{end.hour:02d}:{end.minute:02d}"
        channels = [self._channel(name) for name in entry.channels]
        dots, chips = self._marks(entry.channels, channels)
        texts = list(self._texts(entry))
        first = " ".join(texts[0][1]) if texts else entry.title
        post_id = entry.id.removesuffix(":announce") if entry.kind in ("post", "announce") else ""
        article = links.articles.get(post_id, "") if post_id else ""
        return EntryView(
            anchor=entry_anchor(entry.id),
            kind=entry.kind,
            kind_label=KIND_LABELS[entry.kind],
            start=local.isoformat(),
            hours=hours,
            title=entry.title or entry.id,
            hover=_shorten(first, SUMMARY_TITLE_CHARS),
            status=entry.status,
            dots=dots,
            chips=chips,
            channel_names=" ".join(entry.channels),
            color=channels[0]["color"] if channels else "",
            texts=texts,
            source=str(entry.source),
            edit=links.edit_url(entry.source.path),
            article=self._site_root_relative(article) if article else "",
            live=bool(article),
            outcomes=self._outcomes(entry) if entry.outcomes or entry.published else [],
            result=_result(entry) if entry.outcomes else "",
        )

    def _outcomes(self, entry: Entry) -> list[dict[str, str]]:
        """Per channel, what the ledger recorded and where the post is live.

        Only http(s) URLs become links: the outbox records `file://` URLs, a path on the
        machine that ran the publish, which means nothing (and tells too much) on a site.
        """
        names = [*entry.channels]
        names += [n for n in (*entry.outcomes, *entry.published) if n not in names]
        found = []
        for name in names:
            state = entry.outcomes.get(name) or ("published" if name in entry.published else "")
            if not state:
                continue
            where = entry.published.get(name, "")
            url = web_url(where)
            text = OUTCOME_TEXTS.get(state, state)
            if state == "published" and where.startswith("file:"):
                text += " (outbox)"
            found.append(
                {
                    "label": self._channel(name)["label"],
                    "state": state,
                    "text": text,
                    "url": url,
                    "warn": "warn" if state in PROBLEM_STATES else "",
                }
            )
        return found

    def _marks(
        self, names: tuple[str, ...], channels: list[dict[str, str]]
    ) -> tuple[Markup, Markup]:
        # A calendar has a handful of channel combinations and thousands of entries.
        found = self._channel_marks.get(names)
        if found is None:
            template = environment().get_template("channels.html")
            found = (Markup(""), Markup(""))
            if channels:
                found = (
                    Markup(template.render(part="dots", channels=channels)),
                    Markup(template.render(part="chips", channels=channels)),
                )
            self._channel_marks[names] = found
        return found

    def _site_root_relative(self, path: str) -> str:
        # Every page that shows entries (month, week, agenda) sits at the same depth, so
        # one relative prefix serves them all and an entry's HTML is rendered only once.
        depth = self.url(f"{CALENDAR_DIR}/agenda.md").count("/")
        return "../" * depth + path.lstrip("/")

    def _channel(self, name: str) -> dict[str, str]:
        found = self._channels.get(name)
        if found is None:
            channel = self.config.channels.get(name)
            found = {"name": name, "label": name, "color": FALLBACK_COLOR}
            if channel is not None:
                found = {"name": name, "label": channel.label, "color": channel.color}
            self._channels[name] = found
        return found

    def _texts(self, entry: Entry) -> Iterator[tuple[str, tuple[str, ...]]]:
        """(channels, thread parts) groups: channels sharing one text are shown once."""
        if entry.kind == "social" and entry.id in self.socials:
            social = self.socials[entry.id]
            yield from _grouped(
                ((name, self._social_text(social, name)) for name in entry.channels),
                self._channel,
            )
        elif entry.kind == "announce":
            post = self.posts.get(entry.id.removesuffix(":announce"))
            if post is not None:
                yield from _grouped(
                    ((name, (self._announcement(post, name),)) for name in entry.channels),
                    self._channel,
                )
        elif entry.kind == "post" and entry.id in self.posts:
            excerpt = _excerpt(self.posts[entry.id].body)
            if excerpt:
                yield "", (excerpt,)

    def _social_text(self, social: SocialPost, channel: str) -> tuple[str, ...]:
        url = ""
        if social.link is not None:
            article = self.articles.get(social.link.removeprefix("/"))
            if article is not None:
                url = article_url(self.config, article)
        try:
            return social_parts(social, channel, url or "{{ url }}")
        except RenderError:
            return (social.text_for(channel),)  # `edcal check` reports the broken placeholder

    def _announcement(self, post: Post, channel: str) -> str:
        try:
            return announcement_text(self.config, self.templates, post, channel)
        except RenderError:
            return post.announce.get(channel, post.title)


def calendar_pages(plan: Plan, *, with_mentions: bool) -> list[CalendarPage]:
    """Every page: the landing, the agenda, the mentions (when `edcal watch` keeps them),
    one per month of the plan's dated items."""
    pages = [
        CalendarPage(f"{CALENDAR_DIR}/index.md", "landing", "Calendar"),
        CalendarPage(f"{CALENDAR_DIR}/agenda.md", "agenda", "Agenda: the next 30 days"),
    ]
    if with_mentions:
        pages.append(CalendarPage(MENTIONS_URI, "mentions", "Mentions"))
    span = _dated_span(plan)
    for year, month in _months(span):
        key = f"{year}-{month:02d}"
        pages.append(
            CalendarPage(f"{CALENDAR_DIR}/{key}.md", "month", month_name(year, month), key)
        )
    return pages


def whole_weeks(config: Config, plan: Plan) -> Plan:
    """The plan stretched to whole months, then to whole ISO weeks, with tasks filling the ends.

    The month grid shows full weeks and judges cadence per whole week, so recurring tasks
    must be there from the first Monday to the last Sunday, not only between the first
    and the last dated item.
    """
    if plan.start is None or plan.end is None:
        return plan
    tz = config.timezone
    first = plan.start.astimezone(tz).date().replace(day=1)
    last = _next_month(plan.end.astimezone(tz).date()) - timedelta(days=1)
    first -= timedelta(days=first.weekday())
    last += timedelta(days=6 - last.weekday())
    start = datetime.combine(first, time(), tz)
    end = datetime.combine(last, time(23, 59, 59, 999999), tz)
    tick = timedelta(microseconds=1)
    extra = task_occurrences(config.tasks, tz, start, plan.start - tick)
    extra += task_occurrences(config.tasks, tz, plan.end + tick, end)
    entries = sorted((*plan.entries, *extra), key=_order)
    return replace(plan, entries=tuple(entries), start=start, end=end)


def agenda_entries(config: Config, plan: Plan, now: datetime) -> list[Entry]:
    """What happens in the 30 days from `now`, tasks included even past the plan's end."""
    end = now + timedelta(days=AGENDA_DAYS)
    found = [entry for entry in plan.entries if now <= entry.start < end]
    tick = timedelta(microseconds=1)
    if plan.start is None or plan.end is None:
        found += task_occurrences(config.tasks, config.timezone, now, end - tick)
    else:
        if now < plan.start:
            found += task_occurrences(config.tasks, config.timezone, now, plan.start - tick)
        if end > plan.end:
            found += task_occurrences(
                config.tasks, config.timezone, max(now, plan.end + tick), end - tick
            )
    return sorted(found, key=_order)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the calendar templates (autoescaped: titles are user text)."""
    import jinja2  # not before the pages are rendered: the plan comes first

    return jinja2.Environment(
        loader=jinja2.PackageLoader("edcal.site", "templates"),
        autoescape=True,
        auto_reload=False,  # templates ship in the package; no stat() on every lookup
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_bytecode_cache(),
    )


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Jinja2's own cache of compiled templates, in a private folder of the temp directory.

    Compiling the calendar's templates takes longer than rendering the example's calendar;
    each `mkdocs build` is a new process, so without this every build compiles them anew.
    Entries are checked against the template source and the Python version, and written
    atomically, so a stale or half-written entry is recompiled, never used.
    """
    import jinja2

    try:
        return jinja2.FileSystemBytecodeCache()
    except (OSError, RuntimeError):  # no private folder can be made: compile every time
        return None


def _order(entry: Entry) -> tuple[datetime, int, str]:
    return (entry.start, KIND_ORDER[entry.kind], entry.id)


def _dated_span(plan: Plan) -> tuple[date, date] | None:
    """The local days of the plan's first and last dated item (tasks only fill the grid)."""
    dated = [entry.start for entry in plan.entries if entry.kind != "task"]
    if not dated:
        return None
    return (
        min(dated).astimezone(plan.timezone).date(),
        max(dated).astimezone(plan.timezone).date(),
    )


def _months(span: tuple[date, date] | None) -> list[tuple[int, int]]:
    """The months from the first dated item to the last: one page each."""
    if span is None:
        return []
    first, last = span[0].replace(day=1), span[1]
    months = []
    while first <= last:
        months.append((first.year, first.month))
        first = _next_month(first)
    return months


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _span_label(monday: date) -> str:
    sunday = monday + timedelta(days=6)
    if monday.month == sunday.month:
        return f"{monday.day}–{sunday.day} {MONTHS[sunday.month - 1]} {sunday.year}"
    start = f"{monday.day} {MONTHS[monday.month - 1]}"
    if monday.year != sunday.year:
        start += f" {monday.year}"
    return f"{start} – {sunday.day} {MONTHS[sunday.month - 1]} {sunday.year}"


def _moment_label(moment: datetime) -> str:
    return f"{day_label(moment.date())}, {moment:%H:%M}"


def _before_build(delta: timedelta) -> str:
    """How long before the build's `now` something happened: `3.5 hours before this build`."""
    seconds = delta.total_seconds()
    after = seconds < 0
    seconds = abs(seconds)
    if seconds < 3600:
        minutes = round(seconds / 60)
        amount = f"{minutes} minute{'s' * (minutes != 1)}"
    elif seconds < 48 * 3600:
        amount = f"{seconds / 3600:.1f} hours"
    else:
        amount = f"{seconds / 86400:.0f} days"
    return f"{amount} {'after' if after else 'before'} this build"


def _result(entry: Entry) -> str:
    """The one word the summary line shows: the most pressing problem, else ✓ when every
    channel is done, else nothing (still going out)."""
    states = set(entry.outcomes.values())
    for state in PROBLEM_STATES:
        if state in states:
            return state
    channels = entry.channels or tuple(entry.outcomes)
    if all(entry.outcomes.get(name) in DONE_STATES for name in channels):
        return "✓"
    return ""


def web_url(url: str) -> str:
    """`url` when it is an http(s) URL a reader can follow, else ""."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else ""


def _grouped(
    texts: Iterable[tuple[str, tuple[str, ...]]], channel: Callable[[str], Mapping[str, str]]
) -> Iterator[tuple[str, tuple[str, ...]]]:
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, parts in texts:
        groups.setdefault(parts, []).append(name)
    for parts, names in groups.items():
        label = ", ".join(channel(name)["label"] for name in names)
        yield (label if len(groups) > 1 else "", parts)


def _excerpt(body: str) -> str:
    head = body.split(_MORE, 1)[0]
    return _shorten(_SPACES.sub(" ", _HEADING_LINE.sub("", head)).strip(), EXCERPT_CHARS)


def _shorten(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def _under_content(path: str) -> str:
    return path.removeprefix(CONTENT_DIR + "/")


def _webcal(url: str) -> str:
    return re.sub(r"^https?://", "webcal://", url)
