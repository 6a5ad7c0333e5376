"""What the MkDocs build and the calendar's work hand each other.

The plugin's build process reads `Settings` off mkdocs.yml and gives them to the work
(`work.prepare`), which answers with a `Prelude`: what MkDocs must know before it reads
the pages. Once the blog has its URLs, the build gives the work the `Links` it renders the
pages with. With a helper process, these cross a pipe as pickles; this module therefore
imports nothing of edcal's stages, so the build process never loads them itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urljoin

PageKind = Literal["landing", "month", "agenda", "mentions"]


@dataclass(frozen=True)
class Settings:
    """The build's settings the calendar's work depends on."""

    repo: Path  # the calendar repository
    site_url: str  # MkDocs' site_url ("" when unset)
    serving: bool  # `mkdocs serve`, whose site_url points at the dev server
    directory_urls: bool
    site_dir: str
    clock: datetime  # the build's reading of the clock, used when EDCAL_NOW is not set


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
    # Articles the site shows by now, by docs-relative path: the post's id, and its text
    # with the front-matter date aligned for the blog plugin (None: already aligned).
    due: Mapping[str, tuple[str, str | None]]
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
