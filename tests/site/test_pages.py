"""The calendar pages rendered from a plan: structure, escaping, links, cadence and workload."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from siteledger import EVIL, LIVE_URL, write_history, write_mentions

from conftest import RepoFactory
from edcal.ledger import health_warnings, history, read_ledger
from edcal.load import load_content
from edcal.plan import Entry, build_plan
from edcal.render import entry_anchor, month_page
from edcal.site.exchange import Links, edit_prefix
from edcal.site.pages import Calendar, EntryView, Health
from edcal.watch import read_seen
from repos import BASE_CONFIG, article, social

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 7, 10, tzinfo=PARIS)
EDIT = "https://github.com/o/r/edit/main/content/"


def _calendar(repo: Path, now: datetime = NOW) -> Calendar:
    content = load_content(repo)
    return Calendar(content, build_plan(repo, content, now), now)


def _render(calendar: Calendar, key: str, links: Links | None = None) -> str:
    page = next(p for p in calendar.pages if p.key == key or p.kind == key)
    return calendar.render(page, links or Links(edit_docs=EDIT))


def _entry(html: str, anchor: str) -> str:
    start = html.index(f'id="{anchor}"')
    return html[start : html.index("</li>", html.index("</details>", start))]


def _ledger_repo(make_repo: RepoFactory) -> Path:
    repo = make_repo(
        socials={
            "pub.md": social(id="pub", channels="[x, mastodon]"),
            "late.md": social(id="late", date="2026-12-03T12:30:00", channels="[x, facebook]"),
            "next.md": social(id="next", date="2026-12-08T12:30:00"),
        }
    )
    write_history(repo)
    return repo


def _ledger_calendar(repo: Path) -> Calendar:
    content = load_content(repo)
    ledger = read_ledger(repo)
    plan = build_plan(repo, content, NOW, history=history(ledger))
    health = Health(ledger.last_run(), tuple(health_warnings(ledger, NOW)))
    return Calendar(content, plan, NOW, health=health)


def test_entries_show_each_channels_outcome_in_words(make_repo: RepoFactory) -> None:
    html = _render(_ledger_calendar(_ledger_repo(make_repo)), "2026-12")
    pub = _entry(html, "entry-pub")
    assert '<span class="edcal-sr">published</span>' in pub  # the summary line: ✓
    assert (
        f'<li class="edcal-outcome is-published">x: ✓ published · <a href="{LIVE_URL}"'
        ' rel="external">Live on x</a></li>'
    ) in pub
    # The outbox's file:// URL is where a run wrote it, not a place a reader can go.
    assert '<li class="edcal-outcome is-published">mastodon: ✓ published (outbox)</li>' in pub
    assert "file:" not in html
    late = _entry(html, "entry-late")
    assert '<span aria-hidden="true">⚠ </span>flagged</span>' in late  # the most pressing
    assert 'x: <span aria-hidden="true">⚠ </span>missed: too late, not posted</li>' in late
    assert 'facebook: <span aria-hidden="true">⚠ </span>flagged: a person must check' in late
    upcoming = _entry(html, "entry-next")
    assert "edcal-outcome" not in upcoming and "edcal-result" not in upcoming


def test_the_landing_tells_when_the_last_publish_run_was(make_repo: RepoFactory) -> None:
    html = _render(_ledger_calendar(_ledger_repo(make_repo)), "landing")
    assert (
        'Last publish run: <time datetime="2026-12-07T06:00:00+01:00">Monday 7 December 2026,'
        " 06:00</time> (4.0 hours before this build)."
    ) in html
    box = html[html.index('<div class="admonition warning"') :]
    box = box[: box.index("</div>")]
    assert "<p>The last publish run was 4.0 hours ago (2026-12-07T06:00+01:00)" in box


def test_a_healthy_scheduler_shows_no_warning_and_no_ledger_shows_nothing(
    make_repo: RepoFactory,
) -> None:
    repo = make_repo(socials={"a.md": social()})
    content = load_content(repo)
    plan = build_plan(repo, content, NOW)
    recent = Health(NOW - timedelta(minutes=20))
    html = _render(Calendar(content, plan, NOW, health=recent), "landing")
    assert "(20 minutes before this build)." in html
    assert "admonition" not in html
    quiet = _render(Calendar(content, plan, NOW), "landing")
    assert "edcal-health" not in quiet and "Last publish run" not in quiet
    assert "Mentions" not in quiet


def test_the_mentions_page_lists_the_latest_first_as_text(make_repo: RepoFactory) -> None:
    repo = make_repo(socials={"a.md": social()})
    write_mentions(repo)
    content = load_content(repo)
    plan = build_plan(repo, content, NOW)
    calendar = Calendar(content, plan, NOW, mentions=read_seen(repo).latest())
    landing = _render(calendar, "landing")
    assert '<a href="../calendar/mentions/">Mentions: what the keyword feeds found</a>' in landing
    html = _render(calendar, "mentions")
    assert EVIL not in html
    assert "Atelier libre &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "javascript:" not in html  # a feed's link is followed only when it is http(s)
    # Found on 6 December (no publication date) comes before published on 5 December.
    assert html.index("&lt;script&gt;") < html.index("L&#39;Atelier Libre ouvre")
    assert (
        '<a href="https://news.example/1" rel="external nofollow ugc noopener">'
        "L&#39;Atelier Libre ouvre</a>"
    ) in html
    assert (
        '<span class="edcal-mention-feed">News</span> · <time datetime="2026-12-05T08:12:00+01:00">'
        "Saturday 5 December 2026, 08:12</time> · keyword: "
        '<span class="edcal-keyword">atelier libre</span>'
    ) in html
    assert 'found <time datetime="2026-12-06T08:00:00+01:00">' in html


def test_a_title_holding_markup_is_shown_as_text(make_repo: RepoFactory) -> None:
    evil = "<script>alert(1)</script>"
    repo = make_repo(
        socials={"a.md": social(id="evil", extra=f'title: "{evil}"', text=f"Text {evil} <b>x</b>")}
    )
    html = _render(_calendar(repo), "2026-12")
    assert evil not in html
    assert "<b>x</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_every_entry_is_on_the_month_page_render_points_at(make_repo: RepoFactory) -> None:
    repo = make_repo(
        socials={
            "a.md": social(id="nov", date="2026-11-30T12:30:00"),
            "b.md": social(id="jan", date="2027-01-02T10:00:00"),
        },
        posts={"p.md": article(id="p", date="2026-12-04T09:00:00+01:00")},
    )
    calendar = _calendar(repo)
    rendered = {
        calendar.url(page.src_uri): calendar.render(page, Links())
        for page in calendar.pages
        if page.kind == "month"
    }
    assert list(rendered) == ["calendar/2026-11/", "calendar/2026-12/", "calendar/2027-01/"]
    for entry in calendar.plan.entries:
        page = month_page(entry.start, PARIS)
        if page in rendered:
            assert f'id="{entry_anchor(entry.id)}"' in rendered[page], entry.id


def test_a_month_grid_is_a_table_with_weeks_and_weekday_headers(make_repo: RepoFactory) -> None:
    repo = make_repo(socials={"a.md": social(date="2026-12-02T12:30:00")})
    html = _render(_calendar(repo), "2026-12")
    assert html.count("<table") == 1
    assert "<caption>December 2026" in html
    assert html.count('<th scope="col"') == 8  # the week column and seven days
    assert html.count('<th scope="row" class="edcal-week">') == 5  # W49 to W53
    # Each week row is also the week's view, with links to the weeks around it; the plan
    # begins in December, so no link leads to a week of November (the browser test
    # follows one across months).
    assert '<tr id="week-2026-W49">' in html and 'href="#week-2026-W49"' in html
    assert 'href="#week-2026-W50"' in html
    assert "week-2026-W48" not in html
    # 30 November is shown greyed out, with a link to November's page for its entries.
    assert 'id="day-2026-11-30" data-date="2026-11-30" class="edcal-day is-outside' in html


def test_weekly_cadence_outside_the_rule_is_a_warning(make_repo: RepoFactory) -> None:
    socials = {
        f"{day}.md": social(
            id=f"fb{day}", date=f"2026-12-{day:02d}T18:00:00", channels="[facebook]"
        )
        for day in (7, 8, 9, 10)
    }
    html = _render(_calendar(make_repo(socials=socials)), "2026-12")
    assert re.search(
        r'<li class="is-warn">.*Outside the rule: </span>facebook 4 of at most 3</li>', html
    )
    assert '<li class="is-ok">facebook 0 of at most 3</li>' in html


def test_a_day_over_the_workload_says_so(make_repo: RepoFactory) -> None:
    config = BASE_CONFIG + "workload: {max_per_day: 1}\n"
    socials = {
        "a.md": social(id="a", date="2026-12-08T12:30:00"),
        "b.md": social(id="b", date="2026-12-08T18:30:00"),
    }
    html = _render(_calendar(make_repo(socials=socials, config=config)), "2026-12")
    cell = html[html.index('id="day-2026-12-08"') :]
    cell = cell[: cell.index("</td>")]
    assert 'class="edcal-load is-warn"' in cell
    assert "2 posts, over 1" in cell


def test_entries_show_time_status_channels_texts_and_links(make_repo: RepoFactory) -> None:
    repo = make_repo(
        posts={"p.md": article(id="p", title="Our week", extra="announce: {x: 'New: {{ url }}'}")},
        socials={
            "s.md": social(
                id="s",
                channels="[x, mastodon]",
                text="Read it {{ url }}\n---\nSecond part",
                extra="link: blog/posts/p.md\nvariants: {mastodon: 'Longer text {{ url }}'}",
            ),
            "d.md": social(id="d", date="2026-12-03T12:30:00").replace(
                "status: scheduled", "status: draft"
            ),
        },
    )
    calendar = _calendar(repo)
    links = Links(edit_docs=EDIT, articles={"p": "blog/2026/12/04/our-week/"})
    html = _render(calendar, "2026-12", links)
    url = "https://example.org/blog/2026/12/04/our-week/"
    social_html = html[html.index('id="entry-s"') :]
    social_html = social_html[: social_html.index("</li>")]
    assert '<time datetime="2026-12-01T12:30:00+01:00">12:30</time>' in social_html
    assert f"Read it {url}" in social_html and "Second part" in social_html
    assert f"Longer text {url}" in social_html  # Mastodon's variant, shown apart
    assert '<p class="edcal-text-label">x</p>' in social_html
    assert f'href="{EDIT}social/s.md"' in social_html
    announce = html[html.index('id="entry-p-announce"') :]
    assert f"New: {url}" in announce[: announce.index("</li>")]
    assert 'href="../../blog/2026/12/04/our-week/">Read the article' in html
    assert 'class="edcal-entry edcal-entry--social edcal-status--draft"' in html
    assert '<span class="edcal-badge">draft</span>' in html
    task = html[html.index('id="entry-weekly-article-2026-12-04t09-00"') :]
    assert "09:00–11:00" in task[: task.index("</li>")]
    assert 'href="https://github.com/o/r/edit/main/calendar/edcal.yml"' in task


def test_a_published_entry_links_to_the_live_post(make_repo: RepoFactory) -> None:
    repo = make_repo(socials={"a.md": social(id="a")})
    content = load_content(repo)
    plan = build_plan(repo, content, NOW)
    live = {"x": "https://x.com/atelier/status/1"}
    entries = tuple(replace(e, published=live) if e.id == "a" else e for e in plan.entries)
    html = _render(Calendar(content, replace(plan, entries=entries), NOW), "2026-12")
    assert '<a href="https://x.com/atelier/status/1" rel="external">Live on x</a>' in html


def test_the_agenda_holds_the_next_thirty_days_with_tasks_past_the_plan(
    make_repo: RepoFactory,
) -> None:
    repo = make_repo(
        socials={
            "old.md": social(id="old", date="2026-12-01T12:30:00"),
            "soon.md": social(id="soon", date="2026-12-08T12:30:00"),
        }
    )
    html = _render(_calendar(repo), "agenda")
    assert 'id="entry-soon"' in html and 'id="entry-old"' not in html
    # The plan ends on 8 December, the weekly task still shows every Friday until 6 January.
    for friday in ("2026-12-11", "2026-12-18", "2026-12-25", "2027-01-01"):
        assert f'id="entry-weekly-article-{friday}t09-00"' in html
    assert "2027-01-08" not in html


def test_an_empty_calendar_has_a_landing_and_an_agenda_only(make_repo: RepoFactory) -> None:
    calendar = _calendar(make_repo())
    assert [p.kind for p in calendar.pages] == ["landing", "agenda"]
    assert "Nothing is planned yet." in _render(calendar, "landing")


def test_the_landing_links_every_month_for_browsers_without_javascript(
    make_repo: RepoFactory,
) -> None:
    repo = make_repo(
        socials={
            "a.md": social(id="a", date="2026-11-30T12:30:00"),
            "b.md": social(id="b", date="2027-02-01T12:30:00"),
        }
    )
    html = _render(_calendar(repo), "landing")
    for key in ("2026-11", "2026-12", "2027-01", "2027-02"):
        assert f'<a href="../calendar/{key}/" data-month="{key}">' in html


def test_urls_follow_use_directory_urls(make_repo: RepoFactory) -> None:
    repo = make_repo(socials={"a.md": social()})
    content = load_content(repo)
    plan = build_plan(repo, content, NOW)
    folders, files = (
        Calendar(content, plan, NOW),
        Calendar(content, plan, NOW, directory_urls=False),
    )
    assert folders.url("calendar/index.md") == "calendar/"
    assert folders.url("calendar/2026-12.md") == "calendar/2026-12/"
    assert files.url("calendar/index.md") == "calendar/index.html"
    assert files.url("calendar/2026-12.md") == "calendar/2026-12.html"
    month = next(p for p in files.pages if p.kind == "month")
    assert 'href="../calendar/agenda.html"' in files.render(month, Links())


@pytest.mark.parametrize(
    ("repo_url", "edit_uri", "expected"),
    [
        ("https://github.com/o/r", "edit/main/content/", EDIT),
        ("https://github.com/o/r/", "edit/main/content/", EDIT),
        (
            None,
            "https://git.example/o/r/-/edit/main/content/",
            "https://git.example/o/r/-/edit/main/content/",
        ),
        ("https://github.com/o/r", "", ""),
    ],
)
def test_edit_links_follow_mkdocs_settings(
    repo_url: str | None, edit_uri: str, expected: str
) -> None:
    assert edit_prefix(repo_url, edit_uri) == expected


def test_files_outside_docs_dir_are_edited_from_the_repository_root() -> None:
    links = Links(edit_docs=EDIT)
    assert links.edit_url("content/blog/posts/a.md") == EDIT + "blog/posts/a.md"
    assert (
        links.edit_url("calendar/edcal.yml")
        == "https://github.com/o/r/edit/main/calendar/edcal.yml"
    )
    assert Links().edit_url("content/social/a.md") == ""


def test_each_entry_is_rendered_once_for_all_its_pages(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    socials = {
        f"{n}.md": social(id=f"s{n}", date=f"2026-12-{n:02d}T12:30:00") for n in range(7, 12)
    }
    calendar = _calendar(make_repo(socials=socials))
    rendered: list[str] = []
    original = calendar._entry_view

    def counting(entry: Entry, links: Links) -> EntryView:
        rendered.append(entry.id)
        return original(entry, links)

    monkeypatch.setattr(calendar, "_entry_view", counting)
    links = Links()
    for page in calendar.pages:
        calendar.render(page, links)
    assert len(rendered) == len(set(rendered))
