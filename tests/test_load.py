"""Loading: Markdown front-matter into typed items, each key with its line."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import RepoFactory
from edcal.load import load_content
from repos import article, social

PARIS = ZoneInfo("Europe/Paris")


def test_a_social_post_is_read_with_the_line_of_each_key(make_repo: RepoFactory) -> None:
    text = social(
        id="hello",
        date="2026-12-01T12:30:00",
        channels="[x, mastodon]",
        text="First part\n---\nSecond part",
        extra="variants:\n  mastodon: A longer text for Mastodon\nmedia:\n"
        "  - path: media/a.png\n    alt: A drawing",
    )
    content = load_content(make_repo(socials={"week/hello.md": text}))
    assert content.problems == ()
    (post,) = content.socials
    assert post.id == "hello"
    assert post.date == datetime(2026, 12, 1, 12, 30, tzinfo=PARIS)
    assert post.channels == ("x", "mastodon")
    assert str(post.line_of("channels")) == "content/social/week/hello.md:4"
    assert post.line_of("media").line == 8
    assert post.lines["body"] == 12
    assert post.text_for("x") == "First part\n---\nSecond part"
    assert post.text_for("mastodon") == "A longer text for Mastodon"
    assert post.media[0].path == "content/social/week/media/a.png"
    assert post.media[0].alt == "A drawing"
    assert post.title == "First part"


def test_an_article_takes_its_title_from_the_first_heading(make_repo: RepoFactory) -> None:
    text = article(id="a1").replace("title: An article\n", "")
    content = load_content(make_repo(posts={"a.md": text}))
    (post,) = content.posts
    assert post.title == "An article"
    assert post.date == datetime(2026, 12, 4, 9, tzinfo=PARIS)
    assert post.channels == ("x", "facebook")


def test_an_article_with_created_and_updated_dates_uses_created(make_repo: RepoFactory) -> None:
    text = article(
        date="\n  created: 2026-12-04T09:00:00+01:00\n  updated: 2026-12-05T09:00:00+01:00"
    )
    (post,) = load_content(make_repo(posts={"a.md": text})).posts
    assert post.date == datetime(2026, 12, 4, 9, tzinfo=PARIS)


def test_a_date_as_text_is_accepted_for_social_posts(make_repo: RepoFactory) -> None:
    text = social(date='"2026-12-01 12:30"')
    content = load_content(make_repo(socials={"a.md": text}))
    assert content.problems == ()
    assert content.socials[0].date == datetime(2026, 12, 1, 12, 30, tzinfo=PARIS)


def test_a_missing_status_is_a_draft_with_a_warning(make_repo: RepoFactory) -> None:
    text = social().replace("status: scheduled\n", "")
    content = load_content(make_repo(socials={"a.md": text}))
    assert content.socials[0].status == "draft"
    assert [p.severity for p in content.problems] == ["warning"]


def test_a_byte_order_mark_is_tolerated(make_repo: RepoFactory) -> None:
    content = load_content(make_repo(socials={"a.md": "\ufeff" + social()}))
    assert content.problems == ()
    assert len(content.socials) == 1


def test_files_are_read_in_a_stable_order(make_repo: RepoFactory) -> None:
    names = ["b.md", "a.md", "sub/c.md"]
    socials = {name: social(id=name.replace("/", "-")[:-3]) for name in names}
    content = load_content(make_repo(socials=socials))
    assert [s.id for s in content.socials] == ["a", "b", "sub-c"]


def test_paths_are_relative_to_the_repository_even_when_it_is_the_current_folder(
    make_repo: RepoFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(socials={"a.md": social()})
    monkeypatch.chdir(repo)
    (post,) = load_content(Path(".")).socials
    assert post.source.path == "content/social/a.md"
    (again,) = load_content(repo).socials
    assert again.source.path == "content/social/a.md"


def test_a_front_matter_that_is_never_closed_says_so(make_repo: RepoFactory) -> None:
    content = load_content(make_repo(socials={"a.md": "---\nid: a\ndate: 2026-12-01\n"}))
    assert [p.message for p in content.problems] == ["the front-matter is not closed"]
