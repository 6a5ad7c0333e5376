"""What the MkDocs build and the calendar's work hand each other.

The plugin's build process reads `Settings` off mkdocs.yml and gives them to the work
(`work.prepare`), which answers with a `Prelude`: what MkDocs must know before it reads
the pages. With a helper process, these cross between processes as pickles; this module
therefore imports nothing of edcal's stages, so the build process never loads them.

The blog plugin gives the articles their URLs only later (`on_nav`), when a helper should
long have rendered the pages: it renders each live article's link as a placeholder
(`article_placeholders`), which the build replaces with the URL (`with_article_urls`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urljoin

from markupsafe import escape

PageKind = Literal["landing", "month", "agenda", "mentions"]


@dataclass(frozen=True)
class CalendarPage:
    """One generated page: its source path under docs_dir, what it shows, and its title."""

    src_uri: str  # e.g. "calendar/2026-12.md", served at render.month_page's path
    kind: PageKind
    title: str
    key: str = ""  # "2026-12" for a month


@dataclass(frozen=True)
class Prelude:
    """What MkDocs needs from the calendar before it reads the pages."""

    warnings: tuple[str, ...]  # the build shows these as warnings (`--strict` fails)
    notes: tuple[str, ...]  # and these as info
    # Articles the site shows by now, by docs-relative path: the post's id, and its date
    # in the calendar's zone (the blog plugin must read it so: `blog.aligned_front_matter`).
    due: Mapping[str, tuple[str, datetime]]
    pages: tuple[CalendarPage, ...]
    feeds: tuple[str, ...]  # the feeds' file names in the site


@dataclass(frozen=True)
class Links:
    """Where an entry's links point, taken from MkDocs' settings and the site's files."""

    site_url: str = ""
    edit_docs: str = ""  # edit URL of docs_dir's root, e.g. ".../edit/main/content/"
    docs_dir: str = "content"  # docs_dir, relative to the repository
    articles: Mapping[str, str] = field(default_factory=dict)  # live post id -> site path

    def edit_url(self, path: str) -> str:
        """The URL that edits a repository-relative file ("" when no edit_uri is set).

        `edit_uri` names docs_dir's folder in the repository; files outside docs_dir (the
        config, for tasks) get the same prefix with that folder taken off.
        """
        if not self.edit_docs:
            return ""
        prefix = self.docs_dir.strip("/") + "/"
        if path.startswith(prefix):
            return self.edit_docs + path[len(prefix) :]
        if self.edit_docs.endswith("/" + prefix):
            return self.edit_docs[: -len(prefix)] + path
        return ""


@dataclass(frozen=True)
class Settings:
    """The build's settings the calendar's work depends on."""

    repo: Path  # the calendar repository
    links: Links  # from mkdocs.yml: all but the articles' URLs
    serving: bool  # `mkdocs serve`, whose site_url points at the dev server
    directory_urls: bool
    clock: datetime  # the build's reading of the clock, used when EDCAL_NOW is not set
    nonce: str = ""  # makes the placeholders of article links unique to the build


def edit_prefix(repo_url: str | None, edit_uri: str | None) -> str:
    """MkDocs' `repo_url` + `edit_uri` -> the edit URL of docs_dir's root, as pages get it."""
    if not edit_uri:
        return ""
    if not repo_url:
        return edit_uri if "://" in edit_uri else ""
    if not repo_url.endswith("/"):
        repo_url += "/"
    base = urljoin(repo_url, edit_uri)
    return base if base.endswith("/") else base + "/"


def article_placeholders(nonce: str, post_ids: Iterable[str]) -> dict[str, str]:
    """What stands for each article's URL (post id -> placeholder) until the blog has one.

    Characters HTML escaping leaves alone, so the placeholder is found in the page as is.
    """
    return {post_id: f"@@edcal-{nonce}-article-{post_id}@@" for post_id in post_ids}


def with_article_urls(html: str, placeholders: Mapping[str, str], urls: Mapping[str, str]) -> str:
    """The page with each article's placeholder replaced by its URL, escaped as the page
    template escapes it (post id -> placeholder, post id -> URL: the same ids)."""
    for post_id, placeholder in placeholders.items():
        html = html.replace(placeholder, str(escape(urls[post_id].lstrip("/"))))
    return html
