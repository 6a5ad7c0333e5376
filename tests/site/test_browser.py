"""The calendar in the system Chromium: landing, a known day, filters, paging, contrast, phones.

The example site is built as of the demo date and the browser's clock reads the same date,
so "today" is Monday 7 December 2026 for both.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from sitekit import Tab

pytest_plugins = ["sitekit"]

# The text colour and the colour behind it, both as the eye gets them: every translucent
# background between the element and the page is composited, then the text over that.
COLOURS_JS = """
(element) => {
  const parse = (value) => {
    const parts = value.match(/[\\d.]+/g).map(Number);
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  };
  const layers = [];
  for (let node = element; node; node = node.parentElement) {
    const colour = parse(getComputedStyle(node).backgroundColor);
    if (colour[3] > 0) layers.push(colour);
    if (colour[3] >= 1) break;
  }
  let base = [255, 255, 255];
  for (const [r, g, b, a] of layers.reverse()) {
    base = [r * a + base[0] * (1 - a), g * a + base[1] * (1 - a), b * a + base[2] * (1 - a)];
  }
  const [r, g, b, a] = parse(getComputedStyle(element).color);
  const text = [r * a + base[0] * (1 - a), g * a + base[1] * (1 - a), b * a + base[2] * (1 - a)];
  return [text, base];
}
"""
# Text that must stay readable: a social post, an article's tag, a task, a cadence warning.
READABLE = (
    "#entry-social-2026-12-04-repair-cafe-tomorrow .edcal-title",
    "#entry-post-2026-12-04-community-time .edcal-tag",
    "#entry-post-2026-12-04-community-time .edcal-title",
    "#day-2026-12-04 .edcal-entry--task summary",
    ".edcal-cadence .is-warn",
    "#day-2026-12-04 .edcal-load",
)


def _luminance(rgb: list[float]) -> float:
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(text: list[float], background: list[float]) -> float:
    """WCAG 2 contrast ratio of two opaque colours."""
    light, dark = sorted((_luminance(text), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_landing_page_opens_on_this_month(tab: Tab) -> None:
    page = tab.open("calendar/")
    page.wait_for_url("**/calendar/2026-12/")
    assert page.locator(".edcal h1").inner_text() == "December 2026"
    assert page.locator("#day-2026-12-07").get_attribute("aria-current") == "date"
    # "All months" shows the landing's list instead of jumping again.
    page.get_by_role("link", name="All months").click()
    page.wait_for_url("**/calendar/#months")
    assert page.locator("a[data-month]").count() == 2
    assert tab.errors == []


def test_a_day_lists_its_article_announcement_posts_and_tasks(tab: Tab) -> None:
    page = tab.open("calendar/2026-12/")
    day = page.locator("#day-2026-12-04")
    kinds = day.locator(".edcal-entry").evaluate_all("items => items.map(i => i.dataset.kind)")
    assert kinds.count("post") == 1
    assert kinds.count("announce") == 1
    assert kinds.count("social") == 1
    assert kinds.count("task") == 3
    article = day.locator("#entry-post-2026-12-04-community-time")
    assert "Community management is time management" in article.inner_text()
    # The details open from the keyboard and lead to the live article and the source.
    article.locator("summary").focus()
    page.keyboard.press("Enter")
    more = article.locator(".edcal-more")
    assert more.is_visible()
    assert more.get_by_role("link", name="Read the article").is_visible()
    assert more.get_by_role("link", name="Edit the source").get_attribute("href") == (
        "https://github.com/atelier-libre/calendar/edit/main/content/blog/posts/"
        "2026-12-04-community-time.md"
    )
    assert tab.errors == []


def test_a_channel_filter_works_from_the_keyboard(tab: Tab) -> None:
    page = tab.open("calendar/2026-12/")
    page.get_by_role("checkbox", name="X", exact=True).focus()
    page.keyboard.press("Tab")
    facebook = page.get_by_role("checkbox", name="Facebook")
    assert facebook.evaluate("box => box === document.activeElement")
    only_facebook = page.locator('.edcal-entry[data-channels="facebook"]')
    count = only_facebook.count()
    assert count > 3
    page.keyboard.press("Space")
    assert not facebook.is_checked()
    assert [only_facebook.nth(n).is_hidden() for n in range(count)] == [True] * count
    # Screen readers hear how many items the filter hid.
    status = page.locator("[data-edcal-filters] [aria-live]")
    assert status.inner_text() == f"{count} items hidden by the filters"
    # An announcement that also goes to X stays, with its Facebook mark dimmed.
    shared = page.locator("#entry-post-2026-12-04-community-time-announce")
    assert shared.is_visible()
    assert "is-off" in (
        shared.locator('.edcal-dot[data-channel="facebook"]').get_attribute("class") or ""
    )
    page.keyboard.press("Space")
    assert only_facebook.first.is_visible()
    # Kinds filter the same way: tasks off, tasks gone.
    page.get_by_role("checkbox", name="Tasks").press("Space")
    assert page.locator(".edcal-entry--task:visible").count() == 0
    # Only December's: the tasks of 30 November and early January, which show only in a
    # week view, are not counted.
    december = page.locator("td:not(.is-outside) .edcal-entry--task").count()
    assert page.locator("td.is-outside .edcal-entry--task").count() > 0
    assert status.inner_text() == f"{december} items hidden by the filters"
    assert tab.errors == []


def test_the_next_month_link_leads_on(tab: Tab) -> None:
    page = tab.open("calendar/2026-11/")
    following = page.locator('.edcal-nav a[rel="next"]')
    assert following.inner_text() == "December 2026 →"
    following.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/calendar/2026-12/")
    assert page.locator(".edcal h1").inner_text() == "December 2026"
    assert tab.errors == []


def test_no_page_logs_an_error(tab: Tab) -> None:
    for path in (
        "",
        "blog/",
        "blog/2026/12/04/community-time/",
        "calendar/#months",
        "calendar/2026-11/",
        "calendar/2026-12/#week-2026-W49",
        "calendar/agenda/",
    ):
        tab.open(path)
    assert tab.errors == []


@pytest.mark.parametrize("scheme", ["default", "slate"])
def test_entries_are_readable_in_both_palettes(tab: Tab, scheme: str, artifacts: Path) -> None:
    page = tab.open("calendar/2026-12/")
    if scheme == "slate":
        page.get_by_title("Switch to the dark palette").click()
    assert page.locator("body").get_attribute("data-md-color-scheme") == scheme
    low = {}
    for selector in READABLE:
        text, background = page.locator(selector).first.evaluate(COLOURS_JS)
        ratio = contrast(text, background)
        if ratio < 4.5:
            low[selector] = round(ratio, 2)
    assert low == {}
    name = "month.png" if scheme == "default" else "month-dark.png"
    page.screenshot(path=artifacts / name, full_page=True)
    assert tab.errors == []


@pytest.mark.parametrize(
    "path", ["calendar/2026-12/", "calendar/2026-12/#week-2026-W49", "calendar/agenda/"]
)
def test_phones_get_a_list_without_sideways_scrolling(tab: Tab, path: str, artifacts: Path) -> None:
    page = tab.page
    page.set_viewport_size({"width": 390, "height": 844})
    tab.open(path)
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert page.locator("table.edcal-grid thead").count() in (0, 1)
    if "agenda" not in path:
        # The grid is a list now: one day under the other, each named.
        assert page.locator("#day-2026-12-04 .edcal-wd").is_visible()
    if path == "calendar/2026-12/":
        page.screenshot(path=artifacts / "month-phone.png", full_page=True)
    assert tab.errors == []


def _visible_weeks(tab: Tab) -> list[str]:
    rows = tab.page.locator("table.edcal-month tbody tr")
    return [row.get_attribute("id") or "" for row in rows.all() if row.is_visible()]


def test_a_week_link_shows_that_week_alone_and_whole(tab: Tab, artifacts: Path) -> None:
    page = tab.open("calendar/2026-12/")
    assert len(_visible_weeks(tab)) == 5
    # In the month, Monday 30 November belongs to November's page: a link, no entries.
    monday = page.locator("#day-2026-11-30")
    assert not monday.locator(".edcal-entry").first.is_visible()
    assert monday.locator(".edcal-elsewhere").is_visible()
    page.locator("#week-2026-W49 th a", has_text="Week 49").click()
    page.wait_for_url("**/calendar/2026-12/#week-2026-W49")
    assert _visible_weeks(tab) == ["week-2026-W49"]
    assert page.locator("#week-2026-W49 .edcal-weekspan").inner_text() == (
        "30 November – 6 December 2026"
    )
    # The week view is the whole week: 30 November's entries show, the link does not.
    assert monday.locator(".edcal-entry").first.is_visible()
    assert not monday.locator(".edcal-elsewhere").is_visible()
    page.screenshot(path=artifacts / "week.png", full_page=True)
    page.locator("#week-2026-W49 .edcal-weeknav a", has_text="Week 50").click()
    assert _visible_weeks(tab) == ["week-2026-W50"]
    page.locator("#week-2026-W50 .edcal-weeknav a", has_text="Whole month").click()
    page.wait_for_url("**/calendar/2026-12/")
    assert len(_visible_weeks(tab)) == 5
    # The week before December's first lives on November's page.
    page.goto(page.url + "#week-2026-W49")
    page.locator("#week-2026-W49 .edcal-weeknav a", has_text="Week 48").click()
    page.wait_for_url("**/calendar/2026-11/#week-2026-W48")
    assert _visible_weeks(tab) == ["week-2026-W48"]
    assert tab.errors == []


def test_the_agenda_starts_today(tab: Tab, artifacts: Path) -> None:
    page = tab.open("calendar/agenda/")
    headings = page.locator(".edcal-agenda-day h2").all_inner_texts()
    assert headings[0] == "Monday 7 December 2026"
    assert headings[-1] == "Wednesday 6 January 2027"  # 30 days on, before 10:00
    page.screenshot(path=artifacts / "agenda.png", full_page=True)
    assert tab.errors == []
