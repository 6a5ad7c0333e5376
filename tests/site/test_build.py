"""`mkdocs build --strict` of real sites: the blog, its feed and the calendar as of now."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sitebuild import REPO, mkdocs_build
from siteledger import EVIL, LIVE_URL, write_history, write_mentions

from conftest import RepoFactory
from edcal.config import parse_config
from edcal.outputs.feeds import feed_names
from repos import BASE_CONFIG, article, social

pytest_plugins = ["sitekit"]

PAST = "blog/2026/12/04/community-time/index.html"
FUTURE_SLUG = "cafe-reparation"


def _day_cell(html: str, day: str) -> str:
    """The HTML of one day's cell on a month page (cells never nest, so the next <td ends it)."""
    start = html.index(f'<td id="day-{day}"')
    end = html.find("<td ", start + 1)
    return html[start : end if end != -1 else len(html)]


def _published_files(site: Path) -> dict[str, str]:
    """Every text file of the site except the calendar's own pages and feeds."""
    found = {}
    for path in site.rglob("*"):
        relative = path.relative_to(site).as_posix()
        if not path.is_file() or relative.startswith("calendar"):
            continue
        if path.suffix in (".html", ".xml", ".json"):
            found[relative] = path.read_text(encoding="utf-8")
    return found


def test_the_due_article_is_in_the_blog_and_the_future_one_nowhere(example_site: Path) -> None:
    assert (example_site / PAST).is_file()
    blog = (example_site / "blog/index.html").read_text(encoding="utf-8")
    assert "Community management is time management" in blog
    feed = (example_site / "feed_rss_created.xml").read_text(encoding="utf-8")
    assert "community-time" in feed
    leaks = [name for name, text in _published_files(example_site).items() if FUTURE_SLUG in text]
    assert leaks == []
    assert not (example_site / "blog/2026/12/11").exists()


def test_both_articles_are_on_the_december_page_as_planned(example_site: Path) -> None:
    december = (example_site / "calendar/2026-12/index.html").read_text(encoding="utf-8")
    for day, anchor in (
        ("2026-12-04", "entry-post-2026-12-04-community-time"),
        ("2026-12-11", "entry-post-2026-12-11-cafe-reparation"),
    ):
        cell = _day_cell(december, day)
        assert f'id="{anchor}"' in cell
        assert f'id="{anchor}-announce"' in cell
    # The live article links to its page; the future one says it is not out yet.
    due = _entry(december, "entry-post-2026-12-04-community-time")
    assert 'href="../../blog/2026/12/04/community-time/"' in due
    assert "Not on the site yet" in _entry(december, "entry-post-2026-12-11-cafe-reparation")


def _entry(html: str, anchor: str) -> str:
    start = html.index(f'id="{anchor}"')
    return html[start : html.index("</details>", start)]


def test_the_calendar_pages_are_where_render_says(example_site: Path) -> None:
    for page in ("calendar", "calendar/2026-11", "calendar/2026-12", "calendar/agenda"):
        assert (example_site / page / "index.html").is_file(), page
    # A week is a row of its month's page, not a page.
    assert not (example_site / "calendar/2026-W49").exists()
    assert '<tr id="week-2026-W49">' in (example_site / "calendar/2026-12/index.html").read_text()
    # Social posts are sent to the platforms, not published as pages.
    assert not (example_site / "social").exists()


def test_the_week_column_shows_cadence_and_workload(example_site: Path) -> None:
    december = (example_site / "calendar/2026-12/index.html").read_text(encoding="utf-8")
    assert '<li class="is-ok">Facebook 2 of 2–3</li>' in december
    # Nothing is planned in the last week yet, which the Facebook rule flags.
    assert re.search(r'class="is-warn">.*?Facebook 0 of 2–3</li>', december)
    assert "2 posts" in _day_cell(december, "2026-12-04")


def test_subscribe_links_name_the_feeds_the_build_writes(example_site: Path) -> None:
    config, _ = parse_config((REPO / "calendar/edcal.yml").read_text(encoding="utf-8"))
    landing = (example_site / "calendar/index.html").read_text(encoding="utf-8")
    for name in feed_names(config):
        assert (example_site / name).is_file(), name
        if name.endswith(".ics"):
            assert f'href="../{name}"' in landing
            assert f"webcal://atelier-libre.example.org/{name}" in landing
    for hint in ("Google Calendar", "Outlook", "Apple Calendar"):
        assert hint in landing


def test_without_ledger_or_watch_file_nothing_extra_shows(example_site: Path) -> None:
    landing = (example_site / "calendar/index.html").read_text(encoding="utf-8")
    assert "Last publish run" not in landing and "admonition" not in landing
    assert "mentions" not in landing
    assert not (example_site / "calendar/mentions").exists()


def test_calendar_pages_stay_out_of_navigation_and_search(example_site: Path) -> None:
    index = json.loads((example_site / "search/search_index.json").read_text(encoding="utf-8"))
    assert not [doc for doc in index["docs"] if doc["location"].startswith("calendar/")]
    home = (example_site / "index.html").read_text(encoding="utf-8")
    assert 'href="calendar/"' in home  # the landing page, from mkdocs.yml's nav
    assert "calendar/2026-12/" not in home


MINIMAL_MKDOCS = """\
site_name: Test calendar
site_url: https://example.org/
docs_dir: content
theme:
  name: material
  font: false
plugins:
  - search
  - blog
  - rss:
      match_path: "blog/posts/.*"
      date_from_meta: {as_creation: date, as_update: date}
      use_git: false
  - edcal
"""


def test_a_generated_repository_shows_only_due_articles(make_repo: RepoFactory) -> None:
    repo = make_repo(
        posts={
            "past.md": article(id="past", title="The past article"),
            "future.md": article(id="future", date="2026-12-11T09:00:00+01:00", title="Future"),
            "idea.md": article(
                id="idea", date="2026-12-01T09:00:00+01:00", title="Only an idea"
            ).replace("status: scheduled", "status: idea"),
        },
        socials={
            "a.md": social(id="s-a", date="2026-12-02T12:30:00"),
            "b.md": social(id="s-b", date="2026-12-12T10:00:00", channels="[x, facebook]"),
        },
        files={
            "mkdocs.yml": MINIMAL_MKDOCS,
            "content/index.md": "# Home\n",
            "content/blog/index.md": "# Blog\n",
        },
    )
    site = repo / "site"
    mkdocs_build(repo / "mkdocs.yml", site, "2026-12-07T10:00:00+01:00")
    assert (site / "blog/2026/12/04/the-past-article/index.html").is_file()
    published = _published_files(site)
    for hidden in ("future", "only-an-idea"):
        assert [name for name, text in published.items() if hidden in text] == []
    december = (site / "calendar/2026-12/index.html").read_text(encoding="utf-8")
    for anchor in ("entry-past", "entry-future", "entry-idea", "entry-s-a", "entry-s-b"):
        assert f'id="{anchor}"' in december
    assert 'id="entry-future"' in _day_cell(december, "2026-12-11")
    assert not (site / "social").exists()


def test_article_dates_mean_what_the_calendar_means(make_repo: RepoFactory) -> None:
    # A naive date is calendar time for edcal but UTC for the blog plugin; another offset
    # would put another day in the URL. The built blog must agree with the calendar.
    repo = make_repo(
        config=BASE_CONFIG,
        posts={
            "naive.md": article(id="naive", date="2026-12-05T00:30:00", title="Naive"),
            "utc.md": article(id="utc", date="2026-12-05T23:30:00+00:00", title="Utc"),
            "dict.md": article(
                id="dict", date="{created: 2026-12-03T09:00:00, updated: 2026-12-04}", title="Dict"
            ),
        },
        files={"mkdocs.yml": MINIMAL_MKDOCS, "content/index.md": "# Home\n"},
    )
    site = repo / "site"
    mkdocs_build(repo / "mkdocs.yml", site, "2026-12-07T10:00:00+01:00")
    # 23:30 UTC is already Sunday 6 December in Paris, as render.article_url says.
    assert (site / "blog/2026/12/06/utc/index.html").is_file()
    assert (site / "blog/2026/12/05/naive/index.html").is_file()
    feed = (site / "feed_rss_created.xml").read_text(encoding="utf-8")
    assert "Sat, 05 Dec 2026 00:30:00 +0100" in feed
    assert "Sun, 06 Dec 2026 00:30:00 +0100" in feed
    assert "Thu, 03 Dec 2026 09:00:00 +0100" in feed  # `date: {created: …}` too
    # The edit link still points at the author's file, not at the aligned copy.
    post = (site / "blog/2026/12/05/naive/index.html").read_text(encoding="utf-8")
    assert "edcal-posts-" not in post


def test_an_article_goes_live_at_the_calendar_hour(make_repo: RepoFactory) -> None:
    repo = make_repo(
        posts={"naive.md": article(id="naive", date="2026-12-05T00:30:00", title="Naive")},
        files={"mkdocs.yml": MINIMAL_MKDOCS, "content/index.md": "# Home\n"},
    )
    # 00:20 in Paris is 23:20 UTC the day before: read as UTC, 00:30 would be long past.
    before = repo / "before"
    mkdocs_build(repo / "mkdocs.yml", before, "2026-12-05T00:20:00+01:00")
    assert not (before / "blog/2026/12/05/naive").exists()
    after = repo / "after"
    mkdocs_build(repo / "mkdocs.yml", after, "2026-12-05T00:30:00+01:00")
    assert (after / "blog/2026/12/05/naive/index.html").is_file()


def test_the_ledger_and_the_mentions_show_on_the_site(make_repo: RepoFactory) -> None:
    repo = make_repo(
        socials={
            "pub.md": social(id="pub", channels="[x, mastodon]"),
            "late.md": social(id="late", date="2026-12-03T12:30:00", channels="[x, facebook]"),
        },
        files={"mkdocs.yml": MINIMAL_MKDOCS, "content/index.md": "# Home\n"},
    )
    write_history(repo)
    write_mentions(repo)
    site = repo / "site"
    mkdocs_build(repo / "mkdocs.yml", site, "2026-12-07T10:00:00+01:00")
    december = (site / "calendar/2026-12/index.html").read_text(encoding="utf-8")
    pub = _entry(december, "entry-pub")
    assert f'x: ✓ published · <a href="{LIVE_URL}" rel="external">Live on x</a>' in pub
    assert "mastodon: ✓ published (outbox)" in pub
    assert "missed: too late, not posted" in _entry(december, "entry-late")
    assert "flagged: a person must check" in december
    # The runner's file:// paths reach no page and no feed.
    for name in ("calendar/2026-12/index.html", "calendar.json", "calendar.ics"):
        assert "file:" not in (site / name).read_text(encoding="utf-8"), name
    assert LIVE_URL in (site / "calendar.json").read_text(encoding="utf-8")
    landing = (site / "calendar/index.html").read_text(encoding="utf-8")
    assert "Monday 7 December 2026, 06:00</time> (4.0 hours before this build)" in landing
    assert '<div class="admonition warning" role="note">' in landing
    assert 'href="../calendar/mentions/"' in landing
    mentions = (site / "calendar/mentions/index.html").read_text(encoding="utf-8")
    assert "L&#39;Atelier Libre ouvre" in mentions
    assert EVIL not in mentions and "&lt;script&gt;alert(1)&lt;/script&gt;" in mentions
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "calendar/mentions/" not in home  # out of the navigation, like the months
