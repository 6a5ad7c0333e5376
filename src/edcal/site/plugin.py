"""MkDocs events -> the edcal site: only due articles in the blog, the calendar pages, the feeds.

The calendar's work (`work.py`: loading, planning, rendering, the feeds) runs in a helper
process started with the build (`helper.py`), or here when there is none; this module
imports none of edcal's stages, so with a helper the build process never loads them.

Order matters: `on_files` runs first (priority 100) so the blog plugin, whose `on_files`
runs late (-50) and reads every post's file right there, never sees an article that is
not due and reads dates as edcal does; `on_nav` runs after it, once the blog plugin has
given the posts their URLs, which go into the calendar pages. A calendar page's content is
a placeholder until `on_post_page` puts the calendar in; `on_post_build` puts the feeds
next to the site.

The ledger is read once per build: it gives the plan each entry's outcome per channel
and its live URLs, and the landing page the scheduler's health. `edcal watch`'s seen file,
when there is one, gives the Mentions page.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.config_options import ExtraScriptValue
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from edcal.layout import CONTENT_DIR, POSTS_DIR, SOCIAL_DIR
from edcal.site.blog import aligned_front_matter
from edcal.site.exchange import (
    CalendarPage,
    Links,
    Prelude,
    Settings,
    article_placeholders,
    edit_prefix,
    with_article_urls,
)
from edcal.site.helper import Helper, cores

if TYPE_CHECKING:
    from edcal.site.work import Job

log = get_plugin_logger(__name__)

ASSETS = Path(__file__).parent / "assets"
ASSET_URIS = ("assets/edcal/calendar.css", "assets/edcal/calendar.js")
POSTS_URI = POSTS_DIR.removeprefix(CONTENT_DIR + "/") + "/"  # "blog/posts/" under docs_dir
SOCIAL_URI = SOCIAL_DIR.removeprefix(CONTENT_DIR + "/") + "/"


# mkdocs' Config and BasePlugin declare an untyped __init_subclass__, which strict mypy
# reports at every subclass.
class EdcalConfig(base.Config):  # type: ignore[no-untyped-call]
    """The plugin's options in mkdocs.yml."""

    repo = c.Type(str, default=".")  # the calendar repository, relative to mkdocs.yml's folder
    # Do the calendar's work in a second process (with two cores or more).
    parallel = c.Type(bool, default=True)


class EdcalPlugin(BasePlugin[EdcalConfig]):  # type: ignore[no-untyped-call]
    """Shows articles only once due (as of edcal's `now`) and adds the calendar pages."""

    def __init__(self) -> None:
        self.repo = Path(".")
        self.serving = False
        self.settings: Settings | None = None
        self.helper: Helper | None = None
        self.local: tuple[Prelude, Job] | None = None  # the work, when done here
        self.prelude: Prelude | None = None
        self.pages: frozenset[str] = frozenset()  # the calendar pages' src_uri
        self.links = Links()
        self.rendered: dict[str, str] | None = None
        self._copies: tempfile.TemporaryDirectory[str] | None = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Note whether this is `mkdocs serve`, which points site_url at the dev server, and
        start the helper, which loads edcal while MkDocs loads the rest."""
        self.serving = command == "serve"
        self._stop_helper()
        if self._helped():
            self.helper = Helper.start()

    def _helped(self) -> bool:
        return bool(self.config.parallel) and cores() > 1

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Find the repository, add the calendar's stylesheet and script to every page, and
        start the calendar's work."""
        folder = Path(config.config_file_path or ".").resolve().parent
        self.repo = (folder / self.config.repo).resolve()
        docs = Path(config.docs_dir).resolve()
        if docs != self.repo / CONTENT_DIR:
            raise PluginError(
                f"edcal: docs_dir is {docs}, but the calendar's content lives in"
                f" {self.repo / CONTENT_DIR}; set `docs_dir: {CONTENT_DIR}` or the plugin's"
                " `repo` option"
            )
        css, js = ASSET_URIS
        if css not in config.extra_css:
            config.extra_css.append(css)
        if not any(str(script) == js for script in config.extra_javascript):
            config.extra_javascript.append(ExtraScriptValue(js))
        self.local = self.prelude = self.rendered = None
        self.settings = Settings(
            self.repo,
            links=_links(config, {}),
            serving=self.serving,
            directory_urls=config.use_directory_urls,
            clock=datetime.now(UTC),
            nonce=secrets.token_hex(8),
        )
        if self.helper is not None and not self.helper.waiting:
            self._stop_helper()  # left over from a build that never finished
        if self.helper is None and self._helped():
            self.helper = Helper.start()  # no on_startup: an older MkDocs, or a test
        if self.helper is not None:
            self.helper.begin(self.settings)
        return config

    @event_priority(100)  # before the blog plugin (-50) reads the posts
    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        """Hide what is not due, align article dates, and add the calendar's pages."""
        prelude = self.prelude = self._prelude()
        for warning in prelude.warnings:
            log.warning(warning)
        for note in prelude.notes:
            log.info(note)
        self._show_due_articles(files, prelude)
        for page in prelude.pages:
            if files.get_file_from_path(page.src_uri) is not None:
                raise PluginError(
                    f"edcal: {CONTENT_DIR}/{page.src_uri} is in the way of a generated"
                    " calendar page; move or rename it"
                )
            inclusion = (
                InclusionLevel.UNDEFINED if page.kind == "landing" else InclusionLevel.NOT_IN_NAV
            )
            stub = File.generated(config, page.src_uri, content=_stub(page), inclusion=inclusion)
            files.append(stub)
        self.pages = frozenset(page.src_uri for page in prelude.pages)
        for name in prelude.feeds:
            if files.get_file_from_path(name) is not None:
                raise PluginError(
                    f"edcal: {CONTENT_DIR}/{name} is in the way of the calendar's feed of that"
                    " name; move or rename it"
                )
        for uri in ASSET_URIS:
            files.append(File.generated(config, uri, abs_src_path=str(ASSETS / Path(uri).name)))
        return files

    def _prelude(self) -> Prelude:
        if self.helper is not None:
            found = self.helper.prelude()
            if found is not None:
                return found
            self._helper_failed("preparing the calendar")
        return self._local()[0]

    def _local(self) -> tuple[Prelude, Job]:
        """The calendar's work, prepared in this process (once per build)."""
        if self.local is None:
            from edcal.site import work  # edcal's stages, loaded only when needed here

            assert self.settings is not None  # on_config comes first
            self.local = work.prepare(self.settings)
        return self.local

    def _show_due_articles(self, files: Files, prelude: Prelude) -> None:
        for file in files:
            uri = file.src_uri
            if uri.startswith(SOCIAL_URI):
                # Social posts are sent to the platforms, not published as pages.
                file.inclusion = InclusionLevel.EXCLUDED
            elif uri.startswith(POSTS_URI) and file.is_documentation_page():
                if uri not in prelude.due:
                    # EXCLUDED, not removed: a link to it from a live page stays an
                    # info message instead of failing `--strict`.
                    file.inclusion = InclusionLevel.EXCLUDED
                    continue
                self._align_date(file, prelude.due[uri][1])

    def _align_date(self, file: File, local: datetime) -> None:
        source = file.abs_src_path
        if source is None:
            return
        text = Path(source).read_text(encoding="utf-8-sig")
        aligned = aligned_front_matter(text, local)
        if aligned is None:
            return
        if self._copies is None:
            self._copies = tempfile.TemporaryDirectory(prefix="edcal-posts-")
        copy = Path(self._copies.name) / file.src_uri
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(aligned, encoding="utf-8")
        # The blog plugin reads each post from `abs_src_path`; `src_uri` (and so the edit
        # link) stays the original file's.
        file.abs_src_path = str(copy)

    def _due(self) -> Mapping[str, tuple[str, datetime]]:
        """The articles the site shows (see `Prelude.due`); none before `on_files`."""
        return self.prelude.due if self.prelude is not None else {}

    def on_nav(self, nav: Navigation, /, *, config: MkDocsConfig, files: Files) -> Navigation:
        """Collect the live articles' URLs: the blog plugin has set them by now."""
        articles = {}
        for uri, (post_id, _) in self._due().items():
            file = files.get_file_from_path(uri)
            if file is not None:
                articles[post_id] = file.url
        self.links = _links(config, articles)
        return nav

    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        """Give the feed plugin an article's creation date when `date` is a mapping."""
        if page.file.src_uri in self._due():
            # mkdocs-rss-plugin reads `date` from page.meta and, finding `{created, updated}`,
            # would fall back to the build time; the blog plugin reads `page.config` instead.
            value = page.meta.get("date")
            if isinstance(value, Mapping) and "created" in value:
                page.meta["date"] = value["created"]
        return markdown

    def on_page_content(
        self, html: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        """Put a placeholder for the calendar in a calendar page (`on_post_page` fills it)."""
        if page.file.src_uri not in self.pages:
            return html
        return _placeholder(page.file.src_uri)

    @event_priority(100)  # before any plugin that rewrites or minifies the output
    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str | None:
        """Replace a calendar page's placeholder with the calendar."""
        uri = page.file.src_uri
        if uri not in self.pages:
            return output
        placeholder = _placeholder(uri)
        if output.count(placeholder) != 1:
            raise PluginError(
                f"edcal: the theme did not put the content of {uri} into its page once;"
                " the calendar needs a theme that shows `page.content`"
            )
        return output.replace(placeholder, self._rendered_pages()[uri])

    def _rendered_pages(self) -> dict[str, str]:
        if self.rendered is None:
            self.rendered = self._pages_ahead()
        if self.rendered is None:
            from edcal.site import work

            self.rendered = work.render_pages(self._local()[1], self.links)
        return self.rendered

    def _pages_ahead(self) -> dict[str, str] | None:
        """The helper's pages, with the articles' URLs put in; None when it has none."""
        if self.helper is None or self.settings is None or self.prelude is None:
            return None
        found = self.helper.pages()
        if found is None:
            self._helper_failed("rendering the calendar")
            return None
        live = {post_id for post_id, _ in self.prelude.due.values()}
        if (
            replace(self.links, articles={}) != self.settings.links
            or set(self.links.articles) != live
        ):
            # A plugin changed the site's settings after ours, or the blog left out an
            # article the calendar counts as live: the pages ahead would be wrong.
            return None
        placeholders = article_placeholders(self.settings.nonce, live)
        return {
            uri: with_article_urls(html, placeholders, self.links.articles)
            for uri, html in found.items()
        }

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Make sure the calendar feeds are next to the site."""
        if self.prelude is None:
            return
        site = Path(config.site_dir)
        written = self.helper.feeds() if self.helper is not None else None
        if written is None:
            self._helper_failed("writing the feeds")
            from edcal.site import work

            work.write_site_feeds(self._local()[1], site)
        else:
            for path in written:
                shutil.copyfile(path, site / path.name)
        self._stop_helper()
        if self.serving and self._helped():
            # `mkdocs serve` rebuilds on the next change: a helper that has loaded edcal
            # by then has the calendar ready as soon as MkDocs wants it.
            self.helper = Helper.start()

    def _helper_failed(self, task: str) -> None:
        if self.helper is not None:
            # The site comes out the same; only the build took longer. Not a warning, which
            # would fail `mkdocs build --strict` for a site that is right.
            log.info(f"the helper process failed ({self.helper.problem()}); {task} here")
            self._stop_helper()

    def _stop_helper(self) -> None:
        if self.helper is not None:
            self.helper.stop()
            self.helper = None

    def on_build_error(self, *, error: Exception) -> None:
        """Stop the helper of a build that failed."""
        self._stop_helper()

    def on_shutdown(self) -> None:
        """Stop the helper and remove the aligned copies of the articles."""
        self._stop_helper()
        if self._copies is not None:
            self._copies.cleanup()
            self._copies = None


def _links(config: MkDocsConfig, articles: Mapping[str, str]) -> Links:
    """Where the calendar's links point, by MkDocs' settings and the articles' URLs."""
    return Links(
        site_url=config.site_url or "",
        edit_docs=edit_prefix(config.repo_url, config.edit_uri),
        docs_dir=CONTENT_DIR,
        articles=articles,
    )


def _placeholder(src_uri: str) -> str:
    """What stands for a calendar page's content until `on_post_page`.

    An `h1`, because the calendar has its own: Material adds the page title as one to
    content that has none.
    """
    return f'<h1 data-edcal-calendar="{src_uri}"></h1>'


def _stub(page: CalendarPage) -> str:
    """The Markdown of a generated page: only front-matter and its title; the calendar
    takes the place of its content (see `_placeholder`)."""
    return (
        f"---\ntitle: {json.dumps(page.title)}\n"
        "hide: [navigation, toc]\nsearch:\n  exclude: true\n---\n\n"
        f"# {page.title}\n"
    )
