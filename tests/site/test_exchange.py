"""What the build and the calendar's work hand each other: article links filled in later."""

from __future__ import annotations

import jinja2

from edcal.site.exchange import Links, article_placeholders, edit_prefix, with_article_urls

PAGE = jinja2.Environment(autoescape=True).from_string('<a href="../{{ url }}">Read</a>')


def test_an_article_link_rendered_ahead_reads_as_if_rendered_with_its_url() -> None:
    urls = {"post-a": "blog/2026/12/04/a-&-b/", "post-b": "/blog/b/"}
    placeholders = article_placeholders("c0ffee", urls)
    ahead = "".join(PAGE.render(url=placeholder) for placeholder in placeholders.values())
    # The page's own escaping leaves a placeholder as it is, so it is found as written.
    assert all(placeholder in ahead for placeholder in placeholders.values())
    at_hand = "".join(PAGE.render(url=url.lstrip("/")) for url in urls.values())
    assert with_article_urls(ahead, placeholders, urls) == at_hand
    assert 'href="../blog/2026/12/04/a-&amp;-b/"' in at_hand


def test_placeholders_are_unique_to_the_build() -> None:
    assert article_placeholders("aa", ["post-a"]) != article_placeholders("bb", ["post-a"])


def test_links_edit_files_inside_and_beside_docs_dir() -> None:
    links = Links(edit_docs=edit_prefix("https://git.example/team/cal", "edit/main/content/"))
    assert links.edit_url("content/social/a.md") == (
        "https://git.example/team/cal/edit/main/content/social/a.md"
    )
    assert links.edit_url("calendar/edcal.yml") == (
        "https://git.example/team/cal/edit/main/calendar/edcal.yml"
    )
    assert Links().edit_url("content/social/a.md") == ""
