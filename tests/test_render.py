"""Rendering helpers: slugs as the blog plugin makes them, threads, announcements, URLs."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from edcal.config import parse_config
from edcal.render import entry_anchor, entry_url, fill, slugify, split_thread

CONFIG, _ = parse_config(
    "timezone: Europe/Paris\nsite_url: https://ex.org/\nchannels: {x: {platform: x}}"
)


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Community management is time management", "community-management-is-time-management"),
        ("Réparer plutôt que jeter !", "reparer-plutot-que-jeter"),
        ("  Spaces -- and dashes  ", "spaces-and-dashes"),
    ],
)
def test_slugs_follow_the_blog_plugin_default(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_a_line_of_three_dashes_splits_a_thread() -> None:
    assert split_thread("One\n---\nTwo\n ---  \nThree") == ("One", "Two", "Three")
    assert split_thread("No thread -- here --- inline") == ("No thread -- here --- inline",)


def test_fill_leaves_plain_text_alone_and_fills_url() -> None:
    assert fill("100% {sure}", url="u") == "100% {sure}"
    assert fill("Read {{ url }}", url="https://ex.org/a/") == "Read https://ex.org/a/"


def test_entry_urls_point_at_the_local_month_page() -> None:
    # 23:30 UTC on 30 November is already December in Paris.
    moment = datetime(2026, 11, 30, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert entry_url(CONFIG, "post-1:announce", moment) == (
        "https://ex.org/calendar/2026-12/#entry-post-1-announce"
    )
    assert entry_anchor("Check@2026-12-01T09:00") == "entry-check-2026-12-01t09-00"


@pytest.mark.parametrize(
    "text",
    [
        "{{url}} and {{ title }}",
        "{{ title }}: {{ url | upper }}",
        "{% if url %}{{ url }}{% endif %}",
    ],
)
def test_simple_placeholders_fill_exactly_as_jinja_does(text: str) -> None:
    import jinja2

    expected = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(text)
    assert fill(text, url="https://ex.org/a/", title="T") == expected.render(
        url="https://ex.org/a/", title="T"
    )


def test_an_unknown_placeholder_is_an_error() -> None:
    from edcal.render import RenderError

    with pytest.raises(RenderError, match="nope"):
        fill("See {{ nope }}", url="u")
