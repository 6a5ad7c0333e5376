"""MkDocs events -> the edcal site: only due articles in the blog, the calendar pages, the feeds.

Order matters: `on_files` runs first (priority 100) so the blog plugin, whose `on_files`
runs late (-50) and reads every post's file right there, never sees an article that is
not due and reads dates as edcal does; `on_nav` runs after it, once the blog plugin has
given the posts their URLs, and starts the helper process that renders the calendar pages
and writes the feeds (`helper.py`) while MkDocs builds the other pages. A calendar page's
content is a placeholder until `on_post_page` puts the calendar in; `on_post_build` makes
sure the feeds are there.

The ledger is read once per build: it gives the plan each entry's outcome per channel
and its live URLs, and the landing page the scheduler's health. `edcal watch`'s seen file,
when there is one, gives the Mentions page.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.config_options import ExtraScriptValue
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from edcal.ledger import Ledger, health_warnings, history, read_ledger
from edcal.load import CONTENT_DIR, POSTS_DIR, SOCIAL_DIR, load_content
from edcal.model import Content, Post
from edcal.outputs.feeds import feed_names
from edcal.plan import Plan, build_plan
from edcal.render import load_templates
from edcal.site.blog import aligned_front_matter, is_due
from edcal.site.helper import Helper, Job, cores, render_pages, write_site_feeds
from edcal.site.pages import CalendarPage, Health, Links, calendar_pages, edit_prefix, web_url
from edcal.times import current_time
from edcal.watch import SEEN_PATH, Mention, read_seen

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
    # Render the calendar and its feeds in a second process (with two cores or more).
    parallel = c.Type(bool, default=True)


class EdcalPlugin(BasePlugin[EdcalConfig]):  # type: ignore[no-untyped-call]
    """Shows articles only once due (as of edcal's `now`) and adds the calendar pages."""

    def __init__(self) -> None:
        self.repo = Path(".")
        self.job: Job | None = None  # the calendar's inputs (and, from on_nav, its links)
        self.pages: dict[str, CalendarPage] = {}
        self.due: dict[str, Post] = {}  # docs-relative path -> article shown on the site
        self.serving = False
        self.helper: Helper | None = None
        self.rendered: dict[str, str] | None = None
        self._copies: tempfile.TemporaryDirectory[str] | None = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Note whether this is `mkdocs serve`, which points site_url at the dev server."""
        self.serving = command == "serve"

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        """Find the repository and add the calendar's stylesheet and script to every page."""
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
        return config

    @event_priority(100)  # before the blog plugin (-50) reads the posts
    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        """Hide what is not due, align article dates, and add the calendar's pages."""
        content = load_content(self.repo)
        for problem in content.problems:
            if problem.severity == "error":
                log.warning(f"{problem} (run `edcal check` for details)")
        tz = content.config.timezone
        if (
            content.config.site_url
            and not self.serving
            and config.site_url != content.config.site_url
        ):
            log.warning(
                f"site_url in mkdocs.yml ({config.site_url}) differs from the calendar's"
                f" ({content.config.site_url}); announcements and feeds would point elsewhere"
            )
        now = current_time(None, tz)
        ledger = read_ledger(self.repo)
        plan = build_plan(self.repo, content, now, history=history(ledger))
        self._show_due_articles(files, content, now)
        mentions = self._mentions()
        self.job = Job(
            content,
            plan,
            now,
            load_templates(self.repo),
            directory_urls=config.use_directory_urls,
            health=_health(ledger, now),
            mentions=mentions,
            links=Links(),  # known in on_nav
            site_dir=config.site_dir,
            feeds_plan=_public(plan),
        )
        self.pages = {}
        for page in calendar_pages(plan, with_mentions=mentions is not None):
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
            self.pages[page.src_uri] = page
        for name in feed_names(content.config):
            if files.get_file_from_path(name) is not None:
                raise PluginError(
                    f"edcal: {CONTENT_DIR}/{name} is in the way of the calendar's feed of that"
                    " name; move or rename it"
                )
        for uri in ASSET_URIS:
            files.append(File.generated(config, uri, abs_src_path=str(ASSETS / Path(uri).name)))
        return files

    def _mentions(self) -> list[tuple[datetime, Mention]] | None:
        """The latest mentions `edcal watch` remembers; None when it never ran here."""
        if not (self.repo / SEEN_PATH).is_file():
            return None
        memory = read_seen(self.repo)
        for note in memory.notes:
            log.info(note)  # the next watch run says so too; not worth a failed build
        return memory.latest()

    def _show_due_articles(self, files: Files, content: Content, now: datetime) -> None:
        posts = {post.source.path.removeprefix(CONTENT_DIR + "/"): post for post in content.posts}
        self.due = {}
        for file in files:
            uri = file.src_uri
            if uri.startswith(SOCIAL_URI):
                # Social posts are sent to the platforms, not published as pages.
                file.inclusion = InclusionLevel.EXCLUDED
            elif uri.startswith(POSTS_URI) and file.is_documentation_page():
                post = posts.get(uri)
                if post is None or not is_due(post, now):
                    # EXCLUDED, not removed: a link to it from a live page stays an
                    # info message instead of failing `--strict`.
                    file.inclusion = InclusionLevel.EXCLUDED
                    continue
                self.due[uri] = post
                self._align_date(file, post, content)

    def _align_date(self, file: File, post: Post, content: Content) -> None:
        source = file.abs_src_path
        if source is None:
            return
        text = Path(source).read_text(encoding="utf-8-sig")
        aligned = aligned_front_matter(text, post, content.config.timezone)
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

    def on_nav(self, nav: Navigation, /, *, config: MkDocsConfig, files: Files) -> Navigation:
        """Collect the live articles' URLs (the blog plugin has set them by now) and start
        the helper on the calendar."""
        articles = {}
        for uri, post in self.due.items():
            file = files.get_file_from_path(uri)
            if file is not None:
                articles[post.id] = file.url
        links = Links(
            site_url=config.site_url or "",
            edit_docs=edit_prefix(config.repo_url, config.edit_uri),
            docs_dir=CONTENT_DIR,
            articles=articles,
        )
        self._stop_helper()
        self.rendered = None
        if self.job is not None:
            self.job = replace(self.job, links=links)
            # Not under `mkdocs serve`, whose live-reload server runs threads: forking a
            # process with threads is asking for a lock nobody will release.
            if self.config.parallel and cores() > 1 and not self.serving:
                self.helper = Helper.start(self.job)
        return nav

    def on_page_markdown(
        self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        """Give the feed plugin an article's creation date when `date` is a mapping."""
        if page.file.src_uri in self.due:
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
            found = self.helper.pages() if self.helper is not None else None
            if found is None:
                self._helper_failed("rendering the calendar")
                assert self.job is not None
                found = render_pages(self.job.calendar(), self.job.links)
            self.rendered = found
        return self.rendered

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        """Make sure the calendar feeds are next to the site."""
        if self.job is None:
            return
        if self.helper is None or not self.helper.feeds_written():
            self._helper_failed("writing the feeds")
            write_site_feeds(self.job.site_dir, self.job.content.config, self.job.feeds_plan)
        self._stop_helper()

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


def _health(ledger: Ledger, now: datetime) -> Health | None:
    """The scheduler's health, once there is a ledger to judge it by (None before that)."""
    if not ledger.records and not ledger.heartbeats:
        return None
    return Health(ledger.last_run(), tuple(health_warnings(ledger, now)))


def _public(plan: Plan) -> Plan:
    """The plan as the site's feeds publish it: live URLs only when a reader can follow them.

    The outbox records `file://` URLs (a path on the machine that ran the publish).
    """
    entries = tuple(
        replace(e, published={c: u for c, u in e.published.items() if web_url(u)})
        if any(not web_url(u) for u in e.published.values())
        else e
        for e in plan.entries
    )
    return replace(plan, entries=entries)


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
