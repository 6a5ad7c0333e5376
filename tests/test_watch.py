"""Listening: keyword feeds (files and HTTP on 127.0.0.1) -> new mentions, reported once."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import RepoFactory
from edcal.cli import main
from edcal.layout import SEEN_PATH
from edcal.watch import find_keywords, fold, read_seen, trim_seen
from repos import BASE_CONFIG

NOW = "2026-12-01T09:00:00+01:00"


def rss(*items: tuple[str, str, str]) -> str:
    """An RSS 2.0 feed; each item is (title, link, description)."""
    body = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<description>{text}</description>"
        "<pubDate>Tue, 01 Dec 2026 07:12:00 GMT</pubDate></item>"
        for title, link, text in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>Search</title><link>https://news.example/</link>{body}</channel></rss>\n"
    )


def atom(*entries: tuple[str, str, str]) -> str:
    """An Atom feed; each entry is (title, link, summary)."""
    body = "".join(
        f"<entry><title>{title}</title><link href='{link}'/><id>{link}</id>"
        f"<updated>2026-11-30T18:00:00Z</updated><summary type='html'>{text}</summary></entry>"
        for title, link, text in entries
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?>\n"
        "<feed xmlns='http://www.w3.org/2005/Atom'><title>Toots</title>"
        "<id>urn:feed</id><updated>2026-11-30T18:00:00Z</updated>"
        f"{body}</feed>\n"
    )


def watch_config(feeds: Mapping[str, str], keywords: str = '["atelier libre"]') -> str:
    lines = [
        BASE_CONFIG.rstrip("\n"),
        "watch:",
        f"  keywords: {keywords}",
        '  exclude: ["offre d\'emploi", job offer]',
        "  feeds:",
    ]
    for name, url in feeds.items():
        lines += [f"    - name: {name}", f"      url: {json.dumps(url)}"]
    return "\n".join(lines) + "\n"


def run(repo: Path, *args: str, now: str = NOW) -> Result:
    return CliRunner().invoke(main, ["--repo", str(repo), "--now", now, "watch", *args])


@pytest.fixture
def server() -> Iterator[tuple[str, dict[str, bytes]]]:
    """A feed server on 127.0.0.1: put bytes in the dict under a path, get its base URL."""
    pages: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = pages.get(self.path)
            self.send_response(200 if data is not None else 404)
            self.send_header("Content-Type", "application/xml")
            self.end_headers()
            self.wfile.write(data or b"not found")

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", pages
    httpd.shutdown()
    httpd.server_close()


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_accents_and_case_fold_away() -> None:
    assert fold("Atélier LIBRE") == "atelier libre"
    assert find_keywords("Atélier LIBRE ouvre", ["atelier libre"]) == ("atelier libre",)
    assert find_keywords("OUTILTHEQUE Atelier Libre", ["outilthèque atelier libre"]) == (
        "outilthèque atelier libre",
    )


def test_keywords_match_whole_words_and_phrases_only() -> None:
    assert find_keywords("L'Atelier Libre ouvre", ["atelier libre", "libre"]) == (
        "atelier libre",
        "libre",
    )
    assert find_keywords("Installez LibreOffice", ["libre"]) == ()
    assert find_keywords("Atelier Libreville", ["atelier libre"]) == ()
    assert find_keywords("notre atelier\n  libre, et #atelierlibre", ["atelier libre"]) == (
        "atelier libre",
    )
    assert find_keywords("#AtelierLibre", ["atelierlibre"]) == ("atelierlibre",)


def test_mentions_from_a_file_feed_are_a_digest_grouped_by_feed(
    make_repo: RepoFactory, tmp_path: Path
) -> None:
    feed = tmp_path / "news.xml"
    feed.write_text(
        rss(
            ("L'Atelier Libre ouvre ses portes", "https://news.example/1", "Enfin !"),
            ("Sortie de LibreOffice", "https://news.example/2", "rien à voir"),
            ("Un samedi", "https://news.example/3", "<p>Visite à l'<b>Atélier LIBRE</b></p>"),
        ),
        encoding="utf-8",
    )
    repo = make_repo(config=watch_config({"News": str(feed)}))
    result = run(repo)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "### News" in lines
    mentions = [line for line in lines if line.startswith("- ")]
    assert mentions == [
        "- [L'Atelier Libre ouvre ses portes](https://news.example/1)"
        " — Tue 01 Dec 2026 08:12 — *atelier libre*",
        "- [Un samedi](https://news.example/3) — Tue 01 Dec 2026 08:12 — *atelier libre*",
    ]
    assert "2 new mentions in 1 feed." in result.stdout


def test_an_entry_naming_an_exclusion_is_dropped(make_repo: RepoFactory, tmp_path: Path) -> None:
    feed = tmp_path / "jobs.xml"
    feed.write_text(
        rss(
            ("Offre d'emploi : Atelier Libre recrute", "https://jobs.example/1", ""),
            ("Atelier libre", "https://jobs.example/2", "Our JOB OFFER for you"),
            ("Atelier libre fête ses 10 ans", "https://jobs.example/3", ""),
        ),
        encoding="utf-8",
    )
    repo = make_repo(config=watch_config({"Jobs": str(feed)}))
    result = run(repo, "--json")
    assert result.exit_code == 0, result.output
    assert [m["link"] for m in json.loads(result.stdout)] == ["https://jobs.example/3"]


def test_a_mention_is_reported_once_across_runs(make_repo: RepoFactory, tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(rss(("Atelier libre", "https://news.example/1", "")), encoding="utf-8")
    repo = make_repo(config=watch_config({"News": str(feed)}))
    first = run(repo)
    assert first.exit_code == 0, first.output
    assert "1 new mention" in first.stdout
    seen = json.loads((repo / SEEN_PATH).read_text(encoding="utf-8"))["seen"]
    assert seen == {"https://news.example/1": "2026-12-01T09:00:00+01:00"}

    feed.write_text(
        rss(
            ("Atelier libre", "https://news.example/1", ""),
            ("Atelier libre again", "https://news.example/2", ""),
        ),
        encoding="utf-8",
    )
    second = run(repo, "--json", now="2026-12-01T10:00:00+01:00")
    assert second.exit_code == 0, second.output
    assert [m["title"] for m in json.loads(second.stdout)] == ["Atelier libre again"]
    third = run(repo, now="2026-12-01T11:00:00+01:00")
    assert "No new mentions in 1 feed." in third.stdout
    assert not [line for line in third.stdout.splitlines() if line.startswith("- ")]


def test_the_seen_file_keeps_each_mention_for_the_site(
    make_repo: RepoFactory, tmp_path: Path
) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text(rss(("Atelier libre", "https://news.example/2", "")), encoding="utf-8")
    repo = make_repo(config=watch_config({"News": str(feed)}))
    # A file in the format written before mentions were kept: seen keys and times only.
    old = {"kept": "…", "seen": {"https://news.example/1": "2026-11-30T09:00:00+01:00"}}
    (repo / SEEN_PATH).write_text(json.dumps(old), encoding="utf-8")
    result = run(repo)
    assert result.exit_code == 0, result.output
    assert "1 new mention" in result.stdout
    text = (repo / SEEN_PATH).read_text(encoding="utf-8")
    stored = json.loads(text)
    assert stored["seen"] == {
        "https://news.example/1": "2026-11-30T09:00:00+01:00",
        "https://news.example/2": "2026-12-01T09:00:00+01:00",
    }
    assert stored["mentions"] == {
        "https://news.example/2": {
            "feed": "News",
            "title": "Atelier libre",
            "link": "https://news.example/2",
            "published": "2026-12-01T07:12:00+00:00",
            "keywords": ["atelier libre"],
        }
    }
    assert '    "https://news.example/2": {"feed": "News", ' in text  # one line per mention
    # A later run keeps what it found before, and the mention is still reported once.
    feed.write_text(
        rss(
            ("Atelier libre", "https://news.example/2", ""),
            ("&lt;Atelier libre&gt; &amp; co", "https://news.example/3", ""),
        ),
        encoding="utf-8",
    )
    again = run(repo, "--json", now="2026-12-01T10:00:00+01:00")
    assert [m["link"] for m in json.loads(again.stdout)] == ["https://news.example/3"]
    memory = read_seen(repo)
    assert memory.notes == ()
    assert [(when.isoformat(), m.title, m.keywords) for when, m in memory.latest()] == [
        ("2026-12-01T07:12:00+00:00", "<Atelier libre> & co", ("atelier libre",)),
        ("2026-12-01T07:12:00+00:00", "Atelier libre", ("atelier libre",)),
    ]
    assert [m.link for _, m in memory.latest(limit=1)] == ["https://news.example/3"]


def test_the_same_link_in_two_feeds_is_reported_once(
    make_repo: RepoFactory, tmp_path: Path
) -> None:
    (tmp_path / "a.xml").write_text(rss(("Atelier libre", "https://x.example/1", "")))
    (tmp_path / "b.xml").write_text(atom(("Atelier libre!", "https://x.example/1", "")))
    repo = make_repo(config=watch_config({"A": str(tmp_path / "a.xml"), "B": "../b.xml"}))
    result = run(repo, "--json")
    assert [m["feed"] for m in json.loads(result.stdout)] == ["A"]


def test_json_lists_feed_title_link_published_and_keywords(
    make_repo: RepoFactory, server: tuple[str, dict[str, bytes]]
) -> None:
    base, pages = server
    pages["/toots.atom"] = atom(
        ("Nouveau", "https://toot.example/@a/1", "&lt;p&gt;Merci #AtelierLibre&lt;/p&gt;"),
    ).encode()
    repo = make_repo(
        config=watch_config({"Toots": f"{base}/toots.atom"}, '["atelier libre", atelierlibre]')
    )
    result = run(repo, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {
            "feed": "Toots",
            "title": "Nouveau",
            "link": "https://toot.example/@a/1",
            "published": "2026-11-30T19:00:00+01:00",
            "keywords": ["atelierlibre"],
        }
    ]


def test_broken_and_unreachable_feeds_are_reported_and_the_others_still_read(
    make_repo: RepoFactory, tmp_path: Path, server: tuple[str, dict[str, bytes]]
) -> None:
    base, pages = server
    pages["/good.rss"] = rss(("Atelier libre", "https://news.example/1", "")).encode()
    pages["/broken.rss"] = b"<?xml version='1.0'?>\n<<< this is no feed >>>"
    feeds = {
        "Broken": f"{base}/broken.rss",
        "Gone": f"http://127.0.0.1:{closed_port()}/feed.rss",
        "Missing": f"{base}/missing.rss",
        "Good": f"{base}/good.rss",
    }
    summary = tmp_path / "summary.md"
    result = CliRunner(env={"GITHUB_STEP_SUMMARY": str(summary)}).invoke(
        main,
        ["--repo", str(make_repo(config=watch_config(feeds))), "--now", NOW, "watch"],
    )
    assert result.exit_code == 0, result.output
    assert "- [Atelier libre](https://news.example/1)" in result.stdout
    assert "1 new mention in 4 feeds; 3 feeds could not be read." in result.stdout
    failures = [line for line in result.stderr.splitlines() if line.startswith("watch: feed")]
    assert len(failures) == 3
    assert failures[0].startswith(f"watch: feed Broken ({base}/broken.rss): not a feed")
    assert "Gone" in failures[1] and "unreachable" in failures[1]
    assert failures[2] == f"watch: feed Missing ({base}/missing.rss): HTTP 404 Not Found"
    quoted = [line for line in result.stdout.splitlines() if line.startswith("> ⚠ feed")]
    assert len(quoted) == 3
    assert summary.read_text(encoding="utf-8") == result.stdout


def test_every_feed_failing_exits_1(make_repo: RepoFactory, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<html><body>Service unavailable</body></html>")
    repo = make_repo(config=watch_config({"A": str(broken), "B": str(tmp_path / "none.xml")}))
    result = run(repo)
    assert result.exit_code == 1
    assert "watch: feed A" in result.stderr
    assert "watch: feed B" in result.stderr and "cannot read the file" in result.stderr


def test_no_feeds_is_said_not_failed(make_repo: RepoFactory) -> None:
    result = run(make_repo())
    assert result.exit_code == 0
    assert "No feeds configured" in result.stdout


def test_seen_keeps_what_feeds_still_list_and_forgets_the_old() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    seen = {
        "recent": now - timedelta(days=10),
        "old": now - timedelta(days=120),
        "old-but-listed": now - timedelta(days=400),
    }
    assert list(trim_seen(seen, {"old-but-listed"}, now)) == ["old-but-listed", "recent"]


def test_check_reports_a_feed_without_url(make_repo: RepoFactory) -> None:
    config = BASE_CONFIG + "watch:\n  keywords: [atelier]\n  feeds:\n    - name: Nothing\n"
    result = CliRunner().invoke(main, ["--repo", str(make_repo(config=config)), "check"])
    assert result.exit_code == 1
    assert "calendar/edcal.yml:30: error: a feed needs a `url`" in result.output
