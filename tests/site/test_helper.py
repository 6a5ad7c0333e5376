"""The helper process renders the calendar and writes the feeds while MkDocs builds the rest.

Whatever happens to it, the site comes out the same.
"""

from __future__ import annotations

import logging
import os
import signal
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.structure.nav import Navigation
from sitebuild import DEMO_NOW, REPO, mkdocs_build

from edcal.load import load_content
from edcal.outputs.feeds import feed_names
from edcal.site import work
from edcal.site.exchange import Links, Settings, article_placeholders, with_article_urls
from edcal.site.helper import Helper, cores
from edcal.site.plugin import EdcalPlugin

pytest_plugins = ["sitekit"]

ARTICLE = "post-2026-12-04-community-time"  # due at DEMO_NOW

LINKS = Links(
    site_url="https://atelier-libre.example.org/", edit_docs="https://git.example/edit/content/"
)


def _settings() -> Settings:
    """The example's calendar as of the demo time."""
    return Settings(
        REPO,
        links=LINKS,
        serving=False,
        directory_urls=True,
        clock=datetime.fromisoformat(DEMO_NOW),
        nonce="0123",
    )


@pytest.fixture(autouse=True)
def _no_edcal_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """The settings' clock is the time (EDCAL_NOW would take precedence)."""
    monkeypatch.delenv("EDCAL_NOW", raising=False)


def _calendar_files(site: Path) -> dict[str, bytes]:
    """The calendar's pages and feeds in a built site, by path."""
    found = {
        path.relative_to(site).as_posix(): path.read_bytes()
        for path in (site / "calendar").rglob("*.html")
    }
    found.update(
        {name: (site / name).read_bytes() for name in feed_names(load_content(REPO).config)}
    )
    return found


def _example_config(folder: Path, **options: object) -> Path:
    """The example's mkdocs.yml, moved to `folder`, with options for the edcal plugin."""
    data = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    data["docs_dir"] = str(REPO / "content")
    data["watch"] = []
    data["plugins"] = [
        {"edcal": {"repo": str(REPO), **options}} if plugin == "edcal" else plugin
        for plugin in data["plugins"]
    ]
    config = folder / "mkdocs.yml"
    config.write_text(yaml.safe_dump(data), encoding="utf-8")
    return config


def _started() -> Helper:
    running = Helper.start()
    assert running is not None
    running.begin(_settings())
    return running


def _shadowed(folder: Path, monkeypatch: pytest.MonkeyPatch, module: str, code: str) -> None:
    """Helpers started from now on import `module` as `code`: a way to make them fail."""
    folder.mkdir(exist_ok=True)
    (folder / f"{module}.py").write_text(code, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(folder))


def test_the_helper_prepares_and_renders_what_the_build_would(tmp_path: Path) -> None:
    running = _started()
    try:
        prelude = running.prelude()
        ahead = running.pages()
        feeds = running.feeds()
        assert feeds is not None, running.problem()
        helped = {path.name: path.read_bytes() for path in feeds}
    finally:
        running.stop()
    assert not running.folder.exists()  # what it handed over was private and is gone
    here, job = work.prepare(_settings())
    assert prelude == here
    assert [page.src_uri for page in here.pages][:2] == ["calendar/index.md", "calendar/agenda.md"]
    assert here.due["blog/posts/2026-12-04-community-time.md"][0] == ARTICLE
    # The helper rendered the pages before the blog gave the articles their URLs; with
    # them put in, its pages are the ones rendered with the URLs at hand.
    urls = {ARTICLE: "blog/2026/12/04/community-time/"}
    placeholders = article_placeholders("0123", urls)
    assert ahead is not None
    assert any(placeholders[ARTICLE] in html for html in ahead.values())
    pages = {uri: with_article_urls(html, placeholders, urls) for uri, html in ahead.items()}
    assert pages == work.render_pages(job, replace(LINKS, articles=urls))
    assert len(pages) >= 4 and all("<h1" in html for html in pages.values())
    assert (
        '<a href="../../blog/2026/12/04/community-time/">Read the article</a>'
        in (pages["calendar/2026-12.md"])
    )
    work.write_site_feeds(job, tmp_path / "here")
    assert helped.keys() == set(feed_names(job.content.config))
    for name, data in helped.items():
        assert (tmp_path / "here" / name).read_bytes() == data, name


OUT_OF_MEMORY = 'raise MemoryError("no memory left")\n'


def test_a_failed_helper_says_why_and_gives_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _shadowed(tmp_path / "shadow", monkeypatch, "jinja2", OUT_OF_MEMORY)  # pages fail
    running = _started()
    assert running.prelude() is not None
    assert running.pages() is None
    assert running.feeds() is None
    assert running.problem() == "MemoryError: no memory left (exit code 1)"
    running.stop()
    assert not running.folder.exists()


def test_a_helper_that_fails_to_prepare_gives_no_prelude(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _shadowed(tmp_path / "shadow", monkeypatch, "frontmatter", 'raise OSError("disk gone")\n')
    running = _started()
    assert running.prelude() is None
    assert running.pages() is None
    assert running.problem() == "OSError: disk gone (exit code 1)"
    running.stop()


def test_a_helper_given_no_settings_ends_by_itself() -> None:
    running = Helper.start()
    assert running is not None
    assert running.prelude() is None  # the build went on without it
    assert running.exit_code == 0
    running.stop()
    assert not running.folder.exists()


def test_a_helper_terminated_with_the_build_leaves_nothing_behind() -> None:
    running = _started()
    assert running.prelude() is not None
    os.kill(running.pid, signal.SIGTERM)  # as `timeout` or a cancelled CI job does
    assert running.feeds() is None
    assert running.exit_code == 128 + signal.SIGTERM
    assert not running.folder.exists()
    running.stop()


def test_a_host_that_reaps_children_itself_still_gets_the_work() -> None:
    previous = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        running = _started()
        assert running.prelude()
        assert running.pages()
        feeds = running.feeds()
        assert feeds is not None
        assert "calendar.ics" in [path.name for path in feeds]
        running.stop()
    finally:
        signal.signal(signal.SIGCHLD, previous)


def test_stop_ends_a_helper_that_still_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _shadowed(tmp_path / "shadow", monkeypatch, "icalendar", "import time\ntime.sleep(60)\n")
    running = _started()
    assert running.pages() is not None  # the feeds take forever
    assert running.problem() == "still running"
    running.stop()
    assert running.exit_code == -signal.SIGKILL
    assert not running.folder.exists()


def test_the_site_is_the_same_with_and_without_the_helper(
    example_site: Path, tmp_path: Path
) -> None:
    # example_site is built with the default (`parallel: true`), on every machine with
    # two cores or more, CI's included.
    assert cores() > 1, "this machine cannot run the helper next to MkDocs"
    site = tmp_path / "site"
    mkdocs_build(_example_config(tmp_path, parallel=False), site, DEMO_NOW)
    alone, helped = _calendar_files(site), _calendar_files(example_site)
    assert alone.keys() == helped.keys()
    assert [name for name in alone if alone[name] != helped[name]] == []


def test_when_the_helper_fails_the_plugin_does_the_work(
    example_site: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _shadowed(tmp_path / "shadow", monkeypatch, "jinja2", OUT_OF_MEMORY)  # in the helper only
    monkeypatch.setenv("EDCAL_NOW", DEMO_NOW)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.chdir(tmp_path)  # mkdocs-rss-plugin's cache lands here
    site = tmp_path / "site"
    config = load_config(str(_example_config(tmp_path)), site_dir=str(site), strict=True)
    config.plugins.on_startup(command="build", dirty=False)
    try:
        with caplog.at_level(logging.INFO):
            build(config)
    finally:
        config.plugins.on_shutdown()
    said = [r.getMessage() for r in caplog.records if "helper process failed" in r.getMessage()]
    # Once: the plugin stops a helper that failed and writes the feeds itself.
    assert said == [
        "edcal: the helper process failed (MemoryError: no memory left (exit code 1));"
        " rendering the calendar here"
    ]
    assert _calendar_files(site) == _calendar_files(example_site)


def test_pages_rendered_ahead_give_way_when_the_site_changed_since(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another plugin, after ours, points the site elsewhere: the helper rendered the pages
    # with the old address, so the plugin renders them again with the new one.
    original = EdcalPlugin.on_nav

    def moved(self: EdcalPlugin, nav: Navigation, /, **kwargs: Any) -> Navigation:
        kwargs["config"].site_url = "https://moved.example.net/"
        return original(self, nav, **kwargs)

    monkeypatch.setattr(EdcalPlugin, "on_nav", moved)
    monkeypatch.setenv("EDCAL_NOW", DEMO_NOW)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.chdir(tmp_path)
    site = tmp_path / "site"
    config = load_config(str(_example_config(tmp_path)), site_dir=str(site))
    config.plugins.on_startup(command="build", dirty=False)
    try:
        build(config)
    finally:
        config.plugins.on_shutdown()
    landing = (site / "calendar" / "index.html").read_text(encoding="utf-8")
    assert "webcal://moved.example.net/calendar.ics" in landing
    assert "atelier-libre.example.org/calendar.ics" not in landing


def test_under_serve_the_next_rebuild_has_a_helper_ready(
    example_site: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("EDCAL_NOW", DEMO_NOW)
    monkeypatch.setenv("NO_MKDOCS_2_WARNING", "1")
    monkeypatch.chdir(tmp_path)
    site = tmp_path / "site"
    config = load_config(str(_example_config(tmp_path)), site_dir=str(site))
    (plugin,) = [p for p in config.plugins.values() if isinstance(p, EdcalPlugin)]
    config.plugins.on_startup(command="serve", dirty=False)
    used = []
    try:
        for _ in range(2):  # the first build and a rebuild, as `mkdocs serve` runs them
            ready = plugin.helper
            with caplog.at_level(logging.INFO):
                build(config, serve_url="http://127.0.0.1:8000/")
            assert ready is not None and not ready.folder.exists()  # this build used it
            used.append(ready.pid)
            waiting = plugin.helper
            assert waiting is not None and waiting.waiting  # loading edcal for the next one
            assert _calendar_files(site) == _calendar_files(example_site)
    finally:
        config.plugins.on_shutdown()
    assert plugin.helper is None
    assert not waiting.folder.exists()
    assert len(set(used)) == 2
    assert not [r for r in caplog.records if "helper process failed" in r.getMessage()]
