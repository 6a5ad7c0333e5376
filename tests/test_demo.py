"""`make demo`'s publishing step: the example goes to the outbox once, even when run twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from edcal.load import load_content
from edcal.render import article_url

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-12-04T12:45:00+01:00"


def feed_with_the_first_article(path: Path) -> Path:
    content = load_content(ROOT)
    (first,) = [p for p in content.posts if p.date and p.date.isoformat().startswith("2026-12-04")]
    link = article_url(content.config, first)
    path.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Atelier Libre</title>'
        f"<item><title>{first.title}</title><link>{link}</link></item></channel></rss>",
        encoding="utf-8",
    )
    return path


def run_demo(demo: Path, feed: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("EDCAL_OUTBOX_DIR", "EDCAL_NOW")}
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts/demo_publish.py"), "--now", NOW, "--feed", str(feed),
         "--dir", str(demo)],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    return done.stdout


def outbox(demo: Path) -> list[tuple[str, str]]:
    lines = []
    for path in sorted((demo / "outbox").glob("*.jsonl")):
        lines += [(json.loads(line)["id"], path.stem) for line in path.open(encoding="utf-8")]
    return lines


def test_the_demo_publishes_fridays_posts_once_and_imports_the_past(tmp_path: Path) -> None:
    demo, feed = tmp_path / "demo", feed_with_the_first_article(tmp_path / "feed.xml")
    first = run_demo(demo, feed)
    assert "11 imported" in first
    assert "5 published" in first
    posts = outbox(demo)
    assert sorted(channel for _, channel in posts) == ["bluesky", "facebook", "mastodon", "x", "x"]
    assert sum(item.endswith(":announce") for item, _ in posts) == 2
    second = run_demo(demo, feed)
    assert "nothing due" in second
    assert outbox(demo) == posts
